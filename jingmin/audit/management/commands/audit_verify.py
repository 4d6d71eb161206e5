from django.core.management.base import BaseCommand, CommandError

from jingmin.audit.verification import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit hash chain and check it against the signed checkpoints."

    def handle(self, *args, **options):
        result = verify_chain()
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"FAIL: {problem}")
            raise CommandError(
                f"audit chain verification failed ({len(result.problems)} problem(s))"
            )
        self.stdout.write(
            f"OK: {result.events} events, head #{result.last_seq} {result.last_hash[:16]}…, "
            f"{result.checkpoints} signed checkpoint(s) match"
        )

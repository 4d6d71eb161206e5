from django.core.management.base import BaseCommand, CommandError

from jingmin.audit.verification import verify_chain


class Command(BaseCommand):
    help = (
        "Recompute the audit hash chains and check them against the signed checkpoints."
    )

    def handle(self, *args, **options):
        result = verify_chain()
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"FAIL: {problem}")
            raise CommandError(
                f"audit chain verification failed ({len(result.problems)} problem(s))"
            )
        ends = ", ".join(
            f"{chain}#{seq} {hash_[:12]}…"
            for chain, (seq, hash_) in sorted(result.heads.items())
        )
        self.stdout.write(
            f"OK: {result.events} events in {len(result.heads)} chain(s) "
            f"(ends {ends or '-'}), {result.checkpoints} signed checkpoint(s) match"
        )

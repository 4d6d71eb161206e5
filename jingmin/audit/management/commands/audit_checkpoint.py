from django.core.management.base import BaseCommand, CommandError

from jingmin.audit.verification import write_checkpoint


class Command(BaseCommand):
    help = "Verify the chains, then sign their ends and append them to the checkpoint store."

    def handle(self, *args, **options):
        try:
            record = write_checkpoint()
        except ValueError as exc:
            raise CommandError(f"not signing a broken chain: {exc}") from exc
        self.stdout.write(
            f"checkpoint: {record['events']} events in {len(record['heads'])} "
            f"chain(s) signed at {record['at']}"
        )

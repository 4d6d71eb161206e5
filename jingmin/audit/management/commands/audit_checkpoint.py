from django.core.management.base import BaseCommand, CommandError

from jingmin.audit.verification import write_checkpoint


class Command(BaseCommand):
    help = "Verify the chain, then sign its head and append it to the checkpoint store."

    def handle(self, *args, **options):
        try:
            record = write_checkpoint()
        except ValueError as exc:
            raise CommandError(f"not signing a broken chain: {exc}") from exc
        self.stdout.write(
            f"checkpoint: event #{record['seq']} {record['hash'][:16]}… at {record['at']}"
        )

from django.core.management.base import BaseCommand

from jingmin.core.retention import retention_days, retention_run
from jingmin.mediation.retention import retention_days as dispute_retention_days


class Command(BaseCommand):
    help = (
        "Anonymise appeals closed longer than APPEAL_RETENTION_DAYS ago "
        "(default 730): contact details, address, photos, numbers in the text; "
        "and the parties of disputes closed longer than MEDIATION_RETENTION_DAYS "
        "ago (default 730)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what is due"
        )

    def handle(self, *args, dry_run=False, **options):
        result = retention_run(dry_run=dry_run)
        verb = "would anonymise" if dry_run else "anonymised"
        self.stdout.write(
            f"{verb} {result.anonymised} appeal(s) closed before "
            f"{result.cutoff:%Y-%m-%d} (retention {retention_days()} days); "
            f"{result.attachments} photo(s) removed"
        )
        self.stdout.write(
            f"{verb} {result.disputes} dispute(s) closed before "
            f"{result.dispute_cutoff:%Y-%m-%d} "
            f"(retention {dispute_retention_days()} days)"
        )

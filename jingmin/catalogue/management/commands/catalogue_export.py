import json

from django.core.management.base import BaseCommand

from jingmin.catalogue import selectors


class Command(BaseCommand):
    help = "Write the published service catalogue to stdout (JSON or CSV), the same data as the open-data download."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, **options):
        records = selectors.catalogue_export()
        if options["format"] == "json":
            self.stdout.write(json.dumps(records, ensure_ascii=False, indent=1))
        else:
            selectors.write_csv(self.stdout, records)

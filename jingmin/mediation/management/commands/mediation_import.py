from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingmin.core.exceptions import DomainError
from jingmin.mediation.imports import disputes_import_csv


class Command(BaseCommand):
    help = "Import disputes from a CSV file (UTF-8, header row); all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            disputes = disputes_import_csv(text=file.read_text(encoding="utf-8-sig"))
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"imported {len(disputes)} dispute(s)")

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingmin.core.csvread import read_text
from jingmin.core.exceptions import DomainError
from jingmin.mediation.imports import disputes_import_csv


class Command(BaseCommand):
    help = (
        "Import disputes from a CSV file (UTF-8 or GBK, header row); all rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            disputes = disputes_import_csv(text=read_text(file))
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"imported {len(disputes)} dispute(s)")

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingmin.catalogue.services import applications_import
from jingmin.core.csvread import read_text
from jingmin.core.exceptions import DomainError, ImportFailed


class Command(BaseCommand):
    help = (
        "Import applications from a CSV file (columns service, received, completed, "
        "unit; optional visits, steps). All rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            text = read_text(path)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        try:
            count = applications_import(text=text, actor=None, filename=path.name)
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"imported {count} applications from {path.name}")

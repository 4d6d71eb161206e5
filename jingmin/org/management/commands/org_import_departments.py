from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingmin.core.csvread import read_text
from jingmin.core.exceptions import DomainError
from jingmin.org.services import departments_import_csv


class Command(BaseCommand):
    help = "Import government departments from CSV (one transaction)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            departments = departments_import_csv(text=read_text(file), actor=None)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"imported {len(departments)} department(s)")

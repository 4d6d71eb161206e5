from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingmin.core.csvread import read_text
from jingmin.core.exceptions import DomainError
from jingmin.org.selectors import bureau_get
from jingmin.org.services import units_import_geojson


class Command(BaseCommand):
    help = "Import units and their jurisdictions from a GeoJSON FeatureCollection (one transaction)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            text = read_text(file)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        bureau = bureau_get()
        if bureau is None:
            raise CommandError(
                "no bureau configured: run `jingmin demo --no-serve` or create one in the admin"
            )
        try:
            units = units_import_geojson(text=text, bureau=bureau, actor=None)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"imported {len(units)} unit(s)")

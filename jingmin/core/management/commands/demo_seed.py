from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# Order matters: later seeds use what earlier ones made.
SEED_MODULES = [
    "jingmin.org.demo",
    "jingmin.accounts.demo",
    "jingmin.appeals.demo",
    "jingmin.catalogue.demo",
    "jingmin.mediation.demo",
    "jingmin.hotspots.demo",
    "jingmin.open311.demo",
]


class Command(BaseCommand):
    help = "Seed the demo county 和平县 (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        for name in SEED_MODULES:
            try:
                module = import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            self.stdout.write(f"seeding {name.split('.')[1]}…")
            # One transaction per app: all or nothing, and one fsync instead of thousands.
            with transaction.atomic():
                module.seed(out=self.stdout)

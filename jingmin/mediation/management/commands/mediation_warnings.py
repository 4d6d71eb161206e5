from django.core.management.base import BaseCommand

from jingmin.mediation.warnings import warnings_recompute


class Command(BaseCommand):
    help = "Recompute the dispute early-warning list (repeat parties/addresses, re-opened, idle red)."

    def handle(self, *args, **options):
        counts = warnings_recompute()
        self.stdout.write(
            "warnings: {active} active, {new} new, {updated} updated, {resolved} resolved".format(
                **counts
            )
        )

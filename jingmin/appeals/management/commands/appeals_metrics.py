"""`jingmin appeals metrics [--full]`: refresh the monthly aggregates."""

from django.core.management.base import BaseCommand

from jingmin.appeals.metrics import metrics_refresh


class Command(BaseCommand):
    help = "刷新三率月度汇总（默认只重算有变动的月份）"

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="重算全部月份")

    def handle(self, *args, **options):
        months = metrics_refresh(full=options["full"])
        self.stdout.write(f"refreshed {months} month(s)")

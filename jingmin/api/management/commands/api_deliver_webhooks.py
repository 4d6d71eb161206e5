import time

from django.core.management.base import BaseCommand

from jingmin.api.webhooks import webhooks_collect, webhooks_deliver


class Command(BaseCommand):
    help = (
        "Turn new appeal events into webhook deliveries and POST the due ones "
        "(failures are retried with exponential backoff). --loop keeps running."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="run until stopped")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between passes"
        )

    def handle(self, *args, loop: bool, interval: float, **options):
        while True:
            created = webhooks_collect()
            landed = webhooks_deliver()
            if created or landed or not loop:
                self.stdout.write(f"queued {created}, delivered {landed}")
            if not loop:
                return
            time.sleep(interval)

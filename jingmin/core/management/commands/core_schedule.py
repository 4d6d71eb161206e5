"""`jingmin core schedule`: start every periodic job once (`jingmin serve` does it
too). Safe at every deployment: a job already waiting or running is left alone."""

from django.core.management.base import BaseCommand

from jingmin.core.tasks import PERIODIC, periodic_schedule


class Command(BaseCommand):
    help = (
        "Enqueue the self-repeating periodic jobs (appeals, mediation, retention, "
        "audit checkpoint) for `jingmin worker`; without a worker, print the cron "
        "commands to use instead."
    )

    def handle(self, *args, **options):
        outcome = periodic_schedule()
        for periodic in PERIODIC:
            result = outcome[periodic.name]
            if result == "no worker":
                result = f"no worker: run `{periodic.command}` from cron"
            self.stdout.write(f"{periodic.name}: {result}")

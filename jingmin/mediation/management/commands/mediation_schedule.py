"""`jingmin mediation schedule`: enqueue the self-repeating warnings job once."""

from django.core.management.base import BaseCommand

from jingmin.mediation.tasks import mediation_periodic


class Command(BaseCommand):
    help = "启动矛盾纠纷预警定时任务（由 jingmin worker 每小时执行）"

    def handle(self, *args, **options):
        result = mediation_periodic.enqueue()
        self.stdout.write(f"enqueued {result.id} ({result.status})")

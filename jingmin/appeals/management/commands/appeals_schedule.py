"""`jingmin appeals schedule`: enqueue the self-repeating periodic job once.

Safe to run at every deployment: nothing is enqueued while a run is already
waiting or running in the database queue (django-tasks-db).
"""

from django.core.management.base import BaseCommand

from jingmin.appeals.tasks import appeals_periodic
from jingmin.core.tasks import chain_alive


class Command(BaseCommand):
    help = "启动诉求定时任务（超期升级与统计刷新，由 jingmin worker 每5分钟执行）"

    def handle(self, *args, **options):
        if chain_alive(appeals_periodic):
            self.stdout.write("already scheduled")
            return
        result = appeals_periodic.enqueue()
        self.stdout.write(f"enqueued {result.id} ({result.status})")

"""`jingmin appeals schedule`: enqueue the self-repeating periodic job once."""

from django.core.management.base import BaseCommand

from jingmin.appeals.tasks import appeals_periodic


class Command(BaseCommand):
    help = "启动诉求定时任务（超期升级与统计刷新，由 jingmin worker 每5分钟执行）"

    def handle(self, *args, **options):
        result = appeals_periodic.enqueue()
        self.stdout.write(f"enqueued {result.id} ({result.status})")

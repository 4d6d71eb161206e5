"""`jingmin appeals schedule`: enqueue the self-repeating periodic job once.

Safe to run at every deployment: nothing is enqueued while a run is already
waiting or running in the database queue (django-tasks-db).
"""

from django.core.management.base import BaseCommand

from jingmin.appeals.tasks import appeals_periodic


def chain_alive() -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another backend keeps no table
        return False
    return DBTaskResult.objects.filter(
        task_path=appeals_periodic.module_path, status__in=["READY", "RUNNING"]
    ).exists()


class Command(BaseCommand):
    help = "启动诉求定时任务（超期升级与统计刷新，由 jingmin worker 每5分钟执行）"

    def handle(self, *args, **options):
        if chain_alive():
            self.stdout.write("already scheduled")
            return
        result = appeals_periodic.enqueue()
        self.stdout.write(f"enqueued {result.id} ({result.status})")

"""`jingmin appeals escalate`: flag overdue appeals, close stale ones.

Run it every few minutes from cron (see docs/manual/appeals.md), or let
`jingmin worker` do it: the task appeals.tasks.escalate re-enqueues itself.
"""

from django.core.management.base import BaseCommand

from jingmin.appeals.services import appeals_escalate


class Command(BaseCommand):
    help = "超期诉求升级督办；逾期未补充材料、回访期满的诉求办结"

    def handle(self, *args, **options):
        result = appeals_escalate()
        self.stdout.write(
            f"escalated={result.escalated} info_closed={result.info_closed} "
            f"closed_unrated={result.closed_unrated}"
        )

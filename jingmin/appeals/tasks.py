"""The periodic job: escalate overdue appeals, refresh the monthly figures, and
purge stale rate-limit buckets and week-old idempotency records.

With `jingmin worker` (django-tasks-db) the task re-enqueues itself every
APPEALS_PERIODIC_SECONDS (300); `jingmin appeals schedule` starts the chain once.
With a backend that cannot defer (the immediate backend of tests and of a
worker-less install) it runs once and cron must call `jingmin appeals escalate`
and `jingmin appeals metrics` instead (docs/manual/appeals.md).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from jingmin.core.tasks import task


def period_seconds() -> int:
    return int(getattr(settings, "APPEALS_PERIODIC_SECONDS", 300))


@task()
def appeals_periodic() -> str:
    from jingmin.core.idempotency import idempotency_purge
    from jingmin.core.ratelimit import rate_limit_purge

    from .metrics import metrics_refresh
    from .services import appeals_escalate

    result = appeals_escalate()
    months = metrics_refresh()
    rate_limit_purge()
    idempotency_purge()
    if appeals_periodic.get_backend().supports_defer:
        appeals_periodic.using(
            run_after=timezone.now() + dt.timedelta(seconds=period_seconds())
        ).enqueue()
    return (
        f"escalated={result.escalated} info_closed={result.info_closed} "
        f"closed_unrated={result.closed_unrated} months={months}"
    )

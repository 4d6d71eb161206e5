"""The periodic job: grade open disputes again, then recompute the warning list.

With `jingmin worker` (django-tasks-db) the task re-enqueues itself every
MEDIATION_PERIODIC_SECONDS (3600); `jingmin mediation schedule` starts the chain
once. Without a worker, cron runs `jingmin mediation regrade` and `jingmin mediation warnings` instead.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jingmin.core.tasks import task

from . import conf


@task()
def mediation_periodic() -> str:
    from .services import disputes_regrade
    from .warnings import warnings_recompute

    regraded = disputes_regrade()
    counts = warnings_recompute()
    if mediation_periodic.get_backend().supports_defer:
        mediation_periodic.using(
            run_after=timezone.now()
            + dt.timedelta(seconds=int(conf.get("PERIODIC_SECONDS")))
        ).enqueue()
    return f"regraded={regraded} " + (
        "warnings active={active} new={new} resolved={resolved}".format(**counts)
    )

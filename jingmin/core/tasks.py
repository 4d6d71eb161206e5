"""Background tasks: the one import point for the task decorator, and the schedule
of every periodic job (ADR 015, ADR 103).

django-tasks is the backport of Django 6's django.tasks; django-tasks-db runs them
from the database with `jingmin worker` (no Redis needed). On Django 6 this module
switches to django.tasks and nothing else changes.

A periodic job is a task that enqueues itself again after its period when the
backend can defer (django-tasks-db). ``periodic_schedule()`` starts every chain
that is not already waiting or running; `jingmin serve` calls it when it starts
the worker, and `jingmin core schedule` does the same by hand. Without a worker,
cron runs the matching commands (README, "Periodic jobs").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

try:  # Django >= 6.0
    from django.tasks import task  # type: ignore[import-not-found]
except ImportError:  # Django 5.2
    from django_tasks import task

__all__ = [
    "PERIODIC",
    "Periodic",
    "audit_checkpoint_periodic",
    "periodic_schedule",
    "retention_periodic",
    "task",
]


def _again(job: Any, seconds: int) -> None:
    if job.get_backend().supports_defer:
        job.using(run_after=timezone.now() + dt.timedelta(seconds=seconds)).enqueue()


def retention_seconds() -> int:
    return int(getattr(settings, "RETENTION_PERIODIC_SECONDS", 86400))


def checkpoint_seconds() -> int:
    return int(getattr(settings, "AUDIT_CHECKPOINT_SECONDS", 3600))


@task()
def retention_periodic() -> str:
    """Daily: anonymise old closed appeals and disputes (`jingmin core retention`)."""
    from jingmin.core.retention import retention_run

    try:
        result = retention_run()
    finally:
        _again(retention_periodic, retention_seconds())
    return (
        f"appeals={result.anonymised} photos={result.attachments} "
        f"disputes={result.disputes}"
    )


@task()
def audit_checkpoint_periodic() -> str:
    """Hourly: verify the audit chains and sign their ends (`jingmin audit checkpoint`).

    A broken chain is not signed: the task fails (the worker records the error) and
    the next run tries again, so the alarm repeats until someone looks."""
    from jingmin.audit.verification import write_checkpoint

    try:
        record = write_checkpoint()
    finally:
        _again(audit_checkpoint_periodic, checkpoint_seconds())
    return f"checkpoint events={record['events']} chains={len(record['heads'])}"


@dataclass(frozen=True)
class Periodic:
    name: str
    command: str  # what cron runs instead, without a worker
    load: Callable[[], Any]  # the task (imported late: apps import this module)


def _appeals() -> Any:
    from jingmin.appeals.tasks import appeals_periodic

    return appeals_periodic


def _mediation() -> Any:
    from jingmin.mediation.tasks import mediation_periodic

    return mediation_periodic


PERIODIC: list[Periodic] = [
    Periodic(
        "appeals", "jingmin appeals escalate && jingmin appeals metrics", _appeals
    ),
    Periodic(
        "mediation",
        "jingmin mediation regrade && jingmin mediation warnings",
        _mediation,
    ),
    Periodic("retention", "jingmin core retention", lambda: retention_periodic),
    Periodic(
        "audit-checkpoint",
        "jingmin audit checkpoint",
        lambda: audit_checkpoint_periodic,
    ),
]


def chain_alive(job: Any) -> bool:
    """A run of ``job`` is waiting or running in the database queue."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another backend keeps no table
        return False
    return DBTaskResult.objects.filter(
        task_path=job.module_path, status__in=["READY", "RUNNING"]
    ).exists()


def periodic_schedule() -> dict[str, str]:
    """Start every periodic chain not already queued; name → what happened.

    Only with a backend that can defer: an immediate backend would run every job
    once, now, inside the caller, which is not a schedule (returns "no worker")."""
    outcome: dict[str, str] = {}
    for periodic in PERIODIC:
        job = periodic.load()
        if not job.get_backend().supports_defer:
            outcome[periodic.name] = "no worker"
        elif chain_alive(job):
            outcome[periodic.name] = "already scheduled"
        else:
            outcome[periodic.name] = f"enqueued {job.enqueue().id}"
    return outcome

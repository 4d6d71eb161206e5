"""Periodic jobs (ADR 015, ADR 103): retention and the audit checkpoint repeat
themselves under the worker; `jingmin serve` schedules every chain and runs the
web server, the worker and the webhook sender side by side."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jingmin.audit.models import AuditEvent
from jingmin.core import tasks
from jingmin.core.management.commands import serve

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CHAINS = {
    "appeals": "jingmin.appeals.tasks.appeals_periodic",
    "mediation": "jingmin.mediation.tasks.mediation_periodic",
    "retention": "jingmin.core.tasks.retention_periodic",
    "audit-checkpoint": "jingmin.core.tasks.audit_checkpoint_periodic",
}


@pytest.fixture
def queue(settings, tmp_path):
    settings.TASKS = DB_BACKEND
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "audit.pem"
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "checkpoints.jsonl"
    return settings


def queued() -> dict[str, int]:
    rows = DBTaskResult.objects.filter(status="READY")
    return {name: rows.filter(task_path=path).count() for name, path in CHAINS.items()}


@pytest.mark.django_db
def test_schedule_starts_every_chain_once(queue):
    outcome = tasks.periodic_schedule()
    assert set(outcome) == set(CHAINS)
    assert all(v.startswith("enqueued ") for v in outcome.values()), outcome
    assert queued() == dict.fromkeys(CHAINS, 1)
    again = tasks.periodic_schedule()
    assert again == dict.fromkeys(CHAINS, "already scheduled")
    assert queued() == dict.fromkeys(CHAINS, 1)


@pytest.mark.django_db
def test_without_a_worker_nothing_runs_and_cron_is_named(settings):
    settings.TASKS = IMMEDIATE
    out = StringIO()
    call_command("core_schedule", stdout=out)
    assert tasks.periodic_schedule() == dict.fromkeys(CHAINS, "no worker")
    assert "run `jingmin core retention` from cron" in out.getvalue()
    assert "run `jingmin audit checkpoint` from cron" in out.getvalue()
    assert not AuditEvent.objects.filter(action="appeal.anonymise").exists()


@pytest.mark.django_db
def test_retention_job_runs_and_enqueues_itself_a_day_later(queue):
    queue.RETENTION_PERIODIC_SECONDS = 86400
    with mock.patch("jingmin.core.retention.retention_run") as run:
        run.return_value = mock.Mock(anonymised=2, attachments=1, disputes=3)
        assert tasks.retention_periodic.call() == "appeals=2 photos=1 disputes=3"
    run.assert_called_once_with()
    row = DBTaskResult.objects.get(task_path=CHAINS["retention"])
    wait = row.run_after - timezone.now()
    assert dt.timedelta(hours=23) < wait <= dt.timedelta(days=1)


@pytest.mark.django_db
def test_a_failing_retention_run_keeps_the_chain(queue):
    with mock.patch("jingmin.core.retention.retention_run", side_effect=RuntimeError):
        with pytest.raises(RuntimeError):
            tasks.retention_periodic.call()
    assert queued()["retention"] == 1


@pytest.mark.django_db
def test_checkpoint_job_signs_the_head_and_repeats_hourly(queue, county):
    from jingmin.audit.services import event_record

    queue.AUDIT_CHECKPOINT_SECONDS = 3600
    event_record(actor=None, actor_label="system", action="test.event")
    events = AuditEvent.objects.count()
    head = AuditEvent.objects.order_by("-created_at").first()
    assert (
        tasks.audit_checkpoint_periodic.call() == f"checkpoint events={events} chains=1"
    )
    lines = queue.AUDIT_CHECKPOINT_FILE.read_text().splitlines()
    signed = json.loads(lines[0])["heads"]
    assert len(lines) == 1 and signed[str(head.chain)] == [head.seq, head.hash]
    row = DBTaskResult.objects.get(task_path=CHAINS["audit-checkpoint"])
    wait = row.run_after - timezone.now()
    assert dt.timedelta(minutes=59) < wait <= dt.timedelta(hours=1)


def test_serve_runs_server_worker_and_webhook_sender():
    commands = serve.child_commands(
        host="127.0.0.1", port=8123, workers=2, threads=4, worker=True, webhooks=True
    )
    assert (
        commands[0][0].endswith("granian")
        and "jingmin.wsgi:application" in (commands[0])
    )
    assert [c[1:] for c in commands[1:]] == [
        ["worker"],
        ["api", "deliver-webhooks", "--loop"],
    ]
    assert all(c[0].endswith("jingmin") for c in commands[1:])


class FakeChild:
    def __init__(self, cmd):
        self.cmd, self.returncode = cmd, 0

    def poll(self):
        return 0

    def wait(self, timeout=None):
        return 0

    def terminate(self):  # pragma: no cover - already stopped
        pass


def run_serve(*args: str) -> tuple[list[list[str]], str]:
    started: list[list[str]] = []

    def popen(cmd):
        started.append(cmd)
        return FakeChild(cmd)

    out, err = StringIO(), StringIO()
    with (
        mock.patch.object(serve.subprocess, "Popen", side_effect=popen),
        mock.patch.object(serve.signal, "signal"),
        pytest.raises(SystemExit) as stop,
    ):
        call_command("serve", *args, stdout=out, stderr=err)
    assert stop.value.code == 0
    # The fake children have all "exited": serve says which one it noticed first.
    assert "granian --interface exited with status 0; stopping" in err.getvalue()
    return started, out.getvalue()


@pytest.mark.django_db
def test_serve_schedules_the_periodic_jobs_before_starting_the_worker(queue):
    started, out = run_serve("--port", "8124")
    assert [c[1:2] for c in started[1:]] == [["worker"], ["api"]]
    assert queued() == dict.fromkeys(CHAINS, 1)
    assert "periodic job retention: enqueued" in out
    assert "periodic job audit-checkpoint: enqueued" in out


@pytest.mark.django_db
def test_serve_without_worker_still_sends_webhooks(queue):
    started, out = run_serve("--no-worker")
    assert [c[1:] for c in started[1:]] == [["api", "deliver-webhooks", "--loop"]]
    assert queued() == dict.fromkeys(CHAINS, 0)
    assert "cron" in out
    started, _ = run_serve("--no-worker", "--no-webhooks")
    assert len(started) == 1


def test_tasks_run_from_the_database_queue_unless_configured():
    """Without TASKS_BACKEND, serve starts a worker (the tests set the immediate one)."""
    env = {k: v for k, v in os.environ.items() if k != "TASKS_BACKEND"}
    env["DJANGO_SETTINGS_MODULE"] = "jingmin.settings"
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TASKS['default']['BACKEND'])"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "django_tasks_db.DatabaseBackend"


@pytest.mark.django_db
def test_serve_still_serves_when_scheduling_fails(queue):
    from django.db import OperationalError

    with mock.patch.object(
        serve, "periodic_schedule", side_effect=OperationalError("no such table")
    ):
        started, _ = run_serve()
    assert [c[1:2] for c in started[1:]] == [["worker"], ["api"]]

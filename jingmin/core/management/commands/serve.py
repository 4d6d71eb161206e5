import os
import shutil
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError

from jingmin.core.tasks import periodic_schedule


def _bin(name: str) -> str:
    return (
        shutil.which(name, path=os.path.dirname(sys.executable))
        or shutil.which(name)
        or name
    )


def worker_wanted(no_worker: bool) -> bool:
    return not no_worker and "django_tasks_db" in settings.TASKS["default"]["BACKEND"]


def child_commands(
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    worker: bool,
    webhooks: bool,
) -> list[list[str]]:
    """What `jingmin serve` runs side by side: the web server first (its exit
    status is serve's), then the task worker and the webhook sender."""
    commands = [
        [
            _bin("granian"), "--interface", "wsgi", "--host", host, "--port",
            str(port), "--workers", str(workers), "--blocking-threads", str(threads),
            "--no-ws", "jingmin.wsgi:application",
        ]
    ]  # fmt: skip
    if worker:
        commands.append([_bin("jingmin"), "worker"])
    if webhooks:
        commands.append([_bin("jingmin"), "api", "deliver-webhooks", "--loop"])
    return commands


class Command(BaseCommand):
    help = (
        "Serve the platform with granian (WSGI, static files served by the app) and run "
        "the background-task worker (with every periodic job scheduled) and the webhook "
        "sender beside it; Ctrl-C or SIGTERM stops them all."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default=os.environ.get("JINGMIN_HOST", "127.0.0.1")
        )
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("JINGMIN_PORT", "8000"))
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("JINGMIN_WORKERS", "2"))
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("JINGMIN_THREADS", "8")),
            help="blocking threads per worker; bounded so workers cannot exhaust database connections",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the background-task worker (periodic jobs: cron)",
        )
        parser.add_argument(
            "--no-webhooks",
            action="store_true",
            help="do not start the webhook sender (jingmin api deliver-webhooks --loop)",
        )

    def handle(
        self, *args, host, port, workers, threads, no_worker, no_webhooks, **options
    ):
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        worker = worker_wanted(no_worker)
        if worker:
            # Before the worker starts, so its first poll finds the chains.
            try:
                scheduled = periodic_schedule()
            except DatabaseError as exc:  # e.g. not migrated yet: serve anyway
                scheduled = {}
                self.stderr.write(
                    f"periodic jobs not scheduled ({exc}); run `jingmin migrate`, "
                    "then `jingmin core schedule`"
                )
            for name, outcome in scheduled.items():
                self.stdout.write(f"periodic job {name}: {outcome}")
        else:
            self.stdout.write(
                "no task worker: run the periodic jobs from cron (README, Periodic jobs)"
            )
        commands = child_commands(
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            worker=worker,
            webhooks=not no_webhooks,
        )
        children = [subprocess.Popen(cmd) for cmd in commands]  # noqa: S603
        self.stdout.write(
            f"serving on http://{host}:{port}/ ({workers} workers × {threads} threads)"
        )
        self.stdout.flush()

        signalled: list[int] = []

        def stop(signum, frame):
            if signum is not None:
                signalled.append(signum)
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            for cmd, child in zip(commands, children, strict=True):
                if not signalled and child.returncode is not None:
                    name = " ".join(os.path.basename(part) for part in cmd[:2])
                    self.stderr.write(
                        f"{name} exited with status {child.returncode}; stopping"
                    )
                    break
        finally:
            stop(None, None)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        raise SystemExit(children[0].returncode or 0)

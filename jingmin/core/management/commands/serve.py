import os
import shutil
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def _bin(name: str) -> str:
    return (
        shutil.which(name, path=os.path.dirname(sys.executable))
        or shutil.which(name)
        or name
    )


class Command(BaseCommand):
    help = (
        "Serve the platform with granian (WSGI, static files served by the app) and run the "
        "background-task worker beside it; Ctrl-C or SIGTERM stops both."
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
            help="do not start the background-task worker",
        )

    def handle(self, *args, host, port, workers, threads, no_worker, **options):
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        server_cmd = [
            _bin("granian"), "--interface", "wsgi", "--host", host, "--port", str(port),
            "--workers", str(workers), "--blocking-threads", str(threads), "--no-ws",
            "jingmin.wsgi:application",
        ]  # fmt: skip
        children = [subprocess.Popen(server_cmd)]  # noqa: S603
        if not no_worker and "django_tasks_db" in settings.TASKS["default"]["BACKEND"]:
            children.append(subprocess.Popen([_bin("jingmin"), "worker"]))  # noqa: S603
        self.stdout.write(
            f"serving on http://{host}:{port}/ ({workers} workers × {threads} threads)"
        )
        self.stdout.flush()

        def stop(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop(None, None)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        raise SystemExit(children[0].returncode or 0)

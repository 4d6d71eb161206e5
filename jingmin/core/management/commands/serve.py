import os
import shutil
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with granian (WSGI); static files are served by the app (WhiteNoise)."

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
            help="blocking threads per worker; keep it bounded so workers do not exhaust database connections",
        )

    def handle(self, *args, host, port, workers, threads, **options):
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        granian = shutil.which(
            "granian", path=os.path.dirname(sys.executable)
        ) or shutil.which("granian")
        cmd = [
            granian or "granian",
            "--interface", "wsgi",
            "--host", host,
            "--port", str(port),
            "--workers", str(workers),
            "--blocking-threads", str(threads),
            "--no-ws",
            "jingmin.wsgi:application",
        ]  # fmt: skip
        self.stdout.write(
            f"serving on http://{host}:{port}/ ({workers} workers × {threads} threads)"
        )
        self.stdout.flush()
        os.execv(cmd[0], cmd)  # noqa: S606  (replace this process: signals reach granian directly)

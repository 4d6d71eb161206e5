import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from jingmin.accounts.demo import DEMO_PASSWORD, logins


class Command(BaseCommand):
    help = "Migrate, seed the demo county, print the demo log-ins, then serve (unless --no-serve)."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true")
        # Same defaults as `jingmin serve`, so JINGMIN_PORT also moves `make demo`.
        parser.add_argument(
            "--host", default=os.environ.get("JINGMIN_HOST", "127.0.0.1")
        )
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("JINGMIN_PORT", "8000"))
        )

    def handle(self, *args, no_serve, host, port, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("demo_seed")
        self.stdout.write("")
        self.stdout.write(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
        for username, role, name in logins():
            self.stdout.write(f"  {role:<14} {username:<10} {name}")
        for hook in _demo_notes():
            self.stdout.write(hook)
        self.stdout.write(
            f"Public portal: http://{host}:{port}/   Staff console: http://{host}:{port}/console/"
        )
        if not no_serve:
            call_command("serve", host=host, port=port)


def _demo_notes() -> list[str]:
    """Lines each app's demo module adds to the banner (e.g. the Open311 demo API key)."""
    from importlib import import_module

    from .demo_seed import SEED_MODULES

    notes = []
    for name in SEED_MODULES:
        try:
            module = import_module(name)
        except ModuleNotFoundError:
            continue
        notes.extend(getattr(module, "DEMO_NOTES", []))
    return notes

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jingmin.accounts.roles import Role
from jingmin.accounts.services import staff_create


class Command(BaseCommand):
    help = "Create a system administrator (or, with --auditor, the separate audit administrator)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--auditor",
            action="store_true",
            help="create the audit administrator instead",
        )
        parser.add_argument(
            "--password-env",
            default="JINGMIN_ADMIN_PASSWORD",
            help="read the password from this variable",
        )

    def handle(self, *args, username, auditor, password_env, **options):
        password = os.environ.get(password_env) or getpass.getpass("password: ")
        try:
            user = staff_create(
                username=username,
                password=password,
                role=Role.AUDITOR if auditor else Role.ADMIN,
                actor=None,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"created {user.role} {user.username}")

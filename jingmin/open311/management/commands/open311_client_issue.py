from django.core.management.base import BaseCommand, CommandError

from jingmin.core.exceptions import DomainError
from jingmin.open311.services import client_issue


class Command(BaseCommand):
    help = "Register an Open311 client and print its API key (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--contact", default="")
        parser.add_argument("--rate", type=int, default=30, help="requests per minute")

    def handle(self, *args, name: str, contact: str, rate: int, **options):
        try:
            client, raw = client_issue(
                actor=None, name=name, contact=contact, rate_per_minute=rate
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Open311 client {client.name}: api_key {raw}")

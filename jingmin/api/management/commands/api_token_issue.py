from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from jingmin.api.services import token_issue
from jingmin.core.exceptions import DomainError


class Command(BaseCommand):
    help = "Issue an API token to a service account; the token is printed once."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="the service account")
        parser.add_argument("--name", required=True, help="what the token is for")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有这个账号：{username}")
        try:
            token, raw = token_issue(actor=None, user=user, name=name)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"token {token.prefix}… for {username} ({user.role}): {raw}")

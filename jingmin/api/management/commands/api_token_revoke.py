from django.core.management.base import BaseCommand, CommandError

from jingmin.api.models import ServiceToken
from jingmin.api.services import token_revoke


class Command(BaseCommand):
    help = "Revoke API tokens by their prefix (as shown in the admin, e.g. jm_AbCdE)."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, prefix: str, **options):
        tokens = list(
            ServiceToken.objects.filter(prefix=prefix, revoked_at__isnull=True)
        )
        if not tokens:
            raise CommandError(f"没有前缀为 {prefix} 的有效令牌")
        for token in tokens:
            token_revoke(actor=None, token=token)
        self.stdout.write(f"revoked {len(tokens)} token(s)")

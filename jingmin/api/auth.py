"""Token authentication for service accounts (integrations).

A token is shown once at creation; only its SHA-256 is stored. The account behind
it is a staff User with a role and unit/department, so scoping applies unchanged.
"""

from __future__ import annotations

import hashlib

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ServiceTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = (
            authentication.get_authorization_header(request).decode("latin-1").split()
        )
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式错误"))
        from .models import ServiceToken

        try:
            token = ServiceToken.objects.select_related("user").get(
                digest=token_digest(header[1]), revoked_at__isnull=True
            )
        except ServiceToken.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销")) from exc
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("账号已停用"))
        ServiceToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword

"""Writes for the API app: service-account tokens (webhooks are in webhooks.py)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.audit.services import event_record
from jingmin.core.exceptions import DomainError

from .auth import token_digest
from .models import ServiceToken


@transaction.atomic
def token_issue(
    *, actor: Any, user: Any, name: str, request: Any = None
) -> tuple[ServiceToken, str]:
    """A token for a service account; the raw value is returned once, never stored."""
    if not (user.is_service_account and user.is_active and user.role):
        raise DomainError(
            _("只能为启用的服务账号签发令牌：%(u)s") % {"u": user.get_username()},
            field="user",
        )
    raw = ServiceToken.new_raw()
    token = ServiceToken.objects.create(
        user=user, name=name, digest=token_digest(raw), prefix=raw[:8]
    )
    event_record(
        actor=actor,
        actor_label="system" if actor is None else "",
        action="api.token_issue",
        obj=token,
        changes={
            "user": user.get_username(),
            "role": user.role,
            "prefix": token.prefix,
        },
        request=request,
    )
    return token, raw


@transaction.atomic
def token_revoke(
    *, actor: Any, token: ServiceToken, request: Any = None
) -> ServiceToken:
    token = ServiceToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        event_record(
            actor=actor,
            actor_label="system" if actor is None else "",
            action="api.token_revoke",
            obj=token,
            request=request,
        )
    return token

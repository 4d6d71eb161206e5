"""Writes for Open311: API clients and their keys, and the catalogue version stamp.

Requests themselves are created by the appeals intake service (same routing,
classification, audit and idempotency as the web form); see ``views.requests_create``.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.audit.services import event_record
from jingmin.core.exceptions import DomainError
from jingmin.core.ratelimit import rate_limit_take

from .errors import ErrorItem, Open311Error, forbidden
from .models import CatalogueVersion, Open311Client


def key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def client_issue(
    *,
    actor: Any,
    name: str,
    contact: str = "",
    rate_per_minute: int = 30,
    raw_key: str | None = None,
    request: Any = None,
) -> tuple[Open311Client, str]:
    """A new client and its API key, returned once in clear (only the digest is kept)."""
    raw_key = raw_key or Open311Client.new_raw_key()
    if Open311Client.objects.filter(name=name).exists():
        raise DomainError(
            _("已有同名的 Open311 客户端：%(name)s") % {"name": name}, field="name"
        )
    client = Open311Client.objects.create(
        name=name,
        contact=contact,
        rate_per_minute=rate_per_minute,
        key_digest=key_digest(raw_key),
        key_prefix=raw_key[:8],
    )
    event_record(
        actor=actor,
        actor_label="system" if actor is None else "",
        action="open311.client_issue",
        obj=client,
        changes={"name": name, "key_prefix": client.key_prefix},
        request=request,
    )
    return client, raw_key


@transaction.atomic
def client_rekey(
    *, actor: Any, client: Open311Client, request: Any = None
) -> tuple[Open311Client, str]:
    """A fresh key for the client; the old one stops working at once."""
    client = Open311Client.objects.select_for_update().get(pk=client.pk)
    raw_key = Open311Client.new_raw_key()
    client.key_digest = key_digest(raw_key)
    client.key_prefix = raw_key[:8]
    client.revoked_at = None
    client.save(update_fields=["key_digest", "key_prefix", "revoked_at"])
    event_record(
        actor=actor,
        action="open311.client_rekey",
        obj=client,
        changes={"key_prefix": client.key_prefix},
        request=request,
    )
    return client, raw_key


@transaction.atomic
def client_revoke(
    *, actor: Any, client: Open311Client, request: Any = None
) -> Open311Client:
    client = Open311Client.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        event_record(
            actor=actor, action="open311.client_revoke", obj=client, request=request
        )
    return client


def client_authenticate(raw_key: str) -> Open311Client:
    """The active client holding ``raw_key``, after taking one token of its quota."""
    if not raw_key:
        raise forbidden(_("缺少 api_key"))
    client = Open311Client.objects.filter(key_digest=key_digest(raw_key)).first()
    if client is None or client.revoked_at is not None:
        raise forbidden(_("api_key 无效或已吊销"))
    wait = rate_limit_take(
        "open311.key", str(client.pk), f"{max(client.rate_per_minute, 1)}/m"
    )
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise Open311Error(
            429,
            ErrorItem(429, _("请求过于频繁，请 %(s)s 秒后再试") % {"s": seconds}),
            headers={"Retry-After": str(seconds)},
        )
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client


def catalogue_version() -> CatalogueVersion:
    """The stored stamp, moved forward when the categories' fingerprint changed."""
    from .selectors import catalogue_digest

    digest = catalogue_digest()
    current = CatalogueVersion.objects.filter(pk=1).first()
    if current is not None and current.digest == digest:
        return current
    try:
        with transaction.atomic():
            current, _created = CatalogueVersion.objects.update_or_create(
                pk=1, defaults={"digest": digest, "changed_at": timezone.now()}
            )
    except IntegrityError:  # a concurrent reader stored it first
        current = CatalogueVersion.objects.get(pk=1)
    return current

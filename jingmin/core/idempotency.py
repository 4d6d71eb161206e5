"""Idempotency-Key for POSTs that create things (draft-ietf-httpapi-idempotency-key).

``idempotent(scope=, key=, payload=, handler=)`` runs the handler at most once per
(scope, key): the key is claimed, the handler creates its rows and audit events,
and the response is stored — all in ONE transaction, so a crash leaves either
everything or nothing and a retry after a crash simply runs again. A retry with
the same payload replays the stored response; the same key with another payload
is refused (422). Keys are meant to be random (UUIDs); they are not secrets.
Stored responses are encrypted with the field keys and purged after a week.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .crypto import decrypt, encrypt
from .exceptions import DomainError

KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422


class IdempotencyKeyInvalid(DomainError):
    code = "idempotency_key_invalid"
    status = 400


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    replayed: bool


def request_hash(payload: Any) -> str:
    canonical = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_key(key: str) -> str:
    key = (key or "").strip()
    if not KEY_RE.match(key):
        raise IdempotencyKeyInvalid(
            _("Idempotency-Key 应为 1 到 200 个可见 ASCII 字符"),
            field="Idempotency-Key",
        )
    return key


def _seal(body: Any) -> dict:
    # Responses may hold a tracking code: stored encrypted like personal data.
    return {"sealed": encrypt(json.dumps(body, ensure_ascii=False))}


def _unseal(stored: Any) -> Any:
    return json.loads(decrypt(stored["sealed"]))


def idempotent(
    *,
    scope: str,
    key: str,
    payload: Any,
    handler: Callable[[], tuple[int, Any]],
) -> Outcome:
    """Run ``handler`` (returning status, JSON body) once per key; replay afterwards.

    Two statements besides the handler's: claim the key (insert), then store the
    sealed response. A retry, or a concurrent twin (which blocks on the claimed key
    until the first commits), fails to claim, rolls back its savepoint and replays."""
    record_model = apps.get_model("appeals", "IdempotencyRecord")
    key = validate_key(key)
    digest = request_hash(payload)
    for attempt in range(2):
        try:
            with transaction.atomic():
                record = (
                    record_model.objects.filter(scope=scope, key=key).first()
                    if attempt
                    else None
                )
                if record is not None:
                    if record.request_hash != digest:
                        raise IdempotencyKeyReused(
                            _("该 Idempotency-Key 已用于另一份不同的请求")
                        )
                    return Outcome(record.status_code, _unseal(record.response), True)
                record = record_model.objects.create(
                    scope=scope,
                    key=key,
                    request_hash=digest,
                    created_at=timezone.now(),
                )
                status, body = handler()
                plain = json.loads(json.dumps(body, default=str))
                record.status_code = status
                record.response = _seal(plain)
                record.save(update_fields=["status_code", "response"])
                return Outcome(status, plain, False)
        except IntegrityError:
            continue  # the key is taken (by a retry's original or a twin): replay
    raise DomainError(_("请求冲突，请稍后重试"), code="idempotency_busy")


def idempotency_purge(older_than_days: int = 7) -> int:
    record_model = apps.get_model("appeals", "IdempotencyRecord")
    cutoff = timezone.now() - timezone.timedelta(days=older_than_days)
    deleted, _ = record_model.objects.filter(created_at__lt=cutoff).delete()
    return deleted

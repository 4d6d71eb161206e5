"""Webhooks: signed JSON events about appeals forwarded to a department.

Events come from the audit trail, not from hooks in the appeals services: every state
change already writes exactly one audit event inside its transaction, and within
each audit chain ``seq`` is the commit order, so a cursor per chain sees each change
once and never a rolled-back one (docs/decisions/140). ``webhooks_collect`` turns new appeal events into
deliveries; ``webhooks_deliver`` POSTs the due ones and reschedules failures with
exponential backoff. ``jingmin api deliver-webhooks`` runs both.

Events are thin: the tracking code, status and deadlines, never the citizen's
identity. The department's system reads the full appeal through the REST API with
its own service token, where scoping and the personal-data audit apply.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.audit.models import AuditEvent, AuditHead
from jingmin.audit.services import event_record
from jingmin.core.exceptions import DomainError, NotPermitted
from jingmin.org.models import Department

from .models import WebhookAttempt, WebhookCursor, WebhookDelivery, WebhookSubscription

SIGNATURE_HEADER = "X-Jingmin-Signature"
MAX_ATTEMPTS = 8
BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=6)
LEASE = dt.timedelta(minutes=2)
TIMEOUT_SECONDS = 5
APPEAL_OBJECT_TYPE = "appeals.appeal"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256 of "<unix>." + body>`` (the timestamp stops replays)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does; used by our tests and shown in the manual."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected, header)


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at 6 h, after the ``attempts``-th failure."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


@transaction.atomic
def subscription_create(
    *, actor: Any, department: Department, name: str, url: str, request: Any = None
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (returned once, in clear)."""
    if actor.role != "admin" and actor.department_id != department.pk:
        raise NotPermitted(_("只能为本部门订阅事件"))
    if not url.startswith(("http://", "https://")):
        raise DomainError(_("接收地址须以 http:// 或 https:// 开头"), field="url")
    secret = WebhookSubscription.new_secret()
    sub = WebhookSubscription.objects.create(
        department=department, name=name, url=url, secret=secret, created_by=actor
    )
    event_record(
        actor=actor,
        action="webhook.create",
        obj=sub,
        changes={"department": department.code, "url": url},
        request=request,
    )
    return sub, secret


@transaction.atomic
def subscription_revoke(
    *, actor: Any, subscription: WebhookSubscription, request: Any = None
) -> WebhookSubscription:
    sub = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if sub.revoked_at is not None:
        return sub
    sub.revoked_at = timezone.now()
    sub.save(update_fields=["revoked_at"])
    WebhookDelivery.objects.filter(
        subscription=sub, status=WebhookDelivery.Status.PENDING
    ).update(status=WebhookDelivery.Status.FAILED)
    event_record(actor=actor, action="webhook.revoke", obj=sub, request=request)
    return sub


def _appeal_payload(event: AuditEvent) -> tuple[int | None, dict[str, Any] | None]:
    """(department id the appeal is forwarded to, event body) or (None, None)."""
    from jingmin.appeals.models import Appeal

    appeal = (
        Appeal.objects.select_related("category", "forwarded_to")
        .filter(pk=event.object_id)
        .first()
    )
    if appeal is None or appeal.forwarded_to_id is None:
        return None, None
    return appeal.forwarded_to_id, {
        "type": event.action,
        "occurred_at": timezone.localtime(event.created_at).isoformat(),
        "appeal": appeal_summary(appeal),
    }


def appeal_summary(appeal: Any) -> dict[str, Any]:
    """No personal data and not the citizen's secret: only the public number."""
    return {
        "number": appeal.number,
        "status": appeal.status,
        "category": appeal.category.code if appeal.category_id else None,
        "forwarded_to": appeal.forwarded_to.code if appeal.forwarded_to_id else None,
        "reply_due": appeal.reply_due.isoformat() if appeal.reply_due else None,
        "updated_at": appeal.updated_at.isoformat(),
    }


def webhooks_collect(*, batch: int = 500) -> int:
    """Turn appeal audit events after each chain's cursor into deliveries, oldest
    first; returns how many."""
    created = 0
    with transaction.atomic():
        chains = sorted(AuditHead.objects.values_list("id", flat=True))
        cursors = {
            c.id: c for c in WebhookCursor.objects.select_for_update().order_by("id")
        }
        for chain in chains:  # locked in id order, so two collectors never deadlock
            if chain not in cursors:
                cursors[chain], _ = (
                    WebhookCursor.objects.select_for_update().get_or_create(id=chain)
                )
        events = [
            event
            for chain in chains
            for event in AuditEvent.objects.filter(
                chain=chain, seq__gt=cursors[chain].audit_seq
            ).order_by("seq")[:batch]
        ]
        if not events:
            return 0
        subs_by_dept: dict[int, list[WebhookSubscription]] = {}
        for sub in WebhookSubscription.objects.filter(revoked_at__isnull=True):
            subs_by_dept.setdefault(sub.department_id, []).append(sub)
        now = timezone.now()
        for event in sorted(events, key=lambda e: (e.created_at, e.chain, e.seq)):
            cursors[event.chain].audit_seq = event.seq
            if event.object_type != APPEAL_OBJECT_TYPE or not subs_by_dept:
                continue
            dept_id, body = _appeal_payload(event)
            for sub in subs_by_dept.get(dept_id, []) if dept_id else []:
                if event.created_at < sub.created_at:
                    continue  # a new subscriber gets events from now on, not history
                event_id = uuid.uuid4()
                WebhookDelivery.objects.create(
                    subscription=sub,
                    event_id=event_id,
                    event_type=event.action,
                    audit_chain=event.chain,
                    audit_seq=event.seq,
                    payload={"id": str(event_id), **body},
                    next_attempt_at=now,
                )
                created += 1
        for chain in {event.chain for event in events}:
            cursors[chain].save(update_fields=["audit_seq"])
    return created


def _claim_due(now: dt.datetime, limit: int) -> list[WebhookDelivery]:
    """Lease due deliveries so two workers never send the same one at once."""
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            .select_related("subscription")
            .order_by("next_attempt_at")[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in due]).update(
            next_attempt_at=now + LEASE
        )
    return due


def _post(
    sub: WebhookSubscription, delivery: WebhookDelivery
) -> tuple[int | None, str]:
    body = json.dumps(delivery.payload, ensure_ascii=False).encode()
    req = urllib.request.Request(  # noqa: S310  (scheme checked at subscription time)
        sub.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Jingmin-Webhooks/1",
            "X-Jingmin-Event": delivery.event_type,
            "X-Jingmin-Delivery": str(delivery.event_id),
            SIGNATURE_HEADER: sign(sub.secret, int(time.time()), body),
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:  # noqa: S310
            return resp.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]


def webhooks_deliver(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """POST every due delivery once; returns how many landed."""
    now = now or timezone.now()
    landed = 0
    for delivery in _claim_due(now, limit):
        started = time.monotonic()
        status, error = _post(delivery.subscription, delivery)
        took = int((time.monotonic() - started) * 1000)
        ok = status is not None and 200 <= status < 300
        with transaction.atomic():
            WebhookAttempt.objects.create(
                delivery=delivery,
                attempted_at=timezone.now(),
                response_status=status,
                error=error or ("" if ok else f"HTTP {status}"),
                duration_ms=took,
            )
            delivery.attempts += 1
            if ok:
                delivery.status = WebhookDelivery.Status.DELIVERED
                delivery.delivered_at = timezone.now()
                landed += 1
            elif delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = WebhookDelivery.Status.FAILED
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
            delivery.save(
                update_fields=["attempts", "status", "delivered_at", "next_attempt_at"]
            )
    return landed

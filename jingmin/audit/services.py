"""Writing to the audit trail. Every service that changes state calls event_record
inside its own transaction: if the event cannot be written the change fails too."""

from __future__ import annotations

import json
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .hashing import event_fields, event_hash
from .models import AuditEvent, AuditHead

SYSTEM = "system"
CITIZEN = "citizen"


def _plain(value: Any) -> Any:
    """What JSON storage will give back, so the hash covers exactly what is stored."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {
        k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)
    }


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def client_ip(request: Any) -> str:
    """REMOTE_ADDR only: forwarded headers are client-controlled unless a trusted
    proxy rewrites them, which the deployment guide sets up at the proxy."""
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "")[:45]


def event_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    request: Any = None,
    ip: str = "",
    object_type: str = "",
    object_id: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Append one event to the chain. ``actor`` is a staff User, or None for a citizen
    or the system (say which in ``actor_label``)."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        if obj is not None:
            object_type = object_type or obj._meta.label_lower
            object_id = object_id or str(obj.pk)
        if actor is not None and getattr(actor, "is_authenticated", False):
            label = actor.get_username()
            actor_id = actor.pk
            role = getattr(actor, "role", "") or ""
        else:
            label = actor_label or CITIZEN
            actor_id = None
            role = ""
        event = AuditEvent(
            seq=head.seq + 1,
            created_at=timezone.now(),
            actor_id=actor_id,
            actor_label=label[:150],
            actor_role=role,
            ip=(ip or client_ip(request))[:45],
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            object_label=(str(obj) if obj is not None else "")[:200],
            changes=_plain(changes or {}),
            prev_hash=head.hash,
        )
        event.hash = event_hash(head.hash, event_fields(event))
        event.save(force_insert=True)
        head.seq = event.seq
        head.hash = event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def personal_data_read(
    *, actor: Any, obj: models.Model, fields: list[str], request: Any = None
) -> AuditEvent:
    """A staff member saw a citizen's personal data unmasked."""
    return event_record(
        actor=actor,
        action="personal_data.read",
        obj=obj,
        changes={"fields": fields},
        request=request,
    )

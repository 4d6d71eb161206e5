"""Writing to the audit trail. Every service that changes state calls event_record
inside its own transaction: if the event cannot be written the change fails too.

Linking an event into a chain needs that chain's head row, locked until commit
(that is what makes ``seq`` the commit order within the chain). Inside
``deferred_chain()`` (or ``atomic_chained()``) event_record only builds the event;
the block links all of its events when it ends — the last statements before the
caller's commit — so the head is held for one SELECT, one INSERT, one UPDATE and the
commit instead of for the rest of the transaction (docs/decisions/080). On
PostgreSQL a writer takes whichever of the ``AUDIT_CHAINS`` heads is free, so
audited writes commit side by side instead of one after another (ADR 140).
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from .hashing import event_fields, event_hash
from .models import AuditEvent, AuditHead

SYSTEM = "system"
CITIZEN = "citizen"

_deferred = threading.local()  # .pending: [(marker, event)] while a block is open


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


def chain_count() -> int:
    """How many chains writers spread over: one where writers are serialised anyway
    (SQLite) or no skipping of locked rows exists."""
    if not connection.features.has_select_for_update_skip_locked:
        return 1
    return max(1, settings.AUDIT_CHAINS)


def _head() -> AuditHead:
    """Lock a chain's head until commit: the first free one (so chain 1 takes the
    writes while they come one at a time, the others only what would have waited),
    else wait for a random one."""
    chains = chain_count()
    if chains > 1:
        free = (
            AuditHead.objects.select_for_update(skip_locked=True)
            .filter(id__lte=chains)
            .order_by("id")
            .first()
        )
        if free is not None:
            return free
    head, _ = AuditHead.objects.select_for_update().get_or_create(
        id=random.randint(1, chains)  # noqa: S311  (spreading load, not a secret)
    )
    return head


def _link(events: list[AuditEvent]) -> None:
    """Append ``events`` (in order) to one chain: lock its head, hash, insert, move
    the head. The lock is held until the caller's transaction ends."""
    head = _head()
    seq, prev = head.seq, head.hash
    now = timezone.now()  # under the lock: time never goes back along the chain
    for event in events:
        seq += 1
        event.chain = head.id
        event.seq = seq
        event.created_at = now
        event.prev_hash = prev
        event.hash = prev = event_hash(prev, event_fields(event))
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        AuditEvent.objects.bulk_create(events)
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])


def _marker() -> Callable[[], None]:
    """A distinct no-op registered with on_commit for each deferred event: Django
    drops it when the savepoint the event was recorded in rolls back, which tells
    deferred_chain to drop the event too. Running it at commit does nothing."""

    def marker() -> None:
        return None

    return marker


@contextmanager
def deferred_chain() -> Iterator[None]:
    """Within the caller's transaction, link the events recorded in the block into
    the chain when the block ends (see the module docstring). Nested blocks join the
    outermost one; events of a block or savepoint that failed are dropped."""
    if not connection.in_atomic_block:
        raise RuntimeError("deferred_chain() must run inside transaction.atomic()")
    outermost = getattr(_deferred, "pending", None) is None
    if outermost:
        _deferred.pending = []
    pending: list = _deferred.pending
    start = len(pending)
    try:
        yield
    except BaseException:
        del pending[start:]
        raise
    finally:
        if outermost:
            _deferred.pending = None
    if outermost:
        alive = {id(func) for _sids, func, _robust in connection.run_on_commit}
        events = [event for marker, event in pending if id(marker) in alive]
        if events:
            _link(events)


@contextmanager
def atomic_chained() -> Iterator[None]:
    """``transaction.atomic()`` whose audit events are linked at its end."""
    with transaction.atomic(), deferred_chain():
        yield


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
    or the system (say which in ``actor_label``). Inside ``deferred_chain()`` the
    event gets its ``seq`` and hash when the block ends."""
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
        actor_id=actor_id,
        actor_label=label[:150],
        actor_role=role,
        ip=(ip or client_ip(request))[:45],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        object_label=(str(obj) if obj is not None else "")[:200],
        changes=_plain(changes or {}),
    )
    pending = getattr(_deferred, "pending", None)
    if pending is not None and connection.in_atomic_block:
        marker = _marker()
        transaction.on_commit(marker)
        pending.append((marker, event))
        return event
    # No savepoint of its own: a failed audit write fails the caller's change anyway.
    with transaction.atomic(savepoint=False):
        _link([event])
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


def personal_data_search(
    *, actor: Any, object_type: str, query: str, request: Any = None
) -> AuditEvent:
    """A staff member looked citizens up by a personal identifier (a phone number).
    Who looked for whom is itself a read of personal data; the trail keeps the
    identifier masked, as everywhere outside its own table."""
    return event_record(
        actor=actor,
        action="personal_data.search",
        object_type=object_type,
        changes={"query": query},
        request=request,
    )

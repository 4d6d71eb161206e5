"""Early warnings (预警): recomputed as a whole by `jingmin mediation warnings`.

Rules: the same party (phone or ID blind index) or the same address reaching
MEDIATION_REPEAT_THRESHOLD disputes and appeals within MEDIATION_WINDOW_DAYS; a
dispute that flared up again after an agreement; a dispute of the most severe
level with no mediation session for MEDIATION_RED_IDLE_DAYS days. A warning whose
rule no longer holds is marked resolved, so the list is always the current one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.accounts.roles import Role
from jingmin.audit.services import event_record

from . import conf
from .models import Dispute, Notification, Party, RiskLevel, Warning
from .services import address_key
from .workflow import IN_MEDIATION


@dataclass
class Found:
    kind: str
    dispute_id: int
    unit_id: int
    reason: str
    count: int


def _appeal_model():
    return (
        apps.get_model("appeals", "Appeal")
        if apps.is_installed("jingmin.appeals")
        else None
    )


def _latest(ids: set[int], created: dict[int, dt.datetime]) -> int:
    return max(ids, key=lambda i: (created[i], i))


def _repeat_parties(
    since: dt.datetime, threshold: int, found: dict[str, Found]
) -> None:
    rows = Party.objects.filter(dispute__created_at__gte=since).values_list(
        "phone_index",
        "id_index",
        "dispute_id",
        "dispute__unit_id",
        "dispute__created_at",
    )
    by_key: dict[str, set[int]] = defaultdict(set)
    unit_of: dict[int, int] = {}
    created: dict[int, dt.datetime] = {}
    phones: set[str] = set()
    for phone_index, id_index, dispute_id, unit_id, created_at in rows:
        unit_of[dispute_id] = unit_id
        created[dispute_id] = created_at
        if phone_index:
            by_key[phone_index].add(dispute_id)
            phones.add(phone_index)
        if id_index:
            by_key[id_index].add(dispute_id)
    appeals: dict[str, int] = defaultdict(int)
    appeal_model = _appeal_model()
    if appeal_model is not None and phones:
        for (phone_index,) in (
            appeal_model.objects.filter(created_at__gte=since, phone_index__in=phones)
            .filter(disputes__isnull=True)
            .values_list("phone_index")
        ):
            appeals[phone_index] += 1
    seen: set[frozenset[int]] = set()
    for key, ids in sorted(by_key.items()):
        total = len(ids) + appeals.get(key, 0)
        group = frozenset(ids)
        if total < threshold or group in seen:
            continue
        seen.add(group)
        latest = _latest(ids, created)
        found[f"party:{key}"] = Found(
            Warning.Kind.REPEAT_PARTIES,
            latest,
            unit_of[latest],
            _("同一当事人%(days)s天内有纠纷%(d)s起、诉求%(a)s件（阈值%(t)s）")
            % {
                "days": conf.get("WINDOW_DAYS"),
                "d": len(ids),
                "a": appeals.get(key, 0),
                "t": threshold,
            },
            total,
        )


def _repeat_address(
    since: dt.datetime, threshold: int, found: dict[str, Found]
) -> None:
    rows = (
        Dispute.objects.filter(created_at__gte=since)
        .exclude(address_key="")
        .values_list("address_key", "pk", "unit_id", "created_at", "address")
    )
    by_key: dict[str, set[int]] = defaultdict(set)
    unit_of: dict[int, int] = {}
    created: dict[int, dt.datetime] = {}
    label: dict[str, str] = {}
    for key, pk, unit_id, created_at, address in rows:
        by_key[key].add(pk)
        unit_of[pk] = unit_id
        created[pk] = created_at
        label[key] = address
    appeals: dict[str, int] = defaultdict(int)
    appeal_model = _appeal_model()
    if appeal_model is not None and by_key:
        for (address,) in (
            appeal_model.objects.filter(created_at__gte=since, disputes__isnull=True)
            .exclude(address="")
            .values_list("address")
        ):
            key = address_key(address)
            if key in by_key:
                appeals[key] += 1
    for key, ids in by_key.items():
        total = len(ids) + appeals.get(key, 0)
        if total < threshold:
            continue
        latest = _latest(ids, created)
        found[f"address:{key}"[:100]] = Found(
            Warning.Kind.REPEAT_ADDRESS,
            latest,
            unit_of[latest],
            _("同一地址（%(addr)s）%(days)s天内有纠纷%(d)s起、诉求%(a)s件（阈值%(t)s）")
            % {
                "addr": label[key][:60],
                "days": conf.get("WINDOW_DAYS"),
                "d": len(ids),
                "a": appeals.get(key, 0),
                "t": threshold,
            },
            total,
        )


def _reopened(found: dict[str, Found]) -> None:
    rows = (
        Dispute.objects.filter(reopen_count__gt=0, agreements__isnull=False)
        .exclude(status=Dispute.Status.CLOSED)
        .values_list("pk", "unit_id", "reopen_count")
        .distinct()
    )
    for pk, unit_id, n in rows:
        found[f"reopened:{pk}"] = Found(
            Warning.Kind.REOPENED,
            pk,
            unit_id,
            _("达成调解协议后重新激化（%(n)s次）") % {"n": n},
            n,
        )


def _red_idle(now: dt.datetime, found: dict[str, Found]) -> None:
    top = RiskLevel.objects.order_by("-rank").first()
    if top is None:
        return
    days = conf.get("RED_IDLE_DAYS")
    today = timezone.localtime(now).date()
    for pk, unit_id, last, created_at in Dispute.objects.filter(
        level=top.code, status__in=IN_MEDIATION
    ).values_list("pk", "unit_id", "last_session_on", "created_at"):
        since = last or timezone.localtime(created_at).date()
        idle = (today - since).days
        if idle >= days:
            found[f"red_idle:{pk}"] = Found(
                Warning.Kind.RED_IDLE,
                pk,
                unit_id,
                _("%(level)s纠纷已%(n)s天未调解（阈值%(t)s天）")
                % {"level": top.label, "n": idle, "t": days},
                idle,
            )


def _notify_new(created: list[Warning]) -> None:
    if not created:
        return
    user_model = get_user_model()
    leaders: dict[int, list] = defaultdict(list)
    for user in user_model.objects.filter(
        role=Role.LEADER, is_active=True, unit_id__in={w.unit_id for w in created}
    ):
        leaders[user.unit_id].append(user)
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            dispute_id=w.dispute_id,
            text=(_("新预警：%(reason)s") % {"reason": w.reason})[:300],
            created_at=w.created_at,
        )
        for w in created
        for user in leaders[w.unit_id]
    )


@transaction.atomic
def warnings_recompute(
    *, actor: Any = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Bring the warning list up to date; returns counts of new, updated, resolved."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=conf.get("WINDOW_DAYS"))
    threshold = conf.get("REPEAT_THRESHOLD")
    found: dict[str, Found] = {}
    _repeat_parties(since, threshold, found)
    _repeat_address(since, threshold, found)
    _reopened(found)
    _red_idle(now, found)

    existing = {
        w.key: w for w in Warning.objects.select_for_update().filter(key__in=found)
    }
    created: list[Warning] = []
    updated = 0
    for key, f in found.items():
        w = existing.get(key)
        if w is None:
            created.append(
                Warning(
                    key=key,
                    kind=f.kind,
                    dispute_id=f.dispute_id,
                    unit_id=f.unit_id,
                    reason=f.reason[:300],
                    count=f.count,
                    created_at=now,
                    updated_at=now,
                )
            )
            continue
        changed = (
            w.resolved_at is not None
            or w.count != f.count
            or w.dispute_id != f.dispute_id
            or w.reason != f.reason
        )
        if changed:
            w.dispute_id, w.unit_id, w.count = f.dispute_id, f.unit_id, f.count
            w.reason, w.updated_at, w.resolved_at = f.reason[:300], now, None
            w.save()
            updated += 1
    Warning.objects.bulk_create(created)
    resolved = (
        Warning.objects.filter(resolved_at__isnull=True)
        .exclude(key__in=list(found))
        .update(resolved_at=now)
    )
    _notify_new(created)
    counts = {
        "new": len(created),
        "updated": updated,
        "resolved": resolved,
        "active": len(found),
    }
    event_record(
        actor=actor,
        action="mediation.warnings_recompute",
        changes=counts,
        object_type="mediation.warning",
        actor_label="system",
    )
    return counts

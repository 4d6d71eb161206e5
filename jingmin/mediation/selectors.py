"""Reads of the mediation app; every staff read goes through accounts.scoping."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import visible
from jingmin.core.calendar import SHANGHAI
from jingmin.core.crypto import blind_index
from jingmin.core.exceptions import DomainError
from jingmin.core.identity import validate_id_number
from jingmin.core.masking import mask_id_number, mask_name, mask_phone
from jingmin.core.phones import validate_phone

from .models import Dispute, FollowUp, Notification, Party, RiskLevel, Warning


def disputes_visible(user: Any) -> QuerySet[Dispute]:
    return visible(user, Dispute.objects.select_related("unit"))


def dispute_search(user: Any, filters: dict[str, Any]) -> QuerySet[Dispute]:
    qs = disputes_visible(user)
    for name in ("status", "level", "type", "source"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("unit"):
        qs = qs.filter(unit__code=filters["unit"])
    if filters.get("escalated"):
        qs = qs.exclude(escalated_to_case="")
    if filters.get("q"):
        qs = qs.filter(_text_query(filters["q"].strip())).distinct()
    if filters.get("since"):
        qs = qs.filter(created_at__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(created_at__date__lte=filters["until"])
    return qs.annotate(
        pending_followups=Count(
            "followups",
            filter=Q(followups__done_on__isnull=True, followups__cancelled=False),
        )
    ).order_by("-created_at", "-pk")


def _text_query(q: str) -> Q:
    """Number, summary or address; a phone or ID number matches parties by blind index
    (the encrypted columns cannot be searched)."""
    query = Q(number__icontains=q) | Q(summary__icontains=q) | Q(address__icontains=q)
    for validate, column in (
        (validate_phone, "parties__phone_index"),
        (validate_id_number, "parties__id_index"),
    ):
        try:
            query |= Q(**{column: blind_index(validate(q))})
        except DomainError:
            continue
    return query


def related_disputes(user: Any, dispute: Dispute) -> QuerySet[Dispute]:
    """Other visible disputes with a party in common (blind index) or the same address."""
    keys = {
        k
        for pair in dispute.parties.values_list("phone_index", "id_index")
        for k in pair
        if k
    }
    match = Q(parties__phone_index__in=keys) | Q(parties__id_index__in=keys)
    if dispute.address_key:
        match |= Q(address_key=dispute.address_key)
    return (
        disputes_visible(user)
        .filter(match)
        .exclude(pk=dispute.pk)
        .distinct()
        .order_by("-created_at")[:20]
    )


@dataclass
class PartyView:
    party: Party
    name: str
    phone: str
    id_number: str
    masked: bool


def parties_masked(dispute: Dispute) -> list[PartyView]:
    """The dispute's parties as every page shows them first: masked, no audit needed."""
    return [
        PartyView(
            p, mask_name(p.name), mask_phone(p.phone), mask_id_number(p.id_number), True
        )
        for p in dispute.parties.all()
    ]


def followups_due(
    user: Any, *, officer: Any = None, until: dt.date | None = None
) -> QuerySet[FollowUp]:
    """Pending follow-ups the user may see; officers default to their own and unassigned."""
    qs = visible(
        user,
        FollowUp.objects.filter(done_on__isnull=True, cancelled=False).select_related(
            "dispute", "dispute__unit", "assigned_to"
        ),
    )
    if officer is not None:
        qs = qs.filter(assigned_to=officer)
    elif user.role == Role.OFFICER:
        qs = qs.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
    if until is not None:
        qs = qs.filter(due_on__lte=until)
    return qs.order_by("due_on", "pk")


def followup_officers(user: Any) -> list:
    """Officers with pending follow-ups the user may see (the due list's filter)."""
    from django.contrib.auth import get_user_model

    ids = followups_due(user).exclude(assigned_to=None).values("assigned_to")
    return list(get_user_model().objects.filter(pk__in=ids).order_by("username"))


def warnings_for(user: Any, *, include_resolved: bool = False) -> QuerySet[Warning]:
    qs = visible(user, Warning.objects.select_related("dispute", "unit"))
    if not include_resolved:
        qs = qs.filter(resolved_at__isnull=True)
    return qs.order_by("resolved_at", "-updated_at")


def notifications_for(
    user: Any, *, unread_only: bool = False
) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user).select_related("dispute")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def level_styles() -> dict[str, RiskLevel]:
    return {lvl.code: lvl for lvl in RiskLevel.objects.all()}


# --- statistics ---------------------------------------------------------------

METRICS = [
    ("registered", pgettext_lazy("statistics column", "登记")),
    ("agreed", _("调解成功")),
    ("referred", _("移交")),
    ("reopened", _("重新激化")),
    ("criminal", _("转刑事案件")),
    ("administrative", _("转行政案件")),
]


def stats_rows(
    user: Any,
    *,
    group_by: str,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Counts per type, unit or month of registration, with the median days to agreement."""
    qs = disputes_visible(user)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    if group_by == "unit":
        key = F("unit__name")
    elif group_by == "month":
        key = TruncMonth("created_at", tzinfo=SHANGHAI)
    else:
        key = F("type")
    agreed = Q(agreed_at__isnull=False)
    counts = (
        qs.order_by()
        .annotate(key=key)
        .values("key")
        .annotate(
            registered=Count("pk"),
            agreed=Count("pk", filter=agreed),
            referred=Count("pk", filter=Q(referred_at__isnull=False)),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
            criminal=Count("pk", filter=Q(escalated_to_case=Dispute.CaseKind.CRIMINAL)),
            administrative=Count(
                "pk", filter=Q(escalated_to_case=Dispute.CaseKind.ADMINISTRATIVE)
            ),
        )
    )
    days: dict[Any, list[float]] = defaultdict(list)
    for k, agreed_at, created_at in (
        qs.order_by()
        .filter(agreed)
        .annotate(key=key)
        .values_list("key", "agreed_at", "created_at")
    ):
        days[k].append((agreed_at - created_at).total_seconds() / 86400)
    labels = dict(Dispute.Type.choices)
    groups: dict[str, dict[str, Any]] = {}
    for row in counts:
        k = row.pop("key")
        if group_by == "month":
            label = (
                f"{timezone.localtime(k, SHANGHAI):%Y-%m}"
                if isinstance(k, dt.datetime)
                else f"{k:%Y-%m}"
            )
        elif group_by == "unit":
            label = k
        else:
            label = str(labels.get(k, k))
        groups[label] = row | {"days": days.get(k, [])}
    rows = []
    for key in sorted(groups):
        g = groups[key]
        days = g.pop("days")
        g["median_days"] = round(statistics.median(days), 1) if days else None
        rows.append({"key": key, **g})
    top = max((r["registered"] for r in rows), default=0)
    for r in rows:
        # bar widths in 5 % steps: the stylesheet has one class per step (CSP: no style="")
        r["bar"] = int(round(r["registered"] * 20 / top) * 5) if top else 0
        r["bar_ok"] = int(round(r["agreed"] * 20 / top) * 5) if top else 0
    return rows

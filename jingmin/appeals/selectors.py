"""Reads about appeals. Staff reads go through accounts.scoping; citizen reads
through a tracking code; public reads are aggregates only."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jingmin.accounts import scoping
from jingmin.accounts.roles import Role
from jingmin.core.crypto import blind_index
from jingmin.core.masking import mask_address, mask_name, mask_phone
from jingmin.core.text import normalize_text

from .models import Appeal, AppealEvent, Category, Extension, Reply
from .services import tracking_code_matches, tracking_code_split
from .workflow import allowed_actions

S = Appeal.Status
OPEN = [s for s in S.values if s != S.CLOSED]


@dataclass
class AppealFilters:
    status: str = ""
    kind: str = ""
    category: int | None = None
    unit: int | None = None
    department: int | None = None
    q: str = ""
    overdue: bool = False
    escalated: bool = False
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def appeal_base() -> QuerySet[Appeal]:
    return Appeal.objects.select_related(
        "category", "category__parent", "unit", "forwarded_to"
    )


def appeal_list_for(*, viewer: Any, filters: AppealFilters | None = None) -> QuerySet:
    qs = scoping.visible(viewer, appeal_base())
    f = filters or AppealFilters()
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.category:
        qs = qs.filter(Q(category_id=f.category) | Q(category__parent_id=f.category))
    if f.unit:
        qs = qs.filter(unit_id=f.unit)
    if f.department:
        qs = qs.filter(forwarded_to_id=f.department)
    if f.q:
        q = normalize_text(f.q)
        match = Q(number=q) | Q(title__icontains=q) | Q(body__icontains=q)
        digits = q.replace("-", "")
        if digits.isdigit() and len(digits) >= 7:
            match |= Q(phone_index=blind_index(digits))
        qs = qs.filter(match)
    if f.overdue:
        qs = qs.filter(status__in=OPEN, reply_due__lt=timezone.now())
    if f.escalated:
        qs = qs.filter(status__in=OPEN, escalated_at__isnull=False)
    if f.date_from:
        qs = qs.filter(created_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(created_at__date__lte=f.date_to)
    return qs.order_by("-created_at", "-pk")


def triage_queue_for(*, viewer: Any) -> QuerySet[Appeal]:
    """Appeals waiting for an operator: no category, or below the confidence line."""
    return (
        scoping.visible(viewer, appeal_base())
        .filter(status__in=[S.RECEIVED, S.TRIAGED])
        .order_by("created_at", "pk")
    )


def overdue_for(*, viewer: Any) -> QuerySet[Appeal]:
    return scoping.visible(viewer, appeal_base()).filter(
        status__in=OPEN, escalated_at__isnull=False
    )


def contact_masked(appeal: Appeal) -> dict[str, str]:
    return {
        "name": mask_name(appeal.name),
        "phone": mask_phone(appeal.phone),
        "email": ("***@" + appeal.email.split("@", 1)[1])
        if "@" in appeal.email
        else "",
        "address": mask_address(appeal.address),
    }


@dataclass
class StaffDetail:
    appeal: Appeal
    events: list[AppealEvent]
    replies: list[Reply]
    pending_reply: Reply | None
    extensions: list[Extension]
    actions: list[str]
    contact: dict[str, str]
    may_reveal: bool
    duplicates: list[Appeal] = field(default_factory=list)
    candidates: list[Appeal] = field(default_factory=list)


def appeal_detail_for(*, viewer: Any, pk: int) -> StaffDetail:
    appeal = scoping.get_visible_or_404(viewer, appeal_base(), pk=pk)
    replies = list(appeal.replies.select_related("author", "approved_by"))
    return StaffDetail(
        appeal=appeal,
        events=list(appeal.events.select_related("actor")),
        replies=replies,
        pending_reply=next(
            (r for r in reversed(replies) if r.status == Reply.Status.SUBMITTED), None
        ),
        extensions=list(appeal.extensions.all()),
        actions=allowed_actions(appeal, viewer),
        contact=contact_masked(appeal),
        may_reveal=scoping.may_see_personal_data(viewer, appeal),
        duplicates=list(appeal.duplicates.all()),
        candidates=duplicate_candidates(appeal, viewer=viewer)
        if appeal.is_open and not appeal.duplicate_of_id
        else [],
    )


# --- near-duplicates ------------------------------------------------------


def _metres(a: Appeal, b: Appeal) -> float:
    lat = math.radians((a.lat + b.lat) / 2)
    dx = (a.lon - b.lon) * 111_320 * math.cos(lat)
    dy = (a.lat - b.lat) * 110_540
    return math.hypot(dx, dy)


def duplicate_candidates(
    appeal: Appeal, *, viewer: Any, days: int = 7, metres: float = 300
) -> list[Appeal]:
    """Open appeals of the same category within ``days`` and ``metres`` (or at the
    same address): suggested to the operator, who decides whether to link them."""
    if appeal.category_id is None:
        return []
    window = dt.timedelta(days=days)
    qs = (
        scoping.visible(viewer, appeal_base())
        .filter(
            category_id=appeal.category_id,
            created_at__gte=appeal.created_at - window,
            created_at__lte=appeal.created_at + window,
            duplicate_of__isnull=True,
        )
        .exclude(pk=appeal.pk)
    )
    found = []
    for other in qs[:200]:
        same_place = bool(appeal.address) and other.address == appeal.address
        near = (
            appeal.lon is not None
            and other.lon is not None
            and _metres(appeal, other) <= metres
        )
        if same_place or near:
            found.append(other)
    return found[:10]


# --- citizen tracking -----------------------------------------------------


def appeal_by_tracking_code(code: str) -> Appeal | None:
    number, secret = tracking_code_split(code)
    if not number or not secret:
        return None
    appeal = appeal_base().filter(number=number).first()
    if appeal is None or not tracking_code_matches(appeal, secret):
        return None
    return appeal


def appeal_by_number_and_phone(number: str, phone_tail: str) -> Appeal | None:
    """The phone fallback of ADR 010: number + last four digits of the phone."""
    number = normalize_text(number).replace(" ", "")
    phone_tail = normalize_text(phone_tail)
    if len(phone_tail) != 4 or not phone_tail.isdigit():
        return None
    appeal = appeal_base().filter(number=number).first()
    if appeal is None or not appeal.phone or appeal.phone[-4:] != phone_tail:
        return None
    return appeal


def public_view(appeal: Appeal) -> dict[str, Any]:
    """What the citizen's tracking page and the track API show. No personal data
    beyond what the citizen typed, no staff names."""
    reply = appeal.replies.filter(status=Reply.Status.APPROVED).last()
    rated = reply is not None and appeal.followups.filter(reply=reply).exists()
    handler = appeal.forwarded_to or appeal.unit
    return {
        "number": appeal.number,
        "kind": appeal.get_kind_display(),
        "category": appeal.category.name if appeal.category else "",
        "title": appeal.title,
        "status": appeal.status,
        "status_label": appeal.get_status_display(),
        "created_at": appeal.created_at,
        "handler": handler.name if handler else "",
        "handler_phone": (
            appeal.forwarded_to.contact_phone if appeal.forwarded_to else ""
        ),
        "triage_class": appeal.triage_class,
        "explanation": appeal.triage_explanation,
        "reply_due": appeal.reply_due if appeal.is_open else None,
        "outside_county": appeal.outside_county,
        "history": [
            {"time": e.created_at, "by": e.actor_label, "text": e.public_text}
            for e in appeal.events.filter(public=True)
        ],
        "reply": reply.body if reply else "",
        "replied_at": reply.approved_at if reply else None,
        "can_rate": reply is not None
        and not rated
        and appeal.status in (S.REPLIED, S.CLOSED),
        "info_requested": appeal.status == S.INFO_REQUESTED,
    }


# --- trends ---------------------------------------------------------------


@dataclass
class Trend:
    label: str
    this_week: int
    weekly_before: float

    @property
    def rise(self) -> float:
        return self.this_week - self.weekly_before


def trends_weekly(
    *,
    viewer: Any,
    today: dt.date | None = None,
    weeks_before: int = 4,
    minimum: int = 3,
) -> dict[str, list[Trend]]:
    """Categories and places (station jurisdictions, ~1 km cells) rising this week
    against the weekly average of the previous ``weeks_before`` weeks."""
    today = today or timezone.localdate()
    end = timezone.make_aware(
        dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    )
    start = end - dt.timedelta(days=7)
    base_start = start - dt.timedelta(days=7 * weeks_before)
    # counts only: the analyst (who sees no appeal) gets the county's trends
    base = (
        Appeal.objects.all()
        if getattr(viewer, "role", "") == Role.ANALYST
        else scoping.visible(viewer, Appeal.objects.all())
    )
    qs = base.filter(created_at__gte=base_start, created_at__lt=end)
    result: dict[str, list[Trend]] = {}
    for key, label_field in (
        ("categories", "category__name"),
        ("units", "unit__name"),
    ):
        rows = qs.values(label_field).annotate(
            now=Count("pk", filter=Q(created_at__gte=start)),
            before=Count("pk", filter=Q(created_at__lt=start)),
        )
        trends = [
            Trend(r[label_field] or "—", r["now"], r["before"] / weeks_before)
            for r in rows
            if r["now"] >= minimum
        ]
        result[key] = sorted(trends, key=lambda t: -t.rise)[:10]
    cells: dict[tuple[float, float], list[int]] = {}
    for lon, lat, created in qs.filter(lon__isnull=False).values_list(
        "lon", "lat", "created_at"
    ):
        cell = (round(lon, 2), round(lat, 2))
        slot = cells.setdefault(cell, [0, 0])
        slot[0 if created >= start else 1] += 1
    places = [
        Trend(f"{lat:.2f}N {lon:.2f}E", now, before / weeks_before)
        for (lon, lat), (now, before) in cells.items()
        if now >= minimum
    ]
    result["places"] = sorted(places, key=lambda t: -t.rise)[:10]
    return result


def categories_for_form() -> QuerySet[Category]:
    """Leaf categories a citizen may choose (confidential ones too: tips are filed
    under them; they are only kept out of public listings)."""
    return (
        Category.objects.filter(active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )

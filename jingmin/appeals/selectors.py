"""Reads about appeals. Staff reads go through accounts.scoping; citizen reads
through a tracking code; public reads are aggregates only."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from jingmin.accounts import scoping
from jingmin.accounts.roles import Role
from jingmin.core.crypto import blind_index
from jingmin.core.masking import mask_address, mask_name, mask_phone
from jingmin.core.text import normalize_text
from jingmin.org.models import Unit

from .models import Appeal, AppealEvent, Category, Extension, Reply, Urgency
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


# The expression of the PostgreSQL GIN index of migration 0004 (ADR 095): the
# distinct two-character pieces of title and body. Written exactly as indexed.
BIGRAMS_SQL = (
    'jm_bigrams(UPPER("appeals_appeal"."title" || \' \' || "appeals_appeal"."body"))'
    " @> jm_bigrams(UPPER(%s))"
)
INDEX_MAX_ROWS = 20_000
"""Use the bigram index when at most this many appeals may hold every piece of
the query; above it the plain scan in list order finds a page sooner."""
STATS_SECONDS = 300
_stats: dict[str, tuple[float, dict[str, float], float, float] | None] = {}


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def bigram_stats(
    using: str = "default",
) -> tuple[dict[str, float], float, float] | None:
    """PostgreSQL's own statistics of the bigram index (ANALYZE): share of appeals
    holding each common piece, an upper bound for the others, and the row count.
    Kept ``STATS_SECONDS`` per process; None before the first ANALYZE."""
    now = time.monotonic()
    cached = _stats.get(using)
    if cached is not None and now - cached[0] < STATS_SECONDS:
        return cached[1:]
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs,"
            " c.reltuples FROM pg_stats s JOIN pg_class c"
            " ON c.relname = 'appeals_appeal' AND c.relkind = 'r'"
            " AND c.relnamespace = to_regnamespace(s.schemaname)"
            " WHERE s.schemaname = current_schema()"
            " AND s.tablename = 'appeal_text_bigrams'"
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or not row[1] or row[2] <= 0:
        _stats[using] = (now, {}, 1.0, -1.0)
        return None
    elems, freqs, rows = row
    # the array ends with the minimum and maximum frequency and the null share
    _stats[using] = (now, dict(zip(elems, freqs, strict=False)), freqs[-3], rows)
    return _stats[using][1:]


def index_pays(q: str, *, using: str = "default") -> bool:
    """Whether the bigram index should find the appeals containing ``q``: at most
    ``INDEX_MAX_ROWS`` appeals hold its rarest piece (an upper bound of the
    matches). Common words go the plain way: in list order, a page of them is a
    few hundred rows away."""
    if len(q) < 2 or connections[using].vendor != "postgresql":
        return False
    return stats_say_rare(q, bigram_stats(using))


def stats_say_rare(q: str, stats: tuple[dict[str, float], float, float] | None) -> bool:
    """At most ``INDEX_MAX_ROWS`` appeals may hold the rarest piece of ``q``
    (no statistics yet: a small or new table, the index is as good as any)."""
    if stats is None:
        return True
    freqs, unlisted, rows = stats
    rarest = min(freqs.get(g, unlisted) for g in _bigrams(q.upper()))
    return rarest * rows <= INDEX_MAX_ROWS


def open_only(qs: QuerySet[Appeal]) -> QuerySet[Appeal]:
    """Appeals not closed (``Appeal.is_open``), written as the partial indexes'
    condition so that PostgreSQL and SQLite use them."""
    return qs.exclude(status=S.CLOSED)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the current time zone (what ``__date`` compares)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def phone_query(q: str) -> str:
    """The digits of ``q`` when a search is a phone number (looked up in the blind
    index, an audited search for a person); "" otherwise."""
    digits = q.strip().replace("-", "")
    return digits if digits.isdigit() and len(digits) >= 7 else ""


def search_match(q: str, *, using: str = "default") -> Q:
    """Appeals whose number is ``q``, whose phone ends in the digits of ``q`` (blind
    index), or whose title or body contains ``q`` (``icontains``).

    When the bigram index pays (PostgreSQL, see ``index_pays``), the text must also
    hold every two-character piece of ``q`` somewhere in title + body: a necessary
    condition, so the same answers, found through the GIN index (ADR 095). The few
    number and phone matches are then looked up first, so that the text condition
    stays a plain AND which PostgreSQL orders cheap ``LIKE`` first."""
    exact = Q(number=q)
    digits = phone_query(q)
    if digits:
        exact |= Q(phone_index=blind_index(digits))
    plain = Q(title__icontains=q) | Q(body__icontains=q)
    if not index_pays(q, using=using):
        return exact | plain
    # constant SQL, the query is a parameter
    bigrams = RawSQL(BIGRAMS_SQL, [q], output_field=BooleanField())  # noqa: S611
    text = plain & Q(bigrams)
    ids = list(
        Appeal.objects.using(using).filter(exact).values_list("pk", flat=True)[:1000]
    )
    return text | Q(pk__in=ids) if ids else text


def appeal_list_base() -> QuerySet[Appeal]:
    """For lists: the category, unit and department of a page come in small
    separate queries, so that appeals are filtered, sorted and cut to a page before
    anything is joined (a join on every candidate of a search cost more than the
    search itself)."""
    return Appeal.objects.prefetch_related("category__parent", "unit", "forwarded_to")


def appeal_list_for(*, viewer: Any, filters: AppealFilters | None = None) -> QuerySet:
    qs = scoping.visible(viewer, appeal_list_base())
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
        qs = qs.filter(search_match(normalize_text(f.q), using=qs.db))
    if f.overdue:
        qs = open_only(qs).filter(reply_due__lt=timezone.now())
    if f.escalated:
        qs = open_only(qs).filter(escalated_at__isnull=False)
    # a range on created_at (its index), the same days as created_at__date
    if f.date_from:
        qs = qs.filter(created_at__gte=day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(created_at__lt=day_start(f.date_to + dt.timedelta(days=1)))
    return qs.order_by("-created_at", "-pk")


def triage_queue_for(*, viewer: Any) -> QuerySet[Appeal]:
    """Appeals waiting for an operator: no category, below the confidence line, or
    returned by their handler. Urgent first, then by triage deadline (ADR 120)."""
    return (
        scoping.visible(viewer, appeal_base())
        .filter(status__in=[S.RECEIVED, S.TRIAGED])
        .annotate(
            urgent_first=Case(
                When(urgency=Urgency.URGENT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            triage_overdue=Case(
                When(triage_due__lt=timezone.now(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by(
            "urgent_first", F("triage_due").asc(nulls_last=True), "created_at", "pk"
        )
    )


def overdue_for(*, viewer: Any) -> QuerySet[Appeal]:
    """Escalated appeals still open, newest first (the partial index
    ``appeal_escalated_open`` holds exactly these rows in this order)."""
    return (
        open_only(scoping.visible(viewer, appeal_base()))
        .filter(escalated_at__isnull=False)
        .order_by("-created_at", "-pk")
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


# What the citizen's status page reads of an appeal (plain values, ADR 125): no
# personal data to decrypt, no unit jurisdiction (a large JSON) to parse.
STATUS_FIELDS = (
    "pk",
    "secret_digest",
    "number",
    "kind",
    "title",
    "status",
    "created_at",
    "triage_class",
    "triage_explanation",
    "reply_due",
    "outside_county",
    "category__name",
    "unit__name",
    "forwarded_to__name",
    "forwarded_to__contact_phone",
)


def status_by_tracking_code(code: str) -> tuple[int, dict[str, Any]] | None:
    """(appeal id, ``public_view``) of a full tracking code, or None: the tracking
    page's look-up, in plain-value queries (the appeal, its latest approved reply,
    its public history; one more, whether the reply was rated, only when there is
    one). For an appeal to act on use ``appeal_by_tracking_code``."""
    number, secret = tracking_code_split(code)
    if not number or not secret:
        return None
    rows = list(
        Appeal.objects.filter(number=number).order_by().values(*STATUS_FIELDS)[:1]
    )
    if not rows:
        return None
    row = rows[0]
    digest = row.pop("secret_digest")
    if not tracking_code_matches(_Digest(digest), secret):
        return None
    pk = row.pop("pk")
    handler = row["forwarded_to__name"] or row["unit__name"]
    return pk, _public_view(
        pk,
        row,
        category=row["category__name"] or "",
        handler=handler or "",
        handler_phone=(row["forwarded_to__contact_phone"] or "")
        if row["forwarded_to__name"]
        else "",
    )


@dataclass(frozen=True)
class _Digest:
    secret_digest: str


def public_view(appeal: Appeal) -> dict[str, Any]:
    """What the citizen's tracking page and the track API show. No personal data
    beyond what the citizen typed, no staff names."""
    handler = appeal.forwarded_to or appeal.unit
    fields = {
        name: getattr(appeal, name)
        for name in STATUS_FIELDS
        if "__" not in name and name not in ("pk", "secret_digest")
    }
    return _public_view(
        appeal.pk,
        fields,
        category=appeal.category.name if appeal.category else "",
        handler=handler.name if handler else "",
        handler_phone=appeal.forwarded_to.contact_phone if appeal.forwarded_to else "",
    )


def _public_view(
    pk: int, a: dict[str, Any], *, category: str, handler: str, handler_phone: str
) -> dict[str, Any]:
    from .models import FollowUp

    reply = (
        Reply.objects.filter(appeal_id=pk, status=Reply.Status.APPROVED)
        .order_by("-created_at", "-pk")
        .values_list("pk", "body", "approved_at")
        .first()
    )
    rated = (
        reply is not None
        and FollowUp.objects.filter(appeal_id=pk, reply_id=reply[0]).exists()
    )
    history = (
        AppealEvent.objects.filter(appeal_id=pk, public=True)
        .order_by("created_at", "pk")
        .values_list("created_at", "actor_label", "public_text")
    )
    status = a["status"]
    return {
        "number": a["number"],
        "kind": str(dict(Appeal.Kind.choices).get(a["kind"], a["kind"])),
        "category": category,
        "title": a["title"],
        "status": status,
        "status_label": str(dict(Appeal.Status.choices).get(status, status)),
        "created_at": a["created_at"],
        "handler": handler,
        "handler_phone": handler_phone,
        "triage_class": a["triage_class"],
        "explanation": a["triage_explanation"],
        "reply_due": a["reply_due"] if status != S.CLOSED else None,
        "outside_county": a["outside_county"],
        "history": [
            {"time": time_, "by": by, "text": text} for time_, by, text in history
        ],
        "reply": reply[1] if reply else "",
        "replied_at": reply[2] if reply else None,
        "can_rate": reply is not None and not rated and status in (S.REPLIED, S.CLOSED),
        "info_requested": status == S.INFO_REQUESTED,
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


TRENDS_CACHE_SECONDS = 60


def scope_key(qs: QuerySet) -> str:
    """A cache key part naming exactly the rows of a scoped queryset: the digest of
    its SQL with the parameters (two viewers share figures only if their scoped
    queries are the same query)."""
    if qs.query.is_empty():
        return "none"
    sql, params = qs.query.sql_with_params()
    text = f"{qs.db}|{sql}|{params!r}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def trends_weekly(
    *,
    viewer: Any,
    today: dt.date | None = None,
    weeks_before: int = 4,
    minimum: int = 3,
    cached: bool = False,
) -> dict[str, list[Trend]]:
    """Categories and places (station jurisdictions, ~1 km cells) rising this week
    against the weekly average of the previous ``weeks_before`` weeks.

    ``cached``: the dashboard keeps the answer ``TRENDS_CACHE_SECONDS`` per scope
    (the key is the scoped query itself, see ``scope_key``)."""
    today = today or timezone.localdate()
    # counts only: the analyst (who sees no appeal) gets the county's trends
    base = (
        Appeal.objects.all()
        if getattr(viewer, "role", "") == Role.ANALYST
        else scoping.visible(viewer, Appeal.objects.all())
    )
    if not cached:
        return _trends(base, today, weeks_before, minimum)
    key = f"appeals:trends:{scope_key(base)}:{today}:{weeks_before}:{minimum}"
    result = cache.get(key)
    if result is None:
        result = _trends(base, today, weeks_before, minimum)
        cache.set(key, result, TRENDS_CACHE_SECONDS)
    return result


def _trends(
    base: QuerySet[Appeal], today: dt.date, weeks_before: int, minimum: int
) -> dict[str, list[Trend]]:
    end = day_start(today + dt.timedelta(days=1))
    start = end - dt.timedelta(days=7)
    base_start = start - dt.timedelta(days=7 * weeks_before)
    qs = base.filter(created_at__gte=base_start, created_at__lt=end)
    # one pass over the five weeks per (category, unit), on the covering index of
    # migration 0005 (PostgreSQL: no table access); rows of the same name add up
    rows = list(
        qs.values("category_id", "unit_id").annotate(
            now=Count("pk", filter=Q(created_at__gte=start)),
            before=Count("pk", filter=Q(created_at__lt=start)),
        )
    )
    names = {
        "category_id": dict(
            Category.objects.filter(
                pk__in={r["category_id"] for r in rows}
            ).values_list("pk", "name")
        ),
        "unit_id": dict(
            Unit.objects.filter(pk__in={r["unit_id"] for r in rows}).values_list(
                "pk", "name"
            )
        ),
    }
    counts: dict[str, dict[str, list[int]]] = {"categories": {}, "units": {}}
    for row in rows:
        for key, id_field in (("categories", "category_id"), ("units", "unit_id")):
            label = names[id_field].get(row[id_field]) or "—"
            slot = counts[key].setdefault(label, [0, 0])
            slot[0] += row["now"]
            slot[1] += row["before"]
    result: dict[str, list[Trend]] = {}
    for key, slots in counts.items():
        trends = [
            Trend(label, now, before / weeks_before)
            for label, (now, before) in slots.items()
            if now >= minimum
        ]
        result[key] = sorted(trends, key=lambda t: (-t.rise, t.label))[:10]
    cells: dict[tuple[float, float], list[int]] = {}
    located = qs.filter(lon__isnull=False)
    for slot_index, part in (
        (0, located.filter(created_at__gte=start)),
        (1, located.filter(created_at__lt=start)),
    ):
        for lon, lat in part.values_list("lon", "lat"):
            cell = (round(lon, 2), round(lat, 2))
            cells.setdefault(cell, [0, 0])[slot_index] += 1
    places = [
        Trend(f"{lat:.2f}N {lon:.2f}E", now, before / weeks_before)
        for (lon, lat), (now, before) in cells.items()
        if now >= minimum
    ]
    result["places"] = sorted(places, key=lambda t: (-t.rise, t.label))[:10]
    return result


def categories_for_form() -> QuerySet[Category]:
    """Leaf categories a citizen may choose (confidential ones too: tips are filed
    under them; they are only kept out of public listings)."""
    return (
        Category.objects.filter(active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )

"""The three rates and the other figures, from pre-aggregated monthly counts.

MonthlyAggregate holds raw counts per month × unit × department × category
(month of submission, Asia/Shanghai). ``metrics_refresh`` recounts only the
months that contain appeals changed since the last refresh (plus the current
month, whose overdue count moves with the clock), so the dashboard reads a few
thousand rows whatever the number of appeals. Rates are computed at read time
with a versioned RateFormula; published figures store the formula they used.
Definitions: docs/manual/appeals.md "三率口径".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jingmin.accounts import scoping
from jingmin.accounts.roles import UNIT_ROLES, Role
from jingmin.audit.services import event_record
from jingmin.core.exceptions import NotPermitted
from jingmin.portal.pagecache import stamp_bump

from .models import (
    Appeal,
    Category,
    MonthlyAggregate,
    PublishedFigure,
    RateFormula,
)

S = Appeal.Status
FIGURES_STAMP = "appeals:stamp:figures"
"""Replaced by every refresh and every change of a formula: a dashboard kept whole
in a shared cache is used only under the stamp it was made under (ADR 130)."""
OPEN = [s for s in S.values if s != S.CLOSED]
COUNTS = [
    "received",
    "due_accept",
    "accepted_on_time",
    "replied",
    "replied_on_time",
    "overdue",
    "rated",
    "resolved_yes",
    "resolved_no",
    "satisfied",
    "basically",
    "dissatisfied",
]
DEFAULT_DEFINITION = {
    "satisfaction": {"satisfied": 1.0, "basically": 0.5, "dissatisfied": 0.0},
}
GROUPS = {
    "unit": ("unit_id", "unit__name"),
    "department": ("department_id", "department__name"),
    "category": ("category_id", "category__name"),
    "month": ("month", "month"),
}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(month_start(month), dt.time()))
    following = (month_start(month) + dt.timedelta(days=32)).replace(day=1)
    return start, timezone.make_aware(dt.datetime.combine(following, dt.time()))


def formula_active() -> RateFormula:
    formula = RateFormula.objects.filter(active=True).order_by("-version").first()
    if formula is None:  # the 0002 migration creates v1; a wiped table gets it back
        formula, _ = RateFormula.objects.get_or_create(
            version=1,
            defaults={
                "name": "默认口径（满意+0.5×基本满意）",
                "definition": DEFAULT_DEFINITION,
                "active": True,
            },
        )
    return formula


# --- refresh --------------------------------------------------------------


def _aggregate_month(month: dt.date, now: dt.datetime) -> list[MonthlyAggregate]:
    start, end = month_bounds(month)
    appeals = Appeal.objects.filter(created_at__gte=start, created_at__lt=end)
    late_open = Q(replied_at__isnull=True, reply_due__lt=now, status__in=OPEN)
    rows = appeals.values("unit_id", "forwarded_to_id", "category_id").annotate(
        n_received=Count("pk"),
        n_due_accept=Count("pk", filter=Q(dispatched_at__isnull=False)),
        n_accepted_on_time=Count("pk", filter=Q(accepted_on_time=True)),
        n_replied=Count("pk", filter=Q(replied_at__isnull=False)),
        n_replied_on_time=Count("pk", filter=Q(replied_on_time=True)),
        n_overdue=Count("pk", filter=Q(replied_on_time=False) | late_open),
        n_rated=Count(
            "pk",
            filter=Q(satisfaction__in=["satisfied", "basically", "dissatisfied"]),
        ),
        n_resolved_yes=Count("pk", filter=Q(resolved=True)),
        n_resolved_no=Count("pk", filter=Q(resolved=False)),
        n_satisfied=Count("pk", filter=Q(satisfaction="satisfied")),
        n_basically=Count("pk", filter=Q(satisfaction="basically")),
        n_dissatisfied=Count("pk", filter=Q(satisfaction="dissatisfied")),
    )
    hours: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit, dept, cat, created, replied in (
        Appeal.objects.filter(
            created_at__gte=start, created_at__lt=end, replied_at__isnull=False
        )
        .values_list(
            "unit_id", "forwarded_to_id", "category_id", "created_at", "replied_at"
        )
        .iterator(chunk_size=5000)
    ):
        bucket = max(int((replied - created).total_seconds() // 3600), 0)
        hours[(unit, dept, cat)][str(bucket)] += 1
    out = []
    for row in rows:
        cell = (row["unit_id"], row["forwarded_to_id"], row["category_id"])
        key = f"{month:%Y-%m}|" + "|".join("" if v is None else str(v) for v in cell)
        out.append(
            MonthlyAggregate(
                key=key,
                month=month,
                unit_id=cell[0],
                department_id=cell[1],
                category_id=cell[2],
                reply_hours=dict(hours.get(cell, {})),
                refreshed_at=now,
                **{c: row[f"n_{c}"] for c in COUNTS},
            )
        )
    return out


def metrics_refresh(*, full: bool = False, now: dt.datetime | None = None) -> int:
    """Recount the months touched since the last refresh; returns months recounted."""
    now = now or timezone.now()
    last = MonthlyAggregate.objects.aggregate(t=Max("refreshed_at"))["t"]
    changed = Appeal.objects.all()
    if not full and last is not None:
        # a small overlap: an appeal saved while the last refresh ran is recounted
        changed = changed.filter(updated_at__gte=last - dt.timedelta(minutes=5))
    months = {
        timezone.localtime(m).date().replace(day=1) if isinstance(m, dt.datetime) else m
        for m in changed.annotate(m=TruncMonth("created_at"))
        .values_list("m", flat=True)
        .distinct()
    }
    months.add(month_start(timezone.localdate(now)))
    for month in sorted(months):
        with transaction.atomic():
            MonthlyAggregate.objects.filter(month=month).delete()
            MonthlyAggregate.objects.bulk_create(_aggregate_month(month, now))
            stamp_bump(FIGURES_STAMP)  # at commit too: kept dashboards (ADR 130)
    return len(months)


# --- figures --------------------------------------------------------------


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _median_hours(histogram: dict[str, int]) -> int | None:
    total = sum(histogram.values())
    if not total:
        return None
    seen = 0
    for bucket in sorted(histogram, key=int):
        seen += histogram[bucket]
        if seen * 2 >= total:
            return int(bucket)
    return None  # pragma: no cover


@dataclass
class Figures:
    label: str
    key: Any
    counts: dict[str, int]
    hours: dict[str, int] = field(default_factory=dict)
    formula: dict = field(default_factory=lambda: DEFAULT_DEFINITION)

    @property
    def volume(self) -> int:
        return self.counts["received"]

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.counts["accepted_on_time"], self.counts["due_accept"])

    @property
    def resolution_rate(self) -> float | None:
        c = self.counts
        return _ratio(c["resolved_yes"], c["resolved_yes"] + c["resolved_no"])

    @property
    def satisfaction_rate(self) -> float | None:
        c = self.counts
        weights = self.formula.get("satisfaction", DEFAULT_DEFINITION["satisfaction"])
        valid = c["satisfied"] + c["basically"] + c["dissatisfied"]
        score = sum(c[k] * float(weights.get(k, 0)) for k in weights)
        return _ratio(score, valid)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.counts["replied_on_time"], self.counts["replied"])

    @property
    def overdue(self) -> int:
        return self.counts["overdue"]

    @property
    def median_reply_hours(self) -> int | None:
        return _median_hours(self.hours)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "volume": self.volume,
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "on_time_rate": self.on_time_rate,
            "overdue": self.overdue,
            "median_reply_hours": self.median_reply_hours,
            **{f"n_{k}": v for k, v in self.counts.items()},
        }


def _hours_by(qs: QuerySet[MonthlyAggregate], key_field: str) -> dict[Any, dict]:
    """Reply-time histograms merged per key. PostgreSQL adds them up itself (one
    row per key and hour instead of every cell's JSON); SQLite merges in Python.
    Same sums either way."""
    hours: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if connections[qs.db].vendor == "postgresql":
        sql, params = qs.values_list(key_field, "reply_hours").query.sql_with_params()
        merged = (
            f"SELECT t.k, e.key, SUM(e.value::bigint) FROM ({sql}) AS t(k, h) "  # noqa: S608 (Django's own SQL)
            "CROSS JOIN LATERAL jsonb_each_text(t.h) AS e GROUP BY 1, 2"
        )
        with connections[qs.db].cursor() as cursor:
            cursor.execute(merged, params)
            for key, bucket, n in cursor.fetchall():
                hours[key][bucket] += int(n)
        return hours
    for key, histogram in qs.values_list(key_field, "reply_hours"):
        for bucket, n in (histogram or {}).items():
            hours[key][bucket] += n
    return hours


def metrics_report(
    *,
    group_by: str = "unit",
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
    unit_id: int | None = None,
    department_id: int | None = None,
    formula: RateFormula | None = None,
) -> tuple[list[Figures], Figures]:
    """``metrics_table`` and ``metrics_total`` of the same filters in one read of
    the aggregates (the dashboard shows both)."""
    key_field, label_field = GROUPS[group_by]
    formula = formula or formula_active()
    qs = MonthlyAggregate.objects.all()
    if month_from:
        qs = qs.filter(month__gte=month_start(month_from))
    if month_to:
        qs = qs.filter(month__lte=month_start(month_to))
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if department_id:
        qs = qs.filter(department_id=department_id)
    sums = {c: Sum(c) for c in COUNTS}
    rows = qs.values(key_field, label_field).annotate(**sums).order_by(key_field)
    hours = _hours_by(qs, key_field)
    table = []
    all_counts = dict.fromkeys(COUNTS, 0)
    all_hours: dict[str, int] = defaultdict(int)
    for row in rows:
        key = row[key_field]
        counts = {c: row[c] or 0 for c in COUNTS}
        histogram = dict(hours.get(key, {}))
        for c in COUNTS:
            all_counts[c] += counts[c]
        for bucket, n in histogram.items():
            all_hours[bucket] += n
        if key is None and group_by != "month":
            continue  # in the total, not in a row of its own
        label = f"{key:%Y-%m}" if group_by == "month" else row[label_field]
        table.append(Figures(label, key, counts, histogram, formula.definition))
    if group_by != "month":
        table.sort(
            key=lambda f: (
                -(f.satisfaction_rate if f.satisfaction_rate is not None else -1),
                -f.volume,
            )
        )
    total = Figures(_("合计"), None, all_counts, dict(all_hours), formula.definition)
    return table, total


def metrics_table(
    *,
    group_by: str = "unit",
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
    unit_id: int | None = None,
    department_id: int | None = None,
    formula: RateFormula | None = None,
) -> list[Figures]:
    """Figures per unit / department / category / month, ranked by satisfaction."""
    return metrics_report(
        group_by=group_by,
        month_from=month_from,
        month_to=month_to,
        unit_id=unit_id,
        department_id=department_id,
        formula=formula,
    )[0]


def metrics_total(**filters: Any) -> Figures:
    return metrics_report(group_by="month", **filters)[1]


# --- the dashboard's figures, per scope ---------------------------------------

FIGURES_CACHE_SECONDS = 300


def figures_scope(viewer: Any) -> dict[str, int] | None:
    """The aggregate filter a staff member's figures are limited to: the county for
    the supervisor and the analyst, the own unit for officers and leaders, the own
    department for a liaison; None (no figures) for anyone else."""
    if not scoping.is_staff_member(viewer):
        return None
    role = viewer.role
    if role in (Role.SUPERVISOR, Role.ANALYST):
        return {}
    if role in UNIT_ROLES:
        return {"unit_id": viewer.unit_id} if viewer.unit_id else None
    if role == Role.LIAISON:
        return {"department_id": viewer.department_id} if viewer.department_id else None
    return None


def generation() -> str:
    """Names the aggregates' current state: the last refresh (every refresh rewrites
    the current month's rows, so a change of any figure changes this)."""
    last = MonthlyAggregate.objects.aggregate(t=Max("refreshed_at"))["t"]
    return last.isoformat() if last else "-"


# The active formula and the newest refresh in one round trip, without compiling a
# queryset (the dashboard asks both on every view). Constant SQL; the tables are
# those of RateFormula and MonthlyAggregate (a test checks the names).
FORMULA_AND_GENERATION_SQL = (
    "SELECT f.*, (SELECT MAX(a.refreshed_at) FROM appeals_monthlyaggregate a)"
    " AS last_refresh FROM appeals_rateformula f WHERE f.active"
    " ORDER BY f.version DESC LIMIT 1"
)


def formula_and_generation() -> tuple[RateFormula, str]:
    """``formula_active()`` and ``generation()`` in one query."""
    for formula in RateFormula.objects.raw(FORMULA_AND_GENERATION_SQL):
        last = formula.last_refresh  # a datetime, or text on SQLite
        if last is None:
            return formula, "-"
        return formula, last.isoformat() if hasattr(last, "isoformat") else str(last)
    return formula_active(), generation()


class DashboardFigures(NamedTuple):
    rows: list[Figures]
    total: Figures
    formula: RateFormula
    key: str | None
    """The cache key of these figures (None: nothing to show): it names the
    aggregates' generation, the formula, the grouping, the months, the scope and
    the language, so whatever is kept under a key derived from it (the rendered
    table, ADR 130) is as fresh and as narrow as the figures themselves."""


class FiguresKey(NamedTuple):
    key: str | None
    """None: the viewer has no figures (``figures_scope`` is None)."""
    formula: RateFormula
    scope: dict[str, int] | None


def figures_key(
    *,
    viewer: Any,
    group_by: str = "unit",
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
) -> FiguresKey:
    """The cache key of the viewer's figures (one query: the formula and the
    aggregates' generation)."""
    formula, current = formula_and_generation()
    scope = figures_scope(viewer)
    if scope is None:
        return FiguresKey(None, formula, None)
    parts = [
        current,
        formula.pk,
        formula.version,
        formula.definition,
        group_by,
        str(month_from),
        str(month_to),
        sorted(scope.items()),
        translation.get_language(),
    ]
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
    return FiguresKey(f"appeals:figures:{digest[:40]}", formula, scope)


def dashboard_figures(
    *,
    viewer: Any,
    group_by: str = "unit",
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
    named: FiguresKey | None = None,
) -> DashboardFigures:
    """``metrics_report`` limited to the viewer's ``figures_scope``, kept in the
    cache under the aggregates' generation, the formula and the scope: a cached
    table is always the table the aggregates give now (ADR 097). ``named``: the
    ``figures_key`` of the same arguments, when the caller has it already."""
    if named is None:
        named = figures_key(
            viewer=viewer, group_by=group_by, month_from=month_from, month_to=month_to
        )
    formula, scope = named.formula, named.scope
    if named.key is None or scope is None:
        empty = Figures(
            _("合计"), None, dict.fromkeys(COUNTS, 0), {}, formula.definition
        )
        return DashboardFigures([], empty, formula, None)
    found = cache.get(named.key)
    if found is None:
        found = metrics_report(
            group_by=group_by,
            month_from=month_from,
            month_to=month_to,
            formula=formula,
            **scope,
        )
        cache.set(named.key, found, FIGURES_CACHE_SECONDS)
    rows, total = found
    return DashboardFigures(rows, total, formula, named.key)


@transaction.atomic
def figures_publish(
    *,
    actor: Any,
    period: str,
    scope_label: str,
    figures: list[Figures],
    request: Any = None,
) -> PublishedFigure:
    """Freeze a table with the formula it was computed with (supervisor only)."""
    if getattr(actor, "role", "") != Role.SUPERVISOR:
        raise NotPermitted(_("只有指挥中心可以发布数据"), code="role_not_allowed")
    formula = formula_active()
    published = PublishedFigure.objects.create(
        period=period,
        scope_label=scope_label,
        values=[f.as_dict() for f in figures],
        formula=formula,
        published_by=actor,
    )
    event_record(
        actor=actor,
        action="metrics.publish",
        obj=published,
        changes={"formula": formula.version, "rows": len(figures)},
        request=request,
    )
    return published


# --- public results -------------------------------------------------------


def public_results(*, months: int = 12, today: dt.date | None = None) -> dict[str, Any]:
    """Aggregates for the public page: publicly listed categories only, every
    count below settings.PUBLIC_MIN_COUNT suppressed (shown as None), and every
    rate unless each count it is computed from is 0 or at least that many: 20 %
    of 5 replies on time tells the one late case (ADR 112)."""
    today = today or timezone.localdate()
    first = month_start(today)
    for _i in range(months - 1):
        first = month_start(first - dt.timedelta(days=1))
    minimum = settings.PUBLIC_MIN_COUNT
    listed = set(
        Category.objects.filter(
            active=True, is_public=True, is_confidential=False
        ).values_list("pk", flat=True)
    )
    rows = [
        r
        for r in metrics_table(group_by="category", month_from=first, month_to=today)
        if r.key in listed
    ]

    def safe(*parts: int) -> bool:
        # every group a rate splits its cases into is empty or large enough
        return sum(parts) >= minimum and all(p == 0 or p >= minimum for p in parts)

    def shown(figures: Figures) -> dict[str, Any]:
        c = figures.counts
        replied, on_time = c["replied"], c["replied_on_time"]
        return {
            "label": figures.label,
            "volume": figures.volume if figures.volume >= minimum else None,
            "replied": replied if replied >= minimum else None,
            "on_time_rate": figures.on_time_rate
            if safe(on_time, replied - on_time)
            else None,
            "satisfaction_rate": figures.satisfaction_rate
            if safe(c["satisfied"], c["basically"], c["dissatisfied"])
            else None,
            "resolution_rate": figures.resolution_rate
            if safe(c["resolved_yes"], c["resolved_no"])
            else None,
        }

    total = metrics_total(month_from=first, month_to=today)
    return {
        "since": first,
        "minimum": minimum,
        "total": shown(total),
        "categories": [shown(r) for r in rows],
    }

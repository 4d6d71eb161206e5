"""Reads of the catalogue: the public catalogue, search, diffs, export, statistics,
free slots, and the scoped staff lists."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from jingmin.accounts.scoping import visible
from jingmin.core.calendar import SHANGHAI, is_workday
from jingmin.core.csvsafe import safe_writer
from jingmin.portal.pagecache import stamp_bump, stamp_get

from . import content as gc
from . import search
from .models import (
    Application,
    ApplicationStep,
    Appointment,
    AppointmentSlot,
    GuideVersion,
    SearchToken,
    ServiceGuide,
)
from .stats import PromiseFigures, promise_figures, slowest_steps

VISIT_FILTERS = {"online": 0, "one": 1}
# What a result list does not show (large JSON and text): not loaded for it.
LIST_DEFERRED = [
    f"current_version__{name}"
    for name in (
        "legal_basis",
        "materials",
        "steps",
        "offices",
        "faqs",
        "conditions",
        "applicants",
        "complaint",
        "accountability",
        "change_summary",
    )
]


# Public pages and their data are kept under this stamp, replaced whenever a
# guide, a version or a department shown on a guide changes (apps.py connects
# the signals; docs/decisions/091).
STAMP_KEY = "catalogue:stamp"
# What no stamp follows (the promise figures of a guide page: applications are
# recorded all day) is at most this old.
KEEP_SECONDS = 600


def catalogue_changed(**_kwargs: Any) -> None:
    stamp_bump(STAMP_KEY)


def _kept(key: str, compute: Any) -> Any:
    """``compute()`` kept under the catalogue stamp."""
    found = cache.get_many([STAMP_KEY, key])
    stamp = found.get(STAMP_KEY)
    entry = found.get(key)
    if stamp is not None and entry is not None and entry[0] == stamp:
        return entry[1]
    stamp = stamp or stamp_get(STAMP_KEY)
    value = compute()
    if value is not None:  # misses are not kept: unknown codes cannot fill the cache
        cache.set(key, (stamp, value), KEEP_SECONDS)
    return value


def published_guides() -> QuerySet[ServiceGuide]:
    return ServiceGuide.objects.filter(current_version__isnull=False).select_related(
        "current_version", "responsible_department"
    )


def guide_search(
    *, query: str = "", area: str = "", visits: str = ""
) -> list[ServiceGuide]:
    """Published guides matching the filters; with a query, best match first."""
    guides = published_guides()
    if area:
        guides = guides.filter(area=area)
    if visits in VISIT_FILTERS:
        guides = guides.filter(current_version__max_visits__lte=VISIT_FILTERS[visits])
    query = (query or "").strip()[:100]
    if not query:
        return list(guides.defer(*LIST_DEFERRED).order_by("area", "code"))
    tokens = list(search.query_tokens(query))
    postings = list(
        SearchToken.objects.filter(token__in=tokens).values_list(
            "guide_id", "token", "weight"
        )
    )
    total = ServiceGuide.objects.filter(current_version__isnull=False).count()
    ranked = search.relevant(search.rank(query, postings, total))
    by_id = guides.defer(*LIST_DEFERRED).in_bulk([guide_id for guide_id, _s in ranked])
    return [by_id[guide_id] for guide_id, _score in ranked if guide_id in by_id]


def guide_search_kept(
    *, query: str = "", area: str = "", visits: str = ""
) -> dict[str, Any]:
    """The result list and the catalogue's last change, kept per search."""
    query = (query or "").strip()[:100]
    digest = hashlib.sha256(f"{query}\0{area}\0{visits}".encode()).hexdigest()[:32]
    return _kept(
        f"catalogue:search:{digest}",
        lambda: {
            "guides": guide_search(query=query, area=area, visits=visits),
            "updated_at": catalogue_updated_at(),
        },
    )


class GuideNotFound(Exception):
    """No published guide with that code, or no such version of it."""


def guide_page(code: str, number: int | None, today: dt.date) -> dict[str, Any]:
    """Everything the public page of a guide (version) shows, kept per guide,
    version asked and day (the version in force changes at midnight)."""
    found = _kept(
        f"catalogue:guide:{hashlib.sha256(code.encode()).hexdigest()[:32]}"
        f":{number}:{today}",
        lambda: _guide_page(code, number, today),
    )
    if found is None:
        raise GuideNotFound(code)
    return found


def _guide_page(code: str, number: int | None, today: dt.date) -> dict[str, Any] | None:
    guide = published_guides().filter(code=code).first()
    if guide is None:
        return None
    in_force = version_in_force(guide, today)
    version = in_force
    if number is not None:
        version = GuideVersion.objects.filter(guide=guide, number=number).first()
        if version is None:
            return None
    upcoming = (
        guide.current_version if guide.current_version_id != in_force.pk else None
    )
    return {
        "guide": guide,
        "version": version,
        "upcoming": upcoming,
        "is_current": version.pk == in_force.pk,
        "is_upcoming": upcoming is not None and version.pk == upcoming.pk,
        "promise": guide_promise(guide),
        "today": today,
    }


def version_in_force(guide: ServiceGuide, on: dt.date) -> GuideVersion:
    """The newest version whose effective date has come (the first version when
    none has: a new service is shown from its first publication)."""
    return (
        guide.versions.filter(effective_date__lte=on).order_by("-number").first()
        or guide.versions.order_by("number").first()
    )


def guide_versions(guide: ServiceGuide) -> QuerySet[GuideVersion]:
    return guide.versions.select_related("published_by").order_by("-number")


# ------------------------------------------------------------------- diff


def _chars(before: str, after: str) -> list[tuple[str, str]]:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    out: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", before[a1:a2]))
        if op in ("delete", "replace"):
            out.append(("delete", before[a1:a2]))
        if op in ("insert", "replace"):
            out.append(("insert", after[b1:b2]))
    return out


def _segments(before: str, after: str, whole: bool = False) -> list[tuple[str, str]]:
    """[(op, text)] with op equal/insert/delete. Lines (one material, one step…)
    are matched first, so a removed item shows as one struck-out line; within a
    changed line the diff is by character (Chinese has no spaces). Numbers and
    dates are replaced whole (20 → 15, not 2<del>0</del><ins>15</ins>)."""
    if whole:
        return [("delete", before), ("insert", after)]
    old, new = before.split("\n"), after.split("\n")
    out: list[tuple[str, str]] = []

    def line(segments: list[tuple[str, str]]) -> None:
        if out:
            out.append(("equal", "\n"))
        out.extend(segments)

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            for text in old[a1:a2]:
                line([("equal", text)])
        else:
            _pair_lines(old[a1:a2], new[b1:b2], line)
    return out


def _pair_lines(old: list[str], new: list[str], line: Any) -> None:
    """Walk a changed block: similar lines are diffed by character, the rest are
    whole deletions (while old has more lines left) or insertions."""
    i = j = 0
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new):
            similar = difflib.SequenceMatcher(None, old[i], new[j]).ratio() >= 0.5
            if similar:
                line(_chars(old[i], new[j]))
                i, j = i + 1, j + 1
                continue
        if i < len(old) and (len(old) - i >= len(new) - j or j >= len(new)):
            line([("delete", old[i])])
            i += 1
        else:
            line([("insert", new[j])])
            j += 1


def version_content(version: GuideVersion) -> dict[str, Any]:
    return {f.key: getattr(version, f.key) for f in gc.FIELDS}


def version_diff(old: GuideVersion, new: GuideVersion) -> list[dict[str, Any]]:
    """Field by field: label, whether it changed, and the diff segments."""
    rows = []
    before, after = version_content(old), version_content(new)
    for spec in gc.FIELDS:
        a = gc.as_text(spec.key, before[spec.key])
        b = gc.as_text(spec.key, after[spec.key])
        rows.append(
            {
                "key": spec.key,
                "label": spec.label,
                "changed": a != b,
                "segments": _segments(a, b, whole=spec.kind in ("int", "date"))
                if a != b
                else [("equal", a)],
            }
        )
    return rows


# ----------------------------------------------------------------- export

EXPORT_SCALARS = [
    "code",
    "area",
    "area_label",
    "handled_by",
    "version",
    "published_at",
]


def _handled_by(guide: ServiceGuide) -> str:
    if guide.responsible_department_id:
        dept = guide.responsible_department
        return f"{dept.name}（{dept.contact_phone}）"
    return guide.responsible_text


def guide_record(guide: ServiceGuide) -> dict[str, Any]:
    """One guide of the open-data export: identity, current version, every field."""
    version = guide.current_version
    record: dict[str, Any] = {
        "code": guide.code,
        "area": guide.area,
        "area_label": str(guide.get_area_display()),
        "handled_by": _handled_by(guide),
        "version": version.number,
        "published_at": version.published_at.astimezone(SHANGHAI).isoformat(),
    }
    for spec in gc.FIELDS:
        value = getattr(version, spec.key)
        record[spec.key] = value.isoformat() if spec.kind == "date" else value
    return record


def catalogue_export() -> list[dict[str, Any]]:
    return [guide_record(g) for g in published_guides().order_by("code")]


def export_columns() -> list[str]:
    return EXPORT_SCALARS + [f.key for f in gc.FIELDS]


def csv_row(record: dict[str, Any]) -> list[str]:
    """Structured fields become readable multi-line text in the CSV."""
    row = []
    for column in export_columns():
        value = record[column]
        row.append(gc.as_text(column, value) if column in gc.LIST_FIELDS else value)
    return row


def write_csv(stream: Any, records: list[dict[str, Any]]) -> None:
    """The CSV of the open-data export (download and command alike)."""
    writer = safe_writer(stream)
    writer.writerow(export_columns())
    for record in records:
        writer.writerow(csv_row(record))


def latest_versions(limit: int = 50) -> QuerySet[GuideVersion]:
    return GuideVersion.objects.select_related("guide").order_by(
        "-published_at", "-pk"
    )[:limit]


def catalogue_updated_at() -> dt.datetime | None:
    latest = GuideVersion.objects.order_by("-published_at").first()
    return latest.published_at if latest else None


# ------------------------------------------------------------- statistics


class _PromiseIndex:
    """The time promise in force on a day: the newest version effective by then
    (the first version for applications older than every version)."""

    def __init__(self, guide_id: int | None = None) -> None:
        self.by_guide: dict[int, list[tuple[dt.date, int, int]]] = defaultdict(list)
        versions = GuideVersion.objects.all()
        if guide_id is not None:
            versions = versions.filter(guide_id=guide_id)
        for guide_id_, effective, number, days in versions.values_list(
            "guide_id", "effective_date", "number", "time_promise_days"
        ).order_by("guide_id", "effective_date", "number"):
            self.by_guide[guide_id_].append((effective, number, days))

    def days(self, guide_id: int, on: dt.date) -> int:
        versions = self.by_guide[guide_id]
        chosen = versions[0][2]
        for effective, _number, days in versions:
            if effective <= on:
                chosen = days
        return chosen


def application_rows(
    applications: QuerySet[Application], guide_id: int | None = None
) -> list[dict[str, Any]]:
    """One row per application; ``guide_id`` when they are all of that guide."""
    index = _PromiseIndex(guide_id)
    rows = []
    for row in applications.values(
        "guide_id", "unit_id", "received_on", "completed_on", "visits"
    ):
        row["promise_days"] = index.days(row["guide_id"], row["received_on"])
        row["guide_unit"] = (row["guide_id"], row["unit_id"])
        rows.append(row)
    return rows


def promise_table(
    applications: QuerySet[Application],
    *,
    by_unit: bool,
    public: bool,
    guide_id: int | None = None,
) -> list[PromiseFigures]:
    """Figures per guide (or guide and unit); public tables hide small groups."""
    rows = application_rows(applications, guide_id)
    figures = promise_figures(rows, "guide_unit" if by_unit else "guide_id")
    if public:
        figures = [f for f in figures if f.completed >= settings.PUBLIC_MIN_COUNT]
    return figures


def public_promise_stats(since: dt.date | None = None) -> dict[str, Any]:
    """Cached under a key that changes with any new application or version, so
    the public page is computed once per change rather than once per visitor."""
    since = since or (timezone.localdate() - dt.timedelta(days=365))
    applications = Application.objects.filter(
        received_on__gte=since, guide__current_version__isnull=False
    )
    marks = applications.aggregate(n=Count("pk"), last=Max("pk"))
    latest = GuideVersion.objects.aggregate(last=Max("pk"))["last"]
    key = f"catalogue:promises:{since}:{marks['n']}:{marks['last']}:{latest}"
    return cache.get_or_set(
        key, lambda: _public_promise_stats(since, applications), 600
    )


def _public_promise_stats(
    since: dt.date, applications: QuerySet[Application]
) -> dict[str, Any]:
    by_guide = promise_table(applications, by_unit=False, public=True)
    by_unit = promise_table(applications, by_unit=True, public=True)
    steps = ApplicationStep.objects.filter(application__in=applications).values_list(
        "application__guide_id", "name", "working_days"
    )
    slow = [
        s
        for s in slowest_steps(steps, limit=50)
        if len(s.days) >= settings.PUBLIC_MIN_COUNT
    ][:10]
    return {
        "since": since,
        "by_guide": by_guide,
        "by_unit": by_unit,
        "slowest_steps": slow,
    }


def guide_promise(guide: ServiceGuide) -> PromiseFigures | None:
    """The last twelve months of one guide, if there are enough to publish."""
    since = timezone.localdate() - dt.timedelta(days=365)
    figures = promise_table(
        Application.objects.filter(guide=guide, received_on__gte=since),
        by_unit=False,
        public=True,
        guide_id=guide.pk,
    )
    return figures[0] if figures else None


def staff_promise_stats(user: Any, since: dt.date) -> dict[str, Any]:
    applications = visible(user, Application.objects.filter(received_on__gte=since))
    steps = visible(
        user,
        ApplicationStep.objects.filter(application__received_on__gte=since),
    ).values_list("application__guide_id", "name", "working_days")
    return {
        "since": since,
        "by_unit": promise_table(applications, by_unit=True, public=False),
        "slowest_steps": slowest_steps(steps, limit=10),
    }


def label(figures: list[Any]) -> list[Any]:
    """Set ``guide_name`` (and ``unit_name``) on figures keyed by guide id,
    (guide id, unit id) or carrying ``guide_id``."""
    from jingmin.org.models import Unit

    def ids(figure: Any) -> tuple[int, int | None]:
        if hasattr(figure, "guide_id"):
            return figure.guide_id, None
        if isinstance(figure.key, tuple):
            return figure.key
        return figure.key, None

    pairs = [ids(f) for f in figures]
    guides = {
        g.pk: str(g)
        for g in ServiceGuide.objects.select_related("current_version").filter(
            pk__in={g for g, _u in pairs}
        )
    }
    units = dict(
        Unit.objects.filter(pk__in={u for _g, u in pairs if u}).values_list(
            "pk", "name"
        )
    )
    for figure, (guide_id, unit_id) in zip(figures, pairs, strict=True):
        figure.guide_name = guides.get(guide_id, "")
        figure.unit_name = units.get(unit_id, "") if unit_id else ""
    return figures


# ------------------------------------------------------------ appointments


def free_slots(
    *, guide: ServiceGuide, unit: Any = None, after: dt.datetime | None = None
) -> QuerySet[AppointmentSlot]:
    after = max(after or timezone.now(), timezone.now())
    slots = AppointmentSlot.objects.filter(guide=guide, starts_at__gt=after)
    if unit is not None:
        slots = slots.filter(unit=unit)
    return (
        slots.annotate(
            booked=Count(
                "appointments",
                filter=Q(appointments__status=Appointment.Status.BOOKED),
            )
        )
        .filter(booked__lt=F("capacity"))
        .select_related("unit")
        .order_by("starts_at", "unit__code", "window")
    )


def next_free_slots(
    *, guide: ServiceGuide, unit: Any, after: dt.datetime, limit: int = 3
) -> list[AppointmentSlot]:
    """The next free places (working days only: a day made a holiday after the
    slots were opened is skipped)."""
    found = []
    for slot in free_slots(guide=guide, unit=unit, after=after)[: limit * 4]:
        if is_workday(slot.starts_at.astimezone(SHANGHAI).date()):
            found.append(slot)
        if len(found) == limit:
            break
    return found


def slot_units(guide: ServiceGuide) -> list[Any]:
    """Units with future slots for ``guide``."""
    from jingmin.org.models import Unit

    return list(
        Unit.objects.filter(
            appointment_slots__guide=guide,
            appointment_slots__starts_at__gt=timezone.now(),
        )
        .distinct()
        .order_by("code")
    )


def bookable_guides() -> QuerySet[ServiceGuide]:
    return (
        published_guides()
        .filter(appointment_slots__starts_at__gt=timezone.now())
        .distinct()
        .order_by("area", "code")
    )


def day_list(user: Any, day: dt.date) -> QuerySet[Appointment]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)
    return visible(
        user,
        Appointment.objects.filter(
            slot__starts_at__gte=start,
            slot__starts_at__lt=start + dt.timedelta(days=1),
        ).select_related("slot__unit", "slot__guide__current_version"),
    ).order_by("slot__starts_at", "slot__window", "pk")


def console_guides(user: Any) -> QuerySet[ServiceGuide]:
    return visible(
        user, ServiceGuide.objects.select_related("current_version")
    ).order_by("area", "code")

"""Demo catalogue: 40+ guides (some with 2–3 versions), disclosure entries,
twelve months of applications and two weeks of appointment slots.

Idempotent: guides are found by code, disclosure entries by title, the history
is made only when there are no applications, and slots are get-or-create.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from jingmin.accounts.models import User
from jingmin.audit.services import event_record
from jingmin.core.calendar import SHANGHAI, add_working_days, is_workday
from jingmin.org.models import Department, Unit

from . import content as gc
from . import services
from .demo_data import ACCOUNTABILITY, COMPLAINT, DISCLOSURE, G
from .models import Application, ApplicationStep, DisclosureItem, ServiceGuide

DEMO_NOTES = [
    "办事指南 /services/ ：试搜“身份证丢了怎么办”“sfz”“港澳通行证续签”；"
    "办理时效公示 /services/promises/ ；预约 /services/appointments/ ；"
    "管理 /services/console/（admin 或 zhihui 可编辑发布）。",
]
FIRST_EFFECTIVE = "2024-07-01"
BOOKABLE = [
    ("hukou-id-lost", "zhengwu", "身份证窗口"),
    ("hukou-id-renew", "chengguan", "户籍窗口"),
    ("hukou-id-first", "dongcheng", "户籍窗口"),
    ("hukou-move-in", "zhengwu", "户籍窗口"),
    ("ee-passport", "churujing", "出入境1号窗口"),
    ("ee-hk-macau", "churujing", "出入境2号窗口"),
    ("tr-registration", "jiaojing", "车管窗口"),
    ("po-large-event", "zhengwu", "治安窗口"),
]
SLOT_TIMES = [
    (dt.time(9, 0), dt.time(10, 0)),
    (dt.time(10, 0), dt.time(11, 0)),
    (dt.time(14, 0), dt.time(15, 0)),
    (dt.time(15, 0), dt.time(16, 0)),
]


def content_of(spec: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The draft dict of a guide spec (line-format fields parsed)."""
    merged = {**spec, **overrides}
    draft: dict[str, Any] = {
        "complaint": COMPLAINT,
        "accountability": ACCOUNTABILITY,
    }
    for field in gc.FIELDS:
        if field.key not in merged:
            continue
        value = merged[field.key]
        if field.kind == "list" and isinstance(value, str):
            value = gc.parse_lines(field.key, value)
        draft[field.key] = value
    return draft


def _published_at(effective: str) -> dt.datetime:
    day = dt.date.fromisoformat(effective) - dt.timedelta(days=10)
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=SHANGHAI)


def seed_guides(actor: Any = None) -> int:
    """Create and publish the demo guides that do not exist yet."""
    made = 0
    departments = {d.code: d for d in Department.objects.all()}
    for spec in G:
        if ServiceGuide.objects.filter(code=spec["code"]).exists():
            continue
        first = content_of(spec, spec.get("first", {}))
        first["change_summary"] = "首次发布"
        first["effective_date"] = FIRST_EFFECTIVE
        guide = services.guide_create(
            code=spec["code"],
            area=spec["area"],
            responsible_department=departments.get(spec.get("department", "")),
            responsible_text=spec.get("responsible_text", ""),
            content=first,
            actor=actor,
        )
        services.guide_publish(
            guide=guide, actor=actor, published_at=_published_at(FIRST_EFFECTIVE)
        )
        draft = first
        for effective, summary, changes in spec.get("versions", []):
            draft = {
                **content_of(spec, changes),
                "change_summary": summary,
                "effective_date": effective,
            }
            services.guide_draft_save(guide=guide, content=draft, actor=actor)
            services.guide_publish(
                guide=guide, actor=actor, published_at=_published_at(effective)
            )
        made += 1
    return made


def _history(today: dt.date) -> int:
    """Twelve months of applications with realistic durations, some over promise."""
    rng = random.Random(2026)
    units = {u.code: u for u in Unit.objects.all()}
    applications = []
    step_days = []
    for guide in ServiceGuide.objects.select_related("current_version").filter(
        current_version__isnull=False
    ):
        version = guide.current_version
        codes = [o["unit"] for o in version.offices][:3]
        if not codes:
            continue
        volume = 60 if guide.code.startswith(("hukou-id", "ee-", "tr-")) else 20
        steps = [s["name"] for s in version.steps] or ["办理"]
        slow_step = rng.randrange(len(steps))
        for _n in range(volume):
            received = today - dt.timedelta(days=rng.randint(1, 365))
            while not is_workday(received):
                received -= dt.timedelta(days=1)
            promise = version.time_promise_days
            if rng.random() < 0.12:
                days = promise + rng.randint(1, 4)
            else:
                days = rng.randint(0, promise)
            completed = add_working_days(received, days)
            visits = max(version.max_visits, 0)
            if rng.random() < 0.15:
                visits += 1
            applications.append(
                Application(
                    guide=guide,
                    unit=units[rng.choice(codes)],
                    received_on=received,
                    completed_on=completed if completed <= today else None,
                    visits=visits,
                    source=Application.Source.IMPORT,
                )
            )
            split = [0] * len(steps)
            for _d in range(days):
                heavy = rng.random() < 0.6
                split[slow_step if heavy else rng.randrange(len(steps))] += 1
            step_days.append(list(zip(steps, split, strict=True)))
    Application.objects.bulk_create(applications, batch_size=500)
    ApplicationStep.objects.bulk_create(
        (
            ApplicationStep(application=app, name=name[:60], working_days=days)
            for app, steps in zip(applications, step_days, strict=True)
            if app.completed_on is not None
            for name, days in steps
        ),
        batch_size=1000,
    )
    event_record(
        actor=None,
        actor_label="demo-seed",
        action="catalogue.applications_import",
        changes={"rows": len(applications)},
        object_type="catalogue.application",
    )
    return len(applications)


def seed(out=None) -> None:
    actor = User.objects.filter(username="admin").first()
    with transaction.atomic():
        made = seed_guides(actor)
        for position, (kind, title, body, source) in enumerate(DISCLOSURE):
            DisclosureItem.objects.get_or_create(
                title=title,
                defaults={
                    "kind": kind,
                    "body": body,
                    "source": source,
                    "position": position,
                },
            )
    today = timezone.localdate()
    history = 0
    if not Application.objects.exists():
        with transaction.atomic():
            history = _history(today)
    slots = 0
    for code, unit_code, window in BOOKABLE:
        guide = ServiceGuide.objects.filter(code=code).first()
        unit = Unit.objects.filter(code=unit_code).first()
        if guide is None or unit is None:
            continue
        slots += services.slots_create(
            unit=unit,
            guide=guide,
            window=window,
            first_day=today + dt.timedelta(days=1),
            days=14,
            times=SLOT_TIMES,
            capacity=4,
            actor=actor,
        )
    if out is not None:
        out.write(
            f"  catalogue: {made} new guides, {history} applications, {slots} slots"
        )

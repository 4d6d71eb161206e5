"""A complete guide content and helpers to publish guides in tests."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from jingmin.catalogue import services
from jingmin.catalogue.models import ServiceGuide

BASE: dict[str, Any] = {
    "name": "居民身份证挂失补领",
    "keywords": "身份证丢了 身份证掉了",
    "legal_basis": [{"law": "《中华人民共和国居民身份证法》", "article": "第十一条"}],
    "applicants": "本县常住户口居民",
    "conditions": "居民身份证丢失的，应当申请补领",
    "materials": [
        {"name": "居民户口簿", "form": "original", "count": 1, "online": False},
        {"name": "近期免冠照片", "form": "original", "count": 1, "online": True},
    ],
    "steps": [
        {"name": "受理", "where": "户籍窗口", "time": "当场"},
        {"name": "制证", "where": "市局制证中心", "time": "15个工作日"},
    ],
    "result_document": "居民身份证",
    "result_delivery": "窗口领取或邮寄",
    "time_promise_days": 20,
    "fees": "补领20元",
    "offices": [{"unit": "sta", "hours": "工作日 8:30-17:00"}],
    "max_visits": 1,
    "complaint": "拨打12345或督察电话",
    "accountability": "超时办理的，依照规定追究责任",
    "faqs": [{"question": "可以异地补领吗？", "answer": "可以，在全国任一公安窗口"}],
    "change_summary": "首次发布",
    "effective_date": "2026-01-01",
}


def content(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def published(
    code: str, actor: Any, area: str = "hukou", **changes: Any
) -> ServiceGuide:
    guide = services.guide_create(
        code=code, area=area, actor=actor, content=content(**changes)
    )
    services.guide_publish(guide=guide, actor=actor)
    guide.refresh_from_db()
    return guide


def slots_next_workday(
    county: Any,
    *,
    times: list[tuple[dt.time, dt.time]],
    capacity: int,
    days: int = 1,
    window: str = "1",
) -> ServiceGuide:
    """The published guide "id-lost" with slots at station A from the next working day."""
    from django.utils import timezone

    from jingmin.core.calendar import is_workday

    guide = published("id-lost", county["admin"])
    day = timezone.localdate() + dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    services.slots_create(
        unit=county.sta,
        guide=guide,
        window=window,
        first_day=day,
        days=days,
        times=times,
        capacity=capacity,
        actor=county["admin"],
    )
    return guide

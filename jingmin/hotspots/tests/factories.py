"""Incidents and types for the hot-spot tests (the county fixture: A = lon 120.0–120.1, B = 120.1–120.2)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jingmin.hotspots.models import Incident, IncidentType

IN_A = (120.05, 30.05)
IN_B = (120.15, 30.05)


def types() -> dict[str, IncidentType]:
    out = {}
    for code, name, tip in [
        ("ebike_theft", "电动车盗窃", "加装第二把锁。"),
        ("burglary", "入室盗窃", "锁好门窗。"),
    ]:
        out[code], _ = IncidentType.objects.get_or_create(
            code=code, defaults={"name": name, "prevention_tip": tip}
        )
    return out


def incident(
    type_: IncidentType,
    lon: float,
    lat: float,
    *,
    days_ago: int = 10,
    unit=None,
    address: str = "",
) -> Incident:
    when = timezone.now() - dt.timedelta(days=days_ago)
    return Incident.objects.create(
        type=type_, occurred_from=when, lon=lon, lat=lat, unit=unit, address=address
    )


def cluster(
    type_: IncidentType,
    lon: float,
    lat: float,
    n: int,
    *,
    unit=None,
    days_ago: int = 10,
    step: float = 0.0001,
):
    return [
        incident(
            type_,
            lon + step * (k % 3),
            lat + step * (k // 3 % 3),
            days_ago=days_ago + k % 20,
            unit=unit,
        )
        for k in range(n)
    ]

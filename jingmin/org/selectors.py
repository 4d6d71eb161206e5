"""Reads about the organisation."""

from __future__ import annotations

import threading
import time

from django.db.models import Count, Max

from jingmin.core.geo import JurisdictionIndex, geometry_from_geojson
from jingmin.core.refcache import Reference

from .models import Bureau, BusinessArea, Department, Unit

_lock = threading.Lock()
_state: dict = {"index": None, "fingerprint": None, "checked": 0.0}
RECHECK_SECONDS = 30


def bureau_get() -> Bureau | None:
    return Bureau.objects.first()


def _fingerprint() -> tuple:
    agg = Unit.objects.filter(is_active=True, jurisdiction__isnull=False).aggregate(
        n=Count("id"), t=Max("updated_at")
    )
    return (agg["n"], agg["t"])


def jurisdiction_index(*, force: bool = False) -> JurisdictionIndex:
    """The process-wide STRtree of active units' jurisdictions, rebuilt when they change."""
    with _lock:
        now = time.monotonic()
        if (
            force
            or _state["index"] is None
            or now - _state["checked"] > RECHECK_SECONDS
        ):
            fp = _fingerprint()
            if force or fp != _state["fingerprint"] or _state["index"] is None:
                units = Unit.objects.filter(
                    is_active=True, jurisdiction__isnull=False
                ).values_list("id", "jurisdiction")
                _state["index"] = JurisdictionIndex(
                    (uid, geometry_from_geojson(g)) for uid, g in units
                )
                _state["fingerprint"] = fp
            _state["checked"] = now
        return _state["index"]


def reset_jurisdiction_index() -> None:
    with _lock:
        _state["index"] = None


def unit_for_point(lon: float, lat: float) -> Unit | None:
    unit_id = jurisdiction_index().lookup(lon, lat)
    return Unit.objects.get(pk=unit_id) if unit_id is not None else None


_units = Reference(lambda: {u.pk: u for u in Unit.objects.all()}, models=[Unit])


def unit_kept(pk: int) -> Unit:
    """The unit, from the process's copy (read-only; see core.refcache): what the
    routing of every submission reads."""
    unit = _units.get().get(pk)
    return unit if unit is not None else Unit.objects.get(pk=pk)


def unit_id_for_point(lon: float, lat: float) -> int | None:
    return jurisdiction_index().lookup(lon, lat)


def command_centre() -> Unit | None:
    return (
        Unit.objects.filter(kind=Unit.Kind.COMMAND, is_active=True)
        .order_by("code")
        .first()
    )


def department_for_area(area: BusinessArea) -> Department | None:
    return area.department


def department_list() -> list[Department]:
    return list(
        Department.objects.filter(is_active=True).prefetch_related("business_areas")
    )

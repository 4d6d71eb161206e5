"""Reads of the hot-spot module: scoped staff queries, arrays for analyses, the
public aggregate map and prevention tips.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, QuerySet
from django.utils import timezone

from jingmin.accounts import scoping
from jingmin.core.masking import mask_address

from .analysis.grid import Grid, Projection
from .importer import county_area
from .models import Analysis, Campaign, Incident, IncidentType
from .runner import cell_polygon_lonlat, frame

PUBLIC_CELL_M = 500
"""Cell size of the public map (settings.HOTSPOTS_PUBLIC_CELL_M overrides)."""
PUBLIC_MONTHS = 12
PUBLIC_CACHE_SECONDS = 600


def public_min_count() -> int:
    return int(getattr(settings, "PUBLIC_MIN_COUNT", 5))


# --- staff ------------------------------------------------------------------


@dataclass
class IncidentFilter:
    types: list[str] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    unit_id: int | None = None


def incidents_filtered(qs: QuerySet[Incident], f: IncidentFilter) -> QuerySet[Incident]:
    if f.types:
        qs = qs.filter(type__code__in=f.types)
    tz = timezone.get_current_timezone()
    if f.date_from:
        qs = qs.filter(
            occurred_from__gte=dt.datetime.combine(f.date_from, dt.time(), tz)
        )
    if f.date_to:
        end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time(), tz)
        qs = qs.filter(occurred_from__lt=end)
    if f.unit_id:
        qs = qs.filter(unit_id=f.unit_id)
    return qs


def incident_list(user: Any, f: IncidentFilter | None = None) -> QuerySet[Incident]:
    qs = scoping.visible(user, Incident.objects.select_related("type", "unit"))
    return incidents_filtered(qs, f or IncidentFilter())


def incident_address(user: Any, incident: Incident) -> str:
    """Addresses can point at a victim's home: lists and the API show them masked to
    every role (hot-spot work needs places, not people); the full text stays in the
    database for the station's case work."""
    return mask_address(incident.address)


def incident_arrays(
    qs: QuerySet[Incident],
) -> tuple[np.ndarray, np.ndarray, list, list]:
    """lon, lat, local start and end times of the located incidents of ``qs``."""
    rows = list(
        qs.filter(lon__isnull=False, lat__isnull=False)
        .order_by()
        .values_list("lon", "lat", "occurred_from", "occurred_to")
        .iterator(chunk_size=20000)
    )
    if not rows:
        return np.zeros(0), np.zeros(0), [], []
    lon = np.fromiter((r[0] for r in rows), float, len(rows))
    lat = np.fromiter((r[1] for r in rows), float, len(rows))
    local = timezone.localtime
    starts = [local(r[2]) for r in rows]
    ends = [local(r[3]) if r[3] else None for r in rows]
    return lon, lat, starts, ends


def analysis_list(user: Any) -> QuerySet[Analysis]:
    return scoping.visible(user, Analysis.objects.select_related("unit", "created_by"))


def campaign_list(user: Any) -> QuerySet[Campaign]:
    return scoping.visible(
        user, Campaign.objects.prefetch_related("units", "incident_types")
    )


def incident_types() -> QuerySet[IncidentType]:
    return IncidentType.objects.filter(is_active=True)


def analysis_cells_geojson(
    analysis: Analysis, *, only_significant: bool = False
) -> dict:
    result = analysis.result or {}
    cells = result.get("cells") or []
    if only_significant:
        cells = [c for c in cells if c["class"] != "ns"]
    if not cells:
        return {"type": "FeatureCollection", "features": []}
    rings = cell_polygon_lonlat(
        result["params"],
        np.array([c["row"] for c in cells]),
        np.array([c["col"] for c in cells]),
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": c,
            }
            for c, ring in zip(cells, rings, strict=True)
        ],
    }


def analysis_h3_geojson(analysis: Analysis) -> dict:
    from .analysis.grid import h3_boundary_lonlat

    return {
        "type": "FeatureCollection",
        "h3_resolution": (analysis.result or {}).get("params", {}).get("h3_resolution"),
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [h3_boundary_lonlat(cell)],
                },
                "properties": {"h3": cell, "count": count},
            }
            for cell, count in (analysis.result or {}).get("h3", [])
        ],
    }


def analysis_kde_geojson(analysis: Analysis) -> dict:
    result = analysis.result or {}
    kde = result.get("kde") or []
    if not kde:
        return {"type": "FeatureCollection", "features": []}
    rings = cell_polygon_lonlat(
        result["params"], np.array([k[0] for k in kde]), np.array([k[1] for k in kde])
    )
    return {
        "type": "FeatureCollection",
        "bandwidth_m": result["params"].get("kde_bandwidth_m"),
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"row": k[0], "col": k[1], "per_km2": k[2]},
            }
            for k, ring in zip(kde, rings, strict=True)
        ],
    }


def jurisdictions_geojson() -> dict:
    from jingmin.org.models import Unit

    units = Unit.objects.filter(is_active=True, jurisdiction__isnull=False).values_list(
        "code", "name", "jurisdiction"
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": g, "properties": {"code": c, "name": n}}
            for c, n, g in units
        ],
    }


# --- public -------------------------------------------------------------------


def _public_frame():
    area = county_area()
    if area is None:
        return None
    cell = float(getattr(settings, "HOTSPOTS_PUBLIC_CELL_M", PUBLIC_CELL_M))
    proj, grid, mask = frame(np.zeros(0), np.zeros(0), cell, area)
    return proj, grid, mask


def public_cells(type_code: str | None = None) -> dict:
    """Incidents of the last 12 months per public grid cell, cells under k suppressed.

    No point, address or time of a single incident leaves this function: only
    counts of at least settings.PUBLIC_MIN_COUNT per cell.
    """
    latest = Incident.objects.aggregate(m=Max("pk"))["m"] or 0
    key = f"hotspots:public:{type_code or '*'}:{latest}:{public_min_count()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    framed = _public_frame()
    since = timezone.now() - dt.timedelta(days=30 * PUBLIC_MONTHS + 5)
    qs = Incident.objects.filter(occurred_from__gte=since)
    if type_code:
        qs = qs.filter(type__code=type_code)
    lon, lat, _s, _e = incident_arrays(qs)
    features = []
    k = public_min_count()
    suppressed = 0
    if framed is not None and lon.size:
        proj, grid, mask = framed
        x, y = proj.to_xy(lon, lat)
        counts = np.where(mask, grid.counts(x, y), 0)
        suppressed = int(((counts > 0) & (counts < k)).sum())
        rows, cols = np.nonzero(counts >= k)
        params = {"projection": proj.proj, "grid": grid.as_dict()}
        rings = cell_polygon_lonlat(params, rows, cols) if rows.size else []
        for r, c, ring in zip(rows.tolist(), cols.tolist(), rings, strict=True):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "properties": {"count": int(counts[r, c])},
                }
            )
    data = {
        "type": "FeatureCollection",
        "features": features,
        "min_count": k,
        "suppressed_cells": suppressed,
        "months": PUBLIC_MONTHS,
        "incident_type": type_code or "",
    }
    cache.set(key, data, PUBLIC_CACHE_SECONDS)
    return data


@dataclass
class Tip:
    type_code: str
    type_name: str
    text: str
    hot: bool


def _hot_types_by_cell() -> tuple[Any, dict[tuple[int, int], set[int]]]:
    latest = Incident.objects.aggregate(m=Max("pk"))["m"] or 0
    key = f"hotspots:tips:{latest}:{public_min_count()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    framed = _public_frame()
    hot: dict[tuple[int, int], set[int]] = {}
    if framed is not None:
        proj, grid, mask = framed
        since = timezone.now() - dt.timedelta(days=30 * PUBLIC_MONTHS + 5)
        for type_id in IncidentType.objects.filter(is_active=True).values_list(
            "pk", flat=True
        ):
            lon, lat, _s, _e = incident_arrays(
                Incident.objects.filter(type_id=type_id, occurred_from__gte=since)
            )
            if not lon.size:
                continue
            x, y = proj.to_xy(lon, lat)
            counts = np.where(mask, grid.counts(x, y), 0)
            for r, c in zip(*np.nonzero(counts >= public_min_count()), strict=True):
                hot.setdefault((int(r), int(c)), set()).add(type_id)
        framed_out = (proj.proj, grid.as_dict())
    else:
        framed_out = None
    cache.set(key, (framed_out, hot), PUBLIC_CACHE_SECONDS)
    return framed_out, hot


def tips_for_point(lon: float, lat: float, *, radius_cells: int = 1) -> list[Tip]:
    """Prevention tips for a place: the types that are hot in its public cell or next to it.

    Any part of the portal may call this (a request form, a notice page). Hot means
    at least PUBLIC_MIN_COUNT incidents of the type in the last 12 months in a
    public-map cell; the answer reveals nothing a visitor cannot see on the public map.
    Outside any hot area, the tips of the most frequent types county-wide are given.
    """
    framed, hot = _hot_types_by_cell()
    types = {
        t.pk: t
        for t in IncidentType.objects.filter(is_active=True).exclude(prevention_tip="")
    }
    found: set[int] = set()
    if framed is not None:
        proj = Projection(framed[0])
        grid = Grid.from_dict(framed[1])
        x, y = proj.to_xy([lon], [lat])
        row, col = grid.index(x, y)
        if row[0] >= 0:
            for dr in range(-radius_cells, radius_cells + 1):
                for dc in range(-radius_cells, radius_cells + 1):
                    found |= hot.get((int(row[0]) + dr, int(col[0]) + dc), set())
    tips = [
        Tip(types[t].code, types[t].name, types[t].prevention_tip, True)
        for t in sorted(found)
        if t in types
    ]
    if tips:
        return tips
    county_hot: dict[int, int] = {}
    for cell_types in hot.values():
        for t in cell_types:
            county_hot[t] = county_hot.get(t, 0) + 1
    ranked = sorted(types, key=lambda t: (-county_hot.get(t, 0), types[t].code))[:3]
    return [
        Tip(types[t].code, types[t].name, types[t].prevention_tip, False)
        for t in ranked
    ]


def hot_area_tips() -> list[dict]:
    """Tips for the public map: each type that is hot somewhere, with how many cells."""
    _framed, hot = _hot_types_by_cell()
    per_type: dict[int, int] = {}
    for cell_types in hot.values():
        for t in cell_types:
            per_type[t] = per_type.get(t, 0) + 1
    types = IncidentType.objects.filter(pk__in=per_type).exclude(prevention_tip="")
    return sorted(
        (
            {
                "name": t.name,
                "code": t.code,
                "tip": t.prevention_tip,
                "cells": per_type[t.pk],
            }
            for t in types
        ),
        key=lambda d: -d["cells"],
    )


def county_polygon() -> shapely.Geometry | None:
    return county_area()

"""Coordinates that people or files give us: numbers, finite, in range, not swapped.

One set of checks and messages for every way a point comes in: an imported
incident row, a file analysed as it is, a query string (``/hotspots/tips.json``).
``coordinate`` reads one value; ``placement`` checks many points at once (numpy,
shapely), optionally against an area such as the county; ``lonlat`` does both for
a single point and raises a DomainError naming the field.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _

from .exceptions import DomainError


def coordinate(value: Any, field: str) -> float:
    """A finite float, or ValueError with a message naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(_("缺少 %(field)s") % {"field": field})
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            _("%(field)s 不是数字：%(value)s")
            % {"field": field, "value": str(value)[:40]}
        ) from exc
    if not np.isfinite(number):
        raise ValueError(_("%(field)s 不是有效数字") % {"field": field})
    return number


def placement(
    lon: np.ndarray, lat: np.ndarray, area: shapely.Geometry | None = None
) -> tuple[np.ndarray, dict[int, str]]:
    """(inside, problems): which points are usable, and why each other one is not.

    Without an area every point within ±180/±90 is inside. A point outside the
    range (or the area) whose swapped pair would fit is reported as swapped.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    valid = (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    could_swap = (np.abs(lat) <= 180) & (np.abs(lon) <= 90)
    inside = np.zeros(len(lon), bool)
    swapped = np.zeros(len(lon), bool)
    if area is not None:
        inside[valid] = shapely.contains_xy(area, lon[valid], lat[valid])
        swapped[could_swap] = shapely.contains_xy(
            area, lat[could_swap], lon[could_swap]
        )
    else:
        inside = valid
        swapped = ~valid & could_swap
    problems: dict[int, str] = {}
    for k in np.flatnonzero(~inside):
        k = int(k)
        values = {"lon": float(lon[k]), "lat": float(lat[k])}
        if swapped[k]:
            problems[k] = _("经纬度可能填反了（%(lon)s, %(lat)s）") % values
        elif not valid[k]:
            problems[k] = _("经度须在 ±180、纬度须在 ±90 之内")
        else:
            problems[k] = _("坐标不在本县范围内（%(lon)s, %(lat)s）") % values
    return inside, problems


def lonlat(
    lon: Any, lat: Any, area: shapely.Geometry | None = None
) -> tuple[float, float]:
    """One point from two values (e.g. query parameters); DomainError if unusable."""
    values = []
    for value, field in ((lon, "lon"), (lat, "lat")):
        try:
            values.append(coordinate(value, field))
        except ValueError as exc:
            raise DomainError(str(exc), field=field) from exc
    _inside, problems = placement(np.array(values[:1]), np.array(values[1:]), area)
    if problems:
        raise DomainError(problems[0], field="lon/lat")
    return values[0], values[1]

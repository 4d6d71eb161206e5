"""Point-in-jurisdiction lookup with a shapely STRtree.

A point on a shared border belongs to both polygons (``covers``); the tie is broken
by the lower key so the answer is stable. Holes are honoured by shapely.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity


def geometry_from_geojson(data: Any) -> shapely.Geometry:
    """A Polygon/MultiPolygon from a GeoJSON geometry or Feature; ValueError if invalid."""
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in {
        "Polygon",
        "MultiPolygon",
    }:
        raise ValueError("geometry must be a GeoJSON Polygon or MultiPolygon")
    try:
        geom = shape(data)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ValueError(f"malformed coordinates: {exc}") from exc
    if geom.is_empty:
        raise ValueError("geometry is empty")
    if not geom.is_valid:
        raise ValueError(f"invalid geometry: {explain_validity(geom)}")
    return geom


def check_lon_lat(lon: float, lat: float) -> None:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError("longitude must be within ±180 and latitude within ±90")


class JurisdictionIndex:
    def __init__(self, items: Iterable[tuple[Any, shapely.Geometry]]):
        pairs = sorted(items, key=lambda kv: kv[0])
        self.keys: list[Any] = [k for k, _ in pairs]
        self.geoms = np.array([g for _, g in pairs], dtype=object)
        for g in self.geoms:
            shapely.prepare(g)
        self.tree = shapely.STRtree(self.geoms)

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, lon: float, lat: float) -> Any | None:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="covered_by")
        if len(hits) == 0:
            return None
        return self.keys[int(hits.min())]

    def lookup_many(
        self, lons: Sequence[float], lats: Sequence[float]
    ) -> list[Any | None]:
        """Vectorised: one STRtree query for all points."""
        points = shapely.points(
            np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        )
        missing = len(self.keys)
        result = np.full(len(points), missing, dtype=np.int64)
        if len(points) and len(self.keys):
            point_idx, geom_idx = self.tree.query(points, predicate="covered_by")
            np.minimum.at(result, point_idx, geom_idx)  # lowest key wins on borders
        keys = self.keys + [None]
        return [keys[i] for i in result]

    def overlaps(self, min_area: float = 1e-12) -> list[tuple[Any, Any]]:
        """Pairs of keys whose interiors overlap (touching borders is fine)."""
        left, right = self.tree.query(self.geoms, predicate="intersects")
        found = []
        for i, j in zip(left, right, strict=True):
            if (
                i < j
                and shapely.intersection(self.geoms[i], self.geoms[j]).area > min_area
            ):
                found.append((self.keys[i], self.keys[j]))
        return found

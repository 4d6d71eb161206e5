"""Point-in-jurisdiction lookup: a grid of cells in front of a shapely STRtree.

A point on a shared border belongs to both polygons (``covers``); the tie is broken
by the lower key so the answer is stable. Holes are honoured by shapely.

The exact test is an STRtree ``covered_by`` query (``lookup_exact`` and
``lookup_many_exact``). In front of it sits a uniform grid over the jurisdictions'
bounds (built on the first look-up, see docs/decisions/075-routing-grid.md): a
cell that lies, with a margin, in the interior of exactly one jurisdiction and
touches no other answers from a table, so does a cell that touches none; every
other cell ("border") and every point the grid cannot place defers to the exact
test. The margin (a thousandth of a cell) is far wider than the rounding of the
cell arithmetic, so the answers are exactly those of the exact test, points on
borders and cell edges included.
"""

from __future__ import annotations

import array
import math
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

BORDER = -1  # table value: ask the exact test


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


class CellGrid:
    """``side``² cells over the bounds of ``geoms``; each cell holds the position of
    the one geometry whose interior holds it, ``missing`` (no geometry touches it)
    or ``BORDER``. Every cell is tested grown by ``MARGIN`` of a cell on each side.

    Built coarse to fine: first 16 × 16 blocks (for a power-of-two side); a block
    that is settled settles all its cells, and only the blocks that are not are split
    in four, down to single cells.
    """

    MARGIN = 1e-3
    FIRST = 16

    def __init__(self, geoms: np.ndarray, tree: shapely.STRtree, side: int):
        self.geoms, self.tree = geoms, tree
        self.missing = len(geoms)
        self.side = side
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geoms))
        self.bounds = (minx, miny, maxx, maxy)
        self.step = ((maxx - minx) / side, (maxy - miny) / side)
        self.tested = 0  # boxes tested while building (for the benchmark)
        # jurisdictions whose interior overlaps no other's (the normal case)
        left, right = tree.query(geoms, predicate="intersects")
        pair = left != right
        left, right = left[pair], right[pair]
        shared = shapely.relate_pattern(geoms[left], geoms[right], "T********")
        self.alone = np.ones(len(geoms), dtype=bool)
        self.alone[left[shared]] = False
        table = np.full((side, side), BORDER, dtype=np.int32)
        level = side  # blocks per side at the first level: FIRST, or what divides
        while level > self.FIRST and level % 2 == 0:
            level //= 2
        ix, iy = (a.ravel() for a in np.indices((level, level)))
        while True:
            per = side // level  # cells per block side
            value = self._classify(ix, iy, per)
            done = value != BORDER
            if per == 1:
                table[ix[done], iy[done]] = value[done]
                break
            for x, y, v in zip(ix[done], iy[done], value[done], strict=True):
                table[x * per : (x + 1) * per, y * per : (y + 1) * per] = v
            ix = (ix[~done, None] * 2 + np.array([0, 0, 1, 1])).ravel()
            iy = (iy[~done, None] * 2 + np.array([0, 1, 0, 1])).ravel()
            level *= 2
        self.cells = array.array("i", table.ravel().tobytes())  # fast one at a time
        self.table = np.frombuffer(self.cells, dtype=np.int32)  # same memory
        self.inner_share = float(np.mean(self.table != BORDER))
        del self.geoms, self.tree, self.alone

    def _classify(self, ix: np.ndarray, iy: np.ndarray, per: int) -> np.ndarray:
        """Value of each block (``per`` cells a side) at block coordinates ix, iy."""
        minx, miny, _maxx, _maxy = self.bounds
        (sx, sy), n = self.step, len(ix)
        mx, my = sx * self.MARGIN, sy * self.MARGIN
        x0, y0 = minx + ix * (per * sx), miny + iy * (per * sy)
        boxes = shapely.box(x0 - mx, y0 - my, x0 + per * sx + mx, y0 + per * sy + my)
        self.tested += n
        # bounding-box candidates, then the predicates vectorised over the prepared
        # polygons (several times faster than the tree's own predicate query)
        box_idx, geom_idx = self.tree.query(boxes)
        value = np.full(n, self.missing, dtype=np.int64)
        inner = shapely.contains_properly(self.geoms[geom_idx], boxes[box_idx])
        holder = np.full(n, -1, dtype=np.int64)  # the one area whose interior has it
        holder[box_idx[inner]] = geom_idx[inner]
        one = np.bincount(box_idx[inner], minlength=n) == 1
        # Inside an area that overlaps no other's interior: nothing else can touch
        # the box (anything that did would overlap that interior).
        easy = one & self.alone[holder]
        value[easy] = holder[easy]
        # Inside an area that does overlap another somewhere (slivers between
        # borders digitised twice): settled if none of the box's other candidates
        # touches it.
        hard = one & ~easy
        other = hard[box_idx] & (geom_idx != holder[box_idx])
        touched = np.zeros(n, dtype=bool)
        touch = shapely.intersects(self.geoms[geom_idx[other]], boxes[box_idx[other]])
        touched[box_idx[other][touch]] = True
        kept = hard & ~touched
        value[kept] = holder[kept]
        value[(holder >= 0) & ~easy & ~kept] = BORDER
        # No area's interior holds the box: it touches one (border) or none
        # (missing). A box whose centre is in a candidate touches it; only the
        # rest need the full test.
        rest = (holder < 0)[box_idx]
        box_idx, geom_idx = box_idx[rest], geom_idx[rest]
        cx, cy = x0 + per * sx / 2, y0 + per * sy / 2
        centre = shapely.intersects_xy(self.geoms[geom_idx], cx[box_idx], cy[box_idx])
        value[box_idx[centre]] = BORDER
        unsure = value[box_idx] != BORDER
        box_idx, geom_idx = box_idx[unsure], geom_idx[unsure]
        hit = shapely.intersects(self.geoms[geom_idx], boxes[box_idx])
        value[box_idx[hit]] = BORDER
        return value

    def position(self, lon: float, lat: float) -> int:
        """The table's answer for one point (``BORDER``: ask the exact test)."""
        minx, miny, maxx, maxy = self.bounds
        if not (minx <= lon <= maxx and miny <= lat <= maxy):  # NaN lands here too
            return self.missing
        last = self.side - 1
        gx = min(int((lon - minx) / self.step[0]), last)
        gy = min(int((lat - miny) / self.step[1]), last)
        return self.cells[gx * self.side + gy]

    def positions(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """The table's answers for many points (``BORDER``: ask the exact test)."""
        minx, miny, maxx, maxy = self.bounds
        last = self.side - 1
        with np.errstate(invalid="ignore"):
            within = (lons >= minx) & (lons <= maxx) & (lats >= miny) & (lats <= maxy)
            gx = np.minimum(np.where(within, lons - minx, 0.0) / self.step[0], last)
            gy = np.minimum(np.where(within, lats - miny, 0.0) / self.step[1], last)
        result = self.table[gx.astype(np.int64) * self.side + gy.astype(np.int64)]
        result[~within] = self.missing
        return result


def grid_side(polygons: int) -> int:
    """A power of two giving about 2,000 cells per jurisdiction, 16 to 1024 a side
    (1024² cells are a 4 MiB table)."""
    wanted = math.sqrt(2048 * max(polygons, 1))
    return max(16, min(1024, 2 ** round(math.log2(wanted))))


class JurisdictionIndex:
    def __init__(
        self, items: Iterable[tuple[Any, shapely.Geometry]], *, grid: int | None = None
    ):
        """``grid``: cells per side (default ``grid_side``; 0 = exact test only)."""
        pairs = sorted(items, key=lambda kv: kv[0])
        self.keys: list[Any] = [k for k, _ in pairs]
        self.geoms = np.array([g for _, g in pairs], dtype=object)
        for g in self.geoms:
            shapely.prepare(g)
        self.tree = shapely.STRtree(self.geoms)
        self._answers = np.empty(len(self.keys) + 1, dtype=object)  # keys, then None
        self._answers[: len(self.keys)] = self.keys
        self._side = grid_side(len(self.keys)) if grid is None else grid
        self._grid: CellGrid | None = None
        self._grid_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def grid(self) -> CellGrid | None:
        """The cell grid, built on first use (None without jurisdictions or grid)."""
        return self._build_grid(wait=True)

    def _build_grid(self, *, wait: bool) -> CellGrid | None:
        """The grid; built by the first caller. With ``wait=False`` None while another
        thread builds it (a single look-up then takes the exact test instead)."""
        if self._grid is not None or self._side <= 0 or not len(self.keys):
            return self._grid
        if not self._grid_lock.acquire(blocking=wait):
            return None
        try:
            if self._grid is None:
                minx, miny, maxx, maxy = shapely.total_bounds(self.geoms)
                if not (maxx > minx and maxy > miny):
                    self._side = 0  # no area to divide: the exact test only
                    return None
                self._grid = CellGrid(self.geoms, self.tree, self._side)
            return self._grid
        finally:
            self._grid_lock.release()

    # ------------------------------------------------------------------ look-ups

    def lookup(self, lon: float, lat: float) -> Any | None:
        grid = self._build_grid(wait=False)
        if grid is None:
            return self.lookup_exact(lon, lat)
        pos = grid.position(float(lon), float(lat))
        if pos == BORDER:
            return self.lookup_exact(lon, lat)
        return self._answers[pos]

    def lookup_many(
        self, lons: Sequence[float], lats: Sequence[float]
    ) -> list[Any | None]:
        """Vectorised: the grid answers what it can, one STRtree query the rest."""
        lons_a = np.asarray(lons, dtype=float)
        lats_a = np.asarray(lats, dtype=float)
        return self._answers[self.positions_many(lons_a, lats_a)].tolist()

    def positions_many(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Positions into ``keys`` (``len(keys)``: in no jurisdiction)."""
        grid = self.grid
        if grid is None:
            return self.positions_many_exact(lons, lats)
        result = grid.positions(lons, lats)
        todo = np.flatnonzero(result == BORDER)
        if len(todo):
            result[todo] = self.positions_many_exact(lons[todo], lats[todo])
        return result

    # ------------------------------------------------------- the exact test alone

    def lookup_exact(self, lon: float, lat: float) -> Any | None:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="covered_by")
        if len(hits) == 0:
            return None
        return self.keys[int(hits.min())]

    def lookup_many_exact(
        self, lons: Sequence[float], lats: Sequence[float]
    ) -> list[Any | None]:
        lons_a = np.asarray(lons, dtype=float)
        lats_a = np.asarray(lats, dtype=float)
        return self._answers[self.positions_many_exact(lons_a, lats_a)].tolist()

    def positions_many_exact(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """One STRtree ``covered_by`` query for all points; lowest position wins."""
        result = np.full(len(lons), len(self.keys), dtype=np.int64)
        if len(lons) and len(self.keys):
            points = shapely.points(lons, lats)
            point_idx, geom_idx = self.tree.query(points, predicate="covered_by")
            np.minimum.at(result, point_idx, geom_idx)  # lowest key wins on borders
        return result

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

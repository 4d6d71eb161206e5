"""Projection to metres and the square / H3 hexagon grids the analyses count on.

Points arrive as WGS-84 lon/lat (or as x/y in a named CRS, converted to lon/lat
first). They are projected with an azimuthal equidistant projection centred on
the data, so distances within a county or a city are true to well under 0.1 %.
The square grid's origin is the south-west corner; row 0 is the southern row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer

MAX_CELLS = 4_000_000
"""The largest grid an analysis may ask for (memory and the time of Gi*)."""


class CellTooSmall(ValueError):
    def __init__(self, cell: float, min_cell: float, cells: int):
        self.cell = cell
        self.min_cell = min_cell
        self.cells = cells
        super().__init__(
            f"cell size {cell:g} m gives {cells:,} cells (limit {MAX_CELLS:,}); "
            f"use at least {min_cell:g} m for this area"
        )


@dataclass(frozen=True)
class Projection:
    """A local metric CRS; ``proj`` is its PROJ string (stored with every result)."""

    proj: str

    @classmethod
    def centred_on(cls, lon: np.ndarray, lat: np.ndarray) -> Projection:
        lon0 = round((float(np.min(lon)) + float(np.max(lon))) / 2, 4)
        lat0 = round((float(np.min(lat)) + float(np.max(lat))) / 2, 4)
        return cls(
            f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +x_0=0 +y_0=0 "
            "+datum=WGS84 +units=m +no_defs"
        )

    def _forward(self) -> Transformer:
        return Transformer.from_crs(
            "EPSG:4326", CRS.from_proj4(self.proj), always_xy=True
        )

    def to_xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._forward().transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x), np.asarray(y)

    def to_lonlat(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = self._forward().transform(
            np.asarray(x, float), np.asarray(y, float), direction="INVERSE"
        )
        return np.asarray(lon), np.asarray(lat)


def lonlat_from_crs(x, y, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """x/y in ``crs`` (e.g. "EPSG:2913", units as the CRS defines them) to lon/lat."""
    t = Transformer.from_crs(CRS.from_user_input(crs), "EPSG:4326", always_xy=True)
    lon, lat = t.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)


@dataclass(frozen=True)
class Grid:
    x0: float
    y0: float
    cell: float
    rows: int
    cols: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def index(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of each point; points outside get -1."""
        col = np.floor((np.asarray(x) - self.x0) / self.cell).astype(np.int64)
        row = np.floor((np.asarray(y) - self.y0) / self.cell).astype(np.int64)
        outside = (col < 0) | (col >= self.cols) | (row < 0) | (row >= self.rows)
        col[outside] = -1
        row[outside] = -1
        return row, col

    def counts(self, x, y, weights=None) -> np.ndarray:
        row, col = self.index(x, y)
        inside = row >= 0
        flat = row[inside] * self.cols + col[inside]
        w = None if weights is None else np.asarray(weights)[inside]
        out = np.bincount(flat, weights=w, minlength=self.rows * self.cols)
        out = out.reshape(self.shape)
        return out if weights is not None else out.astype(np.int64)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        cx = self.x0 + (np.arange(self.cols) + 0.5) * self.cell
        cy = self.y0 + (np.arange(self.rows) + 0.5) * self.cell
        return np.meshgrid(cx, cy)

    def cell_bounds(self, row: int, col: int) -> tuple[float, float, float, float]:
        x = self.x0 + col * self.cell
        y = self.y0 + row * self.cell
        return (x, y, x + self.cell, y + self.cell)

    def as_dict(self) -> dict:
        return {
            "origin": [self.x0, self.y0],
            "cell_size": self.cell,
            "shape": [self.rows, self.cols],
        }

    @classmethod
    def from_dict(cls, d: dict) -> Grid:
        return cls(
            float(d["origin"][0]),
            float(d["origin"][1]),
            float(d["cell_size"]),
            int(d["shape"][0]),
            int(d["shape"][1]),
        )


def grid_for_bounds(
    minx: float,
    miny: float,
    maxx: float,
    maxy: float,
    cell: float,
    *,
    max_cells: int = MAX_CELLS,
) -> Grid:
    """A grid snapped to multiples of ``cell`` covering the bounds; CellTooSmall if too fine."""
    if not (cell > 0 and math.isfinite(cell)):
        raise ValueError("cell size must be a positive number of metres")
    x0 = math.floor(minx / cell) * cell
    y0 = math.floor(miny / cell) * cell
    cols = max(1, math.floor((maxx - x0) / cell) + 1)
    rows = max(1, math.floor((maxy - y0) / cell) + 1)
    if rows * cols > max_cells:
        area = max(maxx - minx, cell) * max(maxy - miny, cell)
        min_cell = math.sqrt(area / max_cells)
        # round up to a friendly number so the suggestion itself is accepted
        step = 10 ** max(0, math.floor(math.log10(min_cell)) - 1)
        raise CellTooSmall(cell, math.ceil(min_cell * 1.02 / step) * step, rows * cols)
    return Grid(x0, y0, float(cell), rows, cols)


def grid_for_points(x, y, cell: float, *, max_cells: int = MAX_CELLS) -> Grid:
    x = np.asarray(x)
    y = np.asarray(y)
    return grid_for_bounds(
        float(x.min()),
        float(y.min()),
        float(x.max()),
        float(y.max()),
        cell,
        max_cells=max_cells,
    )


# --- H3 ---------------------------------------------------------------------


def h3_resolution_for(cell_m: float) -> int:
    """The H3 resolution whose mean hexagon area is closest to a square of ``cell_m``."""
    import h3

    target = cell_m * cell_m
    return min(
        range(16),
        key=lambda r: abs(math.log(h3.average_hexagon_area(r, "m^2") / target)),
    )


def h3_counts(lon, lat, resolution: int) -> dict[str, int]:
    import h3

    counts: dict[str, int] = {}
    for lo, la in zip(
        np.asarray(lon, float).tolist(), np.asarray(lat, float).tolist(), strict=False
    ):
        key = h3.latlng_to_cell(la, lo, resolution)
        counts[key] = counts.get(key, 0) + 1
    return counts


def h3_boundary_lonlat(cell: str) -> list[list[float]]:
    import h3

    ring = [[lo, la] for la, lo in h3.cell_to_boundary(cell)]
    return ring + [ring[0]]

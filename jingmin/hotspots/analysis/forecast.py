"""Next month's hot cells, and how well a forecast did: hit rate and PAI.

Forecast (``recent_kde``): a decayed sum of past monthly counts — weight 0.5^(k/h)
for the month k+1 months back, half-life h = 12 months, up to 36 months — smoothed
with a Gaussian of half a cell, so cells next to recent incidents rank above empty
cells far away (near repeats and the spread of hot spots). More months than the
baseline's 12, less weight the older they are. The constants were chosen on the
real data sets in /work/shared/crime-data (see bench/bench_hotspots.py; a risk of
fitting those sets, stated in docs/decisions/044). Baseline (``naive``):
each cell's count in the last 12 months, the method the forecast must beat.

Both pick the top cells covering a fixed share of a fixed study area (ties broken
by cell order). For each held-out month: hit rate = share of that month's
incidents in the picked cells; PAI = hit rate / area share (Chainey et al. 2008).
The study area never changes during an evaluation: a boundary polygon if one is
given, else the convex hull of all the points, and is reported with the results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import numpy as np
import shapely
from scipy import ndimage

from .grid import Grid

HALF_LIFE = 12.0
WINDOW = 36
SMOOTH_CELLS = 0.5


def month_number(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def month_label(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def monthly_cube(grid: Grid, x, y, months: np.ndarray, m0: int, m1: int) -> np.ndarray:
    """Counts per (month, cell) for months m0..m1 inclusive; shape (T, rows*cols)."""
    row, col = grid.index(x, y)
    months = np.asarray(months)
    ok = (row >= 0) & (months >= m0) & (months <= m1)
    cells = grid.rows * grid.cols
    flat = (months[ok] - m0) * cells + row[ok] * grid.cols + col[ok]
    return (
        np.bincount(flat, minlength=(m1 - m0 + 1) * cells)
        .reshape(-1, cells)
        .astype(np.float64)
    )


def study_mask(
    grid: Grid, x, y, boundary: shapely.Geometry | None = None
) -> np.ndarray:
    """Cells whose centre lies in the boundary (or in the points' convex hull)."""
    area = (
        boundary
        if boundary is not None
        else shapely.convex_hull(shapely.multipoints(np.c_[x, y]))
    )
    if area.geom_type in {"Point", "LineString", "MultiPoint"}:
        area = area.buffer(grid.cell)
    cx, cy = grid.centres()
    return shapely.contains_xy(area, cx.ravel(), cy.ravel())


def score_recent_kde(
    cube: np.ndarray,
    t: int,
    grid: Grid,
    *,
    half_life: float = HALF_LIFE,
    window: int = WINDOW,
    smooth: float = SMOOTH_CELLS,
) -> np.ndarray:
    k = np.arange(min(window, t))
    if k.size == 0:
        return np.zeros(cube.shape[1])
    w = 0.5 ** (k / half_life)
    s = (w[:, None] * cube[t - 1 - k]).sum(axis=0).reshape(grid.shape)
    if smooth > 0:
        s = ndimage.gaussian_filter(s, smooth, mode="constant") + 1e-6 * s
    return s.ravel()


def score_naive(cube: np.ndarray, t: int, grid: Grid | None = None) -> np.ndarray:
    return cube[max(0, t - 12) : t].sum(axis=0)


METHODS = {"recent_kde": score_recent_kde, "naive": score_naive}


def top_cells(score: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    idx = np.flatnonzero(mask)
    order = np.argsort(-score[idx], kind="stable")
    return idx[order[:n]]


@dataclass
class Evaluation:
    method: str
    months: list[str]
    hit_rate: list[float]
    pai: list[float]
    mean_hit_rate: float
    mean_pai: float


@dataclass
class Comparison:
    study_area_km2: float
    study_cells: int
    cell_size: float
    coverage: float
    selected_cells: int
    held_out: list[str]
    results: dict[str, Evaluation] = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["results"] = {k: asdict(v) for k, v in self.results.items()}
        return d

    @property
    def forecast_beats_baseline(self) -> bool:
        return self.results["recent_kde"].mean_pai > self.results["naive"].mean_pai


def compare(
    cube: np.ndarray,
    grid: Grid,
    mask: np.ndarray,
    first: int,
    m0: int,
    *,
    coverage: float = 0.01,
    methods=("recent_kde", "naive"),
) -> Comparison:
    """Evaluate each method on held-out months first..end of cube (indices into cube)."""
    n_study = int(mask.sum())
    n_sel = max(1, int(round(coverage * n_study)))
    share = n_sel / n_study
    comp = Comparison(
        study_area_km2=round(n_study * grid.cell**2 / 1e6, 3),
        study_cells=n_study,
        cell_size=grid.cell,
        coverage=coverage,
        selected_cells=n_sel,
        held_out=[month_label(m0 + t) for t in range(first, cube.shape[0])],
    )
    for name in methods:
        hits, pais = [], []
        for t in range(first, cube.shape[0]):
            actual = cube[t]
            total = actual[mask].sum()
            chosen = top_cells(METHODS[name](cube, t, grid), mask, n_sel)
            hr = float(actual[chosen].sum() / total) if total else 0.0
            hits.append(round(hr, 4))
            pais.append(round(hr / share, 3))
        comp.results[name] = Evaluation(
            method=name,
            months=comp.held_out,
            hit_rate=hits,
            pai=pais,
            mean_hit_rate=round(float(np.mean(hits)), 4),
            mean_pai=round(float(np.mean(pais)), 3),
        )
    return comp


def forecast_next(
    cube: np.ndarray, grid: Grid, mask: np.ndarray, coverage: float
) -> np.ndarray:
    """Cells (flat indices) forecast hot for the month after the cube."""
    n_sel = max(1, int(round(coverage * int(mask.sum()))))
    return top_cells(score_recent_kde(cube, cube.shape[0], grid), mask, n_sel)


@dataclass
class PolygonScore:
    incidents: int
    hits: int
    hit_rate: float
    hot_area_km2: float
    study_area_km2: float
    pai: float


def score_polygons(
    hot: list[shapely.Geometry], x, y, study_area_m2: float
) -> PolygonScore:
    """PAI of a submitted forecast: polygons flagged hot, the period's incidents (metric x/y)."""
    union = shapely.union_all(hot) if hot else shapely.Polygon()
    shapely.prepare(union)
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    inside = shapely.intersects_xy(union, x, y) if x.size else np.zeros(0, bool)
    n = int(x.size)
    hits = int(inside.sum())
    hr = hits / n if n else 0.0
    share = union.area / study_area_m2
    return PolygonScore(
        incidents=n,
        hits=hits,
        hit_rate=round(hr, 4),
        hot_area_km2=round(union.area / 1e6, 4),
        study_area_km2=round(study_area_m2 / 1e6, 3),
        pai=round(hr / share, 3) if share > 0 else 0.0,
    )

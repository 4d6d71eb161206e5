"""Run an analysis on points: shared by stored analyses (tasks.py) and the CLI's --input.

Functions here take plain arrays and return JSON-ready dicts; the database side
(selecting incidents, storing results) is in selectors.py / services.py.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import shapely
from django.utils.translation import gettext as _

from jingmin.core.exceptions import DomainError

from .analysis import forecast as fc
from .analysis.gi_star import CLASS_LABELS, distance_kernel, gi_star_grid, queen_kernel
from .analysis.grid import (
    CellTooSmall,
    Grid,
    Projection,
    grid_for_bounds,
    h3_counts,
    h3_resolution_for,
)
from .analysis.kde import kde_surface
from .analysis.knox import knox
from .analysis.timeprofile import hour_weekday, month_trend

Progress = Callable[[float], None] | None


class EmptySelection(DomainError):
    code = "empty_selection"


def empty_selection() -> EmptySelection:
    return EmptySelection(_("所选类型、时间和区域内没有警情，请放宽条件后再试。"))


def parse_neighbourhood(text: str) -> tuple[str, float | None]:
    text = (text or "queen").strip().lower()
    if text == "queen":
        return "queen", None
    if text.startswith("distance:"):
        try:
            metres = float(text.split(":", 1)[1])
        except ValueError:
            metres = 0
        if metres > 0:
            return "distance", metres
    raise DomainError(
        _("邻域须为 queen 或 distance:米数（例如 distance:600）"), field="neighbourhood"
    )


def kernel_for(neighbourhood: str, cell: float) -> np.ndarray:
    kind, metres = parse_neighbourhood(neighbourhood)
    if kind == "queen":
        return queen_kernel()
    if metres < cell:
        raise DomainError(
            _("距离带 %(d)s 米小于网格 %(c)s 米：没有邻居。")
            % {"d": metres, "c": cell},
            field="neighbourhood",
        )
    return distance_kernel(metres, cell)


def make_grid(minx, miny, maxx, maxy, cell: float) -> Grid:
    try:
        return grid_for_bounds(minx, miny, maxx, maxy, cell)
    except CellTooSmall as exc:
        raise DomainError(
            _(
                "网格 %(c)s 米对这个区域太小（将有 %(n)s 个网格，上限 %(max)s）；请至少用 %(min)s 米。"
            )
            % {
                "c": exc.cell,
                "n": f"{exc.cells:,}",
                "max": "4,000,000",
                "min": exc.min_cell,
            },
            code="cell_too_small",
            field="cell",
        ) from exc
    except ValueError as exc:
        raise DomainError(_("网格大小须为正数（米）"), field="cell") from exc


def project_area(proj: Projection, area: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(
        area, lambda xy: np.column_stack(proj.to_xy(xy[:, 0], xy[:, 1]))
    )


def frame(lon: np.ndarray, lat: np.ndarray, cell: float, area: shapely.Geometry | None):
    """Projection, grid and study-area mask: the area's if given, else the data's extent."""
    if area is not None:
        minx, miny, maxx, maxy = area.bounds
        proj = Projection.centred_on(np.array([minx, maxx]), np.array([miny, maxy]))
        parea = project_area(proj, area)
        grid = make_grid(*parea.bounds, cell)
        cx, cy = grid.centres()
        mask = shapely.contains_xy(parea, cx, cy)
    else:
        proj = Projection.centred_on(lon, lat)
        x, y = proj.to_xy(lon, lat)
        grid = make_grid(x.min(), y.min(), x.max(), y.max(), cell)
        mask = np.ones(grid.shape, bool)
    return proj, grid, mask


def _local_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def hotspot(
    lon: Sequence[float],
    lat: Sequence[float],
    starts: Sequence,
    ends: Sequence,
    *,
    cell: float,
    neighbourhood: str = "queen",
    area: shapely.Geometry | None = None,
    fdr: bool = True,
    every_cell: bool = False,
    progress: Progress = None,
) -> dict:
    """Grid counts, Gi*, KDE, H3 counts and the time profile of the given incidents."""
    lon = np.asarray(lon, float)
    lat = np.asarray(lat, float)
    if lon.size == 0:
        raise empty_selection()
    kernel = kernel_for(neighbourhood, cell)
    proj, grid, mask = frame(lon, lat, cell, area)
    x, y = proj.to_xy(lon, lat)
    counts = grid.counts(x, y)
    if progress:
        progress(0.2)
    gi = gi_star_grid(counts, kernel, mask=mask, fdr=fdr)
    if progress:
        progress(0.5)
    surface, h = kde_surface(grid, x, y)
    res = h3_resolution_for(cell)
    hexes = h3_counts(lon, lat, res)
    if progress:
        progress(0.8)
    table, unknown = hour_weekday(
        (s if isinstance(s, dt.datetime) else None, e)
        for s, e in zip(starts, ends, strict=True)
    )
    months = month_trend(_local_date(s) for s in starts)
    keep = mask & ((counts > 0) | (gi.classes != 0)) if not every_cell else mask
    rows, cols = np.nonzero(keep)
    cells = [
        {
            "row": int(r),
            "col": int(c),
            "count": int(counts[r, c]),
            "z": round(float(gi.z[r, c]), 4),
            "p": float(f"{gi.p[r, c]:.4g}"),
            "p_fdr": float(f"{gi.p_fdr[r, c]:.4g}"),
            "class": CLASS_LABELS[int(gi.classes[r, c])],
        }
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
    ]
    classes = Counter(c["class"] for c in cells)
    kmax = float(surface.max()) or 1.0
    kr, kc = np.nonzero(mask & (surface >= 0.05 * kmax))
    return {
        "params": {
            "projection": proj.proj,
            "cell_size": cell,
            "grid": grid.as_dict(),
            "neighbourhood": neighbourhood,
            "fdr": fdr,
            "h3_resolution": res,
            "kde_bandwidth_m": round(h, 1),
            "study_cells": int(mask.sum()),
        },
        "n": int(lon.size),
        "n_in_grid": int(counts[mask].sum()),
        "summary": {
            label: classes.get(label, 0)
            for label in CLASS_LABELS.values()
            if label != "ns"
        },
        "cells": cells,
        "cells_listed": "all" if every_cell else "count>0 or significant",
        "kde": [
            [int(r), int(c), round(float(surface[r, c]), 3)]
            for r, c in zip(kr.tolist(), kc.tolist(), strict=True)
        ],
        "h3": sorted(hexes.items(), key=lambda kv: -kv[1]),
        "time": {
            "hour_weekday": np.round(table, 3).tolist(),
            "unknown_hour": round(unknown, 3),
            "months": months,
        },
    }


def knox_result(
    lon,
    lat,
    days,
    *,
    space_bands,
    time_bands,
    permutations: int,
    convention: str = "standard",
    metric: str = "manhattan",
    seed: int | None = None,
    progress: Progress = None,
) -> dict:
    lon = np.asarray(lon, float)
    if lon.size < 2:
        raise empty_selection()
    if not 0 <= permutations <= 9999:
        raise DomainError(_("模拟次数须在 0–9999 之间"), field="permutations")
    proj = Projection.centred_on(lon, np.asarray(lat, float))
    x, y = proj.to_xy(lon, lat)
    try:
        r = knox(
            x,
            y,
            np.asarray(days, float),
            list(space_bands),
            list(time_bands),
            permutations=permutations,
            convention=convention,
            metric=metric,
            seed=seed,
            progress=progress,
        )
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    out = r.as_dict()
    out["params"] = {
        "projection": proj.proj,
        "space_bands_m": list(space_bands),
        "time_bands_days": list(time_bands),
    }
    return out


def forecast_result(
    lon,
    lat,
    dates: Sequence[dt.date],
    *,
    cell: float,
    coverage: float,
    held_out: int,
    area: shapely.Geometry | None,
    progress: Progress = None,
) -> dict:
    lon = np.asarray(lon, float)
    if lon.size == 0:
        raise empty_selection()
    proj, grid, mask = frame(lon, np.asarray(lat, float), cell, area)
    if area is None:  # the points' convex hull, fixed for the whole evaluation
        x, y = proj.to_xy(lon, lat)
        mask = fc.study_mask(grid, x, y).reshape(grid.shape)
    x, y = proj.to_xy(lon, lat)
    months = np.array([fc.month_number(d) for d in dates])
    m0, m1 = int(months.min()), int(months.max())
    cube = fc.monthly_cube(grid, x, y, months, m0, m1)
    total = cube.shape[0]
    if total < held_out + 12 or held_out < 1:
        raise DomainError(
            _(
                "预测检验需要至少 %(need)s 个月的数据（12 个月用于基准 + %(h)s 个检验月），现有 %(have)s 个月。"
            )
            % {"need": held_out + 12, "h": held_out, "have": total},
            code="too_few_months",
        )
    comp = fc.compare(cube, grid, mask.ravel(), total - held_out, m0, coverage=coverage)
    nxt = fc.forecast_next(cube, grid, mask.ravel(), coverage)
    out = comp.as_dict()
    out["params"] = {
        "projection": proj.proj,
        "cell_size": cell,
        "grid": grid.as_dict(),
        "coverage": coverage,
        "held_out_months": held_out,
    }
    out["forecast_beats_baseline"] = comp.forecast_beats_baseline
    out["next_month"] = fc.month_label(m1 + 1)
    out["next_cells"] = [[int(i // grid.cols), int(i % grid.cols)] for i in nxt]
    if progress:
        progress(1.0)
    return out


def cell_polygon_lonlat(
    params: dict, rows: np.ndarray, cols: np.ndarray
) -> list[list[list[float]]]:
    """Lon/lat rings of grid cells (for maps and GeoJSON exports)."""
    proj = Projection(params["projection"])
    grid = Grid.from_dict(params["grid"])
    x0 = grid.x0 + np.asarray(cols) * grid.cell
    y0 = grid.y0 + np.asarray(rows) * grid.cell
    xs = np.stack([x0, x0 + grid.cell, x0 + grid.cell, x0, x0], axis=1)
    ys = np.stack([y0, y0, y0 + grid.cell, y0 + grid.cell, y0], axis=1)
    lon, lat = proj.to_lonlat(xs.ravel(), ys.ravel())
    lon = np.round(lon.reshape(xs.shape), 6)
    lat = np.round(lat.reshape(xs.shape), 6)
    return [
        [[float(a), float(b)] for a, b in zip(lo, la, strict=True)]
        for lo, la in zip(lon, lat, strict=True)
    ]

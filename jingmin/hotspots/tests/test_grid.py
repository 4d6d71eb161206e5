import numpy as np
import pytest

from jingmin.hotspots.analysis import grid as G
from jingmin.hotspots.analysis.kde import bandwidth, kde_surface
from jingmin.hotspots.analysis.timeprofile import hour_weekday, month_trend


def test_projection_is_metric_near_the_centre():
    p = G.Projection.centred_on(np.array([119.95, 120.25]), np.array([30.0, 30.2]))
    x, y = p.to_xy([120.1, 120.1 + 0.01], [30.1, 30.1])
    assert x[1] - x[0] == pytest.approx(963.3, abs=1.0)  # 0.01° of longitude at 30.1°N
    lon, lat = p.to_lonlat(x, y)
    assert lon[1] == pytest.approx(120.11) and lat[0] == pytest.approx(30.1)


def test_grid_origin_shape_and_counts():
    g = G.grid_for_points([120, 480, 999], [-30, 10, 260], 250)
    assert (g.x0, g.y0, g.rows, g.cols) == (0, -250, 3, 4)
    c = g.counts(np.array([120, 480, 999]), np.array([-30, 10, 260]))
    assert c.sum() == 3 and c[0, 0] == 1 and c[1, 1] == 1 and c[2, 3] == 1


def test_too_small_a_cell_is_refused_with_the_limit():
    with pytest.raises(G.CellTooSmall) as err:
        G.grid_for_bounds(0, 0, 50_000, 40_000, 10, max_cells=100_000)
    assert err.value.min_cell >= np.sqrt(50_000 * 40_000 / 100_000)
    G.grid_for_bounds(0, 0, 50_000, 40_000, err.value.min_cell, max_cells=100_000)


def test_h3_counts_and_resolution():
    res = G.h3_resolution_for(250)
    assert res == 9  # ~0.1 km² hexagons for 250 m squares (0.0625 km²)
    counts = G.h3_counts([120.0, 120.0001, 120.2], [30.1, 30.1, 30.1], res)
    assert sorted(counts.values()) == [1, 2]
    ring = G.h3_boundary_lonlat(next(iter(counts)))
    assert ring[0] == ring[-1] and len(ring) == 7


def test_kde_keeps_mass_and_documents_its_bandwidth():
    rng = np.random.default_rng(1)
    x = rng.normal(5000, 300, 500)
    y = rng.normal(5000, 300, 500)
    g = G.grid_for_bounds(0, 0, 10_000, 10_000, 50)
    surface, h = kde_surface(g, x, y)
    assert h == pytest.approx(bandwidth(x, y, 50))
    assert h == pytest.approx(np.sqrt((x.var() + y.var()) / 2) * 500 ** (-1 / 6))
    assert bandwidth(x, y, 1000) == 1500  # never narrower than 1.5 cells
    assert surface.sum() * (50 * 50 / 1e6) == pytest.approx(500, rel=1e-6)
    peak = np.unravel_index(surface.argmax(), surface.shape)
    assert abs(peak[0] - 100) <= 3 and abs(peak[1] - 100) <= 3


def test_time_profile_spreads_windows_over_their_hours():
    import datetime as dt

    mon9 = dt.datetime(2026, 3, 2, 9, 15)
    table, unknown = hour_weekday(
        [
            (mon9, None),
            (
                mon9,
                mon9 + dt.timedelta(hours=2),
            ),  # 9:15–11:15 → hours 9, 10, 11 a third each
            (mon9, mon9 + dt.timedelta(days=30)),
        ]
    )
    assert table[0, 9] == pytest.approx(1 + 1 / 3) and table[0, 11] == pytest.approx(
        1 / 3
    )
    assert unknown == 1 and table.sum() == pytest.approx(2)
    trend = month_trend([dt.date(2026, 1, 5), dt.date(2026, 3, 1), dt.date(2026, 3, 9)])
    assert trend == [("2026-01", 1), ("2026-02", 0), ("2026-03", 2)]

"""Hit rate and PAI, the naive baseline, and scoring a submitted polygon forecast."""

import csv
import datetime as dt

import numpy as np
import pytest
import shapely

from jingmin.hotspots.analysis import forecast as F
from jingmin.hotspots.analysis.grid import Grid, lonlat_from_crs
from jingmin.hotspots.analysis.shapefile import read_shapefile


def test_pai_by_hand():
    g = Grid(0, 0, 100, 10, 10)  # 100 cells, all in the study area
    mask = np.ones(100, bool)
    cube = np.zeros((13, 100))
    cube[:12, 7] = 3  # a stable hot cell
    cube[:12, 55] = 1
    cube[12, 7] = 6  # the held-out month: 6 of 10 incidents in cell 7
    cube[12, 99] = 4
    comp = F.compare(
        cube, g, mask, 12, F.month_number(dt.date(2020, 1, 1)), coverage=0.01
    )
    naive = comp.results["naive"]
    assert comp.selected_cells == 1 and comp.study_cells == 100
    assert naive.hit_rate == [0.6]
    assert naive.pai == [pytest.approx(60.0)]  # 0.6 / (1/100)
    assert comp.held_out == ["2021-01"]
    assert comp.results["recent_kde"].hit_rate == [0.6]


def test_forecast_remembers_beyond_a_year_and_favours_recent_months():
    g = Grid(0, 0, 100, 20, 20)
    cube = np.zeros((24, 400))
    cube[23, 10] = 1  # last month
    cube[10, 300] = 1  # thirteen months back: outside the naive year
    cube[22, 50] = 1  # two months back
    recent = F.score_recent_kde(cube, 24, g)
    naive = F.score_naive(cube, 24)
    assert naive[300] == 0 and recent[300] > 0
    assert recent[10] > recent[50] > recent[300]
    assert (
        recent[11] > recent[399] == 0
    )  # the neighbour of a recent incident ranks higher


def test_study_area_is_fixed_from_the_boundary():
    g = Grid(0, 0, 10, 10, 10)
    inside = F.study_mask(g, [], [], shapely.box(0, 0, 50, 100))
    assert inside.sum() == 50


def test_submitted_polygons_nij_kernel_glitches(crime_data):
    """The NIJ submission (motor vehicle theft, 1 month from 2017-03-01) scored on the real calls."""
    sub = read_shapefile(crime_data / "nij-portland_TEAM_KERNEL_GLITCHES_TOA_1MO.shp")
    hot = [g for g, a in sub if a["hotspot"] == 1]
    assert len(sub) == 12142 and len(hot) == 20
    districts = read_shapefile(
        crime_data / "nij-portland_Portland_Police_Districts.shp"
    )
    study_ft2 = sum(g.area for g, _ in districts)
    assert study_ft2 / 5280**2 == pytest.approx(147.70, abs=0.01)
    xs, ys = [], []
    with open(crime_data / "nij-portland_crimes_veh.csv") as fh:
        for r in csv.DictReader(fh):
            if r["occ_date"].startswith("2017-03"):
                xs.append(float(r["x_coordina"]))
                ys.append(float(r["y_coordina"]))
    got = F.score_polygons(
        hot, xs, ys, study_ft2
    )  # US feet throughout: ratios are unit-free
    brute = sum(
        any(h.covers(shapely.Point(x, y)) for h in hot)
        for x, y in zip(xs, ys, strict=True)
    )
    assert got.incidents == len(xs) > 100
    assert got.hits == brute
    share = sum(h.area for h in hot) / study_ft2
    assert got.pai == pytest.approx(brute / len(xs) / share, rel=1e-3)


def test_polygons_in_another_crs_convert_consistently(crime_data):
    rows = list(csv.reader(open(crime_data / "nij-portland_boundary_coords.csv")))[1:]
    lon, lat = lonlat_from_crs(
        [float(r[0]) for r in rows], [float(r[1]) for r in rows], "EPSG:2913"
    )
    assert (
        -122.9 < lon.min() < lon.max() < -122.4 and 45.4 < lat.min() < lat.max() < 45.7
    )

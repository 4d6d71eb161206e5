"""The cell grid in front of the STRtree must give exactly the exact test's answers.

Property tests over layouts where a wrong grid would show: borders that lie on cell
edges (rectilinear boards aligned with the grid), holes with enclaves, gaps,
multipolygons, overlapping areas (the lower key wins), and points exactly on
vertices, borders, cell edges, the grid's outer edge, outside everything and NaN.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingmin.core.geo import BORDER, JurisdictionIndex

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_same_answers(index: JurisdictionIndex, lons, lats) -> None:
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    exact = index.lookup_many_exact(lons, lats)
    assert index.lookup_many(lons, lats) == exact
    assert index.lookup_many(list(lons), list(lats)) == exact  # plain sequences too
    for lon, lat, want in zip(lons, lats, exact, strict=True):
        assert index.lookup(lon, lat) == want, (lon, lat)


def probe_points(index: JurisdictionIndex, rng: np.random.Generator, n: int):
    """Random points over (and around) the bounds, every vertex of every area,
    points on borders, on cell edges and corners, and on the grid's outer edge."""
    minx, miny, maxx, maxy = shapely.total_bounds(index.geoms)
    w, h = maxx - minx, maxy - miny
    xs = [rng.uniform(minx - w / 10, maxx + w / 10, n)]
    ys = [rng.uniform(miny - h / 10, maxy + h / 10, n)]
    coords = shapely.get_coordinates(index.geoms)  # vertices: exactly on borders
    xs.append(coords[:, 0])
    ys.append(coords[:, 1])
    rings = shapely.get_parts(shapely.boundary(index.geoms))
    on_border = shapely.line_interpolate_point(
        rings, rng.uniform(0, 1, len(rings)), normalized=True
    )
    xs.append(shapely.get_x(on_border))
    ys.append(shapely.get_y(on_border))
    grid = index.grid
    if grid is not None:
        side = grid.side
        k = rng.integers(0, side + 1, (2, n))
        ex = grid.bounds[0] + k[0] * grid.step[0]  # cell corners, computed as the
        ey = grid.bounds[1] + k[1] * grid.step[1]  # grid itself computes them
        xs += [ex, ex, rng.uniform(minx, maxx, n)]
        ys += [ey, rng.uniform(miny, maxy, n), ey]
    xs.append([minx, maxx, minx, maxx, math.nan, math.inf, 120.0])
    ys.append([miny, maxy, maxy, miny, 30.0, -math.inf, math.nan])
    return np.concatenate(xs), np.concatenate(ys)


# ---------------------------------------------------------------- layouts


@st.composite
def boards(draw):
    """Squares of a k × k board, each given to one of a few keys or left empty; the
    squares of a key are merged (MultiPolygons, holes and enclaves follow). With a
    grid side that is a multiple of k every border lies on cell edges."""
    k = draw(st.integers(1, 6))
    owners = draw(st.lists(st.integers(-1, 4), min_size=k * k, max_size=k * k))
    if all(o < 0 for o in owners):
        owners[0] = 0
    origin = draw(st.sampled_from([(0.0, 0.0), (119.95, 30.0), (-73.1, 40.7)]))
    size = draw(st.sampled_from([1.0, 0.1, 0.05, 1e-4]))
    squares: dict[int, list] = {}
    for i, owner in enumerate(owners):
        if owner >= 0:
            x, y = origin[0] + (i % k) * size, origin[1] + (i // k) * size
            squares.setdefault(owner, []).append(shapely.box(x, y, x + size, y + size))
    keys = draw(st.permutations([f"u{j}" for j in range(len(squares))]))
    items = [
        (key, shapely.union_all(parts))
        for key, parts in zip(keys, squares.values(), strict=True)
    ]
    side = draw(st.sampled_from([k, 2 * k, 4 * k, 16, 64]))
    return items, side


@st.composite
def tessellations(draw):
    """Voronoi cells of random sites; some cells dropped (gaps, holes), some given
    to the same key (MultiPolygons when apart)."""
    n = draw(st.integers(2, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    box = shapely.box(0, 0, 1, 1)
    sites = shapely.multipoints(rng.uniform(0, 1, (n, 2)))
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(sites, extend_to=box)), box
    )
    owner = rng.integers(-1, max(2, n // 2), len(cells))
    items = []
    for key in np.unique(owner[owner >= 0]):
        geom = shapely.union_all(cells[owner == key])
        if geom.is_valid and not geom.is_empty and geom.area > 0:
            items.append((int(key), geom))
    if not items:
        items = [(0, box)]
    side = draw(st.sampled_from([16, 32, 64, 100, 128]))
    return items, side, seed


@st.composite
def overlapping(draw):
    """Random boxes, overlapping each other: the lowest key covers the overlap."""
    n = draw(st.integers(1, 8))
    coords = draw(
        st.lists(
            st.tuples(*[st.integers(0, 20)] * 4).filter(
                lambda c: c[0] != c[2] and c[1] != c[3]
            ),
            min_size=n,
            max_size=n,
        )
    )
    items = [
        (j, shapely.box(min(a, c) / 4, min(b, d) / 4, max(a, c) / 4, max(b, d) / 4))
        for j, (a, b, c, d) in enumerate(coords)
    ]
    side = draw(st.sampled_from([8, 16, 20, 32]))
    return items, side


@PROPERTY
@given(boards(), st.integers(0, 2**32 - 1))
def test_board_layouts_answer_as_the_exact_test(layout, seed):
    items, side = layout
    index = JurisdictionIndex(items, grid=side)
    lons, lats = probe_points(index, np.random.default_rng(seed), 200)
    assert_same_answers(index, lons, lats)


@PROPERTY
@given(tessellations())
def test_tessellations_answer_as_the_exact_test(layout):
    items, side, seed = layout
    index = JurisdictionIndex(items, grid=side)
    lons, lats = probe_points(index, np.random.default_rng(seed), 300)
    assert_same_answers(index, lons, lats)


@PROPERTY
@given(overlapping(), st.integers(0, 2**32 - 1))
def test_overlapping_areas_answer_as_the_exact_test(layout, seed):
    items, side = layout
    index = JurisdictionIndex(items, grid=side)
    lons, lats = probe_points(index, np.random.default_rng(seed), 200)
    assert_same_answers(index, lons, lats)


# ---------------------------------------------------------------- examples


def test_shared_border_on_a_cell_edge_goes_to_the_lower_key():
    """The prototype in bench_routing answered "b" here: the border x = 120.1 lies
    on a cell edge, the point was placed in the cell wholly inside "b", and that cell
    answered without the tie-break (the point is on "a" too, and "a" < "b")."""
    west = shapely.box(120.0, 30.0, 120.1, 30.1)
    east = shapely.box(120.1, 30.0, 120.2, 30.1)
    for a, b, low in ((west, east, "a"), (east, west, "a")):
        index = JurisdictionIndex([("a", a), ("b", b)], grid=64)
        assert index.lookup(120.1, 30.05) == low
        assert index.lookup_many([120.1, 120.1], [30.0, 30.1]) == [low, low]


def test_hole_enclave_and_multipolygon():
    ring = shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))
    enclave = shapely.box(1.25, 1.25, 1.75, 1.75)
    islands = shapely.MultiPolygon([shapely.box(4, 0, 5, 1), shapely.box(4, 2, 5, 3)])
    index = JurisdictionIndex([("ring", ring), ("enclave", enclave), ("isl", islands)])
    cases = {
        (0.5, 0.5): "ring",
        (1.1, 1.1): None,  # in the hole, outside the enclave
        (1.5, 1.5): "enclave",
        (1.0, 1.5): "ring",  # on the hole's edge
        (4.5, 0.5): "isl",
        (4.5, 2.5): "isl",
        (4.5, 1.5): None,  # between the islands
        (9.0, 9.0): None,
    }
    for (lon, lat), want in cases.items():
        assert index.lookup(lon, lat) == want
        assert index.lookup_exact(lon, lat) == want
    assert index.lookup_many(*zip(*cases, strict=True)) == list(cases.values())


def test_inner_cells_answer_without_the_exact_test(monkeypatch):
    """The grid is really used: inside a cell of one area, and far outside every
    area, no geometry is consulted."""
    index = JurisdictionIndex(
        [("a", shapely.box(0, 0, 1, 1)), ("b", shapely.box(1, 0, 2, 1))]
    )
    grid = index.grid
    assert grid is not None and grid.inner_share > 0.9
    assert grid.position(0.3, 0.3) != BORDER

    def no_tree(*args, **kwargs):
        raise AssertionError("the exact test was asked")

    monkeypatch.setattr(index, "lookup_exact", no_tree)
    monkeypatch.setattr(index, "positions_many_exact", no_tree)
    assert index.lookup(0.3, 0.3) == "a"
    assert index.lookup(1.7, 0.6) == "b"
    assert index.lookup(5.0, 5.0) is None
    assert index.lookup_many([0.3, 1.7, 5.0], [0.3, 0.6, 5.0]) == ["a", "b", None]


def test_border_cells_ask_the_exact_test():
    index = JurisdictionIndex(
        [("a", shapely.box(0, 0, 1, 1)), ("b", shapely.box(1, 0, 2, 1))], grid=16
    )
    assert index.grid.position(1.0, 0.5) == BORDER


@pytest.mark.parametrize("grid", [0, None, 7, 100])
def test_any_grid_size_and_no_grid(grid):
    index = JurisdictionIndex(
        [(2, shapely.box(0, 0, 1, 1)), (1, shapely.box(1, 0, 2, 1))], grid=grid
    )
    assert index.lookup_many([0.5, 1.0, 1.5, 3.0], [0.5, 0.5, 0.5, 0.5]) == [
        2,
        1,
        1,
        None,
    ]
    assert (index.grid is None) == (grid == 0)


def test_empty_index():
    index = JurisdictionIndex([])
    assert index.grid is None
    assert index.lookup(1.0, 1.0) is None
    assert index.lookup_many([1.0, 2.0], [1.0, 2.0]) == [None, None]
    assert index.lookup_many([], []) == []


def test_tuple_keys_stay_whole():
    index = JurisdictionIndex([(("x", 1), shapely.box(0, 0, 1, 1))])
    assert index.lookup(0.5, 0.5) == ("x", 1)
    assert index.lookup_many([0.5], [0.5]) == [("x", 1)]


def test_single_lookup_does_not_wait_for_a_grid_being_built():
    """While one thread builds the grid, a single look-up takes the exact test."""
    index = JurisdictionIndex([("a", shapely.box(0, 0, 1, 1))])
    with index._grid_lock:  # as if another thread were building it
        assert index.lookup(0.5, 0.5) == "a"
        assert index._grid is None
    assert index.lookup(0.5, 0.5) == "a"
    assert index._grid is not None


def test_cells_inside_an_area_with_a_sliver_overlap_still_answer():
    """Borders digitised twice overlap by slivers; the cells away from the sliver
    must still be answered by the table (and a point in the sliver goes to the
    lower key, as in the exact test)."""
    a = shapely.box(0, 0, 1 + 1e-9, 1)
    b = shapely.box(1, 0, 2, 1)
    index = JurisdictionIndex([("a", a), ("b", b)], grid=64)
    assert index.overlaps(min_area=0) == [("a", "b")]
    grid = index.grid
    assert grid.inner_share > 0.9
    assert grid.position(0.3, 0.5) != BORDER
    assert grid.position(1.7, 0.5) != BORDER
    assert index.lookup(1 + 5e-10, 0.5) == "a"
    assert index.lookup_many([0.3, 1 + 5e-10, 1.7], [0.5] * 3) == ["a", "a", "b"]

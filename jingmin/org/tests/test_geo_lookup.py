import json

import pytest
from shapely.geometry import Polygon

from jingmin.core.geo import JurisdictionIndex, geometry_from_geojson
from jingmin.org.selectors import unit_for_point


def square(w, s, e, n, holes=()):
    return Polygon([(w, s), (e, s), (e, n), (w, n)], holes=list(holes))


@pytest.fixture
def index():
    # A has a hole in which the enclave C sits; B borders A on x = 1.
    a = square(0, 0, 1, 1, holes=[[(0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6)]])
    b = square(1, 0, 2, 1)
    c = square(0.45, 0.45, 0.55, 0.55)
    return JurisdictionIndex([("a", a), ("b", b), ("c", c)])


def test_inside(index):
    assert index.lookup(0.2, 0.2) == "a"
    assert index.lookup(1.5, 0.5) == "b"


def test_shared_border_goes_to_the_lower_key(index):
    assert index.lookup(1.0, 0.5) == "a"
    assert index.lookup(2.0, 0.5) == "b"  # outer border still belongs to the unit


def test_hole_and_enclave(index):
    assert index.lookup(0.5, 0.5) == "c"
    assert index.lookup(0.42, 0.42) is None  # in the hole, outside the enclave


def test_outside(index):
    assert index.lookup(5, 5) is None


def test_batch_agrees_with_single(index):
    lons = [0.2, 1.5, 1.0, 0.5, 0.42, 5]
    lats = [0.2, 0.5, 0.5, 0.5, 0.42, 5]
    assert index.lookup_many(lons, lats) == [
        index.lookup(x, y) for x, y in zip(lons, lats, strict=True)
    ]


def test_overlaps_are_found_but_touching_is_fine(index):
    assert index.overlaps() == []
    overlapping = JurisdictionIndex(
        [("x", square(0, 0, 1, 1)), ("y", square(0.5, 0, 1.5, 1))]
    )
    assert overlapping.overlaps() == [("x", "y")]


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "Point", "coordinates": [0, 0]},
        {"type": "Polygon", "coordinates": "nonsense"},
        {
            "type": "Polygon",
            "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
        },  # bow-tie
        None,
    ],
)
def test_bad_geometries_are_refused(bad):
    with pytest.raises(ValueError):
        geometry_from_geojson(bad)


def test_unit_for_point_uses_the_database(county):
    assert unit_for_point(120.05, 30.05) == county.sta
    assert unit_for_point(120.15, 30.05) == county.stb
    assert unit_for_point(120.1, 30.05) == county.sta  # border: lower id
    assert unit_for_point(121.0, 31.0) is None


def _box(w, s, e, n):
    return {
        "type": "Polygon",
        "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
    }


def test_reimported_jurisdictions_replace_the_index_and_its_grid(
    county, django_capture_on_commit_callbacks
):
    from jingmin.org.selectors import jurisdiction_index
    from jingmin.org.services import units_import_geojson

    assert unit_for_point(120.07, 30.05) == county.sta  # index and grid built
    assert jurisdiction_index().grid is not None
    features = [
        {"type": "Feature", "properties": {"code": c, "name": n}, "geometry": g}
        for c, n, g in [
            ("sta", "甲派出所", _box(120.0, 30.0, 120.05, 30.1)),
            ("stb", "乙派出所", _box(120.05, 30.0, 120.2, 30.1)),
        ]
    ]
    with django_capture_on_commit_callbacks(execute=True):
        units_import_geojson(
            text=json.dumps({"type": "FeatureCollection", "features": features}),
            bureau=county.bureau,
            actor=county["admin"],
        )
    assert unit_for_point(120.07, 30.05) == county.stb
    assert unit_for_point(120.03, 30.05) == county.sta


def test_other_processes_see_changed_jurisdictions_at_the_next_check(
    county, monkeypatch
):
    """A unit changed by another process (no on_commit reset here) is noticed by the
    fingerprint check, and the new index brings its own grid."""
    from jingmin.org import selectors

    assert unit_for_point(120.07, 30.05) == county.sta
    county.sta.jurisdiction = _box(120.0, 30.0, 120.05, 30.1)
    county.sta.save()
    county.stb.jurisdiction = _box(120.05, 30.0, 120.2, 30.1)
    county.stb.save()
    monkeypatch.setattr(selectors, "RECHECK_SECONDS", -1)
    assert unit_for_point(120.07, 30.05) == county.stb

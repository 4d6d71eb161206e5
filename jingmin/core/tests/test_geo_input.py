"""Coordinates from people and files: one set of checks for every entry point."""

import numpy as np
import pytest
import shapely
from django.urls import reverse

from jingmin.core.exceptions import DomainError
from jingmin.core.geo_input import coordinate, lonlat, placement


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", float("nan")])
def test_non_finite_numbers_are_refused(value):
    with pytest.raises(ValueError, match="lon 不是有效数字"):
        coordinate(value, "lon")


@pytest.mark.parametrize(
    "value,message", [("", "缺少 lat"), (None, "缺少 lat"), ("北纬30", "lat 不是数字")]
)
def test_missing_and_text_are_named(value, message):
    with pytest.raises(ValueError, match=message):
        coordinate(value, "lat")


def test_placement_without_an_area_spots_swapped_pairs():
    inside, problems = placement(
        np.array([116.4, 39.9, 200.0]), np.array([39.9, 116.4, 0.0])
    )
    assert inside.tolist() == [True, False, False]
    assert "填反" in problems[1]
    assert "±180" in problems[2]


def test_placement_against_an_area():
    area = shapely.box(120, 30, 121, 31)
    inside, problems = placement(
        np.array([120.5, 30.5, 10.0]), np.array([30.5, 120.5, 10.0]), area
    )
    assert inside.tolist() == [True, False, False]
    assert "填反" in problems[1] and "本县" in problems[2]


def test_lonlat_raises_a_domain_error_naming_the_field():
    assert lonlat("120.5", "30.5") == (120.5, 30.5)
    with pytest.raises(DomainError) as caught:
        lonlat("120.5", "inf")
    assert caught.value.field == "lat"


@pytest.mark.parametrize(
    "query,message",
    [
        ({"lon": "nan", "lat": "inf"}, "lon 不是有效数字"),
        ({"lon": "120.05", "lat": "inf"}, "lat 不是有效数字"),
        ({"lon": "500", "lat": "30"}, "±180"),
        ({"lat": "30"}, "缺少 lon"),
    ],
)
def test_tips_json_refuses_unusable_coordinates(db, client, query, message):
    resp = client.get(reverse("hotspots:public_tips"), query)
    assert resp.status_code == 400
    assert message in resp.json()["error"]
    assert "tips" not in resp.json()

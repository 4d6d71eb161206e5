"""Nobody can lock a citizen out of tracking their own appeal (QA): the number is
public, so failed phone-tail guesses on it must not block the full tracking code."""

from __future__ import annotations

import pytest
from django.test import Client

from jingmin.appeals.tests.factories import make_categories, submit

pytestmark = pytest.mark.django_db
TRACK = "/appeals/track/"
MINE = "我家楼下夜里施工很吵"


@pytest.fixture
def mine(county):
    cats = make_categories(county)
    return submit(cats.order, phone="13800138000", body=MINE)


def _guess_tails(number: str) -> None:
    for i in range(6):  # more than the per-number allowance, from many addresses
        Client().post(
            TRACK,
            {"number": number, "phone_tail": f"{i:04d}"},
            REMOTE_ADDR=f"10.4.0.{i}",
        )


def test_failed_phone_tails_do_not_block_the_full_code_on_the_page(mine):
    number = mine.appeal.number
    _guess_tails(number)
    tail = Client().post(
        TRACK, {"number": number, "phone_tail": "8000"}, REMOTE_ADDR="10.4.1.1"
    )
    assert tail.status_code == 429  # the weak form stays limited per number
    assert "完整查询码" in tail.content.decode()  # and the page says what still works
    full = Client().post(TRACK, {"code": mine.tracking_code}, REMOTE_ADDR="10.4.1.2")
    assert full.status_code == 200 and MINE in full.content.decode()


@pytest.mark.parametrize("method", ["post", "get"])
def test_failed_phone_tails_do_not_block_the_full_code_in_the_api(mine, method):
    _guess_tails(mine.appeal.number)
    client = Client(REMOTE_ADDR="10.4.2.1")
    if method == "post":
        response = client.post(
            "/api/v1/appeals/track",
            {"tracking_code": mine.tracking_code},
            content_type="application/json",
        )
    else:
        response = client.get(f"/api/v1/appeals/track/{mine.tracking_code}")
    assert response.status_code == 200, response.content


def test_many_wrong_full_codes_do_not_block_the_right_one(mine):
    number = mine.appeal.number
    for i in range(25):  # above the old 20/h per number, each from its own address
        Client().post(
            TRACK, {"code": f"{number}-{'a' * 26}"}, REMOTE_ADDR=f"10.5.0.{i}"
        )
    full = Client().post(TRACK, {"code": mine.tracking_code}, REMOTE_ADDR="10.5.1.1")
    assert full.status_code == 200 and MINE in full.content.decode()


def test_many_wrong_full_codes_do_not_block_the_right_one_in_the_api(mine):
    number = mine.appeal.number
    for i in range(25):
        Client(REMOTE_ADDR=f"10.6.0.{i}").post(
            "/api/v1/appeals/track",
            {"tracking_code": f"{number}-{'a' * 26}"},
            content_type="application/json",
        )
    response = Client(REMOTE_ADDR="10.6.1.1").post(
        "/api/v1/appeals/track",
        {"tracking_code": mine.tracking_code},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content

"""Citizens' tracking codes: unguessable (ASVS 5.0 11.5.1), looked up by POST only
(14.2.1), rate-limited (2.4.1), failed lookups audited (16.3.2), and one citizen's
browser can never reach another citizen's appeal (8.2.2)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from jingmin.appeals.models import Appeal
from jingmin.appeals.services import tracking_code_new
from jingmin.appeals.tests.factories import make_categories, submit
from jingmin.audit.models import AuditEvent

TRACK = "/appeals/track/"
RATE = "/appeals/track/rate/"
INFO = "/appeals/track/info/"
MINE = "我家楼下夜里施工很吵"  # the body of "my" appeal: shown only to its owner


@pytest.fixture
def two_citizens(county):
    cats = make_categories(county)
    mine = submit(cats.order, phone="13800138000", body=MINE)
    theirs = submit(cats.order, phone="13900139000", body="另一位市民的诉求内容")
    return mine, theirs


def test_codes_carry_128_random_bits():
    pairs = [tracking_code_new() for _ in range(2000)]
    secrets_ = [s for _n, s in pairs]
    assert len(set(secrets_)) == len(secrets_)
    for number, secret in pairs[:50]:
        assert re.fullmatch(r"\d{12}", number)
        assert re.fullmatch(r"[a-z2-7]{26}", secret)  # 26 base32 chars = 130 ≥ 128 bits
    # every base32 symbol turns up in every position: no fixed or biased slots
    for pos in range(25):
        assert len({s[pos] for s in secrets_}) == 32


def test_secret_is_stored_as_a_digest_only(two_citizens):
    mine, _ = two_citizens
    secret = mine.tracking_code.split("-", 1)[1]
    row = Appeal.objects.filter(pk=mine.appeal.pk).values().get()
    assert all(secret not in str(v) for v in row.values())


def track(client: Client, ip: str = "10.2.0.1", **data):
    return client.post(TRACK, data, REMOTE_ADDR=ip)


def test_full_code_finds_the_appeal_and_a_wrong_secret_does_not(two_citizens):
    mine, _ = two_citizens
    ok = track(Client(), code=mine.tracking_code)
    assert ok.status_code == 200 and MINE in ok.content.decode()
    number = mine.tracking_code.split("-")[0]
    bad = track(Client(), code=f"{number}-{'a' * 26}")
    assert MINE not in bad.content.decode()
    assert "未找到该诉求" in bad.content.decode()
    failed = AuditEvent.objects.filter(action="appeal.track_failed")
    assert failed.count() == 1 and failed.get().ip == "10.2.0.1"


def test_code_in_the_query_string_is_ignored(two_citizens):
    mine, _ = two_citizens
    response = Client().get(TRACK, {"code": mine.tracking_code})
    assert response.status_code == 200
    assert MINE not in response.content.decode()


def test_status_page_masks_personal_data(two_citizens):
    mine, _ = two_citizens
    html = track(Client(), code=mine.tracking_code).content.decode()
    assert "13800138000" not in html


def test_lookups_per_address_are_rate_limited(two_citizens):
    client = Client()
    for i in range(10):
        assert track(client, code=f"26010100000{i}-{'b' * 26}").status_code == 200
    blocked = track(client, code=two_citizens[0].tracking_code)
    assert blocked.status_code == 429
    assert MINE not in blocked.content.decode()
    # another address is not punished for this one
    assert (
        track(Client(), ip="10.2.0.2", code=two_citizens[0].tracking_code).status_code
        == 200
    )


def test_phone_tail_guessing_is_limited_per_appeal_across_addresses(two_citizens):
    """Number + last four phone digits is the weak form (10^4 guesses): after five
    tries in an hour that number is locked whatever address the guesses come from."""
    mine, _ = two_citizens
    number = mine.appeal.number
    for i in range(5):
        response = track(
            Client(), ip=f"10.3.0.{i}", number=number, phone_tail=f"{i:04d}"
        )
        assert response.status_code == 200
    right = track(Client(), ip="10.3.1.1", number=number, phone_tail="8000")
    assert right.status_code == 429
    assert MINE not in right.content.decode()


def test_number_with_the_right_phone_tail_works(two_citizens):
    mine, _ = two_citizens
    response = track(Client(), number=mine.appeal.number, phone_tail="8000")
    assert MINE in response.content.decode()


@pytest.mark.parametrize("url", [RATE, INFO])
def test_a_fresh_browser_cannot_act_on_any_appeal(two_citizens, url):
    mine, theirs = two_citizens
    for field in ("pk", "id", "appeal", "number", "code"):
        response = Client().post(
            url,
            {
                field: mine.appeal.pk
                if field in ("pk", "id", "appeal")
                else mine.appeal.number,
                "resolved": "1",
                "satisfaction": "satisfied",
                "text": "补充材料",
            },
        )
        assert response.status_code == 302 and response["Location"] == TRACK


@pytest.mark.parametrize("url", [RATE, INFO])
def test_ids_in_the_form_never_switch_to_another_citizens_appeal(two_citizens, url):
    """Citizen B has tracked her own appeal; nothing she posts reaches citizen A's."""
    mine, theirs = two_citizens
    b = Client()
    track(b, code=theirs.tracking_code)
    before = Appeal.objects.values().get(pk=mine.appeal.pk)
    events = AuditEvent.objects.filter(object_id=str(mine.appeal.pk)).count()
    response = b.post(
        url,
        {
            "pk": mine.appeal.pk,
            "appeal": mine.appeal.pk,
            "number": mine.appeal.number,
            "code": mine.tracking_code.split("-")[0],
            "resolved": "1",
            "satisfaction": "satisfied",
            "text": "补充材料",
        },
    )
    html = response.content.decode()
    assert MINE not in html
    assert Appeal.objects.values().get(pk=mine.appeal.pk) == before
    assert AuditEvent.objects.filter(object_id=str(mine.appeal.pk)).count() == events

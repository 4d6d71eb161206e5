"""GET requests and requests/{id}: filters, defaults, limits and the privacy rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jingmin.appeals.models import Appeal, Reply
from jingmin.appeals.services import AppealInput, appeal_submit

from .helpers import error_codes, read

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]
SECRET_BITS = ["王小二", "13911112222", "wang@example.cn"]


def submit(
    category, *, kind=Appeal.Kind.HELP, lon=120.0512, lat=30.0512, days_ago=0, **extra
):
    appeal = appeal_submit(
        data=AppealInput(
            kind=kind,
            body=extra.pop("body", "楼下广场舞太吵"),
            name="王小二",
            phone="13911112222",
            email="wang@example.cn",
            lon=lon,
            lat=lat,
            address="人民路 12 号 3 单元",
            category=category,
            attributes=extra.pop("attributes", {}),
        )
    ).appeal
    if days_ago:
        stamp = timezone.now() - dt.timedelta(days=days_ago)
        Appeal.objects.filter(pk=appeal.pk).update(created_at=stamp, updated_at=stamp)
    appeal.refresh_from_db()
    return appeal


@pytest.fixture
def appeals(catalogue):
    return {
        "noise": submit(catalogue["noise"], attributes={"source": "dance"}),
        "lost": submit(catalogue["lost"], body="丢了钱包"),
        "family": submit(catalogue["family"], body="家里吵架的细节"),
        "tip": submit(catalogue["tip"], body="举报某人", kind=Appeal.Kind.REPORT),
        "report": submit(
            catalogue["noise"], body="举报噪音源", kind=Appeal.Kind.REPORT
        ),
        "old": submit(catalogue["lost"], body="很久以前", days_ago=120),
    }


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in read(response)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_default_listing_is_last_90_days_newest_first_without_private_rows(
    client, appeals, fmt
):
    got = ids(client.get(f"/open311/v2/requests.{fmt}"))
    assert got == [
        appeals["family"].number,
        appeals["lost"].number,
        appeals["noise"].number,
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_identity_or_contact_in_any_get(client, appeals, fmt):
    for path in [
        f"/open311/v2/requests.{fmt}?extensions=true",
        f"/open311/v2/requests/{appeals['noise'].number}.{fmt}?extensions=true",
    ]:
        text = client.get(path).content.decode()
        for bit in SECRET_BITS + ["dev-", "acc-"]:
            assert bit not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_fields_of_a_request(client, appeals, fmt):
    noise = appeals["noise"]
    (row,) = read(client.get(f"/open311/v2/requests/{noise.number}.{fmt}"))
    assert row["service_request_id"] == noise.number
    assert row["status"] == "open"
    assert row["service_code"] == "noise" and row["service_name"] == "噪音扰民"
    # the citizen's words and address are never published (ADR 052)
    assert row["description"] in (None, "") and row["address"] in (None, "")
    assert row["media_url"] in (None, "")
    assert row["agency_responsible"] == noise.unit.name
    assert row["service_notice"] == "2小时内签收，5个工作日内答复"
    assert row["requested_datetime"].endswith("+08:00")
    if noise.reply_due:
        assert (
            row["expected_datetime"]
            == timezone.localtime(noise.reply_due).replace(microsecond=0).isoformat()
        )
    # 30.0512 is snapped to the centre of its 0.005° cell
    assert float(row["lat"]) == pytest.approx(30.0525)
    assert float(row["long"]) == pytest.approx(120.0525)


@pytest.mark.parametrize("fmt", FORMATS)
def test_non_public_category_hides_description_address_and_reply(client, appeals, fmt):
    family = appeals["family"]
    Reply.objects.create(
        appeal=family, body="已调解，双方和好", status=Reply.Status.APPROVED
    )
    (row,) = read(client.get(f"/open311/v2/requests/{family.number}.{fmt}"))
    assert row["description"] in (None, "") and row["address"] in (None, "")
    assert row["status_notes"] == "已答复"
    assert (
        "调解"
        not in client.get(
            f"/open311/v2/requests.{fmt}?extensions=true"
        ).content.decode()
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("which", ["tip", "report"])
def test_confidential_and_tips_are_never_readable(client, appeals, fmt, which):
    number = appeals[which].number
    response = client.get(f"/open311/v2/requests/{number}.{fmt}")
    assert response.status_code == 404
    assert error_codes(response) == ["404"]
    assert number not in ids(
        client.get(f"/open311/v2/requests.{fmt}?service_request_id={number}")
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_id_is_404_with_error_body(client, appeals, fmt):
    response = client.get(f"/open311/v2/requests/NOPE-1.{fmt}")
    assert response.status_code == 404
    assert error_codes(response) == ["404"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_closed_reply_and_forwarding(client, appeals, county, fmt):
    lost, noise = appeals["lost"], appeals["noise"]
    closed_at = timezone.now()
    Appeal.objects.filter(pk=lost.pk).update(
        status=Appeal.Status.CLOSED, closed_at=closed_at
    )
    Reply.objects.create(
        appeal=lost, body="钱包已找到，请到所里领取", status=Reply.Status.APPROVED
    )
    Appeal.objects.filter(pk=noise.pk).update(
        status=Appeal.Status.FORWARDED, forwarded_to=county.depta
    )
    rows = {
        r["service_request_id"]: r
        for r in read(client.get(f"/open311/v2/requests.{fmt}"))
    }
    assert rows[lost.number]["status"] == "closed"
    assert rows[lost.number]["status_notes"] == "钱包已找到，请到所里领取"
    assert (
        rows[lost.number]["updated_datetime"]
        == timezone.localtime(closed_at).replace(microsecond=0).isoformat()
    )
    assert rows[lost.number]["expected_datetime"] in (None, "")
    assert rows[noise.number]["agency_responsible"] == "住建局"
    assert "0571-80000001" in rows[noise.number]["status_notes"]
    assert ids(client.get(f"/open311/v2/requests.{fmt}?status=closed")) == [lost.number]
    assert lost.number not in ids(client.get(f"/open311/v2/requests.{fmt}?status=open"))
    assert len(ids(client.get(f"/open311/v2/requests.{fmt}?status=open,closed"))) == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_filters(client, appeals, fmt):
    base = f"/open311/v2/requests.{fmt}"
    old, lost = appeals["old"], appeals["lost"]
    assert ids(client.get(f"{base}?service_code=lost")) == [lost.number]
    assert ids(client.get(f"{base}?service_code=lost&service_code=noise")) == ids(
        client.get(f"{base}?service_code=lost,noise")
    )
    start = (timezone.now() - dt.timedelta(days=125)).isoformat()
    end = (timezone.now() - dt.timedelta(days=100)).isoformat()
    assert ids(client.get(base, {"start_date": start, "end_date": end})) == [old.number]
    assert ids(client.get(base, {"start_date": start})) == [old.number]
    # service_request_id overrides every other filter, old or not
    got = ids(
        client.get(
            base,
            {
                "service_request_id": f"{old.number},{lost.number}",
                "service_code": "noise",
            },
        )
    )
    assert sorted(got) == sorted([old.number, lost.number])
    later = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
    assert ids(client.get(base, {"updated_after": later})) == []
    assert len(ids(client.get(base, {"updated_before": later}))) == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_page_and_page_size(client, appeals, fmt):
    base = f"/open311/v2/requests.{fmt}"
    everything = ids(client.get(base))
    assert ids(client.get(base, {"page_size": 2})) == everything[:2]
    assert ids(client.get(base, {"page_size": 2, "page": 2})) == everything[2:]
    assert ids(client.get(base, {"page_size": 2, "page": 3})) == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "2026-01-01"},
        {"start_date": "2026-01-01T00:00:00"},
        {"end_date": "yesterday"},
        {"start_date": "2026-13-01T00:00:00Z"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        {"updated_after": "soon"},
        {"status": "pending"},
        {"page": "0"},
        {"page_size": "-3"},
    ],
)
def test_bad_query_is_a_400(client, appeals, fmt, query):
    response = client.get(f"/open311/v2/requests.{fmt}", query)
    assert response.status_code == 400
    assert error_codes(response) == ["400"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_extensions_add_public_notes_and_answers(client, appeals, fmt):
    plain = read(client.get(f"/open311/v2/requests/{appeals['noise'].number}.{fmt}"))[0]
    assert "notes" not in plain
    (row,) = read(
        client.get(
            f"/open311/v2/requests/{appeals['noise'].number}.{fmt}?extensions=true"
        )
    )
    assert row["notes"] and row["notes"][0]["type"] == "submit"
    assert row["attributes"] == [
        {"label": "噪音来源", "name": "source", "value": "dance", "code": "source"}
    ]
    assert row["extended_attributes"]["channel"] == "web"
    (fam,) = read(
        client.get(
            f"/open311/v2/requests/{appeals['family'].number}.{fmt}?extensions=true"
        )
    )
    assert all(n["description"] in (None, "") for n in fam["notes"])


def test_listing_queries_do_not_grow_with_rows(
    client, appeals, catalogue, django_assert_max_num_queries
):
    for _ in range(5):
        submit(catalogue["noise"])
    with django_assert_max_num_queries(6):
        response = client.get("/open311/v2/requests.json?extensions=true")
    assert len(read(response)) == 8


@pytest.mark.parametrize("fmt", FORMATS)
def test_numbers_typed_into_public_text_are_blanked(client, catalogue, fmt):
    appeal = submit(
        catalogue["noise"], body="吵得不行，请回电 13912345678 或 0571-88886666"
    )
    Reply.objects.create(
        appeal=appeal,
        body="已处理。身份证 330102199001011234 的当事人已约谈",
        status=Reply.Status.APPROVED,
    )
    text = client.get(
        f"/open311/v2/requests/{appeal.number}.{fmt}?extensions=true"
    ).content.decode()
    for number in ("13912345678", "0571-88886666", "330102199001011234"):
        assert number not in text
    # the approved reply is shown, blanked; the citizen's body not at all (ADR 052)
    assert "［已删除］" in text and "已约谈" in text and "吵得不行" not in text

"""POST requests: success in both formats, every bad input, idempotency, quotas."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from PIL import Image

from jingmin.appeals.models import Appeal
from jingmin.audit.models import AuditEvent
from jingmin.open311.models import Open311Client, Submission
from jingmin.open311.services import client_issue, client_revoke

from .helpers import error_codes, read

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]
FORM = "application/x-www-form-urlencoded"


def good(api_key: str | None, /, **extra) -> dict:
    data = {
        "api_key": api_key,
        "service_code": "noise",
        "lat": "30.05",
        "long": "120.05",
        "attribute[source]": "dance",
        "phone": "13800138000",
        "first_name": "明",
        "last_name": "李",
        "email": "li@example.cn",
        "device_id": "dev-1",
        "account_id": "acc-9",
        "description": "小区广场舞晚上十点后仍有音响",
        "media_url": "https://img.example.cn/1.jpg",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def post(client, fmt: str, data, **headers):
    body = data if isinstance(data, str) else urlencode(data, doseq=True)
    return client.post(
        f"/open311/v2/requests.{fmt}", body, content_type=FORM, **headers
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_one_appeal_through_intake(client, catalogue, api_key, fmt):
    response = post(client, fmt, good(api_key))
    assert response.status_code == 200, response.content
    (created,) = read(response)
    appeal = Appeal.objects.get()
    assert created["service_request_id"] == appeal.number
    assert "token" not in created
    assert created["service_notice"] == "2小时内签收，5个工作日内答复"
    assert created["account_id"] == "acc-9"
    assert appeal.source == Appeal.Source.OPEN311
    assert appeal.category == catalogue["noise"]
    assert appeal.attributes == {"source": "dance"}
    assert appeal.unit == catalogue["noise"].default_unit or appeal.unit is not None
    assert appeal.phone == "13800138000" and appeal.name == "李明"
    submission = Submission.objects.get()
    assert submission.appeal == appeal and submission.media_url.endswith("1.jpg")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"appeal.submit", "open311.submit"} <= actions


def test_the_spec_example_body_verbatim_shape(client, catalogue, api_key):
    """Field for field the wiki's example POST, with our service and county values."""
    body = (
        f"api_key={api_key}&service_code=noise&lat=30.0512&long=120.0434"
        "&address_string=%E5%92%8C%E5%B9%B3%E8%B7%AF1%E5%8F%B7"
        "&email=smit333%40example.cn&device_id=tt222111&account_id=123456"
        "&first_name=john&last_name=smith&phone=13912345678"
        "&description=A+large+sinkhole+is+destroying+the+street"
        "&media_url=http%3A%2F%2Fexample.cn%2Fsinkhole.jpg"
        "&attribute%5Bsource%5D=shop&attribute%5Btimes%5D%5B%5D=night"
        "&attribute%5Btimes%5D%5B%5D=day"
    )
    response = post(client, "xml", body)
    assert response.status_code == 200, response.content
    appeal = Appeal.objects.get()
    assert appeal.address == "和平路1号"
    assert appeal.attributes == {"source": "shop", "times": ["night", "day"]}


def test_api_key_and_jurisdiction_in_the_query_string(
    client, catalogue, api_key, settings
):
    settings.OPEN311_JURISDICTION_ID = "heping.gov.cn"
    data = good(None)
    response = client.post(
        f"/open311/v2/requests.json?api_key={api_key}&jurisdiction_id=heping.gov.cn",
        urlencode(data),
        content_type=FORM,
    )
    assert response.status_code == 200, response.content


def test_multipart_with_media_file(client, catalogue, api_key):
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, "PNG")
    image.seek(0)
    image.name = "photo.png"
    response = client.post(
        "/open311/v2/requests.json", {**good(api_key), "media": image}
    )
    assert response.status_code == 200, response.content
    assert Appeal.objects.get().attachments.count() == 1


def test_address_string_alone_is_a_location(client, catalogue, api_key):
    data = good(api_key, lat=None, long=None, address_string="城关镇人民路8号")
    assert post(client, "json", data).status_code == 200


# -- bad input: spec error format, nothing stored -----------------------------


def _rejected(response, status: int, fmt: str) -> list[dict]:
    assert response.status_code == status, response.content
    assert not Appeal.objects.exists()
    assert not Submission.objects.exists()
    errors = read(response)
    assert errors and all(e["description"] for e in errors)
    return errors


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("change", "status", "needle"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "nope"}, 404, "service_code"),
        ({"service_code": "tip"}, 404, "service_code"),
        ({"long": None}, 400, "lat"),
        ({"lat": None}, 400, "lat"),
        ({"lat": None, "long": None}, 400, "address_string"),
        ({"lat": None, "long": None, "address_id": "A1"}, 400, "address_string"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "95", "long": "120"}, 400, "lat"),
        ({"attribute[source]": None}, 400, "attribute[source]"),
        ({"attribute[source]": "choir"}, 400, "attribute[source]"),
        ({"attribute[people]": "many"}, 400, "attribute[people]"),
        ({"attribute[since]": "yesterday"}, 400, "attribute[since]"),
        ({"attribute[times][]": ["night", "noon"]}, 400, "attribute[times]"),
        ({"description": "长" * 4001}, 400, "description"),
        ({"email": "not-an-email"}, 400, "email"),
        ({"phone": "12345"}, 400, "phone"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"jurisdiction_id": "example.org"}, 404, "jurisdiction_id"),
    ],
)
def test_bad_input_is_refused_in_spec_format(
    client, catalogue, api_key, fmt, change, status, needle
):
    response = post(client, fmt, good(api_key, **change))
    errors = _rejected(response, status, fmt)
    assert needle in " ".join(e["description"] for e in errors)


def test_every_missing_required_attribute_is_listed(client, catalogue, api_key):
    noise = catalogue["noise"]
    noise.questions = [
        *noise.questions,
        {"code": "floor", "label": "楼层", "datatype": "number", "required": True},
    ]
    noise.save()
    response = post(client, "json", good(api_key, **{"attribute[source]": None}))
    errors = _rejected(response, 400, "json")
    assert len(errors) == 2
    assert "attribute[source]" in errors[0]["description"]
    assert "attribute[floor]" in errors[1]["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_revoked_key_is_403(client, catalogue, county, fmt):
    issued, raw = client_issue(actor=county["admin"], name="旧客户端")
    client_revoke(actor=county["admin"], client=issued)
    errors = _rejected(post(client, fmt, good(raw)), 403, fmt)
    assert "吊销" in errors[0]["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_content_type_is_refused(client, catalogue, api_key, fmt):
    response = client.post(
        f"/open311/v2/requests.{fmt}",
        {"api_key": api_key},
        content_type="application/json",
    )
    errors = _rejected(response, 400, fmt)
    assert str(errors[0]["code"]) == "415"


@pytest.mark.parametrize("fmt", FORMATS)
def test_oversized_payload_is_refused(client, catalogue, api_key, fmt, settings):
    settings.OPEN311_MAX_BODY = 2048
    response = post(client, fmt, good(api_key, description="x" * 3000))
    errors = _rejected(response, 400, fmt)
    assert str(errors[0]["code"]) == "413"


def test_too_many_form_fields_is_a_spec_error(client, catalogue, api_key, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    data = good(api_key, **{f"attribute[x{i}]": "1" for i in range(30)})
    response = post(client, "xml", data)
    assert error_codes(_rejected_any(response)) == ["413"]


def _rejected_any(response):
    assert response.status_code == 400
    assert not Appeal.objects.exists()
    return response


def test_not_an_image_is_refused(client, catalogue, api_key):
    fake = io.BytesIO(b"MZ\x90\x00 not an image")
    fake.name = "photo.jpg"
    response = client.post(
        "/open311/v2/requests.json", {**good(api_key), "media[]": fake}
    )
    errors = _rejected(response, 400, "json")
    assert "media" in errors[0]["description"]


def test_no_csrf_token_needed(catalogue, api_key):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert post(strict, "json", good(api_key)).status_code == 200


# -- idempotency and quotas ---------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_retry_with_same_idempotency_key_creates_one_appeal(
    client, catalogue, api_key, fmt
):
    first = post(client, fmt, good(api_key), HTTP_IDEMPOTENCY_KEY="k-123")
    again = post(client, fmt, good(api_key), HTTP_IDEMPOTENCY_KEY="k-123")
    assert first.status_code == again.status_code == 200
    assert read(first) == read(again)
    assert Appeal.objects.count() == 1
    other = post(
        client, fmt, good(api_key, description="另一件事"), HTTP_IDEMPOTENCY_KEY="k-123"
    )
    assert other.status_code == 422
    assert Appeal.objects.count() == 1
    assert (
        post(client, fmt, good(api_key), HTTP_IDEMPOTENCY_KEY="k-456").status_code
        == 200
    )
    assert Appeal.objects.count() == 2


def test_rejected_request_does_not_burn_the_idempotency_key(client, catalogue, api_key):
    bad = post(client, "json", good(api_key, phone="12"), HTTP_IDEMPOTENCY_KEY="k-1")
    assert bad.status_code == 400
    ok = post(client, "json", good(api_key), HTTP_IDEMPOTENCY_KEY="k-1")
    assert ok.status_code == 200
    assert Appeal.objects.count() == 1


def test_each_key_has_its_own_quota(client, catalogue, county):
    _c, slow = client_issue(actor=county["admin"], name="慢客户端", rate_per_minute=2)
    _c, other = client_issue(
        actor=county["admin"], name="另一客户端", rate_per_minute=2
    )
    codes = [post(client, "json", good(slow)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = post(client, "json", good(slow))
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert error_codes(limited) == ["429"]
    assert post(client, "json", good(other)).status_code == 200
    assert Appeal.objects.count() == 3
    assert Open311Client.objects.get(name="慢客户端").last_used_at is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_citizen_text_posted_is_never_published(client, catalogue, api_key, fmt):
    """QA: a name and home address typed into the text were listed straight away."""
    text = "我叫赵建国，住人民路7号2单元301，楼下广场舞每晚吵到十一点"
    data = good(
        api_key,
        description=text,
        address_string="人民路7号2单元301",
        **{"attribute[people]": "37"},
    )
    assert post(client, "json", data).status_code == 200
    number = Appeal.objects.get().number
    for path in [
        f"/open311/v2/requests.{fmt}",
        f"/open311/v2/requests.{fmt}?extensions=true",
        f"/open311/v2/requests/{number}.{fmt}?extensions=true",
    ]:
        response = client.get(path)
        assert response.status_code == 200
        body = response.content.decode()
        assert number in body
        for bit in ["赵建国", "人民路", "7号", "2单元", "广场舞每晚", "img.example.cn"]:
            assert bit not in body, (path, bit)
    (row,) = read(client.get(f"/open311/v2/requests/{number}.{fmt}?extensions=true"))
    assert row["service_code"] == "noise" and row["status"] == "open"
    assert row["description"] in (None, "") and row["address"] in (None, "")
    assert row["lat"] and row["long"]  # the coarse grid cell only
    # a choice from the category's list is still shown; typed answers are not
    assert [a["code"] for a in row["attributes"]] == ["source"]

import io

import pytest
from django.urls import reverse
from PIL import Image

from jingmin.appeals.models import Appeal, Attachment
from jingmin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def form_data(client, **extra):
    page = client.get(reverse("appeals:submit"))
    token = page.context["form"]["form_token"].value()
    data = {
        "kind": "complaint",
        "body": "小区门口夜间烧烤噪音扰民",
        "phone": "13800138000",
        "lon": "120.05",
        "lat": "30.05",
        "form_token": token,
    }
    data.update(extra)
    return data


def jpeg_with_gps() -> io.BytesIO:
    img = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (30, 3, 0), 4: (120, 3, 0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    buf.seek(0)
    buf.name = "photo.jpg"
    return buf


def test_submit_routes_and_shows_the_tracking_code_once(client, county, cats):
    data = form_data(client, category=cats.order.pk)
    response = client.post(reverse("appeals:submit"), data)
    assert response.status_code == 302
    page = client.get(response["Location"])
    code = page.context["code"]
    appeal = Appeal.objects.get()
    assert code.startswith(appeal.number + "-") and len(code.split("-")[1]) >= 26
    assert appeal.unit == county.sta
    assert county.sta.name in page.content.decode()


def test_repeated_submission_of_the_same_form_is_one_appeal(client, county, cats):
    data = form_data(client, category=cats.order.pk)
    first = client.post(reverse("appeals:submit"), data)
    second = client.post(reverse("appeals:submit"), data)
    assert first.status_code == second.status_code == 302
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("body", "", "该字段是必填项"),
        ("body", "长" * 4001, "4000"),
        ("phone", "", "联系电话"),
        ("phone", "12345", "电话号码无效"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    client, county, cats, field, value, message
):
    data = form_data(client, **{field: value})
    response = client.post(reverse("appeals:submit"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Appeal.objects.count() == 0


def test_anonymous_tip_without_phone(client, county, cats):
    data = form_data(client, kind="report", phone="", category=cats.tip.pk)
    assert client.post(reverse("appeals:submit"), data).status_code == 302
    assert Appeal.objects.get().phone == ""


def test_script_is_stored_as_text_and_escaped(client, county, cats):
    body = "<script>alert(1)</script>噪音"
    data = form_data(client, body=body, category=cats.order.pk)
    client.post(reverse("appeals:submit"), data)
    appeal = Appeal.objects.get()
    assert appeal.body == body
    page = client.get(reverse("appeals:submitted"))
    assert "<script>alert(1)" not in page.content.decode()
    staff = client
    staff.force_login(
        county["operator"], backend="django.contrib.auth.backends.ModelBackend"
    )
    html = staff.get(
        reverse("appeals:console_detail", args=[appeal.pk])
    ).content.decode()
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        and "<script>alert(1)" not in html
    )


def test_photo_is_reencoded_without_exif(client, county, cats, settings):
    data = form_data(client, category=cats.order.pk, photos=jpeg_with_gps())
    assert client.post(reverse("appeals:submit"), data).status_code == 302
    att = Attachment.objects.get()
    with att.file.open("rb") as fh:
        img = Image.open(fh)
        assert not img.getexif()
    assert att.content_type == "image/jpeg" and "photo" not in att.file.name


def test_non_image_photo_is_refused_with_the_limit(client, county, cats):
    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "photo.jpg"
    data = form_data(client, photos=fake)
    html = client.post(reverse("appeals:submit"), data).content.decode()
    assert "不是可识别的图片" in html and "5 MB" in html
    assert Appeal.objects.count() == 0


def test_too_large_photo_is_refused(client, county, cats, settings):
    settings.UPLOAD_IMAGE_MAX_BYTES = 100
    data = form_data(client, photos=jpeg_with_gps())
    html = client.post(reverse("appeals:submit"), data).content.decode()
    assert "太大" in html
    assert Appeal.objects.count() == 0


def submit_and_code(client, cats):
    client.post(reverse("appeals:submit"), form_data(client, category=cats.order.pk))
    return client.get(reverse("appeals:submitted")).context["code"]


def test_track_by_code_and_by_number_and_phone_tail(client, county, cats):
    code = submit_and_code(client, cats)
    page = client.post(reverse("appeals:track"), {"code": code})
    assert page.status_code == 200 and page.context["view"]["number"] in code
    number = code.split("-")[0]
    page = client.post(
        reverse("appeals:track"), {"number": number, "phone_tail": "8000"}
    )
    assert page.context["view"]["number"] == number
    page = client.post(
        reverse("appeals:track"), {"number": number, "phone_tail": "9999"}
    )
    assert "未找到" in page.content.decode()
    assert AuditEvent.objects.filter(action="appeal.track_failed").exists()


def test_track_wrong_secret_finds_nothing_and_get_never_looks_up(client, county, cats):
    code = submit_and_code(client, cats)
    number = code.split("-")[0]
    page = client.post(reverse("appeals:track"), {"code": number + "-" + "a" * 26})
    assert "未找到" in page.content.decode()
    page = client.get(reverse("appeals:track"), {"code": code})
    assert "view" not in page.context


def test_track_is_rate_limited(client, county, cats):
    for _i in range(10):
        client.post(reverse("appeals:track"), {"number": "1", "phone_tail": "0000"})
    response = client.post(
        reverse("appeals:track"), {"number": "2", "phone_tail": "0000"}
    )
    assert response.status_code == 429
    assert "秒后再试" in response.content.decode()


def test_citizen_rates_after_the_reply(client, county, cats):
    from jingmin.appeals import services

    code = submit_and_code(client, cats)
    appeal = Appeal.objects.get()
    services.appeal_accept(appeal=appeal, actor=county["officer_a"])
    reply = services.reply_submit(
        appeal=appeal, actor=county["officer_a"], body="已处理"
    )
    services.reply_approve(reply=reply, actor=county["leader_a"])
    page = client.post(reverse("appeals:track"), {"code": code})
    assert page.context["view"]["can_rate"]
    page = client.post(
        reverse("appeals:rate"), {"resolved": "1", "satisfaction": "satisfied"}
    )
    appeal.refresh_from_db()
    assert appeal.status == "closed" and appeal.satisfaction == "satisfied"
    assert not page.context["view"]["can_rate"]


def test_rate_without_a_lookup_goes_back_to_track(client, county, cats):
    response = client.post(
        reverse("appeals:rate"), {"resolved": "1", "satisfaction": "satisfied"}
    )
    assert response.status_code == 302


def test_public_results_page(client, county, cats):
    response = client.get(reverse("appeals:public_results"))
    assert response.status_code == 200
    assert "少于 5 件" in response.content.decode()

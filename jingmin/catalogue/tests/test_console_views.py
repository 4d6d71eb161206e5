import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jingmin.audit.models import AuditEvent
from jingmin.catalogue import services
from jingmin.catalogue.models import Application, AppointmentSlot, ServiceGuide

from .factories import content, published

FORM = {
    "code": "new-guide",
    "area": "hukou",
    "name": "户口迁出",
    "legal_basis": "《中华人民共和国户口登记条例》 | 第十条",
    "applicants": "本县户籍居民",
    "conditions": "已取得准迁证明",
    "materials": "居民户口簿 | 原件 | 1 | 否",
    "steps": "受理 | 户籍窗口 | 当场",
    "result_document": "户口迁移证",
    "result_delivery": "窗口领取",
    "time_promise_days": "1",
    "fees": "不收费",
    "offices": "sta",
    "max_visits": "1",
    "complaint": "拨打督察电话",
    "accountability": "依规追究",
    "faqs": "",
    "change_summary": "首次发布",
    "effective_date": "2026-01-01",
}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("supervisor", 200),
        ("leader_a", 200),
        ("officer_a", 200),
        ("operator", 403),
        ("analyst", 403),
        ("liaison_a", 403),
        ("auditor", 403),
    ],
)
def test_console_home_by_role(county, client_for, role, status):
    response = client_for(county[role]).get(reverse("catalogue:console"))
    assert response.status_code == status


def test_console_requires_login(client, county):
    response = client.get(reverse("catalogue:console"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_leader_reads_drafts_but_officer_does_not(county, client_for):
    services.guide_create(
        code="draft", area="hukou", actor=county["admin"], content=content()
    )
    assert (
        "draft"
        in client_for(county["leader_a"])
        .get(reverse("catalogue:console"))
        .content.decode()
    )
    assert (
        "draft"
        not in client_for(county["officer_a"])
        .get(reverse("catalogue:console"))
        .content.decode()
    )


@pytest.mark.parametrize("role", ["leader_a", "officer_a", "operator", "analyst"])
def test_only_admin_and_supervisor_edit_guides(county, client_for, role):
    published("id-lost", county["admin"])
    client = client_for(county[role])
    assert client.get(reverse("catalogue:console_guide_new")).status_code == 403
    edit = reverse("catalogue:console_guide_edit", args=["id-lost"])
    assert client.post(edit, {**FORM, "publish": "1"}).status_code == 403
    assert ServiceGuide.objects.get(code="id-lost").versions.count() == 1


def test_create_and_publish_through_the_form(county, client_for):
    client = client_for(county["supervisor"])
    response = client.post(
        reverse("catalogue:console_guide_new"), {**FORM, "publish": "1"}
    )
    assert response.status_code == 302
    guide = ServiceGuide.objects.get(code="new-guide")
    assert guide.current_version.number == 1
    assert guide.current_version.materials == [
        {"name": "居民户口簿", "form": "original", "count": 1, "online": False}
    ]
    assert guide.current_version.published_by == county["supervisor"]
    page = client.get(reverse("catalogue:console_guide_edit", args=["new-guide"]))
    assert "居民户口簿 | 原件 | 1 | 否" in page.content.decode()


def test_publish_errors_are_shown_naming_each_missing_part(county, client_for):
    client = client_for(county["admin"])
    data = {**FORM, "applicants": "", "fees": "", "steps": ""}
    response = client.post(
        reverse("catalogue:console_guide_new"), {**data, "publish": "1"}
    )
    # The draft is saved, the publication refused with every missing part named.
    assert response.status_code == 400
    text = response.content.decode()
    for label in ["申请对象", "收费标准", "办理程序"]:
        assert f"缺少“{label}”" in text
    guide = ServiceGuide.objects.get(code="new-guide")
    assert guide.current_version is None
    # The form now edits the saved draft instead of creating it again.
    assert reverse("catalogue:console_guide_edit", args=["new-guide"]) in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_promise_days", "0", "大于0"),
        ("time_promise_days", "-2", "大于0"),
        ("materials", "户口簿 | 原件\n户口簿 | 复印件", "申请材料重复"),
        ("materials", "户口簿 | 扫描件", "第二栏"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_saved(
    county, client_for, field, value, message
):
    client = client_for(county["admin"])
    response = client.post(
        reverse("catalogue:console_guide_new"), {**FORM, field: value, "save": "1"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ServiceGuide.objects.exists()


def test_officer_records_applications_for_own_unit_only(county, client_for):
    guide = published("id-lost", county["admin"])
    client = client_for(county["officer_a"])
    url = reverse("catalogue:console_application_new")
    data = {
        "guide": guide.pk,
        "received_on": "2026-02-12",
        "completed_on": "2026-02-25",
        "visits": "1",
        "steps": "受理:0;制证:4",
    }
    refused = client.post(url, {**data, "unit": county.stb.pk})
    assert refused.status_code == 400
    assert not Application.objects.exists()
    assert client.post(url, {**data, "unit": county.sta.pk}).status_code == 302
    application = Application.objects.get()
    assert (
        application.unit == county.sta
        and application.recorded_by == county["officer_a"]
    )
    assert application.step_timings.count() == 2


def test_import_page_for_supervisor_reports_bad_rows(county, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    published("id-lost", county["admin"])
    url = reverse("catalogue:console_application_import")
    assert client_for(county["officer_a"]).get(url).status_code == 403
    assert client_for(county["leader_a"]).get(url).status_code == 403
    client = client_for(county["supervisor"])
    bad = SimpleUploadedFile(
        "a.csv", "service,received,completed,unit\n不存在,2026-01-05,,sta\n".encode()
    )
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert (
        "第2行" in response.content.decode() and "不存在" in response.content.decode()
    )
    good = SimpleUploadedFile(
        "a.csv", b"service,received,completed,unit\nid-lost,2026-01-05,,sta\n"
    )
    assert client.post(url, {"file": good}).status_code == 302
    assert Application.objects.count() == 1
    # Excel's default for a Chinese CSV is GBK; a binary file gets a plain message.
    gbk = SimpleUploadedFile(
        "gbk.csv",
        "service,received,completed,unit\n户口迁移,2026-01-06,,sta\n".encode("gbk"),
    )
    response = client.post(url, {"file": gbk})
    assert "户口迁移" in response.content.decode()  # read, then refused by row
    assert Application.objects.count() == 1
    junk = SimpleUploadedFile("x.csv", bytes([0x81, 0x30, 0xFF, 0xFE, 0x00]) * 50)
    response = client.post(url, {"file": junk})
    assert "无法识别文件编码" in response.content.decode()
    assert Application.objects.count() == 1


def test_leader_stats_are_scoped_to_the_unit_and_show_slow_steps(county, client_for):
    guide = published("id-lost", county["admin"])
    today = timezone.localdate()
    for unit, steps in [(county.sta, [("制证", 9)]), (county.stb, [("审核", 4)])]:
        services.application_record(
            guide=guide,
            unit=unit,
            received_on=today - dt.timedelta(days=40),
            completed_on=today - dt.timedelta(days=10),
            visits=1,
            steps=steps,
            actor=county["admin"],
        )
    url = reverse("catalogue:console_promise_stats")
    text = client_for(county["leader_a"]).get(url).content.decode()
    assert "甲派出所" in text and "乙派出所" not in text
    assert "制证" in text and "审核" not in text
    all_units = client_for(county["supervisor"]).get(url).content.decode()
    assert "甲派出所" in all_units and "乙派出所" in all_units
    assert client_for(county["officer_a"]).get(url).status_code == 403


@pytest.fixture
def booked(county):
    guide = published("id-lost", county["admin"])
    day = timezone.localdate() + dt.timedelta(days=1)
    from jingmin.core.calendar import is_workday

    while not is_workday(day):
        day += dt.timedelta(days=1)
    for unit in (county.sta, county.stb):
        services.slots_create(
            unit=unit,
            guide=guide,
            window="1号窗口",
            first_day=day,
            days=1,
            times=[(dt.time(9), dt.time(10))],
            capacity=3,
            actor=county["admin"],
        )
    sta_slot = AppointmentSlot.objects.get(unit=county.sta)
    stb_slot = AppointmentSlot.objects.get(unit=county.stb)
    services.appointment_book(slot_id=sta_slot.pk, name="张三丰", phone="13800138000")
    services.appointment_book(slot_id=stb_slot.pk, name="李四光", phone="13900139000")
    return day


def test_day_list_is_scoped_and_masked(county, client_for, booked):
    url = reverse("catalogue:console_appointments")
    text = (
        client_for(county["officer_a"])
        .get(url, {"day": booked.isoformat()})
        .content.decode()
    )
    assert "张**" in text and "138****8000" in text
    assert "张三丰" not in text and "李" not in text
    everything = (
        client_for(county["supervisor"])
        .get(url, {"day": booked.isoformat()})
        .content.decode()
    )
    assert "张**" in everything and "李**" in everything
    for role in ("analyst", "admin", "liaison_a"):
        assert client_for(county[role]).get(url).status_code == 403


def test_revealing_personal_data_is_audited(county, client_for, booked):
    url = reverse("catalogue:console_appointments")
    text = (
        client_for(county["leader_a"])
        .get(url, {"day": booked.isoformat(), "reveal": "1"})
        .content.decode()
    )
    assert "张三丰" in text and "13800138000" in text
    event = AuditEvent.objects.get(action="personal_data.read")
    assert event.actor_id == county["leader_a"].pk
    assert event.changes == {"fields": ["name", "phone"]}


def test_leader_opens_slots_for_own_unit_on_working_days(county, client_for):
    guide = published("id-lost", county["admin"])
    url = reverse("catalogue:console_slots")
    data = {
        "guide": guide.pk,
        "window": "1号窗口",
        "first_day": "2026-02-13",
        "days": "3",  # Fri 13, Sat 14 (调休 working day), Sun 15 (holiday)
        "times": "09:00-10:00，10:00-11:00",
        "capacity": "2",
    }
    client = client_for(county["leader_a"])
    assert client.post(url, {**data, "unit": county.stb.pk}).status_code == 400
    assert (
        client.post(url, {**data, "unit": county.sta.pk, "times": "9点"}).status_code
        == 400
    )
    assert client.post(url, {**data, "unit": county.sta.pk}).status_code == 302
    days = sorted(
        {s.starts_at.date().isoformat() for s in AppointmentSlot.objects.all()}
    )
    assert days == ["2026-02-13", "2026-02-14"]
    assert AppointmentSlot.objects.filter(unit=county.sta).count() == 4
    assert client_for(county["officer_a"]).get(url).status_code == 403


def test_console_cards_for_editors_and_unit_staff(county, booked):
    from jingmin.catalogue.cards import cards

    services.guide_create(
        code="draft", area="hukou", actor=county["admin"], content=content()
    )
    editor = {c.title: c.value for c in cards(county["supervisor"])}
    assert editor["待发布的指南草稿"] == 1
    assert editor["今日预约"] == 0  # the bookings are for a coming working day
    assert cards(county["analyst"]) == []
    assert [c.title for c in cards(county["officer_a"])] == ["今日预约"]

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.urls import reverse

from jingmin.catalogue import services
from jingmin.catalogue.models import DisclosureItem

from .factories import content, published, slots_next_workday

XSS = '<script>alert("x")</script>'


@pytest.fixture
def guides(county):
    admin = county["admin"]
    lost = published("id-lost", admin)
    services.guide_draft_save(
        guide=lost,
        content=content(
            time_promise_days=15,
            conditions="居民身份证丢失的，可在全国任一窗口申请补领",
            change_summary="跨省通办，时限缩短",
            effective_date="2026-03-01",
        ),
        actor=admin,
    )
    services.guide_publish(guide=lost, actor=admin)
    passport = published(
        "passport", admin, area="exit_entry", name="普通护照签发", max_visits=0
    )
    return {"lost": lost, "passport": passport}


def test_list_search_filters_and_pagination(client, guides):
    url = reverse("catalogue:guide_list")
    page = client.get(url).content.decode()
    assert "居民身份证挂失补领" in page and "普通护照签发" in page
    found = client.get(url, {"q": "护照"}).content.decode()
    assert "普通护照签发" in found and "居民身份证挂失补领" not in found
    online = client.get(url, {"visits": "online"}).content.decode()
    assert "普通护照签发" in online and "居民身份证挂失补领" not in online
    area = client.get(url, {"area": "hukou"}).content.decode()
    assert "普通护照签发" not in area
    assert client.get(url, {"page": "99"}).status_code == 200
    assert "没有找到" in client.get(url, {"q": "量子引力"}).content.decode()


def test_detail_shows_the_current_version_and_old_versions_are_marked(client, guides):
    page = client.get(reverse("catalogue:guide_detail", args=["id-lost"]))
    text = page.content.decode()
    assert "第 2 版" in text and "15 个工作日" in text
    old = client.get(reverse("catalogue:guide_version", args=["id-lost", 1]))
    assert "这是历史版本" in old.content.decode()
    assert (
        client.get(reverse("catalogue:guide_version", args=["id-lost", 9])).status_code
        == 404
    )


def test_unpublished_guides_are_not_public(client, county):
    services.guide_create(
        code="secret", area="hukou", actor=county["admin"], content=content()
    )
    assert (
        client.get(reverse("catalogue:guide_detail", args=["secret"])).status_code
        == 404
    )
    assert (
        "secret" not in client.get(reverse("catalogue:open_data_json")).content.decode()
    )


def test_history_and_diff_between_versions(client, guides):
    history = client.get(reverse("catalogue:guide_history", args=["id-lost"]))
    assert "跨省通办，时限缩短" in history.content.decode()
    url = reverse("catalogue:guide_diff", args=["id-lost"])
    text = client.get(url, {"from": 1, "to": 2}).content.decode()
    assert "<del>20</del><ins>15</ins>" in text
    assert "<del>2026-01-01</del><ins>2026-03-01</ins>" in text
    assert "<del>应当</del><ins>可在全国任一窗口</ins>" in text
    assert "承诺时限（工作日）" in text and "收费标准" not in text
    assert client.get(url, {"from": 1, "to": 7}).status_code == 404
    assert client.get(url, {"from": "x"}).status_code == 404


def test_atom_feed_lists_each_published_version(client, guides):
    response = client.get(reverse("catalogue:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed, in a test)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert "居民身份证挂失补领 第2版" in titles
    assert "居民身份证挂失补领 第1版" in titles
    assert len(titles) == 3


def test_open_data_json_equals_the_export_command(client, guides):
    response = client.get(reverse("catalogue:open_data_json"))
    web = json.loads(response.content)
    out = io.StringIO()
    call_command("catalogue_export", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == web
    lost = next(g for g in web if g["code"] == "id-lost")
    assert lost["version"] == 2 and lost["effective_date"] == "2026-03-01"
    assert lost["materials"][0] == {
        "name": "居民户口簿",
        "form": "original",
        "count": 1,
        "online": False,
    }
    assert lost["legal_basis"][0]["article"] == "第十一条"
    assert lost["offices"][0]["name"] == "甲派出所"


def test_open_data_csv_has_every_field(client, guides):
    response = client.get(reverse("catalogue:open_data_csv"))
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["code"] for r in rows} == {"id-lost", "passport"}
    lost = next(r for r in rows if r["code"] == "id-lost")
    assert lost["time_promise_days"] == "15"
    assert "居民户口簿（原件1份）" in lost["materials"]
    out = io.StringIO()
    call_command("catalogue_export", "--format", "csv", stdout=out)
    assert list(csv.DictReader(io.StringIO(out.getvalue()))) == rows


def test_guide_text_is_escaped_everywhere(client, county):
    admin = county["admin"]
    guide = published(
        "xss",
        admin,
        name="补领" + XSS,
        conditions=XSS,
        faqs=[{"question": XSS, "answer": XSS}],
    )
    services.guide_draft_save(
        guide=guide,
        content=content(name="补领" + XSS, conditions="新" + XSS),
        actor=admin,
    )
    services.guide_publish(guide=guide, actor=admin)
    for url in [
        reverse("catalogue:guide_list"),
        reverse("catalogue:guide_detail", args=["xss"]),
        reverse("catalogue:guide_history", args=["xss"]),
        reverse("catalogue:guide_diff", args=["xss"]) + "?from=1&to=2",
    ]:
        body = client.get(url).content.decode()
        assert "<script>alert" not in body, url
        assert "&lt;script&gt;" in body, url
    feed = client.get(reverse("catalogue:feed")).content.decode()
    assert "<script>" not in feed
    client.force_login(admin)
    for url in [
        reverse("catalogue:console"),
        reverse("catalogue:console_guide_edit", args=["xss"]),
    ]:
        body = client.get(url).content.decode()
        assert "<script>alert" not in body, url


def test_disclosure_page_lists_items_with_dates_and_the_benchmark_placeholder(
    client, guides
):
    DisclosureItem.objects.create(
        kind="complaint", title="督察投诉电话", body="0571-86000119"
    )
    text = client.get(reverse("catalogue:disclosure")).content.decode()
    assert "督察投诉电话" in text and "更新于" in text
    assert "裁量基准将在平台录入后立即在此公开" in text
    assert "已公开 2 项" in text


def test_public_promise_page_suppresses_small_counts(client, guides, county, settings):
    import datetime as dt

    from django.utils import timezone

    settings.PUBLIC_MIN_COUNT = 5
    today = timezone.localdate()
    for n in range(5):
        services.application_record(
            guide=guides["lost"],
            unit=county.sta,
            received_on=today - dt.timedelta(days=30 + n),
            completed_on=today - dt.timedelta(days=20),
            visits=1,
            actor=county["admin"],
        )
    services.application_record(
        guide=guides["passport"],
        unit=county.sta,
        received_on=today - dt.timedelta(days=30),
        completed_on=today - dt.timedelta(days=20),
        visits=1,
        actor=county["admin"],
    )
    text = client.get(reverse("catalogue:promise_stats")).content.decode()
    assert "居民身份证挂失补领" in text
    assert "普通护照签发" not in text


@pytest.fixture
def open_slot(county):
    import datetime as dt

    from jingmin.catalogue.models import AppointmentSlot

    slots_next_workday(
        county, times=[(dt.time(9), dt.time(10))], capacity=1, days=5, window="1号窗口"
    )
    return AppointmentSlot.objects.order_by("starts_at").first()


def test_booking_flow_through_the_pages(client, open_slot):
    url = reverse("catalogue:appointment_book")
    page = client.get(url, {"guide": "id-lost"}).content.decode()
    assert f'value="{open_slot.pk}"' in page
    done = client.post(
        url,
        {
            "guide": "id-lost",
            "slot": open_slot.pk,
            "name": "张三",
            "phone": "13800138000",
        },
    )
    assert done.status_code == 200
    code = done.context["code"]
    assert code in done.content.decode()
    assert "13800138000" not in done.content.decode()
    full = client.post(
        url,
        {
            "guide": "id-lost",
            "slot": open_slot.pk,
            "name": "李四",
            "phone": "13900139000",
        },
    )
    assert full.status_code == 409
    text = full.content.decode()
    assert "已约满" in text and "最近的可预约时段" in text
    bad = client.post(
        url, {"guide": "id-lost", "slot": open_slot.pk, "name": "王五", "phone": "123"}
    )
    assert "手机号码" in bad.content.decode()
    cancel = reverse("catalogue:appointment_cancel")
    assert "取消码不正确" in client.post(cancel, {"code": "NOPE"}).content.decode()
    assert "已取消" in client.post(cancel, {"code": code}).content.decode()


def test_disclosure_edits_in_the_admin_are_audited(county, client_for):
    from jingmin.audit.models import AuditEvent

    client = client_for(county["admin"])
    response = client.post(
        reverse("admin:catalogue_disclosureitem_add"),
        {
            "kind": "rule",
            "title": "执法依据目录",
            "body": "……",
            "source": "",
            "position": 0,
        },
    )
    assert response.status_code == 302
    item = DisclosureItem.objects.get()
    event = AuditEvent.objects.get(action="catalogue.disclosure_create")
    assert event.object_id == str(item.pk) and event.actor_id == county["admin"].pk


def test_guide_handled_by_another_body_says_who_to_go_to(client, county):
    guide = services.guide_create(
        code="fire-check",
        area="other",
        actor=county["admin"],
        responsible_department=county.depta,
        content=content(name="消防安全检查", materials=[], steps=[], offices=[]),
    )
    services.guide_publish(guide=guide, actor=county["admin"])
    text = client.get(
        reverse("catalogue:guide_detail", args=["fire-check"])
    ).content.decode()
    assert "由其他部门办理" in text
    assert county.depta.name in text and county.depta.contact_phone in text
    listing = client.get(
        reverse("catalogue:guide_list"), {"area": "other"}
    ).content.decode()
    assert "消防安全检查" in listing
    record = json.loads(client.get(reverse("catalogue:open_data_json")).content)[0]
    assert (
        record["handled_by"] == f"{county.depta.name}（{county.depta.contact_phone}）"
    )


def test_booking_is_rate_limited_per_address(client, open_slot, settings):
    settings.CATALOGUE_BOOKING_RATE = "2/h"
    url = reverse("catalogue:appointment_book")
    statuses = [
        client.post(
            url,
            {
                "guide": "id-lost",
                "slot": open_slot.pk,
                "name": "甲",
                "phone": f"1380000000{n}",
            },
        ).status_code
        for n in range(3)
    ]
    # the first books, the second finds the slot full (409), the third is refused
    assert statuses == [200, 409, 429]


def test_a_version_effective_later_is_announced_not_applied(client, county):
    import datetime as dt

    from django.utils import timezone

    admin = county["admin"]
    guide = published("later", admin, effective_date="2020-01-01")
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    services.guide_draft_save(
        guide=guide,
        content=content(
            time_promise_days=10, effective_date=later, change_summary="缩短"
        ),
        actor=admin,
    )
    services.guide_publish(guide=guide, actor=admin)
    page = client.get(
        reverse("catalogue:guide_detail", args=["later"])
    ).content.decode()
    assert "20 个工作日" in page and "第 1 版" in page
    assert f"将于 {later} 起施行" in page
    new = client.get(
        reverse("catalogue:guide_version", args=["later", 2])
    ).content.decode()
    assert "10 个工作日" in new and "施行前仍按现行版本办理" in new


def test_promise_page_period_choice(client, guides, county):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    for n in range(5):
        services.application_record(
            guide=guides["lost"],
            unit=county.sta,
            received_on=today - dt.timedelta(days=200 + n),
            completed_on=today - dt.timedelta(days=190),
            visits=1,
            actor=county["admin"],
        )
    url = reverse("catalogue:promise_stats")
    assert "居民身份证挂失补领" in client.get(url).content.decode()
    assert "居民身份证挂失补领" not in client.get(url, {"months": "3"}).content.decode()
    assert client.get(url, {"months": "99"}).context["months"] == 12

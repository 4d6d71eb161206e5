"""Scoping of every console view: grants and denials per role."""

import pytest
from django.urls import reverse

from jingmin.appeals import metrics, services
from jingmin.appeals.models import Appeal, ProblemOfMonth, PublishedFigure
from jingmin.audit.models import AuditEvent

from .factories import IN_A, submit

pytestmark = pytest.mark.django_db

ALL = [
    "operator",
    "officer_a",
    "officer_b",
    "leader_a",
    "leader_b",
    "supervisor",
    "liaison_a",
    "liaison_b",
    "analyst",
    "admin",
    "auditor",
]


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("appeals:triage", {"operator", "supervisor"}),
        ("appeals:intake", {"operator", "supervisor"}),
        (
            "appeals:console_list",
            {
                "operator",
                "officer_a",
                "officer_b",
                "leader_a",
                "leader_b",
                "supervisor",
                "liaison_a",
                "liaison_b",
            },
        ),
        ("appeals:dashboard", {"leader_a", "leader_b", "supervisor", "analyst"}),
    ],
)
def test_role_matrix_of_the_console_pages(client_for, county, cats, name, allowed):
    for user in ALL:
        status = client_for(county[user]).get(reverse(name)).status_code
        assert status == (200 if user in allowed else 403), (name, user, status)


def test_anonymous_is_sent_to_login(client, county):
    response = client.get(reverse("appeals:console_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_detail_scoping(client_for, county, cats):
    police = submit(cats.order, point=IN_A).appeal
    forwarded = submit(cats.building).appeal
    url = lambda a: reverse("appeals:console_detail", args=[a.pk])  # noqa: E731
    expectations = {
        "officer_a": (200, 404),
        "leader_a": (200, 404),
        "officer_b": (404, 404),
        "leader_b": (404, 404),
        "liaison_a": (404, 200),
        "liaison_b": (404, 404),
        "operator": (200, 200),
        "supervisor": (200, 200),
        "analyst": (403, 403),
    }
    for user, (p, f) in expectations.items():
        c = client_for(county[user])
        assert c.get(url(police)).status_code == p, user
        assert c.get(url(forwarded)).status_code == f, user


def test_list_shows_only_visible_and_masks_nothing_personal_in_csv(
    client_for, county, cats
):
    a = submit(cats.order, point=IN_A, name="李四").appeal
    f = submit(cats.building).appeal
    page = client_for(county["liaison_a"]).get(reverse("appeals:console_list"))
    numbers = [x.number for x in page.context["page"]]
    assert numbers == [f.number]
    page = client_for(county["officer_b"]).get(reverse("appeals:console_list"))
    assert list(page.context["page"]) == []
    csv = (
        client_for(county["officer_a"])
        .get(reverse("appeals:console_list"), {"format": "csv"})
        .content.decode()
    )
    assert a.number in csv and "13800138000" not in csv and "李四" not in csv
    assert f.number not in csv


def test_list_filters_and_search(client_for, county, cats):
    a = submit(cats.order, point=IN_A, body="楼上装修电钻声").appeal
    submit(cats.order, point=IN_A, body="烧烤油烟")
    c = client_for(county["supervisor"])
    page = c.get(reverse("appeals:console_list"), {"q": "电钻"})
    assert [x.pk for x in page.context["page"]] == [a.pk]
    page = c.get(reverse("appeals:console_list"), {"q": "13800138000"})
    assert page.context["page"].paginator.count == 2
    page = c.get(reverse("appeals:console_list"), {"status": "forwarded"})
    assert page.context["page"].paginator.count == 0


def test_personal_data_masked_until_an_audited_reveal(client_for, county, cats):
    a = submit(cats.order, point=IN_A, name="王小明", phone="13912345678").appeal
    c = client_for(county["officer_a"])
    html = c.get(reverse("appeals:console_detail", args=[a.pk])).content.decode()
    assert "139****5678" in html and "13912345678" not in html and "王小明" not in html
    html = c.post(reverse("appeals:reveal_contact", args=[a.pk])).content.decode()
    assert "13912345678" in html and "王小明" in html
    assert AuditEvent.objects.filter(
        action="personal_data.read", actor_id=county["officer_a"].pk
    ).exists()
    assert (
        client_for(county["officer_b"])
        .post(reverse("appeals:reveal_contact", args=[a.pk]))
        .status_code
        == 404
    )


def test_reveal_refused_to_a_role_without_personal_data(
    client_for, county, cats, monkeypatch
):
    a = submit(cats.order, point=IN_A).appeal
    from jingmin.accounts import scoping

    monkeypatch.setattr(scoping, "may_see_personal_data", lambda user, obj: False)
    c = client_for(county["officer_a"])
    assert c.post(reverse("appeals:reveal_contact", args=[a.pk])).status_code == 403


def act(c, appeal, action, data=None):
    return c.post(reverse("appeals:act", args=[appeal.pk, action]), data or {})


def test_actions_through_the_console(client_for, county, cats):
    a = submit(cats.order, point=IN_A).appeal
    officer = client_for(county["officer_a"])
    assert act(officer, a, "accept").status_code == 302
    assert act(officer, a, "reply_submit", {"body": "已调解"}).status_code == 302
    a.refresh_from_db()
    reply = a.replies.get()
    # an officer cannot approve: 403
    assert (
        act(
            officer, a, "reply_approve", {"reply": reply.pk, "decision": "approve"}
        ).status_code
        == 403
    )
    leader = client_for(county["leader_a"])
    assert (
        act(
            leader,
            a,
            "reply_approve",
            {"reply": reply.pk, "decision": "approve", "body": ""},
        ).status_code
        == 302
    )
    a.refresh_from_db()
    assert a.status == "replied"
    operator = client_for(county["operator"])
    assert (
        act(
            operator, a, "rate", {"resolved": "0", "satisfaction": "dissatisfied"}
        ).status_code
        == 302
    )
    a.refresh_from_db()
    assert a.status == "reopened" and a.unit == county.sta


def test_other_station_gets_404_on_actions(client_for, county, cats):
    a = submit(cats.order, point=IN_A).appeal
    assert act(client_for(county["officer_b"]), a, "accept").status_code == 404
    assert act(client_for(county["liaison_a"]), a, "accept").status_code == 404
    assert act(client_for(county["analyst"]), a, "accept").status_code == 403


def test_wrong_state_is_a_message_not_an_error(client_for, county, cats):
    a = submit(cats.order, point=IN_A).appeal
    c = client_for(county["officer_a"])
    act(c, a, "accept")
    response = c.post(reverse("appeals:act", args=[a.pk, "accept"]), follow=True)
    assert "不能执行" in response.content.decode()


def test_liaison_objection_redirects_to_the_list(client_for, county, cats):
    f = submit(cats.building).appeal
    c = client_for(county["liaison_a"])
    response = act(c, f, "object", {"reason": "属市级权限"})
    assert response["Location"] == reverse("appeals:console_list")
    assert c.get(reverse("appeals:console_detail", args=[f.pk])).status_code == 404


def test_operator_triage_and_duplicate_link(client_for, county, cats):
    original = submit(cats.order, point=IN_A).appeal
    queued = submit(None).appeal
    c = client_for(county["operator"])
    page = c.get(reverse("appeals:triage"))
    assert queued in list(page.context["page"])
    act(
        c,
        queued,
        "route",
        {"triage_class": "already_handled", "original": original.number},
    )
    queued.refresh_from_db()
    assert queued.duplicate_of == original


def test_intake_by_phone_shows_the_code_to_the_operator(client_for, county, cats):
    c = client_for(county["operator"])
    token = c.get(reverse("appeals:intake")).context["form"]["form_token"].value()
    data = {
        "kind": "help",
        "body": "老人走失，求助寻找",
        "category": cats.urgent.pk,
        "urgency": "urgent",
        "lon": "120.15",
        "lat": "30.05",
        "form_token": token,
    }
    response = c.post(reverse("appeals:intake"), data, follow=True)
    appeal = Appeal.objects.get()
    assert appeal.source == "phone" and appeal.unit == county.stb
    assert appeal.number in response.content.decode()
    c.post(reverse("appeals:intake"), data)
    assert Appeal.objects.count() == 1


def test_mediation_button_only_when_the_url_exists(client_for, county, cats):
    from django.urls import NoReverseMatch
    from django.urls import reverse as rev

    a = submit(cats.order, point=IN_A).appeal
    page = client_for(county["officer_a"]).get(
        reverse("appeals:console_detail", args=[a.pk])
    )
    try:
        expected = rev("mediation:dispute_from_appeal", args=[a.pk])
    except NoReverseMatch:
        expected = ""
    assert page.context["mediation_url"] == expected


def test_attachment_is_scoped(client_for, county, cats):
    import io

    from PIL import Image

    from jingmin.core.uploads import image_clean

    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    buf.seek(0)
    a = submit(cats.order, point=IN_A).appeal
    photo = image_clean(buf)
    from jingmin.appeals.services import AppealInput, appeal_submit

    a = appeal_submit(
        data=AppealInput(
            kind="complaint",
            body="有图",
            phone="13800138000",
            lon=120.05,
            lat=30.05,
            category=cats.order,
        ),
        photos=[photo],
    ).appeal
    att = a.attachments.get()
    url = reverse("appeals:attachment", args=[att.pk])
    assert client_for(county["officer_a"]).get(url).status_code == 200
    assert client_for(county["officer_b"]).get(url).status_code == 404


def test_dashboard_exports_and_publish(client_for, county, cats):
    a = submit(cats.order, point=IN_A).appeal
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    metrics.metrics_refresh(full=True)
    c = client_for(county["supervisor"])
    page = c.get(reverse("appeals:dashboard"))
    assert page.context["rows"][0].label == "甲派出所"
    assert "<svg" in page.content.decode()
    csv = c.get(reverse("appeals:dashboard"), {"format": "csv"}).content.decode()
    assert "甲派出所" in csv and "口径 v1" in csv
    xlsx = c.get(reverse("appeals:dashboard"), {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert c.post(reverse("appeals:publish"), {"group_by": "unit"}).status_code == 302
    assert PublishedFigure.objects.count() == 1
    assert (
        client_for(county["leader_a"]).post(reverse("appeals:publish")).status_code
        == 403
    )


def test_problem_of_the_month(client_for, county, cats):
    c = client_for(county["supervisor"])
    c.post(
        reverse("appeals:problem"),
        {
            "month": "2026-11-05",
            "title": "夜间烧烤噪音",
            "owner_unit": county.sta.pk,
            "plan": "联合整治",
        },
    )
    p = ProblemOfMonth.objects.get()
    assert p.month.day == 1
    leader_b = client_for(county["leader_b"])
    assert (
        leader_b.post(
            reverse("appeals:problem"), {"problem": p.pk, "public_result": "x"}
        ).status_code
        == 403
    )
    leader_a = client_for(county["leader_a"])
    leader_a.post(
        reverse("appeals:problem"),
        {"problem": p.pk, "public_result": "已取缔3处", "done": "on"},
    )
    p.refresh_from_db()
    assert p.status == "done" and p.public_result == "已取缔3处"
    assert (
        "已取缔3处"
        in client_for(county["leader_a"])
        .get(reverse("appeals:public_results"))
        .content.decode()
    )


def test_reply_draft_is_saved_then_submitted(client_for, county, cats):
    a = submit(cats.order, point=IN_A).appeal
    officer = client_for(county["officer_a"])
    act(officer, a, "accept")
    act(officer, a, "reply_submit", {"body": "草稿第一版", "submit": "0"})
    page = officer.get(reverse("appeals:console_detail", args=[a.pk]))
    assert page.context["forms"]["reply"].initial["body"] == "草稿第一版"
    assert page.context["d"].pending_reply is None  # the leader sees nothing yet
    act(officer, a, "reply_submit", {"body": "定稿", "submit": "1"})
    reply = a.replies.get()
    assert (reply.status, reply.body) == ("submitted", "定稿")


def test_weekly_trends_scoped_for_leaders_county_wide_for_analysts(county, cats):
    from jingmin.appeals.selectors import trends_weekly

    for _i in range(3):
        submit(cats.order, point=IN_A)
    leader_b = trends_weekly(viewer=county["leader_b"])
    assert leader_b["categories"] == []
    analyst = trends_weekly(viewer=county["analyst"])
    assert [(t.label, t.this_week) for t in analyst["categories"]] == [("噪音扰民", 3)]
    assert analyst["places"][0].this_week == 3


def test_list_filter_by_department(client_for, county, cats):
    f = submit(cats.building).appeal
    submit(cats.market)
    page = client_for(county["supervisor"]).get(
        reverse("appeals:console_list"), {"department": county.depta.pk}
    )
    assert [x.pk for x in page.context["page"]] == [f.pk]


def test_csv_export_shows_labels_not_codes(client_for, county, cats):
    a = submit(cats.order, point=IN_A).appeal
    Appeal.objects.filter(pk=a.pk).update(
        replied_on_time=False, resolved=True, satisfaction="basically"
    )
    csv = (
        client_for(county["supervisor"])
        .get(reverse("appeals:console_list"), {"format": "csv"})
        .content.decode()
    )
    row = next(line for line in csv.splitlines() if a.number in line)
    assert row.endswith(",否,是,基本满意")
    assert "basically" not in csv


def test_a_search_by_phone_number_is_audited_masked(client_for, county, cats):
    submit(cats.order, point=IN_A)
    client = client_for(county["officer_a"])
    client.get(reverse("appeals:console_list"), {"q": "电钻"})
    assert not AuditEvent.objects.filter(action="personal_data.search").exists()
    client.get(reverse("appeals:console_list"), {"q": "13800138000"})
    event = AuditEvent.objects.get(action="personal_data.search")
    assert event.actor_label == "officer_a"
    assert "13800138000" not in str(event.changes)
    assert event.changes["query"].endswith("8000")

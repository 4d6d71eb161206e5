import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jingmin.audit.models import AuditEvent
from jingmin.mediation import services
from jingmin.mediation.models import Dispute, Party

from .helpers import at, make_appeal, register, session_data

D = dt.date


@pytest.fixture
def dispute(county):
    return register(county["officer_a"], threats_violence=True)


def url(name, *args):
    return reverse(f"mediation:{name}", args=args)


# --- scoping -------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["analyst", "liaison_a", "operator", "admin", "auditor"]
)
def test_roles_without_dispute_work_are_denied(county, client_for, dispute, role):
    client = client_for(county[role])
    assert client.get(url("dispute_list")).status_code == 403
    assert client.get(url("dispute_detail", dispute.pk)).status_code == 403


def test_other_station_cannot_read_the_dispute_or_its_parties(
    county, client_for, dispute
):
    client = client_for(county["officer_b"])
    assert client.get(url("dispute_detail", dispute.pk)).status_code == 404
    assert client.get(url("agreement_print", dispute.pk, 1)).status_code == 404
    response = client.get(url("dispute_list"))
    assert dispute.number not in response.content.decode()
    party = dispute.parties.first()
    assert (
        client.post(
            url("party_flag", dispute.pk, party.pk),
            {"flag": "on", "reason": "理由充分"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            url("dispute_override", dispute.pk), {"level": "red", "reason": "理由充分"}
        ).status_code
        == 404
    )
    party.refresh_from_db()
    assert not party.prior_violent


def test_leader_sees_the_units_disputes_and_parties(county, client_for, dispute):
    register(county["officer_b"], lon=120.15, summary="乙所的纠纷")
    client = client_for(county["leader_a"])
    body = client.get(url("dispute_list")).content.decode()
    assert dispute.number in body and "乙所的纠纷" not in body
    assert Dispute.objects.count() == 2
    detail = client.get(url("dispute_detail", dispute.pk)).content.decode()
    assert "张*" in detail and "13800001111" not in detail
    assert not AuditEvent.objects.filter(action="personal_data.read").exists()
    revealed = client.post(url("parties_reveal", dispute.pk)).content.decode()
    assert "张三" in revealed and "13800001111" in revealed
    event = AuditEvent.objects.get(action="personal_data.read")
    assert event.actor_id == county["leader_a"].pk
    assert event.object_id == str(dispute.pk)


def test_supervisor_sees_every_unit(county, client_for, dispute):
    other = register(county["officer_b"], lon=120.15)
    body = client_for(county["supervisor"]).get(url("dispute_list")).content.decode()
    assert dispute.number in body and other.number in body


def test_reveal_is_refused_to_roles_without_personal_data_rights(county, dispute):
    from jingmin.core.exceptions import NotPermitted
    from jingmin.mediation.selectors import parties_masked

    views = parties_masked(dispute)
    assert all(v.masked for v in views)
    assert views[0].name == "张*" and views[0].phone.endswith("1111")
    assert views[0].phone != "13800001111"
    for role in ("analyst", "liaison_a", "officer_b"):
        with pytest.raises(NotPermitted):
            services.parties_reveal(dispute=dispute, actor=county[role])
    assert not AuditEvent.objects.filter(action="personal_data.read").exists()


def test_other_station_cannot_reveal_the_parties(county, client_for, dispute):
    reveal = url("parties_reveal", dispute.pk)
    assert client_for(county["officer_b"]).post(reveal).status_code == 404
    assert client_for(county["analyst"]).post(reveal).status_code == 403
    assert not AuditEvent.objects.filter(action="personal_data.read").exists()


def test_warnings_page_is_for_leaders(county, client_for):
    assert client_for(county["officer_a"]).get(url("warnings")).status_code == 403
    assert client_for(county["leader_a"]).get(url("warnings")).status_code == 200
    response = client_for(county["supervisor"]).post(url("warnings"))
    assert response.status_code == 302


def test_leader_sees_only_own_units_warnings(county, client_for):
    from jingmin.mediation.warnings import warnings_recompute

    for t in (Dispute.Type.DEBT, Dispute.Type.FAMILY, Dispute.Type.OTHER):
        register(county["officer_b"], type=t, lon=120.15, address="")
    warnings_recompute()
    assert (
        "同一当事人"
        not in client_for(county["leader_a"]).get(url("warnings")).content.decode()
    )
    assert (
        "同一当事人"
        in client_for(county["leader_b"]).get(url("warnings")).content.decode()
    )


# --- register, grade, mediate ------------------------------------------------------


def _register_post(**extra):
    form = {
        "type": "neighbour",
        "source": "station",
        "summary": "楼上噪音",
        "address": "测试县甲镇人民路1号",
        "people_count": "2",
        "party-TOTAL_FORMS": "3",
        "party-INITIAL_FORMS": "0",
        "party-0-name": "张三",
        "party-0-kind": "person",
        "party-0-side": "a",
        "party-0-phone": "13800001111",
        "party-1-name": "",
        "party-1-kind": "person",
        "party-1-side": "b",
        "party-2-name": "",
        "party-2-kind": "person",
        "party-2-side": "b",
    }
    form.update(extra)
    return form


def test_register_form_creates_and_grades(county, client_for):
    client = client_for(county["officer_a"])
    assert client.get(url("dispute_register")).status_code == 200
    response = client.post(
        url("dispute_register"), _register_post(threats_violence="on", weapons="on")
    )
    d = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == url(
        "dispute_detail", d.pk
    )
    assert (d.unit, d.level) == (county.sta, "red")
    detail = client.get(url("dispute_detail", d.pk)).content.decode()
    assert "已有威胁或暴力行为" in detail


def test_register_form_refuses_no_parties_and_no_type(county, client_for):
    client = client_for(county["officer_a"])
    body = client.post(
        url("dispute_register"), _register_post(**{"party-0-name": ""})
    ).content.decode()
    assert "至少要有一方当事人" in body
    body = client.post(
        url("dispute_register"), _register_post(type="")
    ).content.decode()
    assert "请选择纠纷类型" in body
    assert not Dispute.objects.exists()


def test_register_form_offers_the_duplicate(county, client_for, dispute):
    client = client_for(county["officer_a"])
    body = client.post(url("dispute_register"), _register_post()).content.decode()
    assert "疑似重复登记" in body and dispute.number in body
    assert Dispute.objects.count() == 1
    response = client.post(url("dispute_register"), _register_post(confirm_new="on"))
    assert response.status_code == 302 and Dispute.objects.count() == 2


def test_override_form_without_reason_shows_the_message(county, client_for, dispute):
    client = client_for(county["leader_a"])
    response = client.post(
        url("dispute_override", dispute.pk), {"level": "red", "reason": ""}, follow=True
    )
    assert "必须写明理由" in response.content.decode()
    dispute.refresh_from_db()
    assert dispute.level == "orange"


def test_full_cycle_through_the_console(county, client_for):
    officer = county["officer_a"]
    d = register(officer, created_at=timezone.now() - dt.timedelta(days=3))
    client = client_for(officer)
    party_ids = [str(p) for p in d.parties.values_list("pk", flat=True)]
    today = timezone.localdate().isoformat()
    response = client.post(
        url("session_add", d.pk),
        {
            "held_on": today,
            "kind": "public_order",
            "mediator1": "王警官",
            "mediator1_kind": "police",
            "mediator2": "",
            "mediator2_kind": "community",
            "mediator3": "",
            "mediator3_kind": "lawyer",
            "attendees": party_ids,
            "outcome": "agreed",
        },
    )
    session = d.sessions.get()
    assert response["Location"].endswith(f"?session={session.pk}")
    response = client.post(
        url("agreement_add", d.pk),
        {"terms": "乙方赔偿甲方500元", "signed_on": today, "session": session.pk},
    )
    assert response.status_code == 302
    agreement = d.agreements.get()
    printed = client.get(url("agreement_print", d.pk, agreement.pk)).content.decode()
    assert (
        "调解协议书" in printed
        and "乙方赔偿甲方500元" in printed
        and "王警官" in printed
    )
    f = d.followups.get()
    client.post(
        url("followup_done", d.pk, f.pk),
        {"done_on": today, "outcome": "stable", "notes": "稳定"},
    )
    client.post(url("dispute_close", d.pk))
    d.refresh_from_db()
    assert d.status == Dispute.Status.CLOSED


def test_followup_list_highlights_overdue(county, client_for):
    officer = county["officer_a"]
    d = register(officer, created_at=at(D(2026, 3, 2)))
    services.agreement_create(
        dispute=d, terms="和解", signed_on=D(2026, 3, 3), actor=officer
    )
    body = client_for(officer).get(url("followups")).content.decode()
    assert "已逾期" in body and d.number in body
    assert (
        d.number
        not in client_for(county["officer_b"]).get(url("followups")).content.decode()
    )


def test_session_form_shows_the_guardian_rule(county, client_for):
    officer = county["officer_a"]
    d = register(officer, parties=[services.PartyData(name="小明", is_minor=True)])
    minor = d.parties.get()
    body = (
        client_for(officer)
        .post(
            url("session_add", d.pk),
            {
                "held_on": timezone.localdate().isoformat(),
                "kind": "public_order",
                "mediator1": "王警官",
                "mediator1_kind": "police",
                "mediator2_kind": "police",
                "mediator3_kind": "police",
                "attendees": [str(minor.pk)],
                "outcome": "failed",
            },
        )
        .content.decode()
    )
    assert "监护人" in body and not d.sessions.exists()


def test_stats_page_and_csv(county, client_for, dispute):
    client = client_for(county["leader_a"])
    body = client.get(url("stats")).content.decode()
    assert "邻里纠纷" in body and "bar w100" in body
    response = client.get(url("stats") + "?group_by=unit&format=csv")
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert text.splitlines()[1].startswith("甲派出所,1,")


def test_rules_and_notifications_pages(county, client_for):
    register(county["officer_a"], threats_violence=True, weapons=True)
    client = client_for(county["leader_a"])
    assert "涉及刀具" in client.get(url("rules")).content.decode()
    assert "红色" in client.get(url("notifications")).content.decode()
    client.post(url("notifications"))
    assert (
        not county["leader_a"]
        .mediation_notifications.filter(read_at__isnull=True)
        .exists()
    )


def test_console_cards(county, client_for, dispute):
    body = (
        client_for(county["leader_a"]).get(reverse("portal:console")).content.decode()
    )
    assert "在调纠纷" in body and "红色（高风险） 0 起" in body
    analyst = client_for(county["analyst"]).get(reverse("portal:console"))
    assert "在调纠纷" not in analyst.content.decode()


# --- link with appeals ----------------------------------------------------------


def test_dispute_from_appeal_in_one_click(county, client_for):
    appeal = make_appeal(
        unit=county.sta,
        phone="13700003333",
        address="测试县甲镇和平路3号",
        body="和邻居因为漏水吵架",
    )
    client = client_for(county["officer_a"])
    assert client.get(url("dispute_from_appeal", appeal.pk)).status_code == 405
    response = client.post(url("dispute_from_appeal", appeal.pk))
    d = Dispute.objects.get()
    assert response["Location"] == url("dispute_detail", d.pk)
    assert (d.appeal, d.source, d.type, d.unit, d.address) == (
        appeal,
        "appeal",
        "neighbour",
        county.sta,
        appeal.address,
    )
    assert list(appeal.disputes.all()) == [d]
    assert d.parties.get().phone == "13700003333"
    # a second click opens the dispute instead of registering it again
    client.post(url("dispute_from_appeal", appeal.pk))
    assert Dispute.objects.count() == 1


def test_dispute_from_appeal_of_another_station_is_404(county, client_for):
    appeal = make_appeal(unit=county.stb, phone="13700003333")
    assert (
        client_for(county["officer_a"])
        .post(url("dispute_from_appeal", appeal.pk))
        .status_code
        == 404
    )
    assert (
        client_for(county["analyst"])
        .post(url("dispute_from_appeal", appeal.pk))
        .status_code
        == 403
    )
    assert not Dispute.objects.exists()


def test_dispute_from_appeal_offers_to_link_a_duplicate(county, client_for):
    existing = register(
        county["officer_a"],
        parties=[services.PartyData(name="赵六", phone="13700003333")],
    )
    appeal = make_appeal(unit=county.sta, phone="13700003333", body="邻居噪音")
    client = client_for(county["officer_a"])
    response = client.post(url("dispute_from_appeal", appeal.pk))
    assert response.status_code == 409 and existing.number in response.content.decode()
    client.post(url("appeal_link", appeal.pk, existing.pk))
    existing.refresh_from_db()
    assert existing.appeal == appeal and Dispute.objects.count() == 1


def test_party_flag_through_the_console(county, client_for, dispute):
    party = dispute.parties.first()
    client = client_for(county["officer_a"])
    client.post(url("party_flag", dispute.pk, party.pk), {"flag": "on", "reason": ""})
    assert not Party.objects.get(pk=party.pk).prior_violent
    client.post(
        url("party_flag", dispute.pk, party.pk),
        {"flag": "on", "reason": "曾因斗殴被处罚"},
    )
    dispute.refresh_from_db()
    assert dispute.level == "red"


def test_second_session_rule_shown_in_form(county, client_for):
    officer = county["officer_a"]
    d = register(officer, created_at=at(D(2026, 2, 10)))
    services.session_record(
        dispute=d, data=session_data(d, D(2026, 2, 12)), actor=officer
    )
    body = (
        client_for(officer)
        .post(
            url("session_add", d.pk),
            {
                "held_on": "2026-03-02",
                "kind": "public_order",
                "mediator1": "王警官",
                "mediator1_kind": "police",
                "mediator2_kind": "police",
                "mediator3_kind": "police",
                "attendees": [str(p) for p in d.parties.values_list("pk", flat=True)],
                "outcome": "failed",
            },
        )
        .content.decode()
    )
    assert "7个工作日" in body


def test_search_by_phone_uses_the_blind_index(county, client_for, dispute):
    other = register(
        county["officer_a"],
        parties=[services.PartyData(name="王五", phone="13600006666")],
    )
    client = client_for(county["officer_a"])
    body = client.get(url("dispute_list"), {"q": "136 0000 6666"}).content.decode()
    assert other.number in body and dispute.number not in body


def test_detail_lists_related_disputes(county, client_for, dispute):
    again = register(county["officer_a"], type=Dispute.Type.DEBT)
    register(
        county["officer_b"], lon=120.15, type=Dispute.Type.FAMILY
    )  # other station: hidden
    body = (
        client_for(county["officer_a"])
        .get(url("dispute_detail", again.pk))
        .content.decode()
    )
    assert "相关纠纷" in body and dispute.number in body
    assert Dispute.objects.filter(unit=county.stb).get().number not in body


def test_leader_filters_the_due_list_by_officer(county, client_for):
    officer = county["officer_a"]
    d = register(officer, created_at=at(D(2026, 3, 2)))
    services.agreement_create(
        dispute=d, terms="和解", signed_on=D(2026, 3, 3), actor=officer
    )
    client = client_for(county["leader_a"])
    body = client.get(url("followups"), {"officer": officer.pk}).content.decode()
    assert d.number in body and "officer_a" in body
    body = client.get(
        url("followups"), {"officer": county["leader_a"].pk}
    ).content.decode()
    assert d.number in body  # not an officer with follow-ups: the filter is ignored


def test_stats_by_month_and_type_count_each_outcome(county):
    from jingmin.mediation.selectors import stats_rows

    officer = county["officer_a"]
    d = register(
        officer, created_at=at(D(2026, 3, 31), hour=23)
    )  # still March in Shanghai
    services.agreement_create(
        dispute=d, terms="和解", signed_on=D(2026, 4, 2), actor=officer
    )
    Dispute.objects.filter(pk=d.pk).update(agreed_at=at(D(2026, 4, 2), hour=23))
    e = register(officer, type=Dispute.Type.DEBT, created_at=at(D(2026, 4, 1)))
    services.dispute_escalation_record(
        dispute=e, kind="criminal", note="", actor=officer
    )
    months = {r["key"]: r for r in stats_rows(county["supervisor"], group_by="month")}
    assert set(months) == {"2026-03", "2026-04"}
    assert (months["2026-03"]["agreed"], months["2026-03"]["median_days"]) == (1, 2.0)
    assert months["2026-04"]["criminal"] == 1
    types = {r["key"]: r for r in stats_rows(county["leader_a"], group_by="type")}
    assert types["债务纠纷"]["registered"] == 1 and types["邻里纠纷"]["agreed"] == 1
    assert stats_rows(county["leader_b"], group_by="unit") == []


def test_edit_and_report_through_the_console(county, client_for, dispute):
    client = client_for(county["officer_a"])
    client.post(
        url("dispute_edit", dispute.pk),
        {"type": "debt", "summary": "借款未还", "address": "测试县甲镇1号"},
    )
    client.post(url("dispute_report", dispute.pk), {"reporter": "甲村调委会"})
    dispute.refresh_from_db()
    assert (dispute.type, dispute.mediator_reported) == ("debt", True)
    assert (
        client_for(county["officer_b"])
        .post(url("dispute_edit", dispute.pk), {"type": "other", "summary": "x"})
        .status_code
        == 404
    )


def test_detail_links_to_the_appeal(county, client_for):
    appeal = make_appeal(unit=county.sta, phone="13700003333")
    client = client_for(county["officer_a"])
    client.post(url("dispute_from_appeal", appeal.pk))
    d = Dispute.objects.get()
    body = client.get(url("dispute_detail", d.pk)).content.decode()
    assert reverse("appeals:console_detail", args=[appeal.pk]) in body


def test_appeal_page_links_its_disputes_for_dispute_roles_only(county, client_for):
    """The appeal's console page: the 'turn into a dispute' button and the links
    to the related disputes are for officers, leaders and supervisors only."""
    appeal = make_appeal(unit=county.sta, phone="13700004444")
    client_for(county["officer_a"]).post(url("dispute_from_appeal", appeal.pk))
    d = Dispute.objects.get()
    page = reverse("appeals:console_detail", args=[appeal.pk])
    for role in ("officer_a", "leader_a", "supervisor"):
        body = client_for(county[role]).get(page).content.decode()
        assert url("dispute_detail", d.pk) in body, role
        assert url("dispute_from_appeal", appeal.pk) in body, role
    body = client_for(county["operator"]).get(page).content.decode()
    assert url("dispute_detail", d.pk) not in body  # it would be a 403
    assert url("dispute_from_appeal", appeal.pk) not in body


@pytest.fixture
def english_client(county, client_for):
    """officer_a with an English page; the test thread goes back to Chinese after
    (a request leaves its language active, and later tests compare Chinese texts)."""
    from django.conf import settings
    from django.utils import translation

    client = client_for(county["officer_a"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.activate(settings.LANGUAGE_CODE)


def test_english_pages_translate_default_levels_and_counts(english_client, dispute):
    detail = english_client.get(url("dispute_detail", dispute.pk)).content.decode()
    assert "high risk)" in detail and "高风险" not in detail
    rules = english_client.get(url("rules")).content.decode()
    assert "Blue (low risk)" in rules and "1 time<" in rules
    assert "（" not in detail.split("<main", 1)[-1].split("<footer", 1)[0]


def test_printed_agreement_names_a_minors_guardian_as_signatory(county, client_for):
    """A minor does not sign the agreement alone: the guardian recorded at the
    session is named, and the signature line is the legal representative's."""
    officer = county["officer_a"]
    d = register(
        officer,
        parties=[
            services.PartyData(name="张小明", is_minor=True),
            services.PartyData(name="李四", phone="13900002222", side="b"),
        ],
    )
    today = timezone.localdate()
    session = services.session_record(
        dispute=d,
        data=session_data(
            d,
            today,
            outcome="agreed",
            guardian_present=True,
            guardian_name="张大明",
        ),
        actor=officer,
    )
    agreement = services.agreement_create(
        dispute=d,
        terms="乙方赔偿甲方500元",
        signed_on=today,
        actor=officer,
        session=session,
    )
    printed = (
        client_for(officer)
        .get(url("agreement_print", d.pk, agreement.pk))
        .content.decode()
    )
    assert "法定代理人（监护人）：张大明" in printed
    assert "法定代理人（签名）" in printed
    assert printed.count("（签名）") == 2

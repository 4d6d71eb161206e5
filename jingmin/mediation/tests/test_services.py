import datetime as dt

import pytest

from jingmin.audit.models import AuditEvent
from jingmin.core.exceptions import Conflict, DomainError, NotPermitted
from jingmin.mediation import services
from jingmin.mediation.models import Dispute, FollowUp, Notification, RiskLevel
from jingmin.mediation.services import PartyData

from .helpers import at, data, register, session_data

D = dt.date


# --- bad input ---------------------------------------------------------------


def test_dispute_without_parties_is_refused(county):
    with pytest.raises(DomainError) as exc:
        register(county["officer_a"], parties=[])
    assert exc.value.field == "parties"
    assert not Dispute.objects.exists()


def test_dispute_without_type_is_refused(county):
    with pytest.raises(DomainError) as exc:
        register(county["officer_a"], type="")
    assert exc.value.field == "type"
    assert "纠纷类型" in str(exc.value)


def test_bad_phone_names_the_party_and_field(county):
    with pytest.raises(DomainError) as exc:
        register(county["officer_a"], parties=[PartyData(name="张三", phone="12345")])
    assert exc.value.field == "phone"
    assert "第1个当事人" in str(exc.value)


def test_bad_id_number_is_refused(county):
    with pytest.raises(DomainError) as exc:
        register(
            county["officer_a"],
            parties=[PartyData(name="张三", id_number="330106199001011234")],
        )
    assert exc.value.field == "id_number"


def test_id_number_and_phone_are_encrypted_with_blind_indexes(county):
    d = register(
        county["officer_a"],
        parties=[
            PartyData(
                name="张三", phone="138-0000-1111", id_number="11010519491231002X"
            )
        ],
    )
    p = d.parties.get()
    assert p.phone == "13800001111" and p.id_number == "11010519491231002X"
    assert p.phone_index and p.id_index
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "select phone, id_number, name from mediation_party where id = %s", [p.pk]
        )
        raw = c.fetchone()
    assert all(v.startswith("enc1:") for v in raw)


def test_mediator_report_needs_a_reporter(county):
    with pytest.raises(DomainError) as exc:
        register(county["officer_a"], source=Dispute.Source.MEDIATOR_REPORT)
    assert exc.value.field == "reporter"


def test_duplicate_registration_is_refused_with_the_candidate(county):
    first = register(county["officer_a"])
    with pytest.raises(services.DuplicateSuspected) as exc:
        register(county["officer_a"], confirm_new=False)
    assert exc.value.candidates == [first]
    assert first.number in str(exc.value)
    # confirmed as new, or of another type, it is registered
    register(county["officer_a"], confirm_new=False, type=Dispute.Type.DEBT)
    register(county["officer_a"], confirm_new=True)
    assert Dispute.objects.count() == 3


def test_officer_registers_only_for_own_unit(county):
    with pytest.raises(NotPermitted):
        register(county["officer_a"], unit=county.stb)
    with pytest.raises(NotPermitted):
        register(county["analyst"], unit=county.sta)


def test_unit_follows_the_location_for_the_supervisor(county):
    d = register(county["supervisor"], lon=120.15, lat=30.05)
    assert d.unit == county.stb


def test_registration_is_audited_without_personal_data(county):
    d = register(county["officer_a"])
    event = AuditEvent.objects.get(action="dispute.register", object_id=str(d.pk))
    text = str(event.changes)
    assert "张三" not in text and "13800001111" not in text
    assert event.changes["parties"] == 2


# --- override ----------------------------------------------------------------


def test_override_without_reason_is_refused(county):
    d = register(county["officer_a"])
    for reason in ("", "   ", "太高"):
        with pytest.raises(DomainError) as exc:
            services.dispute_override(
                dispute=d, level="red", reason=reason, actor=county["leader_a"]
            )
        assert exc.value.field == "reason"
    d.refresh_from_db()
    assert d.level == "blue" and not d.override_level
    assert not AuditEvent.objects.filter(action="dispute.override").exists()


def test_override_is_audited_and_notifies_when_red(county):
    d = register(county["officer_a"])
    services.dispute_override(
        dispute=d,
        level="red",
        reason="一方扬言持刀报复，邻居反映",
        actor=county["leader_a"],
    )
    d.refresh_from_db()
    assert (d.level, d.computed_level, d.override_by) == (
        "red",
        "blue",
        county["leader_a"],
    )
    event = AuditEvent.objects.get(action="dispute.override")
    assert event.actor_id == county["leader_a"].pk
    assert event.changes["level"] == ["blue", "red"]
    assert "扬言持刀报复" in event.changes["reason"]
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "leader_a",
        "supervisor",
    }
    # back to the computed level
    services.dispute_override(
        dispute=d, level="", reason="经核实无持刀情况", actor=county["leader_a"]
    )
    d.refresh_from_db()
    assert d.level == "blue"


def test_override_of_another_units_dispute_is_not_permitted(county):
    d = register(county["officer_a"])
    with pytest.raises(NotPermitted):
        services.dispute_override(
            dispute=d, level="red", reason="理由充分的调整", actor=county["leader_b"]
        )


def test_red_dispute_notifies_unit_leader_and_command_centre_at_once(county):
    d = register(county["officer_a"], threats_violence=True, weapons=True)
    rows = Notification.objects.filter(dispute=d)
    assert set(rows.values_list("recipient__username", flat=True)) == {
        "leader_a",
        "supervisor",
    }
    assert "红色" in rows.first().text


def test_orange_dispute_does_not_notify(county):
    register(county["officer_a"], threats_violence=True)
    assert not Notification.objects.exists()


# --- mediation ----------------------------------------------------------------


FEB_10 = D(2026, 2, 10)


def _old_dispute(county, day=FEB_10, **kw):
    return register(county["officer_a"], created_at=at(day), **kw)


def test_second_public_order_session_within_seven_working_days_across_spring_festival(
    county,
):
    officer = county["officer_a"]
    d = _old_dispute(county)
    services.session_record(
        dispute=d, data=session_data(d, D(2026, 2, 12)), actor=officer
    )
    # 13, 14 (make-up Saturday), 24, 25, 26, 27, 28 (make-up Saturday) = 7 working days
    with pytest.raises(DomainError) as exc:
        services.session_record(
            dispute=d, data=session_data(d, D(2026, 3, 2)), actor=officer
        )
    assert exc.value.code == "second_session_late"
    assert "第8个工作日" in str(exc.value)
    services.session_record(
        dispute=d, data=session_data(d, D(2026, 2, 28)), actor=officer
    )
    with pytest.raises(DomainError) as exc:
        services.session_record(
            dispute=d, data=session_data(d, D(2026, 3, 2)), actor=officer
        )
    assert exc.value.code == "second_session_used"


def test_peoples_mediation_is_not_limited_to_two_sessions(county):
    officer = county["officer_a"]
    d = _old_dispute(county)
    for day in (D(2026, 2, 12), D(2026, 3, 20), D(2026, 4, 20)):
        services.session_record(
            dispute=d, data=session_data(d, day, kind="peoples"), actor=officer
        )
    assert d.sessions.count() == 3


def test_guardian_must_attend_when_a_minor_party_attends(county):
    officer = county["officer_a"]
    d = register(
        officer,
        parties=[
            PartyData(name="小明", is_minor=True),
            PartyData(name="李四", side="b"),
        ],
    )
    today = dt.date.today()
    with pytest.raises(DomainError) as exc:
        services.session_record(dispute=d, data=session_data(d, today), actor=officer)
    assert exc.value.code == "guardian_required"
    with pytest.raises(DomainError):
        services.session_record(
            dispute=d, data=session_data(d, today, guardian_present=True), actor=officer
        )
    adult = d.parties.get(is_minor=False)
    services.session_record(
        dispute=d, data=session_data(d, today, attendee_ids=[adult.pk]), actor=officer
    )
    services.session_record(
        dispute=d,
        data=session_data(
            d, today, kind="peoples", guardian_present=True, guardian_name="王芳"
        ),
        actor=officer,
    )
    assert d.sessions.count() == 2


def test_session_before_registration_or_without_mediator_is_refused(county):
    officer = county["officer_a"]
    d = _old_dispute(county)
    with pytest.raises(DomainError) as exc:
        services.session_record(
            dispute=d, data=session_data(d, D(2026, 2, 9)), actor=officer
        )
    assert exc.value.field == "held_on" and "早于" in str(exc.value)
    with pytest.raises(DomainError) as exc:
        services.session_record(
            dispute=d, data=session_data(d, D(2026, 2, 12), mediators=[]), actor=officer
        )
    assert exc.value.field == "mediators"


def test_followups_by_risk_skip_the_2026_spring_festival(county):
    officer = county["officer_a"]
    d = _old_dispute(county, D(2026, 2, 2), threats_violence=True, weapons=True)
    assert d.level == "red"
    services.agreement_create(
        dispute=d, terms="乙方赔偿甲方1000元", signed_on=D(2026, 2, 9), actor=officer
    )
    due = list(d.followups.values_list("due_on", "channel"))
    # +7 = 16 Feb and +14 = 23 Feb fall in the holiday (15–23 Feb)
    assert due == [
        (D(2026, 2, 24), "visit"),
        (D(2026, 2, 25), "visit"),
        (D(2026, 3, 2), "visit"),
        (D(2026, 3, 9), "visit"),
    ]
    assert set(d.followups.values_list("assigned_to", flat=True)) == {officer.pk}


def test_yellow_followups_are_monthly_by_phone_and_keep_a_make_up_saturday(county):
    officer = county["officer_a"]
    d = _old_dispute(county, D(2026, 1, 5), people_count=6)
    assert d.level == "yellow"
    services.agreement_create(
        dispute=d, terms="双方和解", signed_on=D(2026, 1, 15), actor=officer
    )
    # +30 days = Sat 14 Feb, a make-up working day
    assert list(d.followups.values_list("due_on", "channel")) == [
        (D(2026, 2, 14), "phone"),
        (D(2026, 3, 16), "phone"),
    ]


def test_blue_is_followed_up_once(county):
    d = _old_dispute(county, D(2026, 3, 2))
    services.agreement_create(
        dispute=d, terms="双方和解", signed_on=D(2026, 3, 3), actor=county["officer_a"]
    )
    assert d.followups.count() == RiskLevel.objects.get(code="blue").followup_count == 1


def test_followup_dated_before_the_dispute_is_refused(county):
    officer = county["officer_a"]
    d = _old_dispute(county, D(2026, 3, 2))
    services.agreement_create(
        dispute=d, terms="双方和解", signed_on=D(2026, 3, 3), actor=officer
    )
    with pytest.raises(DomainError) as exc:
        services.followup_add(
            dispute=d, due_on=D(2026, 3, 1), channel="phone", actor=officer
        )
    assert exc.value.field == "due_on" and d.number in str(exc.value)
    f = d.followups.get()
    with pytest.raises(DomainError) as exc:
        services.followup_complete(
            followup=f, done_on=D(2026, 2, 1), outcome="stable", notes="", actor=officer
        )
    assert exc.value.field == "done_on"


def test_dispute_closes_only_after_the_last_followup(county):
    officer = county["officer_a"]
    d = _old_dispute(county, D(2026, 3, 2), threats_violence=True)
    services.agreement_create(
        dispute=d, terms="双方和解", signed_on=D(2026, 3, 3), actor=officer
    )
    followups = list(d.followups.all())
    assert len(followups) == 3
    for f in followups[:-1]:
        services.followup_complete(
            followup=f, done_on=f.due_on, outcome="stable", notes="", actor=officer
        )
        with pytest.raises(Conflict) as exc:
            services.dispute_close(dispute=d, actor=officer)
        assert exc.value.code == "followups_pending"
    services.followup_complete(
        followup=followups[-1],
        done_on=followups[-1].due_on,
        outcome="stable",
        notes="稳定",
        actor=officer,
    )
    services.dispute_close(dispute=d, actor=officer)
    d.refresh_from_db()
    assert d.status == Dispute.Status.CLOSED and d.closed_at


def test_referral_needs_a_failed_session_and_schedules_followups(county):
    officer = county["officer_a"]
    d = _old_dispute(county, D(2026, 3, 2))
    with pytest.raises(DomainError) as exc:
        services.referral_create(
            dispute=d,
            target="court",
            body="县法院",
            reason="调解不成",
            referred_on=D(2026, 3, 3),
            actor=officer,
        )
    assert exc.value.code == "no_failed_session"
    services.session_record(
        dispute=d, data=session_data(d, D(2026, 3, 3)), actor=officer
    )
    services.referral_create(
        dispute=d,
        target="committee",
        body="甲镇人民调解委员会",
        reason="调解不成",
        referred_on=D(2026, 3, 4),
        actor=officer,
    )
    d.refresh_from_db()
    assert d.status == Dispute.Status.REFERRED
    assert d.followups.count() >= 1


def test_reopen_cancels_pending_followups_and_regrades(county):
    officer = county["officer_a"]
    d = _old_dispute(county, D(2026, 3, 2))
    services.agreement_create(
        dispute=d, terms="双方和解", signed_on=D(2026, 3, 3), actor=officer
    )
    with pytest.raises(DomainError):
        services.dispute_reopen(dispute=d, reason="", actor=officer)
    services.dispute_reopen(dispute=d, reason="双方再次争吵", actor=officer)
    d.refresh_from_db()
    assert d.status == Dispute.Status.REOPENED and d.reopen_count == 1
    assert not FollowUp.objects.filter(dispute=d, cancelled=False).exists()
    assert "mediation_failed" in {r["code"] for r in d.risk_reasons}
    # a new round of public-order mediation may start again
    services.session_record(
        dispute=d, data=session_data(d, dt.date.today()), actor=officer
    )


def test_state_machine_refuses_out_of_order_actions(county):
    d = register(county["officer_a"])
    with pytest.raises(Conflict):
        services.dispute_close(dispute=d, actor=county["officer_a"])
    with pytest.raises(Conflict):
        services.dispute_reopen(dispute=d, reason="再次争吵", actor=county["officer_a"])


def test_escalation_is_recorded_by_staff(county):
    d = register(county["officer_a"])
    services.dispute_escalation_record(
        dispute=d, kind="criminal", note="故意伤害立案", actor=county["leader_a"]
    )
    d.refresh_from_db()
    assert d.escalated_to_case == "criminal"
    assert AuditEvent.objects.filter(action="dispute.escalate").exists()
    with pytest.raises(DomainError):
        services.dispute_escalation_record(
            dispute=d, kind="civil", note="", actor=county["leader_a"]
        )


def test_services_accept_data_object(county):
    assert services.dispute_clean(data())[0]["address_key"] == "测试县甲镇人民路1"


def test_red_dispute_is_also_sent_by_email_when_the_leader_has_one(
    county, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_BACKEND = "jingmin.core.notify.FileBackend"
    leader = county["leader_a"]
    leader.email = "suozhang@example.invalid"
    leader.save()
    with django_capture_on_commit_callbacks(execute=True):
        d = register(county["officer_a"], threats_violence=True, weapons=True)
    sent = list((tmp_path / "outbox").glob("*.json"))
    assert len(sent) == 1
    text = sent[0].read_text(encoding="utf-8")
    assert d.number in text and "张三" not in text


def test_update_corrects_the_type_and_place_and_is_audited(county):
    d = register(county["officer_a"])
    services.dispute_update(
        dispute=d,
        type=Dispute.Type.FAMILY,
        summary="夫妻争吵",
        address="测试县甲镇和平路9号",
        lon=None,
        lat=None,
        actor=county["officer_a"],
    )
    d.refresh_from_db()
    assert (d.type, d.address_key, d.unit) == (
        "family",
        "测试县甲镇和平路9",
        county.sta,
    )
    event = AuditEvent.objects.get(action="dispute.update")
    assert event.changes["type"] == ["neighbour", "family"]
    assert "夫妻争吵" not in str(event.changes)
    with pytest.raises(DomainError) as exc:
        services.dispute_update(
            dispute=d,
            type="",
            summary="x",
            address="",
            lon=None,
            lat=None,
            actor=county["officer_a"],
        )
    assert exc.value.field == "type"


def test_mediator_report_on_an_existing_dispute_lifts_it_to_orange(county):
    d = register(county["officer_a"])
    with pytest.raises(DomainError):
        services.dispute_mediator_report(
            dispute=d, reporter=" ", actor=county["officer_a"]
        )
    services.dispute_mediator_report(
        dispute=d, reporter="甲村调委会 王某", actor=county["officer_a"]
    )
    d.refresh_from_db()
    assert d.level == "orange" and "mediator_report" in {
        r["code"] for r in d.risk_reasons
    }
    assert AuditEvent.objects.filter(action="dispute.mediator_report").exists()

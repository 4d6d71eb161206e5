"""Handling after routing: accept, reply, approve, rate, reopen, info, extension,
escalation, duplicates, contact reveal."""

import datetime as dt

import pytest
from django.utils import timezone

from jingmin.appeals import services
from jingmin.appeals.models import Appeal, Extension, FollowUp, Reply
from jingmin.appeals.workflow import TRANSITIONS, allowed_actions, transition_check
from jingmin.audit.models import AuditEvent
from jingmin.core.exceptions import Conflict, DomainError, NotFound, NotPermitted

from .factories import IN_A, submit

S = Appeal.Status
pytestmark = pytest.mark.django_db


def replied(county, cats, **kw):
    a = submit(cats.order, point=IN_A, **kw).appeal
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    reply = services.reply_submit(appeal=a, actor=county["officer_a"], body="已处理。")
    services.reply_approve(reply=reply, actor=county["leader_a"])
    a.refresh_from_db()
    return a


def test_every_transition_is_reachable_and_guarded():
    for action, t in TRANSITIONS.items():
        assert t.sources, action
        assert t.roles, action
    a = Appeal(status=S.CLOSED, number="1")
    with pytest.raises(Conflict):
        transition_check(a, "accept", type("U", (), {"role": "officer"})())
    with pytest.raises(NotPermitted):
        transition_check(a, "accept", None)
    assert "rate" in allowed_actions(Appeal(status=S.REPLIED), None)


def test_accept_reply_approve_and_audit_each_step(county, cats):
    before = AuditEvent.objects.count()
    a = replied(county, cats)
    assert a.status == S.REPLIED and a.accepted_on_time and a.replied_on_time
    assert a.events.filter(public=True, public_text="已处理。").exists()
    actions = list(
        AuditEvent.objects.filter(seq__gt=before, object_id=str(a.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "appeal.submit",
        "appeal.route",
        "appeal.accept",
        "appeal.reply_submit",
        "appeal.reply_approve",
    ]


def test_officer_cannot_approve_and_other_station_leader_cannot_see(county, cats):
    a = submit(cats.order, point=IN_A).appeal
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    reply = services.reply_submit(appeal=a, actor=county["officer_a"], body="答复")
    with pytest.raises(NotPermitted):
        services.reply_approve(reply=reply, actor=county["officer_a"])
    with pytest.raises(NotFound):
        services.reply_approve(reply=reply, actor=county["leader_b"])
    with pytest.raises(NotFound):
        services.appeal_accept(appeal=a, actor=county["officer_b"])


def test_leader_returns_a_reply_for_rework(county, cats):
    a = submit(cats.order, point=IN_A).appeal
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    reply = services.reply_submit(appeal=a, actor=county["officer_a"], body="答复")
    services.reply_return(reply=reply, actor=county["leader_a"], note="请写明处理结果")
    reply.refresh_from_db()
    assert reply.status == Reply.Status.RETURNED
    a.refresh_from_db()
    assert a.status == S.ACCEPTED


def test_late_reply_is_not_on_time(county, cats):
    a = submit(cats.order, point=IN_A).appeal
    Appeal.objects.filter(pk=a.pk).update(
        reply_due=timezone.now() - dt.timedelta(hours=1),
        accept_due=timezone.now() - dt.timedelta(hours=1),
    )
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    reply = services.reply_submit(appeal=a, actor=county["officer_a"], body="迟复")
    services.reply_approve(reply=reply, actor=county["leader_a"])
    a.refresh_from_db()
    assert a.replied_on_time is False and a.accepted_on_time is False


def test_resolved_rating_closes(county, cats):
    a = replied(county, cats)
    services.appeal_rate(appeal=a, resolved=True, satisfaction="satisfied")
    a.refresh_from_db()
    assert a.status == S.CLOSED and a.closed_at
    with pytest.raises(Conflict):
        services.appeal_rate(appeal=a, resolved=True, satisfaction="satisfied")


def test_unresolved_rating_reopens_to_the_same_unit_with_history(county, cats):
    a = replied(county, cats)
    services.appeal_rate(appeal=a, resolved=False, satisfaction="dissatisfied")
    a.refresh_from_db()
    assert (a.status, a.unit, a.reopen_count) == (S.REOPENED, county.sta, 1)
    assert a.reply_due > timezone.now()
    assert a.events.filter(action="reply_approve").exists()
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    reply = services.reply_submit(appeal=a, actor=county["officer_a"], body="再次处理")
    services.reply_approve(reply=reply, actor=county["leader_a"])
    services.appeal_rate(
        appeal=a, resolved=True, satisfaction="basically", actor=county["operator"]
    )
    assert FollowUp.objects.filter(appeal=a).count() == 2
    assert FollowUp.objects.filter(appeal=a).last().channel == "phone"


def test_rating_needs_a_valid_satisfaction_and_a_reply(county, cats):
    a = replied(county, cats)
    with pytest.raises(DomainError):
        services.appeal_rate(appeal=a, resolved=True, satisfaction="great")
    b = submit(cats.order).appeal
    with pytest.raises(Conflict):
        services.appeal_rate(appeal=b, resolved=True, satisfaction="satisfied")


def test_request_info_pauses_and_resumes_the_clock(county, cats):
    a = submit(cats.order, point=IN_A).appeal
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    a.refresh_from_db()
    due = a.reply_due
    services.appeal_request_info(
        appeal=a, actor=county["officer_a"], question="请提供具体门牌号"
    )
    a.refresh_from_db()
    assert a.status == S.INFO_REQUESTED and a.info_due
    Appeal.objects.filter(pk=a.pk).update(
        paused_at=timezone.now() - dt.timedelta(hours=5)
    )
    services.appeal_provide_info(appeal=a, text="人民路12号")
    a.refresh_from_db()
    assert a.status == S.ACCEPTED
    assert a.paused_seconds >= 5 * 3600 - 5
    assert a.reply_due - due >= dt.timedelta(hours=5) - dt.timedelta(seconds=5)


def test_request_info_is_refused_without_contact(county, cats):
    a = submit(cats.tip, kind="report", phone="").appeal
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    with pytest.raises(Conflict):
        services.appeal_request_info(appeal=a, actor=county["officer_a"], question="?")


def test_extension_needs_reason_and_leader_approval(county, cats):
    a = submit(cats.order, point=IN_A).appeal
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    with pytest.raises(DomainError):
        services.extension_request(
            appeal=a, actor=county["officer_a"], reason="", working_days=3
        )
    ext = services.extension_request(
        appeal=a, actor=county["officer_a"], reason="需现场勘查", working_days=3
    )
    with pytest.raises(NotPermitted):
        services.extension_decide(
            extension=ext, actor=county["officer_a"], approve=True
        )
    with pytest.raises(NotFound):
        services.extension_decide(extension=ext, actor=county["leader_b"], approve=True)
    a.refresh_from_db()
    old = a.reply_due
    services.extension_decide(extension=ext, actor=county["leader_a"], approve=True)
    a.refresh_from_db()
    ext.refresh_from_db()
    assert ext.status == Extension.Status.APPROVED and a.reply_due > old
    assert a.events.filter(action="extend_decide", public=True).exists()


def test_escalation_flags_overdue_once_and_closes_stale(county, cats):
    late = submit(cats.order, point=IN_A).appeal
    fine = submit(cats.order, point=IN_A).appeal
    Appeal.objects.filter(pk=late.pk).update(
        accept_due=timezone.now() - dt.timedelta(minutes=1)
    )
    info = submit(cats.order, point=IN_A).appeal
    services.appeal_accept(appeal=info, actor=county["officer_a"])
    services.appeal_request_info(appeal=info, actor=county["officer_a"], question="?")
    Appeal.objects.filter(pk=info.pk).update(
        info_due=timezone.now() - dt.timedelta(minutes=1)
    )
    done = replied(county, cats)
    Appeal.objects.filter(pk=done.pk).update(
        close_due=timezone.now() - dt.timedelta(minutes=1)
    )
    result = services.appeals_escalate()
    assert (result.escalated, result.info_closed, result.closed_unrated) == (1, 1, 1)
    late.refresh_from_db()
    fine.refresh_from_db()
    assert late.escalated_at and fine.escalated_at is None
    assert services.appeals_escalate().escalated == 0
    info.refresh_from_db()
    done.refresh_from_db()
    assert info.status == S.CLOSED and done.status == S.CLOSED


def test_escalation_command(county, cats):
    from io import StringIO

    from django.core.management import call_command

    a = submit(cats.order, point=IN_A).appeal
    Appeal.objects.filter(pk=a.pk).update(
        reply_due=timezone.now() - dt.timedelta(minutes=1)
    )
    out = StringIO()
    call_command("appeals_escalate", stdout=out)
    assert "1" in out.getvalue()
    a.refresh_from_db()
    assert a.escalated_at is not None


def test_one_reply_serves_linked_duplicates(county, cats):
    original = submit(cats.order, point=IN_A).appeal
    dup = submit(cats.order, point=IN_A).appeal
    services.appeal_link_duplicate(
        appeal=dup, original=original, actor=county["operator"]
    )
    services.appeal_accept(appeal=original, actor=county["officer_a"])
    reply = services.reply_submit(
        appeal=original, actor=county["officer_a"], body="已统一处理"
    )
    services.reply_approve(reply=reply, actor=county["leader_a"])
    dup.refresh_from_db()
    assert dup.status == S.REPLIED
    assert dup.replies.get().body == "已统一处理"


def test_contact_reveal_is_audited_and_refused_to_analyst(county, cats):
    a = submit(cats.order, point=IN_A, name="张三").appeal
    data = services.appeal_contact_reveal(appeal=a, actor=county["officer_a"])
    assert data["phone"] == "13800138000" and data["name"] == "张三"
    assert AuditEvent.objects.filter(
        action="personal_data.read", object_id=str(a.pk)
    ).exists()
    with pytest.raises(NotPermitted):
        services.appeal_contact_reveal(appeal=a, actor=county["analyst"])
    with pytest.raises(NotPermitted):
        services.appeal_contact_reveal(appeal=a, actor=county["officer_b"])

"""An appeal waiting for triage (待分拨) has a clock: a triage deadline by urgency,
escalation when it passes, the queue sorted urgent-first then by that deadline.
An objection sends an appeal back there with nothing of the returned dispatch
left standing (ADR 120)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jingmin.appeals import deadlines, selectors, services
from jingmin.appeals.models import Appeal, Urgency
from jingmin.audit.models import AuditEvent
from jingmin.core.calendar import SHANGHAI

from .factories import IN_A, submit

S = Appeal.Status
pytestmark = pytest.mark.django_db


def objected(county, cats):
    a = submit(cats.building, phone="13912345678").appeal
    assert a.status == S.FORWARDED and "转交" in a.triage_explanation
    services.appeal_object(
        appeal=a, actor=county["liaison_a"], reason="该工地属市级项目，由市住建局监管"
    )
    a.refresh_from_db()
    return a


# --- objection: no stale explanation or deadline ----------------------------


def test_objection_resets_the_forward_explanation_and_its_deadlines(county, cats):
    a = objected(county, cats)
    assert (a.status, a.forwarded_to, a.unit) == (S.TRIAGED, None, None)
    assert a.triage_class == ""
    text = a.triage_explanation
    assert "转交" not in text and "由该部门直接答复" not in text
    assert county.depta.name in text and "重新确定承办单位" in text
    assert (a.dispatched_at, a.accept_due, a.reply_due, a.close_due) == (None,) * 4
    assert a.objection_due is None and a.escalated_at is None
    assert a.triage_due is not None and a.triage_due > timezone.now()


def test_tracking_page_after_an_objection_tells_the_truth(client, county, cats):
    code = submit(cats.building).tracking_code
    a = Appeal.objects.get(number=code.split("-")[0])
    services.appeal_object(appeal=a, actor=county["liaison_a"], reason="不是我们的")
    a.refresh_from_db()
    view = selectors.public_view(a)
    assert view["status"] == S.TRIAGED
    assert view["reply_due"] is None and view["handler"] == ""
    page = client.post(reverse("appeals:track"), {"code": code})
    html = page.content.decode()
    assert "由该部门直接答复您" not in html.split("办理过程")[0]
    assert "答复期限：" not in html and "重新确定承办单位" in html


def test_objection_audit_event_records_the_reset(county, cats):
    a = submit(cats.building).appeal
    old_reply_due = a.reply_due
    services.appeal_object(appeal=a, actor=county["liaison_a"], reason="不是我们的")
    event = AuditEvent.objects.filter(action="appeal.object", object_id=str(a.pk)).get()
    reset = event.changes["reset"]
    assert reset["triage_class"] == "other_department"
    assert reset["reply_due"] == old_reply_due.isoformat()
    assert reset["objection_due"] and reset["accept_due"]
    assert event.changes["triage_due"]


def test_redispatch_after_an_objection_writes_a_new_explanation(county, cats):
    a = objected(county, cats)
    services.appeal_designate(appeal=a, actor=county["supervisor"], unit=county.sta)
    a.refresh_from_db()
    assert (a.status, a.triage_class, a.triage_due) == (S.ASSIGNED, "police_duty", None)
    assert county.sta.name in a.triage_explanation and a.reply_due is not None


def test_redispatch_while_waiting_for_the_citizen_drops_the_info_clock(county, cats):
    a = submit(cats.order, point=IN_A).appeal
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    services.appeal_request_info(appeal=a, actor=county["officer_a"], question="?")
    services.appeal_redispatch(appeal=a, actor=county["supervisor"], unit=county.stb)
    a.refresh_from_db()
    assert (a.status, a.unit) == (S.ASSIGNED, county.stb)
    assert a.info_due is None and a.paused_at is None


# --- the triage clock -------------------------------------------------------


def test_triage_deadlines_by_urgency():
    # Friday 16:30: urgent and utilities count clock hours, others office hours
    friday = dt.datetime(2026, 11, 27, 16, 30, tzinfo=SHANGHAI)
    assert deadlines.triage_due(friday, Urgency.URGENT) == friday + dt.timedelta(
        hours=1
    )
    assert deadlines.triage_due(friday, Urgency.UTILITIES) == friday + dt.timedelta(
        hours=2
    )
    monday = dt.datetime(2026, 11, 30, 11, 30, tzinfo=SHANGHAI)
    assert deadlines.triage_due(friday, Urgency.ORDINARY) == monday
    assert deadlines.triage_due(friday, Urgency.COMPLEX) == monday


def test_triage_deadlines_can_be_configured(settings):
    settings.APPEALS_TRIAGE_DEFAULTS = {
        Urgency.URGENT: (30, "hours"),
        Urgency.ORDINARY: (1, "working_days"),
    }
    start = dt.datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
    assert deadlines.triage_due(start, Urgency.URGENT) == start + dt.timedelta(hours=30)
    # an urgency missing from the setting takes the ordinary limit
    assert deadlines.triage_due(start, Urgency.COMPLEX) == dt.datetime(
        2026, 11, 30, 17, 30, tzinfo=SHANGHAI
    )


def test_urgent_phone_intake_waiting_for_triage_gets_an_hour(county, cats):
    before = timezone.now()
    a = submit(
        None,
        body="我家老人早上出门至今未归，有老年痴呆",
        urgency=Urgency.URGENT,
        source=Appeal.Source.PHONE,
    ).appeal
    after = timezone.now()
    assert a.status == S.TRIAGED and a.urgency == Urgency.URGENT
    assert (
        before + dt.timedelta(hours=1) <= a.triage_due <= after + dt.timedelta(hours=1)
    )
    assert a.events.filter(action="queue").exists()


def test_routing_stops_the_triage_clock(county, cats):
    a = submit(None).appeal
    assert a.triage_due is not None
    services.appeal_triage(
        appeal=a,
        actor=county["operator"],
        triage_class="police_duty",
        category=cats.order,
    )
    a.refresh_from_db()
    assert a.status == S.ASSIGNED and a.triage_due is None


def test_overdue_triage_escalates_once(county, cats):
    waiting = submit(None, urgency=Urgency.URGENT).appeal
    fresh = submit(None).appeal
    returned = objected(county, cats)
    past = timezone.now() - dt.timedelta(minutes=1)
    Appeal.objects.filter(pk__in=[waiting.pk, returned.pk]).update(triage_due=past)
    result = services.appeals_escalate()
    assert result.escalated == 2
    for a in (waiting, fresh, returned):
        a.refresh_from_db()
    assert waiting.escalated_at and returned.escalated_at and not fresh.escalated_at
    event = AuditEvent.objects.filter(
        action="appeal.escalate", object_id=str(waiting.pk)
    ).get()
    assert event.changes["overdue"] == "triage"
    assert services.appeals_escalate().escalated == 0
    # the supervisor's list of escalated appeals holds them
    overdue = set(selectors.overdue_for(viewer=county["supervisor"]))
    assert {waiting, returned} <= overdue
    # routing clears the flag and the clock
    services.appeal_designate(
        appeal=waiting, actor=county["supervisor"], unit=county.sta
    )
    waiting.refresh_from_db()
    assert waiting.escalated_at is None and waiting.triage_due is None


def test_an_objection_restarts_the_escalation(county, cats):
    a = submit(cats.building).appeal
    Appeal.objects.filter(pk=a.pk).update(
        accept_due=timezone.now() - dt.timedelta(minutes=1)
    )
    assert services.appeals_escalate().escalated == 1
    services.appeal_object(appeal=a, actor=county["liaison_a"], reason="不是我们的")
    a.refresh_from_db()
    assert a.escalated_at is None and a.triage_due is not None
    Appeal.objects.filter(pk=a.pk).update(
        triage_due=timezone.now() - dt.timedelta(minutes=1)
    )
    assert services.appeals_escalate().escalated == 1


# --- the queue --------------------------------------------------------------


def test_queue_puts_urgent_first_then_the_earliest_deadline(county, cats):
    first_in = submit(None).appeal
    later = submit(None).appeal
    urgent = submit(None, urgency=Urgency.URGENT).appeal
    soon = timezone.now() + dt.timedelta(minutes=5)
    Appeal.objects.filter(pk=later.pk).update(triage_due=soon)
    queue = list(selectors.triage_queue_for(viewer=county["operator"]))
    assert queue[:3] == [urgent, later, first_in]


def test_queue_page_shows_urgency_and_due_time(client_for, county, cats):
    urgent = submit(None, urgency=Urgency.URGENT).appeal
    overdue = submit(None).appeal
    Appeal.objects.filter(pk=overdue.pk).update(
        triage_due=timezone.now() - dt.timedelta(minutes=1)
    )
    page = client_for(county["operator"]).get(reverse("appeals:triage"))
    html = page.content.decode()
    assert "紧急程度" in html and "分拨期限" in html and "紧急" in html
    due = timezone.localtime(urgent.triage_due).strftime("%m-%d %H:%M")
    assert due in html
    assert html.index(urgent.number) < html.index(overdue.number)
    assert 'class="overdue"' in html


def test_migration_starts_the_clock_of_appeals_already_waiting(county, cats):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("jingmin.appeals.migrations.0006_triage_due")
    ordinary = submit(None).appeal
    urgent = submit(None, urgency=Urgency.URGENT).appeal
    routed = submit(cats.order, point=IN_A).appeal
    Appeal.objects.update(triage_due=None)
    migration.start_clocks(apps, None)
    for a in (ordinary, urgent, routed):
        a.refresh_from_db()
    assert ordinary.triage_due == ordinary.updated_at + dt.timedelta(days=1)
    assert urgent.triage_due == urgent.updated_at + dt.timedelta(hours=1)
    assert routed.triage_due is None


def test_detail_page_shows_the_triage_deadline(client_for, county, cats):
    a = submit(None, urgency=Urgency.URGENT).appeal
    url = reverse("appeals:console_detail", args=[a.pk])
    html = client_for(county["operator"]).get(url).content.decode()
    due = timezone.localtime(a.triage_due).strftime("%Y-%m-%d %H:%M")
    assert "分拨期限" in html and due in html

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from jingmin.audit.models import AuditEvent
from jingmin.catalogue import services
from jingmin.catalogue.models import (
    Application,
    Appointment,
    AppointmentSlot,
    GuideVersion,
    SearchToken,
)
from jingmin.core.calendar import SHANGHAI
from jingmin.core.exceptions import Conflict, DomainError, ImportFailed

from .factories import content, published


@pytest.fixture
def admin(county):
    return county["admin"]


def test_publish_makes_numbered_immutable_versions(admin):
    guide = published("id-lost", admin)
    assert guide.current_version.number == 1
    services.guide_draft_save(
        guide=guide,
        content=content(time_promise_days=15, change_summary="时限缩短"),
        actor=admin,
    )
    guide.refresh_from_db()
    # Editing the draft leaves the public version alone until publishing.
    assert guide.current_version.time_promise_days == 20
    assert guide.draft_changed is True
    v2 = services.guide_publish(guide=guide, actor=admin)
    guide.refresh_from_db()
    assert (v2.number, guide.current_version_id, guide.draft_changed) == (
        2,
        v2.pk,
        False,
    )
    assert list(guide.versions.values_list("number", "time_promise_days")) == [
        (1, 20),
        (2, 15),
    ]
    assert v2.published_by == admin
    with pytest.raises(ValueError, match="immutable"):
        v2.save()


def test_each_publish_is_one_audit_event_with_version_and_summary(admin):
    guide = published("id-lost", admin)
    events = AuditEvent.objects.filter(action="catalogue.guide_publish")
    assert events.count() == 1
    event = events.get()
    assert event.object_id == str(guide.pk)
    assert event.changes["version"] == 1
    assert event.changes["summary"] == "首次发布"


def test_publish_refused_names_every_missing_part_and_saves_nothing(admin):
    guide = services.guide_create(
        code="half",
        area="hukou",
        actor=admin,
        content=content(applicants="", fees="", faqs=[], legal_basis=[]),
    )
    with pytest.raises(services.PublishRefused) as err:
        services.guide_publish(guide=guide, actor=admin)
    fields = [f for f, _m in err.value.problems]
    assert fields == ["legal_basis", "applicants", "fees"]
    assert "申请对象" in str(err.value) and "收费标准" in str(err.value)
    assert not GuideVersion.objects.exists()
    assert not AuditEvent.objects.filter(action="catalogue.guide_publish").exists()


def test_unknown_office_unit_blocks_publishing(admin):
    guide = services.guide_create(
        code="x",
        area="hukou",
        actor=admin,
        content=content(offices=[{"unit": "nowhere", "hours": ""}]),
    )
    with pytest.raises(services.PublishRefused, match="nowhere"):
        services.guide_publish(guide=guide, actor=admin)


def test_offices_are_snapshotted_from_the_unit(admin, county):
    guide = published("id-lost", admin)
    (office,) = guide.current_version.offices
    assert office["name"] == county.sta.name
    assert office["hours"] == "工作日 8:30-17:00"


@pytest.mark.parametrize("days", [0, -1])
def test_bad_time_promise_refused_on_save_and_by_the_database(admin, days):
    guide = published("id-lost", admin)
    with pytest.raises(DomainError, match="大于0"):
        services.guide_draft_save(
            guide=guide, content=content(time_promise_days=days), actor=admin
        )
    with pytest.raises(IntegrityError):
        GuideVersion.objects.filter(pk=guide.current_version_id).update(
            time_promise_days=0
        )


def test_duplicate_materials_refused_on_create(admin):
    twice = content()["materials"][:1] * 2
    with pytest.raises(DomainError, match="申请材料重复"):
        services.guide_create(
            code="dup", area="hukou", actor=admin, content=content(materials=twice)
        )


def test_search_index_follows_the_published_version_only(admin):
    guide = published("id-lost", admin)
    assert SearchToken.objects.filter(guide=guide, token="身份证").exists()
    assert SearchToken.objects.filter(guide=guide, token="sfz").exists()
    services.guide_draft_save(
        guide=guide, content=content(name="护照补发"), actor=admin
    )
    assert not SearchToken.objects.filter(guide=guide, token="护照").exists()
    services.guide_publish(guide=guide, actor=admin)
    assert SearchToken.objects.filter(guide=guide, token="护照").exists()


# ---------------------------------------------------------------- applications

CSV_OK = (
    "service,received,completed,unit,visits,steps\n"
    "id-lost,2026-02-12,2026-02-25,sta,1,受理:0;制证:4\n"
    "居民身份证挂失补领,2026-03-02,,stb,,\n"
)


def test_import_applications_by_code_or_name(admin, county):
    published("id-lost", admin)
    assert services.applications_import(text=CSV_OK, actor=admin) == 2
    first, second = Application.objects.order_by("received_on")
    assert (first.unit, first.completed_on, first.visits) == (
        county.sta,
        dt.date(2026, 2, 25),
        1,
    )
    assert list(first.step_timings.values_list("name", "working_days")) == [
        ("受理", 0),
        ("制证", 4),
    ]
    assert second.completed_on is None and second.unit == county.stb


def test_import_is_all_or_nothing_and_names_each_bad_row(admin):
    published("id-lost", admin)
    text = CSV_OK + (
        "没有这个事项,2026-03-02,2026-03-03,sta,1,\n"
        "id-lost,2026-03-05,2026-03-01,sta,1,\n"
        "id-lost,not-a-date,,nowhere,x,审核\n"
    )
    with pytest.raises(ImportFailed) as err:
        services.applications_import(text=text, actor=admin)
    errors = err.value.errors
    assert ("第4行", "service", "未知的办事事项“没有这个事项”") in errors
    assert ("第5行", "completed", "办结日期早于受理日期") in errors
    assert {f for r, f, _m in errors if r == "第6行"} == {
        "received",
        "unit",
        "visits",
        "steps",
    }
    assert not Application.objects.exists()


def test_import_without_required_columns_is_refused(admin):
    with pytest.raises(ImportFailed, match="completed"):
        services.applications_import(text="service,received,unit\n", actor=admin)


def test_record_application_checks_dates_and_publication(admin, county):
    guide = published("id-lost", admin)
    with pytest.raises(DomainError, match="办结日期不能早于受理日期"):
        services.application_record(
            guide=guide,
            unit=county.sta,
            received_on=dt.date(2026, 3, 5),
            completed_on=dt.date(2026, 3, 4),
            visits=1,
            actor=admin,
        )
    draft_only = services.guide_create(
        code="draft", area="hukou", actor=admin, content=content()
    )
    with pytest.raises(DomainError, match="尚未发布"):
        services.application_record(
            guide=draft_only,
            unit=county.sta,
            received_on=dt.date(2026, 3, 5),
            completed_on=None,
            visits=1,
            actor=admin,
        )
    assert not Application.objects.exists()


# ---------------------------------------------------------------- appointments


def next_workdays(n):
    from jingmin.core.calendar import is_workday

    day, found = timezone.localdate(), []
    while len(found) < n:
        day += dt.timedelta(days=1)
        if is_workday(day):
            found.append(day)
    return found


@pytest.fixture
def slot(admin, county):
    guide = published("id-lost", admin)
    services.slots_create(
        unit=county.sta,
        guide=guide,
        window="1号窗口",
        first_day=timezone.localdate() + dt.timedelta(days=1),
        days=10,
        times=[(dt.time(9), dt.time(10)), (dt.time(10), dt.time(11))],
        capacity=2,
        actor=admin,
    )
    return AppointmentSlot.objects.order_by("starts_at").first()


def test_slots_are_opened_on_working_days_only(slot):
    days = {
        s.starts_at.astimezone(SHANGHAI).date() for s in AppointmentSlot.objects.all()
    }
    from jingmin.core.calendar import is_workday

    assert days and all(is_workday(d) for d in days)
    assert AppointmentSlot.objects.count() == 2 * len(days)


def test_slots_are_not_opened_during_the_spring_festival(admin, county):
    guide = published("id-lost", admin)
    made = services.slots_create(
        unit=county.sta,
        guide=guide,
        window="1",
        first_day=dt.date(2026, 2, 14),
        days=10,  # 14 Feb (调休 Saturday) … 23 Feb (holiday)
        times=[(dt.time(9), dt.time(10))],
        capacity=1,
        actor=admin,
    )
    assert made == 1
    assert AppointmentSlot.objects.get().starts_at.date() == dt.date(2026, 2, 14)


def test_book_then_cancel_with_the_code(slot):
    appointment, code = services.appointment_book(
        slot_id=slot.pk, name="张三", phone="13800138000"
    )
    assert len(code) == 10 and code not in appointment.cancel_digest
    stored = Appointment.objects.get()
    assert stored.phone == "13800138000"
    assert AuditEvent.objects.filter(action="catalogue.appointment_book").exists()
    assert "13800138000" not in str(
        AuditEvent.objects.filter(action="catalogue.appointment_book").get().changes
    )
    with pytest.raises(DomainError, match="取消码不正确"):
        services.appointment_cancel(code="WRONGCODE1")
    cancelled = services.appointment_cancel(code=code.lower())
    assert cancelled.status == Appointment.Status.CANCELLED
    with pytest.raises(Conflict, match="已经取消"):
        services.appointment_cancel(code=code)


def test_overbooking_is_refused_with_the_next_free_slots(slot):
    services.appointment_book(slot_id=slot.pk, name="甲", phone="13800000001")
    services.appointment_book(slot_id=slot.pk, name="乙", phone="13800000002")
    with pytest.raises(services.SlotFull) as err:
        services.appointment_book(slot_id=slot.pk, name="丙", phone="13800000003")
    assert "约满" in str(err.value)
    assert len(err.value.alternatives) == 3
    assert all(s.starts_at > slot.starts_at for s in err.value.alternatives)
    assert slot.appointments.count() == 2


def test_a_cancelled_place_can_be_booked_again(slot):
    _a, code = services.appointment_book(
        slot_id=slot.pk, name="甲", phone="13800000001"
    )
    services.appointment_book(slot_id=slot.pk, name="乙", phone="13800000002")
    services.appointment_cancel(code=code)
    services.appointment_book(slot_id=slot.pk, name="丙", phone="13800000003")
    assert slot.appointments.filter(status="booked").count() == 2


def test_same_phone_cannot_book_the_same_slot_twice(slot):
    services.appointment_book(slot_id=slot.pk, name="甲", phone="13800000001")
    with pytest.raises(Conflict, match="已预约"):
        services.appointment_book(slot_id=slot.pk, name="甲", phone="138 0000 0001")


@pytest.mark.parametrize(
    ("name", "phone", "field"),
    [("", "13800000001", "name"), ("甲", "12345", "phone")],
)
def test_booking_needs_name_and_mobile(slot, name, phone, field):
    with pytest.raises(DomainError) as err:
        services.appointment_book(slot_id=slot.pk, name=name, phone=phone)
    assert err.value.field == field


def test_past_slots_and_slots_on_new_holidays_cannot_be_booked(slot):
    from jingmin.core import calendar
    from jingmin.core.models import CalendarDay

    past = AppointmentSlot.objects.create(
        unit=slot.unit,
        guide=slot.guide,
        window="1号窗口",
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now(),
        capacity=5,
    )
    with pytest.raises(DomainError, match="不可预约"):
        services.appointment_book(slot_id=past.pk, name="甲", phone="13800000001")
    CalendarDay.objects.create(
        date=slot.starts_at.astimezone(SHANGHAI).date(), is_workday=False
    )
    calendar.clear_cache()
    try:
        with pytest.raises(DomainError, match="不可预约"):
            services.appointment_book(slot_id=slot.pk, name="甲", phone="13800000001")
    finally:
        CalendarDay.objects.all().delete()
        calendar.clear_cache()


def test_slot_full_message_gives_the_local_time(admin, county):
    """QA: a full 14:00 slot was reported as "06:00 已约满" (UTC)."""
    guide = published("id-lost", admin)
    day = next_workdays(1)[0]
    services.slots_create(
        unit=county.sta,
        guide=guide,
        window="2号窗口",
        first_day=day,
        days=1,
        times=[(dt.time(14), dt.time(15))],
        capacity=1,
        actor=admin,
    )
    slot = AppointmentSlot.objects.get()
    assert f"{day:%Y-%m-%d} 14:00" in str(slot)
    services.appointment_book(slot_id=slot.pk, name="甲", phone="13800000001")
    with pytest.raises(services.SlotFull) as err:
        services.appointment_book(slot_id=slot.pk, name="乙", phone="13800000002")
    assert f"{day:%Y-%m-%d} 14:00 已约满" in str(err.value)
    assert "06:00" not in str(err.value)


def test_one_phone_holds_one_open_appointment_per_service(slot, admin, county):
    """QA: one phone could book every slot of a service."""
    others = list(
        AppointmentSlot.objects.filter(guide=slot.guide)
        .exclude(pk=slot.pk)
        .order_by("starts_at")
    )
    _a, code = services.appointment_book(
        slot_id=slot.pk, name="甲", phone="13800000001"
    )
    with pytest.raises(Conflict, match="只能保留一个预约") as err:
        services.appointment_book(
            slot_id=others[0].pk, name="甲", phone="138 0000 0001"
        )
    assert err.value.code == "phone_has_appointment" and err.value.field == "phone"
    assert Appointment.objects.count() == 1
    # another phone, or another service, is not affected
    services.appointment_book(slot_id=others[0].pk, name="乙", phone="13800000002")
    guide2 = published("hukou-move", admin)
    services.slots_create(
        unit=county.sta,
        guide=guide2,
        window="3号窗口",
        first_day=timezone.localdate() + dt.timedelta(days=1),
        days=5,
        times=[(dt.time(9), dt.time(10))],
        capacity=2,
        actor=admin,
    )
    other_service = AppointmentSlot.objects.filter(guide=guide2).first()
    services.appointment_book(slot_id=other_service.pk, name="甲", phone="13800000001")
    # after cancelling, the phone may book another slot of the service
    services.appointment_cancel(code=code)
    services.appointment_book(slot_id=others[1].pk, name="甲", phone="13800000001")


def test_a_past_appointment_does_not_block_a_new_one(slot):
    past = AppointmentSlot.objects.create(
        unit=slot.unit,
        guide=slot.guide,
        window="1号窗口",
        starts_at=timezone.now() - dt.timedelta(days=2),
        ends_at=timezone.now() - dt.timedelta(days=2) + dt.timedelta(hours=1),
        capacity=5,
    )
    Appointment.objects.create(
        slot=past,
        name="甲",
        phone="13800000001",
        phone_index=services.blind_index("13800000001"),
        cancel_digest="x" * 64,
    )
    services.appointment_book(slot_id=slot.pk, name="甲", phone="13800000001")

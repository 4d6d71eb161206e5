import pytest

from jingmin.appeals import services
from jingmin.appeals.models import Appeal, AppealEvent, LabelledText
from jingmin.core.exceptions import Conflict, DomainError, NotFound, NotPermitted

from .factories import IN_A, IN_B, OUTSIDE, submit

S = Appeal.Status
pytestmark = pytest.mark.django_db


def test_police_duty_goes_to_the_station_of_the_place(county, cats):
    a = submit(cats.order, point=IN_A).appeal
    b = submit(cats.order, point=IN_B).appeal
    assert (a.status, a.unit, a.triage_class) == (S.ASSIGNED, county.sta, "police_duty")
    assert b.unit == county.stb
    assert county.sta.name in a.triage_explanation
    assert a.accept_due and a.reply_due and a.close_due


def test_specialised_unit_of_the_category_wins_over_the_place(county, cats):
    a = submit(cats.traffic, point=IN_B).appeal
    assert a.unit == county.command


def test_no_place_and_no_unit_goes_to_the_command_centre(county, cats):
    a = submit(cats.order, point=None).appeal
    assert a.unit == county.command


def test_outside_the_county_is_accepted_flagged_and_routed_by_category(county, cats):
    a = submit(cats.order, point=OUTSIDE).appeal
    assert a.outside_county is True
    assert a.unit == county.command
    assert "不在本县范围内" in a.triage_explanation
    f = submit(cats.market, point=OUTSIDE).appeal
    assert (f.status, f.forwarded_to) == (S.FORWARDED, county.deptb)


def test_other_department_is_forwarded_with_explanation_and_contact(county, cats):
    a = submit(cats.building).appeal
    assert (a.status, a.forwarded_to, a.unit) == (S.FORWARDED, county.depta, None)
    text = a.triage_explanation
    assert county.depta.name in text and county.depta.contact_phone in text
    assert "职责" in text and "转交" in text
    public = AppealEvent.objects.filter(appeal=a, public=True).last()
    assert public.public_text == text
    assert a.objection_due is not None


def test_forward_notifies_the_citizen_without_logging_the_phone(
    county, cats, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_BACKEND = "jingmin.core.notify.FileBackend"
    with django_capture_on_commit_callbacks(execute=True):
        submit(cats.building, phone="13912345678")
    files = list((tmp_path / "outbox").glob("*.json"))
    assert len(files) == 1
    content = files[0].read_text(encoding="utf-8")
    assert "139****5678" in content and "13912345678" not in content
    assert county.depta.name in content


def test_unknown_category_waits_in_the_triage_queue(county, cats):
    a = submit(None).appeal
    assert a.status == S.TRIAGED and a.unit is None


def test_department_without_owner_waits_in_the_triage_queue(county, cats):
    assert submit(cats.orphan).appeal.status == S.TRIAGED


def test_operator_corrects_category_and_the_correction_is_stored(county, cats):
    a = submit(None).appeal
    services.appeal_triage(
        appeal=a,
        actor=county["operator"],
        triage_class="other_department",
        category=cats.market,
    )
    a.refresh_from_db()
    assert a.forwarded_to == county.deptb and a.category_confirmed
    label = LabelledText.objects.get(appeal=a)
    assert label.category == cats.market and label.origin == "correction"


def test_triage_class_must_match_the_category(county, cats):
    a = submit(None).appeal
    with pytest.raises(DomainError) as err:
        services.appeal_triage(
            appeal=a,
            actor=county["operator"],
            triage_class="police_duty",
            category=cats.market,
        )
    assert err.value.code == "triage_mismatch"


@pytest.mark.parametrize(
    ("triage_class", "kwargs", "needle"),
    [
        ("statutory_channel", {"channel": "民事诉讼"}, "民事诉讼"),
        ("not_acceptable", {"reason": "没有具体内容"}, "没有具体内容"),
    ],
)
def test_closing_triage_classes_explain_to_the_citizen(
    county, cats, triage_class, kwargs, needle
):
    a = submit(None).appeal
    services.appeal_triage(
        appeal=a, actor=county["operator"], triage_class=triage_class, **kwargs
    )
    a.refresh_from_db()
    assert a.status == S.CLOSED and needle in a.triage_explanation
    assert "110" in a.triage_explanation or triage_class == "not_acceptable"


def test_statutory_channel_needs_the_channel(county, cats):
    a = submit(None).appeal
    with pytest.raises(DomainError):
        services.appeal_triage(
            appeal=a, actor=county["operator"], triage_class="statutory_channel"
        )


def test_already_handled_links_to_the_original(county, cats):
    original = submit(cats.order).appeal
    a = submit(None).appeal
    services.appeal_triage(
        appeal=a,
        actor=county["operator"],
        triage_class="already_handled",
        original=original,
    )
    a.refresh_from_db()
    assert a.duplicate_of == original and a.unit == county.sta
    assert original.number in a.triage_explanation


def test_officer_cannot_triage(county, cats):
    a = submit(None).appeal
    with pytest.raises(NotFound):  # not in the officer's unit: it does not exist
        services.appeal_triage(
            appeal=a,
            actor=county["officer_a"],
            triage_class="not_acceptable",
            reason="x",
        )
    with pytest.raises(NotPermitted):  # visible to the leader, but not their job
        services.appeal_triage(
            appeal=submit(cats.order).appeal,
            actor=county["leader_a"],
            triage_class="not_acceptable",
            reason="x",
        )


def test_liaison_accepts_and_answers_and_the_answer_reaches_the_citizen(county, cats):
    a = submit(cats.building).appeal
    liaison = county["liaison_a"]
    services.appeal_accept(appeal=a, actor=liaison)
    services.department_answer(appeal=a, actor=liaison, body="已责令工地夜间停工。")
    a.refresh_from_db()
    assert a.status == S.REPLIED and a.replied_on_time
    assert a.events.filter(public=True, public_text="已责令工地夜间停工。").exists()
    assert a.events.filter(action="accept").last().actor_label == county.depta.name


def test_other_liaison_cannot_touch_it(county, cats):
    a = submit(cats.building).appeal
    with pytest.raises(NotFound):
        services.appeal_accept(appeal=a, actor=county["liaison_b"])


def test_officer_cannot_accept_a_forwarded_appeal(county, cats):
    a = submit(cats.building).appeal
    with pytest.raises((NotFound, NotPermitted)):
        services.appeal_accept(appeal=a, actor=county["officer_a"])


def test_liaison_objection_returns_to_triage_with_reason(county, cats):
    a = submit(cats.building).appeal
    with pytest.raises(DomainError):
        services.appeal_object(appeal=a, actor=county["liaison_a"], reason="  ")
    services.appeal_object(
        appeal=a, actor=county["liaison_a"], reason="该工地属市级项目，由市住建局监管"
    )
    a.refresh_from_db()
    assert (a.status, a.forwarded_to) == (S.TRIAGED, None)
    assert a.events.filter(action="object", note__contains="市级项目").exists()


def test_objection_after_five_working_days_is_refused(county, cats):
    import datetime as dt

    a = submit(cats.building).appeal
    Appeal.objects.filter(pk=a.pk).update(
        objection_due=a.created_at - dt.timedelta(hours=1)
    )
    with pytest.raises(Conflict) as err:
        services.appeal_object(appeal=a, actor=county["liaison_a"], reason="不是我们")
    assert err.value.code == "objection_late"


def test_designated_handler_cannot_return_it(county, cats):
    a = submit(cats.building).appeal
    services.appeal_object(appeal=a, actor=county["liaison_a"], reason="不是我们的")
    with pytest.raises(NotPermitted):
        services.appeal_designate(
            appeal=a, actor=county["operator"], department=county.depta
        )
    services.appeal_designate(
        appeal=a, actor=county["supervisor"], department=county.depta
    )
    a.refresh_from_db()
    assert a.designated and a.forwarded_to == county.depta
    with pytest.raises(NotPermitted) as err:
        services.appeal_object(appeal=a, actor=county["liaison_a"], reason="还是不是")
    assert err.value.code == "designated"


def test_supervisor_redispatches_anything(county, cats):
    a = submit(cats.order, point=IN_A).appeal
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    services.appeal_redispatch(appeal=a, actor=county["supervisor"], unit=county.stb)
    a.refresh_from_db()
    assert (a.status, a.unit) == (S.ASSIGNED, county.stb)
    with pytest.raises(NotPermitted):
        services.appeal_redispatch(appeal=a, actor=county["leader_b"], unit=county.sta)


def test_redispatch_needs_exactly_one_target(county, cats):
    a = submit(cats.order).appeal
    with pytest.raises(DomainError):
        services.appeal_redispatch(appeal=a, actor=county["supervisor"])

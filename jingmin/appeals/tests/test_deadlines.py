import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jingmin.appeals import deadlines
from jingmin.appeals.models import Category, LimitUnit, Urgency

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(y, m, d, h=10, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=SH)


def cat(**kw):
    return Category(code="c", name="c", **kw)


@pytest.mark.parametrize(
    ("urgency", "expected"),
    [
        (Urgency.URGENT, at(2026, 2, 14, 12)),  # 2 clock hours, holiday or not
        (Urgency.UTILITIES, at(2026, 2, 15, 10)),  # 24 clock hours
        (Urgency.ORDINARY, at(2026, 2, 21, 10)),  # 7 days
        (Urgency.COMPLEX, at(2026, 3, 1, 10)),  # 15 days
    ],
)
def test_design_defaults_by_urgency(urgency, expected):
    assert (
        deadlines.reply_due(at(2026, 2, 14), cat(urgency=urgency), urgency) == expected
    )


def test_accept_within_two_hours_around_the_clock():
    assert deadlines.accept_due(at(2026, 2, 16, 23), cat()) == at(2026, 2, 17, 1)
    assert deadlines.accept_due(at(2026, 2, 16, 23), None) == at(2026, 2, 17, 1)


def test_working_days_cross_spring_festival_2026_and_count_the_make_up_saturday():
    # Fri 13 Feb → Sat 14 Feb (调休 workday) = 1, holiday 15–23 Feb, 24 = 2, 25 = 3.
    c = cat(reply_limit=3, reply_limit_unit=LimitUnit.WORKING_DAYS)
    assert deadlines.reply_due(at(2026, 2, 13), c, Urgency.ORDINARY) == at(
        2026, 2, 25, 17, 30
    )


def test_working_days_skip_weekend_and_count_28_february_make_up_day():
    c = cat(reply_limit=2, reply_limit_unit=LimitUnit.WORKING_DAYS)
    # Fri 27 Feb → Sat 28 Feb is a 调休 workday, Sun 1 Mar is not, Mon 2 Mar.
    assert deadlines.reply_due(at(2026, 2, 27), c, Urgency.ORDINARY) == at(
        2026, 3, 2, 17, 30
    )


def test_category_limit_applies_only_at_its_own_urgency():
    c = cat(reply_limit=3, reply_limit_unit=LimitUnit.WORKING_DAYS)
    assert deadlines.reply_limit(c, Urgency.ORDINARY) == (3, LimitUnit.WORKING_DAYS)
    assert deadlines.reply_limit(c, Urgency.URGENT) == (2, LimitUnit.HOURS)


def test_hours_limit_of_a_category_counts_clock_hours():
    c = cat(reply_limit=48, reply_limit_unit=LimitUnit.HOURS)
    assert deadlines.reply_due(at(2026, 2, 14), c, Urgency.ORDINARY) == at(2026, 2, 16)


def test_objection_within_five_working_days():
    # Thu 12 Feb: 13, 14 (调休), 24, 25, 26.
    assert deadlines.objection_due(at(2026, 2, 12)) == at(2026, 2, 26, 17, 30)


def test_settings_override_the_defaults(settings):
    settings.APPEALS_OBJECTION_WORKING_DAYS = 1
    settings.APPEALS_REPLY_DEFAULTS = {
        **deadlines.REPLY_DEFAULTS,
        Urgency.ORDINARY: (5, LimitUnit.WORKING_DAYS),
    }
    assert deadlines.objection_due(at(2026, 3, 2)) == at(2026, 3, 3, 17, 30)
    assert deadlines.reply_due(at(2026, 3, 2), None, Urgency.ORDINARY) == at(
        2026, 3, 9, 17, 30
    )


def test_extension_and_close_and_info_deadlines_count_working_days():
    assert deadlines.extended_due(at(2026, 2, 13, 17, 30), 2) == at(2026, 2, 24, 17, 30)
    assert deadlines.close_due(at(2026, 2, 13), cat(close_working_days=1)) == at(
        2026, 2, 14, 17, 30
    )
    assert deadlines.info_due(at(2026, 2, 13)) == at(2026, 2, 27, 17, 30)


def test_time_promise_text():
    assert deadlines.time_promise(cat(), Urgency.ORDINARY) == "2小时内签收，7天内答复"

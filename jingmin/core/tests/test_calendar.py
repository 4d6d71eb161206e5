import datetime as dt

import pytest

from jingmin.core import calendar
from jingmin.core.calendar import (
    SHANGHAI,
    add_working_days,
    add_working_hours,
    is_workday,
    working_days_between,
    working_days_deadline,
)
from jingmin.core.models import CalendarDay

# 2026 Spring Festival: 2026-02-15 .. 2026-02-23 off; Saturday 2026-02-14 and
# Saturday 2026-02-28 are 调休 make-up working days.


def test_spring_festival_and_make_up_saturday(db):
    assert is_workday(dt.date(2026, 2, 14))  # 调休 Saturday
    assert not is_workday(dt.date(2026, 2, 16))  # Spring Festival Monday
    assert not is_workday(dt.date(2026, 2, 23))
    assert is_workday(dt.date(2026, 2, 24))


def test_add_working_days_across_spring_festival(db):
    # Friday 13 Feb + 1 → Saturday 14 Feb (make-up day); + 2 → Tuesday 24 Feb.
    assert add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)
    assert add_working_days(dt.date(2026, 2, 13), 2) == dt.date(2026, 2, 24)
    assert add_working_days(dt.date(2026, 2, 13), 0) == dt.date(2026, 2, 13)


def test_working_days_between_counts_make_up_days(db):
    assert working_days_between(dt.date(2026, 2, 13), dt.date(2026, 2, 24)) == 2
    assert working_days_between(dt.date(2026, 2, 24), dt.date(2026, 2, 13)) == 0


def test_deadline_is_end_of_office_hours(db):
    start = dt.datetime(2026, 2, 13, 10, 0, tzinfo=SHANGHAI)
    assert working_days_deadline(start, 2) == dt.datetime(
        2026, 2, 24, 17, 30, tzinfo=SHANGHAI
    )


def test_add_working_hours_skips_nights_and_holidays(db):
    start = dt.datetime(
        2026, 2, 13, 16, 30, tzinfo=SHANGHAI
    )  # Friday, 1 h before close
    # 1 h on Friday, then the 调休 Saturday from 08:30.
    assert add_working_hours(start, 2) == dt.datetime(
        2026, 2, 14, 9, 30, tzinfo=SHANGHAI
    )
    # 9 office hours a day: 1 h Friday + 9 h Saturday, the last hour on the Tuesday after the holiday.
    assert add_working_hours(start, 11) == dt.datetime(
        2026, 2, 24, 9, 30, tzinfo=SHANGHAI
    )
    before_open = dt.datetime(2026, 3, 2, 7, 0, tzinfo=SHANGHAI)
    assert add_working_hours(before_open, 1) == dt.datetime(
        2026, 3, 2, 9, 30, tzinfo=SHANGHAI
    )


def test_administrator_override_for_unknown_year(db):
    day = dt.date(2027, 2, 8)  # a Monday in a year the library does not know
    assert is_workday(day)
    assert not calendar.library_knows(2027)
    assert not calendar.year_is_known(2027)
    CalendarDay.objects.create(date=day, is_workday=False, name="春节")
    assert not is_workday(day)
    assert calendar.year_is_known(2027)
    CalendarDay.objects.create(
        date=dt.date(2027, 2, 6), is_workday=True, name="调休上班"
    )
    assert add_working_days(dt.date(2027, 2, 5), 1) == dt.date(2027, 2, 6)


def test_negative_amounts_are_refused(db):
    with pytest.raises(ValueError):
        add_working_days(dt.date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        add_working_hours(dt.datetime(2026, 1, 5, tzinfo=SHANGHAI), -1)

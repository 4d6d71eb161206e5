"""Chinese working-day arithmetic.

chinese-calendar knows the published holiday and 调休 schedule up to its release;
administrators enter later years (or corrections) as CalendarDay rows, which win.
For a year neither knows, weekends are the only rest days and a system check warns.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
_cache_lock = threading.Lock()
_cache: dict[str, object] = {"loaded_at": 0.0, "days": {}}
# chinese-calendar scans its whole table on each call (~15 µs); answers are cached
# per date and dropped whenever the overrides are reloaded.
_workdays: dict[dt.date, bool] = {}
CACHE_SECONDS = 60


def office_hours() -> tuple[dt.time, dt.time]:
    start = getattr(settings, "OFFICE_HOURS_START", dt.time(8, 30))
    end = getattr(settings, "OFFICE_HOURS_END", dt.time(17, 30))
    return start, end


def clear_cache() -> None:
    with _cache_lock:
        _cache["loaded_at"] = 0.0


def _overrides() -> dict[dt.date, bool]:
    with _cache_lock:
        if time.monotonic() - float(_cache["loaded_at"]) > CACHE_SECONDS:
            from .models import CalendarDay

            _cache["days"] = dict(CalendarDay.objects.values_list("date", "is_workday"))
            _cache["loaded_at"] = time.monotonic()
            _workdays.clear()
        return _cache["days"]  # type: ignore[return-value]


def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def year_is_known(year: int) -> bool:
    """True if the library or an administrator has entered the year's schedule."""
    if library_knows(year):
        return True
    return any(d.year == year for d in _overrides())


def is_workday(day: dt.date) -> bool:
    overrides = _overrides()
    cached = _workdays.get(day)
    if cached is not None:
        return cached
    if day in overrides:
        answer = overrides[day]
    else:
        try:
            answer = chinese_calendar.is_workday(day)
        except NotImplementedError:
            answer = day.weekday() < 5
    _workdays[day] = answer
    return answer


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_workday(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_workday(current):
            count += 1
    return count


def working_days_deadline(start: dt.datetime, days: int) -> dt.datetime:
    """End of office hours on the ``days``-th working day after ``start``'s local date."""
    local = start.astimezone(SHANGHAI)
    _, end = office_hours()
    day = add_working_days(local.date(), days)
    return dt.datetime.combine(day, end, tzinfo=SHANGHAI)


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """Add office hours: time counts only inside office hours on working days."""
    if hours < 0:
        raise ValueError("hours must be >= 0")
    open_t, close_t = office_hours()
    current = start.astimezone(SHANGHAI)
    remaining = dt.timedelta(hours=hours)
    while True:
        day_open = dt.datetime.combine(current.date(), open_t, tzinfo=SHANGHAI)
        day_close = dt.datetime.combine(current.date(), close_t, tzinfo=SHANGHAI)
        if not is_workday(current.date()) or current >= day_close:
            current = dt.datetime.combine(
                current.date() + dt.timedelta(days=1), open_t, tzinfo=SHANGHAI
            )
            continue
        current = max(current, day_open)
        available = day_close - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        current = dt.datetime.combine(
            current.date() + dt.timedelta(days=1), open_t, tzinfo=SHANGHAI
        )

"""System checks for configuration that would otherwise fail at run time."""

import datetime as dt

from django.core.checks import Tags, Warning, register
from django.db.utils import DatabaseError


@register(Tags.database)
def next_year_calendar_known(app_configs, **kwargs):
    from .calendar import year_is_known

    today = dt.date.today()
    # The schedule appears every November; from then on the coming year must be known.
    year = today.year + 1 if today.month >= 11 else today.year
    try:
        known = year_is_known(year)
    except DatabaseError:
        return []
    if known:
        return []
    return [
        Warning(
            f"The working-day calendar does not know {year}: deadlines will count only weekends as rest days.",
            hint="Enter the State Council's holiday schedule for that year as CalendarDay rows in the admin.",
            id="jingmin.W001",
        )
    ]

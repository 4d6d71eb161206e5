"""Row checks shared by the incident import and the file-based analysis.

Both refuse the same things in the same words: a time that is not a time, a time
in the future, coordinates that are not finite numbers, out of range or swapped
(``jingmin.core.geo_input``). Errors are (line number, field, message); ``listed``
turns them into the (record, field, message) rows an ImportFailed shows.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

MAX_LISTED = 200
FUTURE_TOLERANCE = dt.timedelta(minutes=10)  # clocks of the sending systems drift


def bad_time(field: str, value: str) -> str:
    return _("%(field)s 不是有效的时间：%(value)s") % {
        "field": field,
        "value": value.strip()[:40],
    }


def future_problem(when: dt.date, now: dt.datetime | None = None) -> str | None:
    """The message if ``when`` (a date-time, or a day) lies in the future, else None."""
    limit = (now or timezone.now()) + FUTURE_TOLERANCE
    if isinstance(when, dt.datetime):
        late = when > limit
    else:
        late = when > timezone.localtime(limit).date()
    return _("发生时间在未来：%(t)s") % {"t": when.isoformat()} if late else None


def listed(errors: list[tuple[int, str, str]]) -> list[tuple[str, str, str]]:
    """The first MAX_LISTED errors, in line order, with their line named."""
    return [
        (_("第 %(n)s 行") % {"n": n}, f, m) for n, f, m in sorted(errors)[:MAX_LISTED]
    ]

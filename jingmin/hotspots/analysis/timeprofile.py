"""When incidents happen: an hour × weekday table and a month trend.

An incident known only to a window (e.g. a bicycle left overnight) is spread over
the hours of its window in equal parts ("aoristic" weighting, Ratcliffe 2002) when
the window is at most a week; longer windows say nothing about the hour and are
counted in ``unknown``. Month-only dates (police.uk) enter the trend, not the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

WEEK_HOURS = 7 * 24


def hour_weekday(
    windows: Iterable[tuple[dt.datetime, dt.datetime | None]],
) -> tuple[np.ndarray, float]:
    """7 × 24 table (Monday = row 0) and the weight of incidents without a usable hour."""
    table = np.zeros(WEEK_HOURS)
    unknown = 0.0
    for start, end in windows:
        if start is None:
            unknown += 1
            continue
        if end is None or end <= start:
            table[start.weekday() * 24 + start.hour] += 1
            continue
        span = end - start
        if span > dt.timedelta(days=7):
            unknown += 1
            continue
        first = start.replace(minute=0, second=0, microsecond=0)
        hours = []
        h = first
        while h < end:
            hours.append(h.weekday() * 24 + h.hour)
            h += dt.timedelta(hours=1)
        np.add.at(table, hours, 1 / len(hours))
    return table.reshape(7, 24), unknown


def month_trend(dates: Iterable[dt.date]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for d in dates:
        key = f"{d.year:04d}-{d.month:02d}"
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return []
    keys = sorted(counts)
    y, m = map(int, keys[0].split("-"))
    y1, m1 = map(int, keys[-1].split("-"))
    out = []
    while (y, m) <= (y1, m1):  # months without incidents appear as 0
        k = f"{y:04d}-{m:02d}"
        out.append((k, counts.get(k, 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out

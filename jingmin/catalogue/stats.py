"""Time-promise statistics (办理时效): pure arithmetic over application rows.

Duration = working days after the day of receipt up to and including the day of
completion (core.calendar.working_days_between), so an application received and
finished the same day took 0 working days, and holidays and 调休 are respected.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jingmin.core.calendar import is_workday, working_days_between


def nearest_rank(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    index = max(math.ceil(q / 100 * len(ordered)) - 1, 0)
    return ordered[index]


class WorkdayCounter:
    """working_days_between for many pairs of dates: asks the calendar once per
    day of the span and answers each pair from a running count (the calendar's
    per-day check is the cost; a year of applications touches each day often)."""

    def __init__(self, days: list[dt.date]) -> None:
        self.first = min(days) if days else dt.date.today()
        last = max(days) if days else self.first
        self.running = [0]
        day = self.first
        while day < last:
            day += dt.timedelta(days=1)
            self.running.append(self.running[-1] + is_workday(day))

    def between(self, start: dt.date, end: dt.date) -> int:
        if end <= start:
            return 0
        index = (start - self.first).days
        if index < 0 or (end - self.first).days >= len(self.running):
            return working_days_between(start, end)
        return self.running[(end - self.first).days] - self.running[index]


@dataclass
class PromiseFigures:
    key: Any
    promise_days: int
    durations: list[int] = field(default_factory=list)
    visits: list[int] = field(default_factory=list)
    open_count: int = 0

    @property
    def completed(self) -> int:
        return len(self.durations)

    @property
    def within(self) -> int:
        return sum(1 for d in self.durations if d <= self.promise_days)

    @property
    def within_share(self) -> float | None:
        return self.within / self.completed if self.completed else None

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.durations) if self.durations else None

    @property
    def p90_days(self) -> float | None:
        return nearest_rank(self.durations, 90) if self.durations else None

    @property
    def mean_visits(self) -> float | None:
        return statistics.fmean(self.visits) if self.visits else None

    @property
    def one_visit_share(self) -> float | None:
        if not self.visits:
            return None
        return sum(1 for v in self.visits if v <= 1) / len(self.visits)

    @property
    def late(self) -> bool:
        share = self.within_share
        return share is not None and share < 0.9


def promise_figures(rows: Iterable[dict[str, Any]], key: str) -> list[PromiseFigures]:
    """Group application rows by ``row[key]``. A row has received_on, completed_on
    (or None), visits and promise_days (the promise in force for that guide)."""
    rows = list(rows)
    counter = WorkdayCounter(
        [r["received_on"] for r in rows]
        + [r["completed_on"] for r in rows if r["completed_on"] is not None]
    )
    groups: dict[Any, PromiseFigures] = {}
    for row in rows:
        group = groups.get(row[key])
        if group is None:
            group = groups[row[key]] = PromiseFigures(row[key], row["promise_days"])
        if row["completed_on"] is None:
            group.open_count += 1
            continue
        group.durations.append(counter.between(row["received_on"], row["completed_on"]))
        group.visits.append(row["visits"])
    return list(groups.values())


@dataclass
class StepFigures:
    guide_id: int
    name: str
    days: list[int] = field(default_factory=list)

    @property
    def mean_days(self) -> float:
        return statistics.fmean(self.days)

    @property
    def p90_days(self) -> float:
        return nearest_rank(self.days, 90)


def slowest_steps(
    rows: Iterable[tuple[int, str, int]], limit: int = 10
) -> list[StepFigures]:
    """(guide id, step name, working days) rows → the steps with the longest mean."""
    groups: dict[tuple[int, str], StepFigures] = {}
    for guide_id, name, days in rows:
        group = groups.get((guide_id, name))
        if group is None:
            group = groups[(guide_id, name)] = StepFigures(guide_id, name)
        group.days.append(days)
    ranked = sorted(groups.values(), key=lambda s: (-s.mean_days, s.name))
    return ranked[:limit]

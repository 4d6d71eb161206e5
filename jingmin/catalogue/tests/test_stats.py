import datetime as dt
import random

import pytest

from jingmin.catalogue.stats import (
    WorkdayCounter,
    nearest_rank,
    promise_figures,
    slowest_steps,
)
from jingmin.core.calendar import working_days_between

D = dt.date
pytestmark = pytest.mark.django_db


def row(received, completed, promise=3, visits=1, key="g"):
    return {
        "g": key,
        "received_on": received,
        "completed_on": completed,
        "promise_days": promise,
        "visits": visits,
    }


def test_spring_festival_2026_and_the_make_up_saturday_count_correctly():
    # Received Thu 12 Feb 2026, finished Wed 25 Feb: Fri 13, Sat 14 (调休 working
    # day), then the holiday 15–23 Feb, then Tue 24 and Wed 25 → 4 working days.
    (figures,) = promise_figures([row(D(2026, 2, 12), D(2026, 2, 25))], "g")
    assert figures.durations == [4]
    assert figures.within == 0  # promise 3 working days: late


def test_share_median_p90_and_visits_on_known_data():
    rows = [
        row(D(2026, 3, 2), D(2026, 3, 2), visits=1),  # same day: 0
        row(D(2026, 3, 2), D(2026, 3, 4), visits=1),  # 2
        row(D(2026, 3, 6), D(2026, 3, 10), visits=2),  # Fri→Tue: 2
        row(D(2026, 3, 2), D(2026, 3, 5), visits=1),  # 3
        row(D(2026, 3, 2), D(2026, 3, 13), visits=3),  # 9: late
        row(D(2026, 3, 2), None),  # still open
    ]
    (f,) = promise_figures(rows, "g")
    assert sorted(f.durations) == [0, 2, 2, 3, 9]
    assert f.completed == 5 and f.open_count == 1
    assert f.within == 4
    assert f.within_share == 0.8
    assert f.median_days == 2
    assert f.p90_days == 9
    assert f.mean_visits == 1.6
    assert f.one_visit_share == 0.6
    assert f.late is True


def test_groups_are_kept_apart_and_empty_groups_have_no_figures():
    rows = [
        row(D(2026, 3, 2), D(2026, 3, 3), key="a"),
        row(D(2026, 3, 2), None, key="b"),
    ]
    by_key = {f.key: f for f in promise_figures(rows, "g")}
    assert by_key["a"].durations == [1]
    assert by_key["b"].within_share is None and by_key["b"].median_days is None


def test_nearest_rank_percentile():
    assert nearest_rank([5, 1, 3, 2, 4], 50) == 3
    assert nearest_rank(list(range(1, 11)), 90) == 9
    assert nearest_rank([7], 90) == 7


def test_slowest_steps_ranked_by_mean():
    rows = [
        (1, "受理", 0),
        (1, "审核", 5),
        (1, "审核", 3),
        (1, "制证", 2),
        (2, "审核", 1),
    ]
    ranked = slowest_steps(rows, limit=2)
    assert [(s.guide_id, s.name, s.mean_days) for s in ranked] == [
        (1, "审核", 4.0),
        (1, "制证", 2.0),
    ]


def test_workday_counter_agrees_with_the_calendar():
    rng = random.Random(5)
    start = D(2025, 12, 1)
    days = [start + dt.timedelta(days=rng.randint(0, 150)) for _ in range(200)]
    counter = WorkdayCounter(days)
    for a, b in zip(days[::2], days[1::2], strict=True):
        assert counter.between(a, b) == working_days_between(a, b), (a, b)
    outside = D(2027, 1, 4)
    assert counter.between(start, outside) == working_days_between(start, outside)

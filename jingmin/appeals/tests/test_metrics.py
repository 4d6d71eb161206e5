"""Each rate's definition on known data (docs/manual/appeals.md 三率口径)."""

import datetime as dt

import pytest
from django.utils import timezone

from jingmin.appeals import metrics, services
from jingmin.appeals.models import (
    Appeal,
    MonthlyAggregate,
    PublishedFigure,
    RateFormula,
)
from jingmin.core.exceptions import NotPermitted

from .factories import IN_A, IN_B, submit

pytestmark = pytest.mark.django_db


def handled(county, cats, *, point=IN_A, late=False, rating=None):
    a = submit(cats.order, point=point).appeal
    officer = county["officer_a" if point == IN_A else "officer_b"]
    leader = county["leader_a" if point == IN_A else "leader_b"]
    if late:
        Appeal.objects.filter(pk=a.pk).update(
            accept_due=timezone.now() - dt.timedelta(hours=1),
            reply_due=timezone.now() - dt.timedelta(hours=1),
        )
    services.appeal_accept(appeal=a, actor=officer)
    reply = services.reply_submit(appeal=a, actor=officer, body="答复")
    services.reply_approve(reply=reply, actor=leader)
    if rating:
        resolved, satisfaction = rating
        services.appeal_rate(appeal=a, resolved=resolved, satisfaction=satisfaction)
    return a


@pytest.fixture
def known(county, cats):
    """Station A: 4 appeals — 3 handled on time (satisfied+resolved,
    basically+resolved, dissatisfied+unresolved), 1 late and unrated; plus one
    still open and overdue. Station B: 1 on time, satisfied."""
    handled(county, cats, rating=(True, "satisfied"))
    handled(county, cats, rating=(True, "basically"))
    handled(county, cats, rating=(False, "dissatisfied"))
    handled(county, cats, late=True)
    open_late = submit(cats.order, point=IN_A).appeal
    Appeal.objects.filter(pk=open_late.pk).update(
        reply_due=timezone.now() - dt.timedelta(minutes=1)
    )
    handled(county, cats, point=IN_B, rating=(True, "satisfied"))
    metrics.metrics_refresh(full=True)
    return county


def by_label(rows):
    return {r.label: r for r in rows}


def test_each_rate_on_known_data(known):
    rows = by_label(metrics.metrics_table(group_by="unit"))
    a = rows["甲派出所"]
    assert a.volume == 5
    # response: accepted within the accept deadline / dispatched = 3 / 5
    assert a.response_rate == 0.6
    # resolution: resolved yes / (yes + no) among latest follow-ups = 2 / 3
    assert a.resolution_rate == round(2 / 3, 4)
    # satisfaction: (1 + 0.5 × 1) / 3 valid answers
    assert a.satisfaction_rate == 0.5
    # on time: replied within the reply deadline / replied = 3 / 4
    assert a.on_time_rate == 0.75
    # overdue: replied late (1) + open past the deadline (1)
    assert a.overdue == 2
    assert a.median_reply_hours == 0
    b = rows["乙派出所"]
    assert (b.volume, b.satisfaction_rate, b.resolution_rate) == (1, 1.0, 1.0)
    # ranked by satisfaction
    assert [r.label for r in metrics.metrics_table(group_by="unit")][0] == "乙派出所"


def test_reopened_appeal_counts_its_latest_answer(known, county, cats):
    a = Appeal.objects.filter(status="reopened").get()
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    reply = services.reply_submit(appeal=a, actor=county["officer_a"], body="再答复")
    services.reply_approve(reply=reply, actor=county["leader_a"])
    services.appeal_rate(appeal=a, resolved=True, satisfaction="satisfied")
    assert metrics.metrics_refresh() >= 1
    row = by_label(metrics.metrics_table(group_by="unit"))["甲派出所"]
    assert row.resolution_rate == 1.0
    assert row.satisfaction_rate == round(2.5 / 3, 4)


def test_a_new_formula_version_changes_rates_without_recount(known):
    RateFormula.objects.update(active=False)
    RateFormula.objects.create(
        version=2,
        name="基本满意计满分",
        active=True,
        definition={
            "satisfaction": {"satisfied": 1, "basically": 1, "dissatisfied": 0}
        },
    )
    row = by_label(metrics.metrics_table(group_by="unit"))["甲派出所"]
    assert row.satisfaction_rate == round(2 / 3, 4)


def test_incremental_refresh_only_recounts_touched_months(known, county, cats):
    old = timezone.now() - dt.timedelta(days=70)
    Appeal.objects.filter(pk=Appeal.objects.first().pk).update(
        created_at=old, updated_at=old
    )
    metrics.metrics_refresh(full=True)
    months = set(MonthlyAggregate.objects.values_list("month", flat=True))
    assert len(months) == 2
    assert metrics.metrics_refresh() == 1  # nothing changed: only the current month


def test_group_by_department_category_month_and_total(known, county, cats):
    a = submit(cats.building).appeal
    services.department_answer(appeal=a, actor=county["liaison_a"], body="已处理")
    metrics.metrics_refresh()
    assert by_label(metrics.metrics_table(group_by="department"))["住建局"].volume == 1
    assert by_label(metrics.metrics_table(group_by="category"))["噪音扰民"].volume == 6
    assert len(metrics.metrics_table(group_by="month")) == 1
    assert metrics.metrics_total().volume == 7


def test_publish_stores_the_formula_with_the_figures(known):
    rows = metrics.metrics_table(group_by="unit")
    with pytest.raises(NotPermitted):
        metrics.figures_publish(
            actor=known["leader_a"], period="2026-11", scope_label="全县", figures=rows
        )
    published = metrics.figures_publish(
        actor=known["supervisor"], period="2026-11", scope_label="全县", figures=rows
    )
    assert published.formula.version == 1
    assert PublishedFigure.objects.get().values[0]["label"] == "乙派出所"


def test_public_results_suppress_small_counts(known, settings, cats):
    settings.PUBLIC_MIN_COUNT = 5
    data = metrics.public_results()
    noise = {r["label"]: r for r in data["categories"]}["噪音扰民"]
    assert noise["volume"] == 6
    assert noise["satisfaction_rate"] is None  # only 4 valid answers
    assert "违法犯罪线索" not in {r["label"] for r in data["categories"]}

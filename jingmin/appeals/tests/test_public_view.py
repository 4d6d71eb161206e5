"""The tracking page's look-up (selectors.status_by_tracking_code, ADR 125) shows
exactly what public_view shows for the full appeal, in plain-value queries, and
never reads the citizen's personal data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingmin.appeals import selectors, services

from .factories import make_categories, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(county):
    return submit(make_categories(county).order, phone="13800138000")


def views(code: str) -> tuple[dict, dict, list[str]]:
    appeal = selectors.appeal_by_tracking_code(code)
    full = selectors.public_view(appeal)
    with CaptureQueriesContext(connection) as queries:
        pk, lean = selectors.status_by_tracking_code(code)
    assert pk == appeal.pk
    return full, lean, [q["sql"] for q in queries.captured_queries]


def test_same_view_through_the_appeals_life(done, county):
    appeal, code = done.appeal, done.tracking_code
    full, lean, sql = views(code)
    assert lean == full and len(sql) == 3
    assert lean["reply"] == "" and not lean["can_rate"]
    services.appeal_accept(appeal=appeal, actor=county["officer_a"])
    first = services.reply_submit(appeal=appeal, actor=county["officer_a"], body="一")
    services.reply_approve(reply=first, actor=county["leader_a"])
    full, lean, sql = views(code)
    assert lean == full and len(sql) == 4  # and whether the reply was rated
    assert lean["reply"] == "一" and lean["can_rate"]
    appeal.refresh_from_db()
    services.appeal_rate(appeal=appeal, resolved=True, satisfaction="satisfied")
    full, lean, _sql = views(code)
    assert lean == full and not lean["can_rate"]


def test_unapproved_reply_is_not_shown(done, county):
    appeal = done.appeal
    services.appeal_accept(appeal=appeal, actor=county["officer_a"])
    services.reply_submit(appeal=appeal, actor=county["officer_a"], body="草稿")
    full, lean, _sql = views(done.tracking_code)
    assert lean == full and lean["reply"] == "" and not lean["can_rate"]


def test_wrong_or_malformed_code_finds_nothing(done):
    number = done.appeal.number
    assert selectors.status_by_tracking_code(f"{number}-{'a' * 26}") is None
    assert selectors.status_by_tracking_code(number) is None
    assert selectors.status_by_tracking_code("") is None
    assert selectors.status_by_tracking_code("999999999999-abc") is None


def test_personal_data_is_not_read(done):
    _full, _lean, sql = views(done.tracking_code)
    appeal_query = sql[0]
    for column in ('"name"', '"phone"', '"email"', '"body"', '"address"'):
        assert f'"appeals_appeal".{column}' not in appeal_query
    assert "jurisdiction" not in appeal_query

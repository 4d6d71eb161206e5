"""The tracking page's lean look-up (selectors.appeal_for_status, ADR 125) shows
exactly what public_view shows for a full appeal, with two queries and without
reading the citizen's personal data."""

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


def views(code: str) -> tuple[dict, dict, int]:
    full = selectors.public_view(selectors.appeal_by_tracking_code(code))
    with CaptureQueriesContext(connection) as queries:
        lean = selectors.public_view(selectors.appeal_for_status(code))
    return full, lean, len(queries)


def test_same_view_through_the_appeals_life(done, county):
    appeal, code = done.appeal, done.tracking_code
    full, lean, queries = views(code)
    assert lean == full and queries == 2
    assert lean["reply"] == "" and not lean["can_rate"]
    services.appeal_accept(appeal=appeal, actor=county["officer_a"])
    first = services.reply_submit(appeal=appeal, actor=county["officer_a"], body="一")
    services.reply_approve(reply=first, actor=county["leader_a"])
    full, lean, queries = views(code)
    assert lean == full and queries == 2
    assert lean["reply"] == "一" and lean["can_rate"]
    appeal.refresh_from_db()
    services.appeal_rate(appeal=appeal, resolved=True, satisfaction="satisfied")
    full, lean, _queries = views(code)
    assert lean == full and not lean["can_rate"]


def test_unapproved_reply_is_not_shown(done, county):
    appeal = done.appeal
    services.appeal_accept(appeal=appeal, actor=county["officer_a"])
    services.reply_submit(appeal=appeal, actor=county["officer_a"], body="草稿")
    full, lean, _queries = views(done.tracking_code)
    assert lean == full and lean["reply"] == "" and not lean["can_rate"]


def test_wrong_or_malformed_code_finds_nothing(done):
    number = done.appeal.number
    assert selectors.appeal_for_status(f"{number}-{'a' * 26}") is None
    assert selectors.appeal_for_status(number) is None
    assert selectors.appeal_for_status("") is None


def test_personal_data_is_not_read(done):
    appeal = selectors.appeal_for_status(done.tracking_code)
    deferred = appeal.get_deferred_fields()
    assert {"name", "phone", "email", "body", "address"} <= deferred
    assert "jurisdiction" in appeal.unit.get_deferred_fields()

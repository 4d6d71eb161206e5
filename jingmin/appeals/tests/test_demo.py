"""The demo county's appeals read as if they had happened when they say they did."""

import datetime as dt
import re
from importlib import import_module

import pytest
from django.utils import timezone

from jingmin.appeals import deadlines, demo
from jingmin.appeals.models import Appeal, AppealEvent, Category
from jingmin.open311.selectors import services_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(county, monkeypatch, tmp_path, settings):
    """The demo county's units and staff, then a small run of the appeals demo."""
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(demo, "HISTORY_PER_CATEGORY", 12)
    monkeypatch.setattr(demo, "DEMO_APPEALS", 40)
    for app in ("org", "accounts", "appeals"):
        import_module(f"jingmin.{app}.demo").seed()


def test_keywords_are_words_not_training_templates(seeded):
    for category in Category.objects.filter(parent__isnull=False):
        assert category.keywords, category.code
        assert "{" not in category.keywords and "}" not in category.keywords
        words = category.keywords.split(",")
        assert len(words) >= 3 and all(0 < len(w) <= 8 for w in words), words
    noise = next(s for s in services_list() if s["service_code"] == "zaoyin")
    assert "噪音" in noise["keywords"].split(",")


def test_backdated_deadlines_are_recomputed_on_the_working_day_calendar(seeded):
    appeals = Appeal.objects.filter(attributes__demo=True).exclude(dispatched_at=None)
    assert appeals.count() > 20
    old = [a for a in appeals if (timezone.now() - a.created_at).days > 7]
    assert old, "the demo should have appeals older than a week"
    for a in appeals:
        assert a.created_at <= a.dispatched_at <= a.created_at + dt.timedelta(hours=1)
        assert a.accept_due == deadlines.accept_due(a.dispatched_at, a.category)
        assert a.reply_due == deadlines.reply_due(
            a.dispatched_at, a.category, a.urgency
        )
        closing_from = a.replied_at or a.reply_due  # as the services count it
        assert a.close_due == deadlines.close_due(closing_from, a.category)
        if a.accepted_at:
            assert a.accepted_on_time == (a.accepted_at <= a.accept_due)
        if a.forwarded_to_id:
            assert a.objection_due == deadlines.objection_due(a.dispatched_at)


def test_forward_explanations_name_the_backdated_time(seeded):
    forwarded = Appeal.objects.filter(attributes__demo=True, forwarded_to__isnull=False)
    assert forwarded.exists()
    for a in forwarded:
        when = timezone.localtime(a.dispatched_at).strftime("%Y-%m-%d %H:%M")
        assert re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", a.triage_explanation) == [when]
        texts = AppealEvent.objects.filter(
            appeal=a, public_text__contains="我们已于"
        ).values_list("public_text", flat=True)
        assert texts and all(when in t for t in texts)

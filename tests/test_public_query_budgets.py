"""Query budgets of the public pages that cannot be kept whole (docs/decisions/090,
093): the tracking page and the site context every page renders with. A budget
that is exceeded means a page started asking the database more per visitor."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jingmin.appeals import services
from jingmin.appeals.models import Appeal
from jingmin.appeals.tests.factories import make_categories, submit
from jingmin.org.models import Bureau

pytestmark = pytest.mark.django_db
TRACK = "/appeals/track/"
# Besides the rate-limit buckets (core/ratelimit.py, counted apart): the appeal,
# its approved replies, its public events.
TRACK_BUDGET = 3


@pytest.fixture
def cats(county):
    return make_categories(county)


@pytest.fixture
def appeal(cats):
    return submit(cats.order, phone="13800138000", body="楼下夜里施工")


def track(client: Client, code: str):
    """The answer and the page's own queries (neither rate limit nor savepoints)."""
    client.get(TRACK)  # the site context is kept from here on
    with CaptureQueriesContext(connection) as queries:
        response = client.post(TRACK, {"code": code}, REMOTE_ADDR="10.9.0.1")
    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert any("appeals_ratebucket" in s for s in sql)  # the limit still applies
    return response, [
        s for s in sql if "appeals_ratebucket" not in s and "SAVEPOINT" not in s
    ]


def test_tracking_page_budget_and_no_session_when_nothing_to_post(appeal):
    client = Client()
    response, sql = track(client, appeal.tracking_code)
    assert appeal.appeal.number in response.content.decode()
    assert len(sql) <= TRACK_BUDGET, "\n".join(sql)
    assert not [s for s in sql if "django_session" in s]
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_tracking_page_keeps_the_appeal_when_it_offers_a_form(appeal, county):
    a = appeal.appeal
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    reply = services.reply_submit(appeal=a, actor=county["officer_a"], body="已处理")
    services.reply_approve(reply=reply, actor=county["leader_a"])
    client = Client()
    response, _sql = track(client, appeal.tracking_code)
    assert response.context["view"]["can_rate"]
    assert settings.SESSION_COOKIE_NAME in response.cookies
    rated = client.post(
        reverse("appeals:rate"), {"resolved": "1", "satisfaction": "satisfied"}
    )
    assert rated.status_code == 200
    a.refresh_from_db()
    assert a.satisfaction == "satisfied"


def test_a_later_lookup_without_a_form_forgets_the_earlier_appeal(appeal, cats, county):
    rateable = appeal.appeal
    services.appeal_accept(appeal=rateable, actor=county["officer_a"])
    reply = services.reply_submit(
        appeal=rateable, actor=county["officer_a"], body="已处理"
    )
    services.reply_approve(reply=reply, actor=county["leader_a"])
    other = submit(cats.order, phone="13900139000", body="另一件")
    client = Client()
    track(client, appeal.tracking_code)
    track(client, other.tracking_code)
    response = client.post(
        reverse("appeals:rate"), {"resolved": "1", "satisfaction": "satisfied"}
    )
    assert response.status_code == 302  # back to the tracking page
    rateable.refresh_from_db()
    assert rateable.satisfaction == ""
    assert Appeal.objects.filter(satisfaction="satisfied").count() == 0


def test_site_context_asks_for_the_bureau_once_and_sees_its_change(county):
    url = reverse("appeals:track")
    with CaptureQueriesContext(connection) as first:
        Client().get(url)
    with CaptureQueriesContext(connection) as second:
        page = Client().get(url)
    bureau_sql = [q for q in first.captured_queries if "org_bureau" in q["sql"]]
    assert len(bureau_sql) <= 1
    assert len(second) == 0, [q["sql"] for q in second.captured_queries]
    assert "0571-80000110" in page.content.decode()
    bureau = Bureau.objects.get()
    bureau.phone = "0571-80009999"
    bureau.save()
    assert "0571-80009999" in Client().get(url).content.decode()

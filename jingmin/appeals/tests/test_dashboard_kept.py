"""The dashboard's kept parts (ADR 130): what is kept rendered is shown only to
viewers of the same scope, follows the data it shows, and a look at the
dashboard asks the database a few reads and writes nothing."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jingmin.accounts.tests.personas import make_user
from jingmin.appeals import metrics, services
from jingmin.appeals.models import (
    Appeal,
    Category,
    MonthlyAggregate,
    ProblemOfMonth,
    RateFormula,
)
from jingmin.appeals.views import console

from .factories import IN_A, IN_B, make_categories, submit

pytestmark = pytest.mark.django_db
URL = "/appeals/console/dashboard/"
READ_CURSOR = re.compile(r'^DECLARE "\w+" NO SCROLL CURSOR (WITH HOLD )?FOR ')


@pytest.fixture
def cats(county):
    return make_categories(county)


@pytest.fixture
def figures(county, cats):
    """An appeal handled in each station, the aggregates refreshed."""
    for point, side in ((IN_A, "a"), (IN_B, "b")):
        a = submit(cats.order, point=point).appeal
        services.appeal_accept(appeal=a, actor=county[f"officer_{side}"])
    metrics.metrics_refresh(full=True)
    return county


def page(client_for, user, **query) -> str:
    response = client_for(user).get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def test_url_is_the_dashboard():
    assert reverse("appeals:dashboard") == URL


def test_a_look_reads_little_and_writes_nothing(client_for, figures):
    c = client_for(figures["supervisor"])
    with CaptureQueriesContext(connection) as cold:
        assert c.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert c.get(URL).status_code == 200
    for sql in [q["sql"] for q in cold.captured_queries + warm.captured_queries]:
        sql = READ_CURSOR.sub("", sql)  # PostgreSQL iterates a select's choices
        assert sql.lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE")), sql
    warm_sql = [q["sql"] for q in warm.captured_queries]
    # the session, the user, the formula with the aggregates' generation, the
    # problems of the month; the figures, the trends, the overdue list and the
    # problem form come from the cache
    assert len(warm_sql) <= 4, "\n".join(warm_sql)
    assert not [s for s in warm_sql if "appeals_appeal" in s]
    assert not [s for s in warm_sql if "appeals_category" in s]


def test_kept_figures_stay_in_their_scope(client_for, figures, county):
    sup = page(client_for, county["supervisor"])
    assert "甲派出所" in sup and "乙派出所" in sup
    for _look in range(2):  # made, then kept
        b = page(client_for, county["leader_b"])
        assert "乙派出所" in b and "甲派出所" not in b
    # another leader of station A gets station A's kept table, not B's
    other_a = make_user("leader_a2", "leader", unit=county.sta)
    a2 = page(client_for, other_a)
    assert "甲派出所" in a2 and "乙派出所" not in a2
    # the analyst sees the county, like the supervisor
    analyst = page(client_for, county["analyst"])
    assert "甲派出所" in analyst and "乙派出所" in analyst


def test_kept_figures_follow_the_query_and_the_refresh(
    client_for, figures, county, cats
):
    by_unit = page(client_for, county["supervisor"])
    by_cat = page(client_for, county["supervisor"], group_by="category")
    assert "<td>噪音扰民</td>" in by_cat and "<td>噪音扰民</td>" not in by_unit
    assert "group_by=category&amp;format=csv" in by_cat
    a = submit(cats.order, point=IN_B).appeal
    services.appeal_accept(appeal=a, actor=county["officer_b"])
    metrics.metrics_refresh()
    again = client_for(county["supervisor"]).get(URL)
    assert {r.label: r.volume for r in again.context["rows"]}["乙派出所"] == 2
    assert "<td>乙派出所</td><td>2</td>" in again.content.decode()


def test_kept_overdue_list_stays_in_its_scope(client_for, county, cats):
    late = submit(cats.order, point=IN_A).appeal
    for _more in range(2):  # three this week: a rising trend in station A
        submit(cats.order, point=IN_A)
    Appeal.objects.filter(pk=late.pk).update(escalated_at=timezone.now())
    number = Appeal.objects.get(pk=late.pk).number
    assert number in page(client_for, county["supervisor"])
    assert number in page(client_for, county["leader_a"])
    for _look in range(2):
        assert number not in page(client_for, county["leader_b"])
    # the analyst gets the county's trends but no appeal
    analyst = page(client_for, county["analyst"])
    assert number not in analyst and "甲派出所" in analyst
    other_a = make_user("leader_a2", "leader", unit=county.sta)
    assert number in page(client_for, other_a)


def test_problem_form_follows_categories_and_units(client_for, county, cats):
    sup = page(client_for, county["supervisor"])
    assert "噪音扰民" in sup and "甲派出所" in sup
    assert 'name="owner_unit"' in sup
    Category.objects.create(parent=cats.order.parent, code="kept", name="新增类别甲")
    county.sta.is_active = False
    county.sta.save()
    again = page(client_for, county["supervisor"])
    form = again[again.index('name="owner_unit"') :]
    assert "新增类别甲" in again
    assert "甲派出所" not in form[: form.index("</select>")]
    # only the supervisor gets the form
    assert 'name="owner_unit"' not in page(client_for, county["leader_a"])


def test_the_publish_form_keeps_its_token_and_filters(client_for, figures, county):
    c = client_for(county["supervisor"])
    for _look in range(2):
        html = c.get(URL, {"group_by": "category"}).content.decode()
        publish = html[html.index(reverse("appeals:publish")) :]
        assert 'name="csrfmiddlewaretoken"' in publish
        assert 'type="hidden" name="group_by" value="category"' in publish
    assert reverse("appeals:publish") not in page(client_for, county["leader_a"])


def test_formula_and_generation_in_one_query(figures):
    assert RateFormula._meta.db_table == "appeals_rateformula"
    assert MonthlyAggregate._meta.db_table == "appeals_monthlyaggregate"
    with CaptureQueriesContext(connection) as queries:
        formula, current = metrics.formula_and_generation()
    assert len(queries.captured_queries) == 1
    assert formula == metrics.formula_active()
    assert current != "-"
    MonthlyAggregate.objects.update(refreshed_at=timezone.now())
    assert metrics.formula_and_generation()[1] != current
    MonthlyAggregate.objects.all().delete()
    assert metrics.formula_and_generation()[1] == "-"
    RateFormula.objects.update(active=False)
    assert metrics.formula_and_generation()[0] == metrics.formula_active()


def test_problems_are_kept_only_in_a_shared_cache():
    assert not console._cache_is_shared()  # the tests' local-memory cache
    redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache"}
    with override_settings(CACHES={"default": {**redis, "LOCATION": "redis://x"}}):
        assert console._cache_is_shared()


def test_kept_problems_follow_every_change(client_for, county, monkeypatch):
    monkeypatch.setattr(console, "_cache_is_shared", lambda: True)
    sup = client_for(county["supervisor"])
    assert "夜间烧烤噪音" not in page(client_for, county["supervisor"])  # kept empty
    sup.post(
        reverse("appeals:problem"),
        {
            "month": "2026-11-05",
            "title": "夜间烧烤噪音",
            "owner_unit": county.sta.pk,
            "plan": "联合整治",
        },
    )
    assert "夜间烧烤噪音" in page(client_for, county["supervisor"])
    problem = ProblemOfMonth.objects.get()
    client_for(county["leader_a"]).post(
        reverse("appeals:problem"),
        {"problem": problem.pk, "public_result": "已取缔3处", "done": "on"},
    )
    assert "已取缔3处" in page(client_for, county["leader_b"])
    county.sta.name = "甲派出所（新）"
    county.sta.save()
    c = client_for(county["leader_b"])
    assert "甲派出所（新） · " in c.get(URL).content.decode()
    with CaptureQueriesContext(connection) as warm:
        c.get(URL)
    assert not [q for q in warm.captured_queries if "problemofmonth" in q["sql"]]


# --- the whole page kept (shared cache) -----------------------------------------

NONCE = re.compile(r'nonce="([^"]+)"')
MODEL = "django.contrib.auth.backends.ModelBackend"
PAGE_TABLES = ("appeals_problemofmonth", "appeals_category", 'appeals_appeal"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_kept_page_is_each_viewers_own(client_for, figures, county, monkeypatch):
    monkeypatch.setattr(console, "_cache_is_shared", lambda: True)
    first = Client()
    first.force_login(county["leader_a"], backend=MODEL)
    made = first.get(URL)
    other = make_user("leader_a2", "leader", unit=county.sta)
    other.display_name = "二号所长"
    other.save()
    second = Client()
    second.force_login(other, backend=MODEL)
    with CaptureQueriesContext(connection) as queries:
        kept = second.get(URL)
    html = kept.content.decode()
    assert kept.status_code == 200 and "甲派出所" in html and "乙派出所" not in html
    # served from the kept page: no problem, category or appeal read
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if any(t in q for t in PAGE_TABLES)], sql
    assert made.context is not None and kept.context is None  # nothing rendered
    assert "leader_a · " in made.content.decode()
    assert "二号所长" in html and "leader_a ·" not in html
    assert TOKEN.findall(html) and set(TOKEN.findall(html)).isdisjoint(
        TOKEN.findall(made.content.decode())
    )
    nonces = set(NONCE.findall(html))
    assert len(nonces) == 1 and nonces.pop() in kept["Content-Security-Policy"]
    # the token works: the second leader can use the page's form (logout)
    token = TOKEN.findall(html)[0]
    assert second.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})
    # another unit's leader gets another page
    b = Client()
    b.force_login(county["leader_b"], backend=MODEL)
    page_b = b.get(URL).content.decode()
    assert "乙派出所" in page_b and "甲派出所" not in page_b


def test_no_kept_page_while_a_message_waits(client_for, county, cats, monkeypatch):
    monkeypatch.setattr(console, "_cache_is_shared", lambda: True)
    sup = client_for(county["supervisor"])
    sup.get(URL)  # kept
    sup.post(
        reverse("appeals:problem"),
        {
            "month": "2026-11-05",
            "title": "夜间烧烤噪音",
            "owner_unit": county.sta.pk,
            "plan": "联合整治",
        },
    )
    html = sup.get(URL).content.decode()
    assert "夜间烧烤噪音" in html and 'class="messages"' in html


def test_kept_page_asks_the_database_nothing_and_follows_a_refresh(
    client_for, figures, county, cats, monkeypatch
):
    monkeypatch.setattr(console, "_cache_is_shared", lambda: True)
    c = Client()
    c.force_login(county["supervisor"], backend=MODEL)
    c.get(URL)  # made and kept
    with CaptureQueriesContext(connection) as queries:
        kept = c.get(URL)
    assert kept.context is None
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if "appeals_" in q], sql  # session and user only
    a = submit(cats.order, point=IN_B).appeal
    services.appeal_accept(appeal=a, actor=county["officer_b"])
    assert c.get(URL).context is None  # not refreshed yet: still kept
    metrics.metrics_refresh()
    after = c.get(URL)
    assert after.context is not None  # the refresh replaced the stamp
    assert "<td>乙派出所</td><td>2</td>" in after.content.decode()
    assert c.get(URL).context is None  # kept again
    RateFormula.objects.update(active=False)
    RateFormula.objects.create(  # a new version through the ORM
        version=2, name="新口径", definition=metrics.DEFAULT_DEFINITION, active=True
    )
    assert "口径 v2：新口径" in c.get(URL).content.decode()

"""The fast paths of issue #8 give the slow paths' answers (ADR 095-098).

Search through the bigram index, the capped count, the dashboard's figures read in
one pass and cached per scope, the weekly trends, the indexed overdue lists: each
is compared with a plain computation over the same rows, on SQLite and PostgreSQL
(the suite runs on both). Query budgets keep the pages from growing a query per
row. Speed itself is measured by bench/bench_growth.py, not here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from jingmin.appeals import metrics, selectors, services
from jingmin.appeals.models import Appeal, MonthlyAggregate
from jingmin.appeals.views.console import CappedPaginator

from .factories import IN_A, IN_B, submit

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only"
)

TEXTS = [
    ("夜间施工", "楼下工地施工噪音很大，影响休息"),
    ("停车", "小区门口车辆乱停，堵塞消防通道"),
    ("琉璃", "老宅屋顶琉璃 璃瓦各有脱落"),  # both pieces of 琉璃瓦, not the word
    ("屋顶", "屋顶琉璃瓦脱落，存在安全隐患"),
    ("ABC", "Wifi 密码被改，abc 公司称 100% 安全"),
    ("噪", "音响太大"),  # 噪 | 音 only across title and body
    ("a_b", "下划线 a_b 与 axb"),
]
QUERIES = [
    "噪音",
    "琉璃瓦",
    "琉璃",
    "璃瓦",
    "施工噪音",
    "abc",
    "ABC",
    "wifi",
    "100%",
    "a_b",
    "噪 音",
    "噪音响",
    "瓦",
    "%",
    "不存在的词",
]


def _make_texts():
    made = []
    for i, (title, body) in enumerate(TEXTS):
        a = submit(point=IN_A if i % 2 else IN_B, body=body, title=title).appeal
        made.append(a)
    return made


def _reference(viewer, q: str) -> list[int]:
    """What icontains means, in Python, in list order."""
    needle = q.upper()
    rows = selectors.scoping.visible(viewer, Appeal.objects.all()).order_by(
        "-created_at", "-pk"
    )
    return [
        a.pk
        for a in rows
        if a.number == q or needle in a.title.upper() or needle in a.body.upper()
    ]


def _search(viewer, q: str) -> list[int]:
    qs = selectors.appeal_list_for(viewer=viewer, filters=selectors.AppealFilters(q=q))
    return list(qs.values_list("pk", flat=True))


@pytest.mark.parametrize("path", ["as chosen", "index", "plain"])
def test_search_gives_the_answers_of_icontains(county, cats, monkeypatch, path):
    made = _make_texts()
    if path == "index":
        if connection.vendor != "postgresql":
            pytest.skip("the bigram index exists on PostgreSQL only")
        monkeypatch.setattr(selectors, "index_pays", lambda q, using: len(q) >= 2)
    elif path == "plain":
        monkeypatch.setattr(selectors, "index_pays", lambda q, using: False)
    for user in ("supervisor", "officer_a", "officer_b"):
        viewer = county[user]
        for q in [*QUERIES, made[3].number]:
            assert _search(viewer, q) == _reference(viewer, q), (path, user, q)
    supervisor = county["supervisor"]
    assert _search(supervisor, "琉璃瓦") == [made[3].pk]  # not the scattered pieces
    assert _search(supervisor, made[3].number) == [made[3].pk]
    assert _search(supervisor, "噪 音") == []  # title and body are apart
    assert len(_search(supervisor, "13800138000")) == len(made)  # phone index


def test_search_by_phone_through_the_index(county, cats, monkeypatch):
    made = _make_texts()
    if connection.vendor == "postgresql":
        monkeypatch.setattr(selectors, "index_pays", lambda q, using: True)
    other = submit(body="另一个来电", phone="13900139000").appeal
    found = _search(county["supervisor"], "13900139000")
    assert found == [other.pk]
    assert made[0].pk not in found


def test_statistics_choose_the_index_only_for_rare_pieces():
    stats = ({"噪音": 0.10, "施工": 0.05, "工噪": 0.04}, 0.002, 1_000_000)
    assert not selectors.stats_say_rare("噪音", stats)  # 100,000 may match
    assert not selectors.stats_say_rare("施工噪音", stats)  # rarest piece 4 %
    assert selectors.stats_say_rare("琉璃瓦", stats)  # unlisted: <= 0.2 %
    assert selectors.stats_say_rare("噪音琉璃", stats)  # one rare piece is enough
    assert selectors.stats_say_rare("噪音", None)  # never analysed: small table
    small = ({"噪音": 0.10}, 0.01, 20_000)
    assert selectors.stats_say_rare("噪音", small)  # 2,000 rows


@on_postgres
def test_bigram_function_and_index_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT jm_bigrams(UPPER('琉璃瓦a')), jm_bigrams('x')")
        pieces, none = cursor.fetchone()
        assert sorted(pieces) == sorted(["琉璃", "璃瓦", "瓦A"]) and none == []
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'appeal_text_bigrams'"
        )
        assert "gin" in cursor.fetchone()[0]


@on_postgres
def test_rare_search_is_planned_on_the_bigram_index(county, cats, monkeypatch):
    _make_texts()
    monkeypatch.setattr(selectors, "index_pays", lambda q, using: True)
    qs = selectors.appeal_list_for(
        viewer=county["supervisor"], filters=selectors.AppealFilters(q="琉璃瓦")
    )[:30]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
    assert "appeal_text_bigrams" in plan


# --- capped count ---------------------------------------------------------


def test_capped_paginator_counts_up_to_the_cap(county, cats):
    for _i in range(7):
        submit(cats.order)
    qs = Appeal.objects.order_by("-created_at", "-pk")
    capped = CappedPaginator(qs, 2, cap=5)
    assert (capped.count, capped.capped, capped.num_pages) == (5, True, 3)
    assert [a.pk for a in capped.page(3)] == list(qs.values_list("pk", flat=True))[4:5]
    exact = CappedPaginator(qs, 2, cap=7)
    assert (exact.count, exact.capped) == (7, False)


def test_list_page_shows_a_capped_count(client_for, county, cats, monkeypatch):
    from jingmin.appeals.views import console

    for _i in range(3):
        submit(cats.order)
    c = client_for(county["supervisor"])
    url = reverse("appeals:console_list")
    page = c.get(url)
    assert page.context["page"].paginator.count == 3
    assert not page.context["page"].paginator.capped
    monkeypatch.setattr(console, "COUNT_CAP", 2)
    page = c.get(url)
    assert page.context["page"].paginator.capped
    assert "2+ 条" in page.content.decode()


# --- overdue and escalated lists --------------------------------------------


def test_open_overdue_and_escalated_lists_as_before(county, cats):
    now = timezone.now()
    late_open = submit(cats.order).appeal
    late_closed = submit(cats.order).appeal
    escalated = submit(cats.order, point=IN_B).appeal
    escalated_closed = submit(cats.order, point=IN_B).appeal
    Appeal.objects.filter(pk__in=[late_open.pk, late_closed.pk]).update(
        reply_due=now - dt.timedelta(hours=1)
    )
    Appeal.objects.filter(pk__in=[escalated.pk, escalated_closed.pk]).update(
        escalated_at=now
    )
    Appeal.objects.filter(pk__in=[late_closed.pk, escalated_closed.pk]).update(
        status=Appeal.Status.CLOSED
    )
    for user in ("supervisor", "officer_a", "officer_b", "liaison_a"):
        viewer = county[user]
        visible = selectors.scoping.visible(viewer, Appeal.objects.all())
        want_overdue = [
            a.pk
            for a in visible.order_by("-created_at", "-pk")
            if a.status in selectors.OPEN and a.reply_due and a.reply_due < now
        ]
        want_escalated = [
            a.pk
            for a in visible.order_by("-created_at", "-pk")
            if a.status in selectors.OPEN and a.escalated_at
        ]
        overdue = selectors.appeal_list_for(
            viewer=viewer, filters=selectors.AppealFilters(overdue=True)
        )
        flagged = selectors.appeal_list_for(
            viewer=viewer, filters=selectors.AppealFilters(escalated=True)
        )
        assert [a.pk for a in overdue] == want_overdue, user
        assert [a.pk for a in flagged] == want_escalated, user
        assert [a.pk for a in selectors.overdue_for(viewer=viewer)] == want_escalated
    assert [a.pk for a in selectors.overdue_for(viewer=county["supervisor"])] == [
        escalated.pk
    ]


def test_date_filter_is_the_local_day(county, cats):
    a = submit(cats.order).appeal
    # 23:30 in Shanghai on 1 March is 15:30 UTC the same day
    local = timezone.make_aware(dt.datetime(2026, 3, 1, 23, 30))
    Appeal.objects.filter(pk=a.pk).update(created_at=local)
    viewer = county["supervisor"]

    def days(d_from, d_to):
        f = selectors.AppealFilters(date_from=d_from, date_to=d_to)
        return [x.pk for x in selectors.appeal_list_for(viewer=viewer, filters=f)]

    assert days(dt.date(2026, 3, 1), dt.date(2026, 3, 1)) == [a.pk]
    assert days(dt.date(2026, 3, 2), None) == []
    assert days(None, dt.date(2026, 2, 28)) == []


# --- the dashboard's figures ------------------------------------------------


def _handle(county, cats, point, *, rating=None, late=False):
    a = submit(cats.order, point=point).appeal
    side = "a" if point == IN_A else "b"
    if late:
        Appeal.objects.filter(pk=a.pk).update(
            reply_due=timezone.now() - dt.timedelta(minutes=1)
        )
    services.appeal_accept(appeal=a, actor=county[f"officer_{side}"])
    reply = services.reply_submit(
        appeal=a, actor=county[f"officer_{side}"], body="答复"
    )
    services.reply_approve(reply=reply, actor=county[f"leader_{side}"])
    if rating:
        services.appeal_rate(appeal=a, resolved=rating[0], satisfaction=rating[1])
    return a


@pytest.fixture
def handled(county, cats):
    _handle(county, cats, IN_A, rating=(True, "satisfied"))
    _handle(county, cats, IN_A, rating=(False, "dissatisfied"), late=True)
    _handle(county, cats, IN_A)
    _handle(county, cats, IN_B, rating=(True, "basically"))
    submit(cats.building)  # forwarded: a department, no unit row
    submit(None, point=None)  # no unit, no category
    metrics.metrics_refresh(full=True)
    return county


def _reference_table(group_by: str, **filters):
    """Sums and merged histograms of the aggregate rows, the way the code did it
    before the one-pass read (per group, and all rows for the total)."""
    key_field, _label = metrics.GROUPS[group_by]
    rows = MonthlyAggregate.objects.all()
    if filters.get("unit_id"):
        rows = rows.filter(unit_id=filters["unit_id"])
    groups: dict = {}
    total_counts = dict.fromkeys(metrics.COUNTS, 0)
    total_hours: dict[str, int] = {}
    for row in rows:
        key = getattr(row, key_field)
        counts, hours = groups.setdefault(key, (dict.fromkeys(metrics.COUNTS, 0), {}))
        for c in metrics.COUNTS:
            counts[c] += getattr(row, c)
            total_counts[c] += getattr(row, c)
        for bucket, n in row.reply_hours.items():
            hours[bucket] = hours.get(bucket, 0) + n
            total_hours[bucket] = total_hours.get(bucket, 0) + n
    if group_by != "month":
        groups.pop(None, None)
    return groups, (total_counts, total_hours)


@pytest.mark.parametrize("group_by", ["unit", "department", "category", "month"])
def test_report_sums_like_the_rows(handled, group_by):
    table, total = metrics.metrics_report(group_by=group_by)
    groups, (counts, hours) = _reference_table(group_by)
    assert {r.key: (r.counts, r.hours) for r in table} == groups
    assert (total.counts, total.hours) == (counts, hours)
    assert metrics.metrics_table(group_by=group_by) == table
    assert metrics.metrics_total() == total
    assert total.volume == 6 and total.hours  # replies have a histogram


def test_report_for_one_unit(handled):
    unit = handled.sta.pk
    table, total = metrics.metrics_report(group_by="category", unit_id=unit)
    groups, (counts, hours) = _reference_table("category", unit_id=unit)
    assert {r.key: (r.counts, r.hours) for r in table} == groups
    assert (total.counts, total.hours) == (counts, hours)
    assert total.volume == 3


def _labels(page) -> set[str]:
    return {r.label for r in page.context["rows"]}


def test_dashboard_figures_are_limited_to_the_scope(client_for, handled):
    county = handled
    url = reverse("appeals:dashboard")
    # the supervisor first: its county table is in the cache afterwards
    sup = client_for(county["supervisor"]).get(url)
    assert _labels(sup) == {"甲派出所", "乙派出所"}
    assert sup.context["total"].volume == 6
    a = client_for(county["leader_a"]).get(url)
    assert _labels(a) == {"甲派出所"} and a.context["total"].volume == 3
    b = client_for(county["leader_b"]).get(url)
    assert _labels(b) == {"乙派出所"} and b.context["total"].volume == 1
    assert "甲派出所" not in b.content.decode()
    by_cat = client_for(county["leader_b"]).get(url, {"group_by": "category"})
    assert [(r.label, r.volume) for r in by_cat.context["rows"]] == [("噪音扰民", 1)]
    csv = client_for(county["leader_b"]).get(url, {"format": "csv"}).content.decode()
    assert "乙派出所" in csv and "甲派出所" not in csv
    analyst = client_for(county["analyst"]).get(url)
    assert _labels(analyst) == {"甲派出所", "乙派出所"}
    # a second look of the leader is served from the cache and is still its own
    again = client_for(county["leader_a"]).get(url)
    assert _labels(again) == {"甲派出所"} and again.context["total"].volume == 3


def test_scopes_of_figures(county):
    assert metrics.figures_scope(county["supervisor"]) == {}
    assert metrics.figures_scope(county["analyst"]) == {}
    assert metrics.figures_scope(county["leader_a"]) == {"unit_id": county.sta.pk}
    assert metrics.figures_scope(county["leader_b"]) == {"unit_id": county.stb.pk}
    assert metrics.figures_scope(county["liaison_a"]) == {
        "department_id": county["liaison_a"].department_id
    }
    assert metrics.figures_scope(county["auditor"]) is None
    assert metrics.figures_scope(county["admin"]) is None


def test_cached_figures_are_those_of_the_aggregates_now(client_for, handled, cats):
    county = handled
    url = reverse("appeals:dashboard")
    c = client_for(county["supervisor"])
    before = c.get(url).context
    fresh_rows, fresh_total = metrics.metrics_report(
        group_by="unit", **_default_months()
    )
    assert [r.as_dict() for r in before["rows"]] == [r.as_dict() for r in fresh_rows]
    assert before["total"].as_dict() == fresh_total.as_dict()
    _handle(county, cats, IN_B, rating=(True, "satisfied"))
    assert c.get(url).context["total"].volume == 6  # not refreshed yet
    metrics.metrics_refresh()
    after = c.get(url).context
    assert after["total"].volume == 7
    assert {r.label: r.volume for r in after["rows"]}["乙派出所"] == 2


def _default_months() -> dict:
    today = timezone.localdate()
    return {
        "month_from": today.replace(day=1) - dt.timedelta(days=365),
        "month_to": today,
    }


def test_dashboard_trends_and_overdue_are_scoped(client_for, county, cats):
    now = timezone.now()
    made = [submit(cats.order, point=IN_A).appeal for _i in range(3)]
    made += [submit(cats.order, point=IN_B).appeal for _i in range(4)]
    Appeal.objects.filter(pk=made[0].pk).update(escalated_at=now)
    url = reverse("appeals:dashboard")
    sup = client_for(county["supervisor"]).get(url).context
    assert {t.label for t in sup["trends"]["units"]} == {"甲派出所", "乙派出所"}
    assert [a.pk for a in sup["overdue"]] == [made[0].pk]
    b = client_for(county["leader_b"]).get(url).context
    assert {t.label for t in b["trends"]["units"]} == {"乙派出所"}
    assert b["overdue"] == []
    a = client_for(county["leader_a"]).get(url).context
    assert {t.label for t in a["trends"]["units"]} == {"甲派出所"}
    assert [x.pk for x in a["overdue"]] == [made[0].pk]


def test_trends_count_like_the_rows(county, cats):
    today = timezone.localdate()
    noon = timezone.make_aware(dt.datetime.combine(today, dt.time(12)))
    ages = [0, 1, 2, 3, 6, 8, 9, 15, 20, 27, 33, 40]
    for i, days in enumerate(ages):
        point = (IN_A, IN_B, (120.055, 30.051))[i % 3]
        a = submit(cats.order if i % 2 else cats.urgent, point=point).appeal
        Appeal.objects.filter(pk=a.pk).update(created_at=noon - dt.timedelta(days=days))
    for user in ("supervisor", "leader_a", "analyst"):
        viewer = county[user]
        got = selectors.trends_weekly(viewer=viewer, today=today, minimum=1)
        want = _reference_trends(viewer, today)
        for key in ("categories", "units", "places"):
            assert [(t.label, t.this_week, t.weekly_before) for t in got[key]] == (
                want[key]
            ), (user, key)
        cached = selectors.trends_weekly(viewer=viewer, today=today, minimum=1)
        assert cached == got


def _reference_trends(viewer, today):
    end = selectors.day_start(today + dt.timedelta(days=1))
    start = end - dt.timedelta(days=7)
    base = end - dt.timedelta(days=35)
    rows = (
        Appeal.objects.all()
        if viewer.role == "analyst"
        else selectors.scoping.visible(viewer, Appeal.objects.all())
    )
    slots: dict = {"categories": {}, "units": {}, "places": {}}
    for a in rows.filter(created_at__gte=base, created_at__lt=end):
        recent = 0 if a.created_at >= start else 1
        keys = [
            ("categories", a.category.name if a.category else "—"),
            ("units", a.unit.name if a.unit else "—"),
        ]
        if a.lon is not None:
            keys.append(("places", f"{round(a.lat, 2):.2f}N {round(a.lon, 2):.2f}E"))
        for kind, label in keys:
            slots[kind].setdefault(label, [0, 0])[recent] += 1
    out = {}
    for kind, found in slots.items():
        trends = [(label, now, before / 4) for label, (now, before) in found.items()]
        trends = [t for t in trends if t[1] >= 1]
        out[kind] = sorted(trends, key=lambda t: (-(t[1] - t[2]), t[0]))[:10]
    return out


# --- query budgets ------------------------------------------------------------


def test_dashboard_query_budget(client_for, handled, django_assert_max_num_queries):
    url = reverse("appeals:dashboard")
    c = client_for(handled["supervisor"])
    with django_assert_max_num_queries(16):  # cold: figures, trends computed
        c.get(url)
    with django_assert_max_num_queries(4):  # warm: kept parts (ADR 130)
        c.get(url)


def test_list_and_search_query_budget(
    client_for, county, cats, django_assert_max_num_queries
):
    _make_texts()
    c = client_for(county["officer_a"])
    url = reverse("appeals:console_list")
    with django_assert_max_num_queries(10):  # names prefetched: 4 small queries
        c.get(url)
    # PostgreSQL: + the index statistics and the number/phone look-up
    with django_assert_max_num_queries(10):
        c.get(url, {"q": "琉璃瓦"})

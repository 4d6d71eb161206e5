"""Growth: how the staff's reads cost as appeals pile up (10k → 100k → 1M).

A throwaway database gets the demo county, then appeals are added in steps up to
each size with ``bulk_create`` (realistic spread: busier stations and categories,
36 months with a seasonal swing, statuses by age, 15 % forwarded to departments,
ratings on most closed appeals). At each size the appeals app's own read functions
are timed (median of ``--repeat`` runs after a warm-up):

* the supervisor's dashboard (as served, its figures and trends cached per
  scope, and with the cache emptied first) and the three rates (response,
  resolution, satisfaction) for the last 12 months, per unit;
* an officer's work list (first page, as the console shows it);
* search (first page, and the list page with its capped count) for a common and a
  rare word.

Baseline, same run and size: fetching one appeal by primary key (the round trip
every query pays). Target: each query < 300 ms at 1M appeals on PostgreSQL. The
curve (time per size) is printed at the end.

Run alone: ``python -m bench.bench_growth [--sizes 10000,100000,1000000]
[--database postgres|sqlite] [--smoke]``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable
from urllib.parse import quote

import numpy as np

from . import _harness as h

TEXTS = [
    ("噪音", "{place}附近施工噪音扰民到深夜，希望派出所协调处理。"),
    ("停车", "{place}有车辆长期乱停放，堵塞消防通道，请处理。"),
    ("户口", "请问在{place}办理户口迁移需要哪些材料？"),
    ("身份证", "在{place}补领身份证需要多长时间？能否加急？"),
    ("诈骗", "接到自称公检法的电话要求转账，地点{place}，请核实。"),
    ("盗窃", "{place}小区电动车被盗，监控已保存，请尽快出警。"),
    ("纠纷", "{place}邻里因漏水发生纠纷，双方争吵，请调解。"),
    ("交通", "{place}路口红绿灯时间太短，老人过马路困难，建议调整。"),
    ("建议", "建议在{place}增加夜间巡逻，提升安全感。"),
    ("求助", "家中老人在{place}走失，穿蓝色外套，请帮忙寻找。"),
]
PLACES = ["人民路", "迎宾大道", "湖滨路", "西山路", "沿江东路", "岭下村", "文教路"]
RARE_WORD = "琉璃瓦"  # appears in one appeal in 10,000


def zipf_weights(n: int, s: float = 1.1) -> np.ndarray:
    w = 1 / np.arange(1, n + 1) ** s
    return w / w.sum()


class Seeder:
    """Adds appeals (and their ratings) in chunks until a target size."""

    def __init__(self, seed: int = 5):
        from jingmin.appeals.models import Appeal, Category
        from jingmin.org.models import Department, Unit

        self.rng = np.random.default_rng(seed)
        self.units = list(
            Unit.objects.filter(kind=Unit.Kind.STATION).values_list("id", flat=True)
        ) or list(Unit.objects.values_list("id", flat=True))
        self.departments = list(Department.objects.values_list("id", flat=True))
        self.categories = list(
            Category.objects.filter(parent__isnull=False).values_list("id", flat=True)
        ) or list(Category.objects.values_list("id", flat=True))
        if not self.categories:
            self.categories = [
                Category.objects.create(code=f"bench-{i}", name=f"基准类别{i}").id
                for i in range(20)
            ]
        self.count = Appeal.objects.count()
        self.now = dt.datetime.now(dt.UTC)

    def grow_to(self, size: int, chunk: int = 10_000) -> float:
        start = time.perf_counter()
        while self.count < size:
            self._chunk(min(chunk, size - self.count))
        return time.perf_counter() - start

    def _chunk(self, n: int) -> None:
        from django.db import transaction

        from jingmin.appeals.models import Appeal, FollowUp

        rng, S = self.rng, Appeal.Status
        # seasonal: more appeals in summer; 36 months back from now
        days = rng.triangular(0, 0, 1095, n) if n else np.array([])
        days = np.clip(days + 20 * np.sin(days / 365 * 2 * np.pi), 0, 1095)
        seconds = (days * 86400 + rng.integers(0, 86400, n)).astype(np.int64)
        units = rng.choice(self.units, n, p=zipf_weights(len(self.units), 0.6))
        cats = rng.choice(self.categories, n, p=zipf_weights(len(self.categories)))
        texts = rng.integers(0, len(TEXTS), n)
        places = rng.integers(0, len(PLACES), n)
        forwarded = rng.random(n) < 0.15
        depts = rng.choice(self.departments or [None], n)
        kinds = rng.choice(
            [k for k, _ in Appeal.Kind.choices], n, p=[0.25, 0.1, 0.2, 0.35, 0.1]
        )
        on_time = rng.random(n) < 0.88
        rated = rng.random(n) < 0.7
        sat = rng.choice(
            ["satisfied", "basically", "dissatisfied"], n, p=[0.7, 0.2, 0.1]
        )
        rare = rng.random(n) < 1e-4
        appeals, ratings = [], []
        for i in range(n):
            seq = self.count + i + 1
            created = self.now - dt.timedelta(seconds=int(seconds[i]))
            age_days = days[i]
            if age_days > 30:
                status = S.CLOSED if on_time[i] or i % 3 else S.REPLIED
            else:
                status = [S.RECEIVED, S.ASSIGNED, S.ACCEPTED, S.REPLIED, S.CLOSED][
                    seq % 5
                ]
            if forwarded[i] and status in (S.ASSIGNED, S.ACCEPTED):
                status = S.FORWARDED
            reply_due = created + dt.timedelta(days=7)
            replied = status in (S.REPLIED, S.CLOSED)
            replied_at = (
                reply_due - dt.timedelta(days=3)
                if on_time[i]
                else reply_due + dt.timedelta(days=2)
            )
            topic, template = TEXTS[texts[i]]
            body = template.format(place=PLACES[places[i]])
            if rare[i]:
                body += f"屋顶{RARE_WORD}脱落，存在安全隐患。"
            appeals.append(
                Appeal(
                    number=f"B{seq:012d}",
                    secret_digest=hashlib.sha256(f"bench-{seq}".encode()).hexdigest(),
                    kind=kinds[i],
                    title=f"{topic}问题",
                    body=body,
                    source="web",
                    category_id=int(cats[i]),
                    status=status,
                    triage_class="police_duty",
                    unit_id=int(units[i]),
                    forwarded_to_id=(
                        int(depts[i]) if forwarded[i] and depts[i] is not None else None
                    ),
                    dispatched_at=created + dt.timedelta(minutes=30),
                    accept_due=created + dt.timedelta(hours=2),
                    reply_due=reply_due,
                    accepted_at=created + dt.timedelta(hours=1)
                    if status != S.RECEIVED
                    else None,
                    accepted_on_time=True if status != S.RECEIVED else None,
                    replied_at=replied_at if replied else None,
                    replied_on_time=bool(on_time[i]) if replied else None,
                    closed_at=replied_at + dt.timedelta(days=1)
                    if status == S.CLOSED
                    else None,
                    created_at=created,
                    updated_at=created,
                )
            )
        with transaction.atomic():
            Appeal.objects.bulk_create(appeals, batch_size=2000)
            for i, appeal in enumerate(appeals):
                if appeal.status == S.CLOSED and rated[i]:
                    ratings.append(
                        FollowUp(
                            appeal_id=appeal.pk,
                            resolved=sat[i] != "dissatisfied",
                            satisfaction=sat[i],
                            channel="web",
                            created_at=appeal.closed_at,
                        )
                    )
            FollowUp.objects.bulk_create(ratings, batch_size=5000)
        self.count += n


# --------------------------------------------------------------------- the reads


def _page(client, url: str) -> int:
    response = client.get(url)
    if response.status_code != 200:
        raise AssertionError(f"{url} answered {response.status_code}")
    return len(response.content)


def queries(report: h.Report) -> dict[str, Callable[[], object]]:
    """The appeals app's own reads and pages, as the staff reach them."""
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from jingmin.accounts.models import User
    from jingmin.appeals import metrics, selectors
    from jingmin.appeals.models import Appeal

    supervisor = User.objects.filter(role="supervisor").first()
    officer = User.objects.filter(role="officer", unit__isnull=False).first()
    today = dt.date.today()
    since = today.replace(day=1) - dt.timedelta(days=335)
    first = Appeal.objects.order_by("pk").values_list("pk", flat=True).first()
    clients = {}
    for who, user in (("supervisor", supervisor), ("officer", officer)):
        clients[who] = Client()
        clients[who].force_login(
            user, backend="django.contrib.auth.backends.ModelBackend"
        )

    def search(word: str) -> Callable[[], object]:
        f = selectors.AppealFilters(q=word)
        return lambda: list(
            selectors.appeal_list_for(viewer=supervisor, filters=f)[:50]
        )

    dashboard = reverse("appeals:dashboard")
    work_list = reverse("appeals:console_list")

    def cold(url: str) -> Callable[[], object]:
        """The page with its cached figures and trends dropped first (ADR 097)."""

        def run() -> int:
            cache.clear()
            return _page(clients["supervisor"], url)

        return run

    return {
        "baseline: one appeal by pk": lambda: Appeal.objects.get(pk=first),
        "dashboard page (supervisor)": lambda: _page(clients["supervisor"], dashboard),
        "dashboard page (supervisor), cache emptied": cold(dashboard),
        "three rates per unit, 12 months": lambda: metrics.metrics_table(
            group_by="unit", month_from=since, month_to=today
        ),
        "officer work list page": lambda: _page(clients["officer"], work_list),
        "officer work list, first 50": lambda: list(
            selectors.appeal_list_for(viewer=officer)[:50]
        ),
        "search '噪音' (common), first 50": search("噪音"),
        f"search '{RARE_WORD}' (rare), first 50": search(RARE_WORD),
        "search page '噪音' (supervisor)": lambda: _page(
            clients["supervisor"], f"{work_list}?q=%E5%99%AA%E9%9F%B3"
        ),
        f"search page '{RARE_WORD}' (supervisor)": lambda: _page(
            clients["supervisor"], f"{work_list}?q={quote(RARE_WORD)}"
        ),
    }


def explain(report: h.Report, name: str, fn: Callable[[], object]) -> None:
    """Where a read over the target spends its time: its slowest SQL statements and
    the project's functions by share (pyinstrument)."""
    sql = h.slowest_sql(fn)
    hot = h.pyinstrument_hot(fn)
    report.note(
        f"why {name} is slow: slowest SQL "
        + "; ".join(f"{ms:.0f} ms `{text[:160]}`" for ms, text in sql)
        + " — profile: "
        + hot
    )


def refresh_aggregates() -> Callable[[], object]:
    from jingmin.appeals import metrics

    return lambda: metrics.metrics_refresh(full=True)


def main(argv: list[str] | None = None) -> int:
    p = h.parser(__doc__.split("\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--database", default="postgres", choices=["postgres", "sqlite"])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--target-ms", type=float, default=300)
    args = p.parse_args(argv)
    if args.smoke:
        args.sizes, args.repeat = "200", 1
    sizes = sorted(int(s) for s in args.sizes.split(","))
    kind = (h.chosen_databases(args.database) or ["sqlite"])[0]

    with h.throwaway_database(kind, f"jm_bench_growth_{os.getpid()}") as (url, var):
        label = h.database_label(url)
        seconds, how = h.seed_demo(kind, url, var)
        os.environ["DEBUG"] = "False"  # no query log, production templates
        h.django_for(url, var, migrate=False)
        report = h.Report(f"Growth on {label}: appeals {', '.join(map(str, sizes))}")
        report.note(f"demo county {how} in {seconds:.1f} s")
        seeder = Seeder()
        curve: dict[str, dict[int, float]] = {}
        reads = None
        refresh = refresh_aggregates()
        for size in sizes:
            took = seeder.grow_to(size)
            report.note(f"seeded to {seeder.count:,} appeals in {took:.1f} s")
            t = h.time_call(refresh, repeat=1, warmup=0).median
            report.add(f"aggregate refresh (full) @{size:,}", t * 1e3, "ms")
            if kind == "postgres":
                from django.db import connection

                # what autovacuum does to a live table soon after a bulk load:
                # statistics, and the visibility map that index-only scans need
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE appeals_appeal")
                    cursor.execute("ANALYZE")
                # and a server reads those statistics again within STATS_SECONDS;
                # this process grew the table 10x in less than that (ADR 095)
                from jingmin.appeals import selectors

                selectors._stats.clear()
            reads = reads or queries(report)
            base = h.time_call(reads["baseline: one appeal by pk"], repeat=args.repeat)
            for name, fn in reads.items():
                t = h.time_call(fn, repeat=args.repeat).median
                curve.setdefault(name, {})[size] = t
                big = size >= 1_000_000 and kind == "postgres"
                is_base = name.startswith("baseline")
                report.add(
                    f"{name} @{size:,}",
                    t * 1e3,
                    "ms",
                    baseline=None if is_base else base.median * 1e3,
                    higher_is_better=False,
                    target=f"< {args.target_ms:g} ms" if big and not is_base else "",
                    ok=(t * 1e3 < args.target_ms) if big and not is_base else None,
                )
                if size == sizes[-1] and not is_base and t * 1e3 >= args.target_ms:
                    explain(report, name, fn)
        lines = ["curve (ms): " + " | ".join(f"{s:,}" for s in sizes)]
        for name, points in curve.items():
            lines.append(
                f"{name}: "
                + " | ".join(f"{points.get(s, float('nan')) * 1e3:.1f}" for s in sizes)
            )
        for line in lines:
            report.note(line)
    return h.finish([report], args, title="bench_growth", databases=label)


if __name__ == "__main__":
    raise SystemExit(main())

"""Service catalogue: Chinese search, time-promise statistics, appointment booking.

On a throwaway database with the demo county's units and the 45 demo guides
(cloned to ``--guides`` so the index has a realistic size):

* search: latency p50/p99 of ``guide_search`` over the citizen questions of the
  relevance test; baseline: a plain ``name LIKE %q%`` query of the same questions
  (what a search box without tokenising would cost — and find far less);
* relevance: share of questions whose expected guide is in the top three;
* statistics: ``promise_table`` over ``--applications`` applications (working days,
  per guide and unit); baseline: reading the same rows without computing;
* booking: sequential bookings/s through ``appointment_book`` (row lock, count,
  encryption, audit); baseline: the same number of bare audit events;
* race (PostgreSQL): ``--racers`` threads booking the last place of a slot at
  once, repeated; every round must have exactly one winner.

Run alone: ``python -m bench.bench_catalogue [--databases postgres,sqlite] [--smoke]``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import threading

from . import _harness as h


def seed(guides: int, applications: int) -> dict:
    from jingmin.catalogue import demo, services
    from jingmin.catalogue.models import Application, ServiceGuide
    from jingmin.catalogue.tests.test_search import QUESTIONS
    from jingmin.org import demo as org_demo
    from jingmin.org.models import Unit

    org_demo.seed()
    demo.seed_guides()
    originals = [
        g for g in demo.G if not g.get("department") and not g.get("responsible_text")
    ]
    n = 0
    while ServiceGuide.objects.count() < guides:
        spec = originals[n % len(originals)]
        n += 1
        draft = demo.content_of(spec, {})
        draft.update(
            name=f"{spec['name']}（{n}）",
            change_summary="首次发布",
            effective_date="2025-01-01",
        )
        guide = services.guide_create(
            code=f"{spec['code']}-{n}", area=spec["area"], actor=None, content=draft
        )
        services.guide_publish(guide=guide, actor=None)
    rng = random.Random(3)
    ids = list(
        ServiceGuide.objects.filter(responsible_department__isnull=True).values_list(
            "pk", flat=True
        )
    )
    units = list(Unit.objects.values_list("pk", flat=True))
    today = dt.date(2026, 11, 30)
    rows = []
    for _ in range(applications):
        received = today - dt.timedelta(days=rng.randint(1, 365))
        rows.append(
            Application(
                guide_id=rng.choice(ids),
                unit_id=rng.choice(units),
                received_on=received,
                completed_on=received + dt.timedelta(days=rng.randint(0, 40)),
                visits=rng.randint(0, 2),
                source="import",
            )
        )
    Application.objects.bulk_create(rows, batch_size=2000)
    return {"questions": QUESTIONS}


def bench_search(report: h.Report, questions: list, repeat: int) -> None:
    from jingmin.catalogue.models import ServiceGuide
    from jingmin.catalogue.selectors import guide_search

    guide_search(query="预热")  # jieba loads its dictionary once per process

    def like(i: int) -> object:
        q = questions[i % len(questions)][0]
        return list(ServiceGuide.objects.filter(current_version__name__contains=q))

    def full(i: int) -> object:
        return guide_search(query=questions[i % len(questions)][0])

    n = len(questions) * repeat
    base = h.time_each(like, n)
    search = h.time_each(full, n)
    report.add("search: name LIKE (baseline) p50", base.pct(50) * 1e3, "ms")
    report.add(
        "search: guide_search p50",
        search.pct(50) * 1e3,
        "ms",
        baseline=base.pct(50) * 1e3,
        higher_is_better=False,
    )
    report.add(
        "search: guide_search p99",
        search.pct(99) * 1e3,
        "ms",
        baseline=base.pct(99) * 1e3,
        higher_is_better=False,
        target="≤ 100 ms",
        ok=search.pct(99) <= 0.1,
    )

    def is_expected(code: str, expected: str) -> bool:
        # clones are named <code>-<n> and carry the same text
        return code == expected or (
            code.startswith(expected + "-") and code.rsplit("-", 1)[1].isdigit()
        )

    hits = sum(
        any(is_expected(g.code, expected) for g in guide_search(query=q)[:3])
        for q, expected in questions
    )
    found_by_like = sum(bool(like(i)) for i in range(len(questions)))
    report.add(
        "relevance: expected guide in top 3",
        100 * hits / len(questions),
        "%",
        baseline=100 * found_by_like / len(questions),
        target="100 %",
        ok=hits == len(questions),
        note="a clone of the expected guide counts; baseline: questions for "
        "which LIKE finds anything at all",
    )


def bench_stats(report: h.Report, repeat: int) -> None:
    from jingmin.catalogue.models import Application
    from jingmin.catalogue.selectors import promise_table

    applications = Application.objects.all()
    count = applications.count()

    def read() -> object:
        return list(
            applications.values(
                "guide_id", "unit_id", "received_on", "completed_on", "visits"
            )
        )

    base = h.time_call(read, repeat=repeat)
    table = h.time_call(
        lambda: promise_table(applications, by_unit=True, public=False), repeat=repeat
    )
    report.add(f"statistics: read {count:,} rows (baseline)", base.median * 1e3, "ms")
    report.add(
        f"statistics: promise_table over {count:,}",
        table.median * 1e3,
        "ms",
        baseline=base.median * 1e3,
        higher_is_better=False,
    )


def _slot(capacity: int, hour: int):
    from jingmin.catalogue import services
    from jingmin.catalogue.models import AppointmentSlot, ServiceGuide
    from jingmin.core.calendar import is_workday
    from jingmin.org.models import Unit

    day = dt.date.today() + dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    unit = Unit.objects.get(code="zhengwu")
    guide = ServiceGuide.objects.get(code="hukou-id-lost")
    services.slots_create(
        unit=unit,
        guide=guide,
        window=f"bench-{hour}-{capacity}",
        first_day=day,
        days=1,
        times=[(dt.time(hour % 24), dt.time(hour % 24, 59))],
        capacity=capacity,
        actor=None,
    )
    return AppointmentSlot.objects.filter(window=f"bench-{hour}-{capacity}").latest(
        "pk"
    )


def bench_booking(report: h.Report, bookings: int) -> None:
    from jingmin.audit.services import event_record
    from jingmin.catalogue import services

    slot = _slot(bookings, 9)
    base = h.time_each(
        lambda i: event_record(actor=None, action="bench.baseline", changes={"i": i}),
        bookings,
    )
    booked = h.time_each(
        lambda i: services.appointment_book(
            slot_id=slot.pk, name="测试", phone=f"139{i:08d}"
        ),
        bookings,
    )
    base_rate = bookings / sum(base.samples)
    rate = bookings / sum(booked.samples)
    report.add("booking: bare audit event (baseline)", base_rate, "ops/s")
    report.add("booking: appointment_book", rate, "ops/s", baseline=base_rate)


def _race_round(slot_id: int, racers: int, round_: int) -> int:
    """Start ``racers`` threads booking the same slot at once; return the winners."""
    from django.db import connections

    from jingmin.catalogue import services

    barrier = threading.Barrier(racers)
    results: list[bool] = []

    def race(i: int) -> None:
        try:
            barrier.wait()
            services.appointment_book(
                slot_id=slot_id, name="测试", phone=f"137{round_:04d}{i:04d}"
            )
            results.append(True)
        except services.SlotFull:
            results.append(False)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(results)


def bench_race(report: h.Report, racers: int, rounds: int) -> None:
    winners = [_race_round(_slot(1, 10 + n).pk, racers, n) for n in range(rounds)]
    report.add(
        f"race: rounds with exactly one winner ({racers} threads)",
        100 * sum(w == 1 for w in winners) / rounds,
        "%",
        target="100 %",
        ok=all(w == 1 for w in winners),
    )


def main(argv: list[str] | None = None) -> int:
    p = h.parser(__doc__.split("\n")[0])
    h.databases_arg(p, default="sqlite")
    p.add_argument("--guides", type=int, default=500)
    p.add_argument("--applications", type=int, default=100_000)
    p.add_argument("--bookings", type=int, default=300)
    p.add_argument("--racers", type=int, default=8)
    p.add_argument("--rounds", type=int, default=20)
    args = p.parse_args(argv)
    repeat = 5
    if args.smoke:
        args.guides, args.applications, args.bookings = 45, 500, 10
        args.rounds, repeat = 2, 1
    kinds = h.chosen_databases(args.databases)
    if len(kinds) > 1:
        # Django is configured once per process: one database per run.
        kinds = kinds[:1]
    kind = kinds[0] if kinds else "sqlite"
    with h.throwaway_database(kind, f"jm_bench_catalogue_{os.getpid()}") as (url, var):
        label = h.database_label(url)
        h.django_for(url, var)
        started = h.time_call(
            lambda: seed(args.guides, args.applications), repeat=1, warmup=0
        )
        from jingmin.catalogue.tests.test_search import QUESTIONS

        report = h.Report(
            f"Catalogue on {label}: {args.guides} guides, {args.applications:,} applications"
        )
        report.note(f"seeded in {started.median:.1f} s")
        bench_search(report, QUESTIONS, repeat)
        bench_stats(report, repeat)
        bench_booking(report, args.bookings)
        if kind == "postgres":
            bench_race(report, args.racers, args.rounds)
        else:
            report.note("race: PostgreSQL only (see --databases postgres)")
    return h.finish([report], args, title="bench_catalogue", databases=label)


if __name__ == "__main__":
    raise SystemExit(main())

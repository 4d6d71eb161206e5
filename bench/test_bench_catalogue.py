"""bench_catalogue runs at tiny sizes inside the suite so it cannot rot (no timing
assertions: only that it runs and prints its figures)."""

from __future__ import annotations

from bench.test_bench_smoke import figure, run_bench, smoke_database


def test_catalogue_bench_prints_search_statistics_and_booking_figures():
    out = run_bench("bench_catalogue", "--databases", smoke_database(), timeout=120)
    assert figure(out, "search: guide_search p50") > 0
    assert figure(out, "relevance: expected guide in top 3") > 0
    assert figure(out, "statistics: promise_table") > 0
    assert figure(out, "booking: appointment_book") > 0

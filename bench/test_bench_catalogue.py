"""bench_catalogue runs at tiny sizes inside the suite so it cannot rot (no timing
assertions: only that it runs and prints its figures)."""

from __future__ import annotations

import os
import subprocess
import sys

from bench import _harness as h


def figure(out: str, name: str) -> float:
    """The value column of the first table row whose figure starts with ``name``."""
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith(name):
            return float(cells[1].replace(",", ""))
    raise AssertionError(f"no figure {name!r} in:\n{out}")


def test_catalogue_bench_prints_search_statistics_and_booking_figures():
    database = (
        "postgres"
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else "sqlite"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_catalogue",
            "--smoke",
            "--databases",
            database,
        ],
        cwd=h.ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert figure(out.stdout, "search: guide_search p50") > 0
    assert figure(out.stdout, "relevance: expected guide in top 3") > 0
    assert figure(out.stdout, "statistics: promise_table") > 0
    assert figure(out.stdout, "booking: appointment_book") > 0

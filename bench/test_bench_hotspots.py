"""bench_hotspots runs at tiny sizes inside the suite so it cannot rot (no timing
assertions: only that it runs, prints its figures and checks what it must)."""

from __future__ import annotations

import os

from bench.test_bench_smoke import figure, run_bench


def smoke_database() -> str:
    """PostgreSQL when the suite itself runs on it, else SQLite."""
    return (
        "postgres"
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else "sqlite"
    )


def test_hotspots_bench_prints_gi_knox_import_and_pai():
    out = run_bench("bench_hotspots", "--databases", smoke_database(), timeout=240)
    assert figure(out, "Gi* ours 100×100 queen") > 0
    assert figure(out, "Gi* max abs diff z ours vs esda") <= 1e-9
    assert figure(out, "Knox 500 incidents × 19 permutations") > 0
    assert figure(out, "import 2,000 rows CSV") > 0
    assert figure(out, "import peak RSS") > 0
    assert figure(out, "PAI nij-portland:crimes_bur.csv") > 0

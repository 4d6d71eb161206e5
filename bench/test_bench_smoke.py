"""Every benchmark runs at tiny sizes inside the suite, so none can rot.

These check that the benchmarks run and print their figures, never how fast: a
timing assertion here would fail on a busy machine and prove nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.test import RequestFactory
from django.urls import Resolver404, resolve

from bench import _harness as h
from bench import run_all


@pytest.fixture(scope="module")
def seeded():
    """The county and its staff seeded once (SQLite) for every benchmark here."""
    with h.seeded_templates(["sqlite"], apps=["org", "accounts"]) as made:
        yield made


def run_bench(name: str, *args: str, timeout: float = 60) -> str:
    out = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--smoke", *args],
        cwd=h.ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return out.stdout


def figure(out: str, name: str) -> float:
    """The value column of the first table row whose figure starts with ``name``."""
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith(name):
            value = cells[1].replace(",", "")
            return float(value[:-2]) * 1e6 if value.endswith(" M") else float(value)
    raise AssertionError(f"no figure {name!r} in:\n{out}")


def test_routing_prints_batch_single_and_the_exact_baseline():
    out = run_bench("bench_routing")
    assert figure(out, "exact STRtree batch (baseline)") > 0
    assert figure(out, "lookup_many batch") > 0
    assert figure(out, "lookup single p99") > 0
    assert figure(out, "grid build") > 0
    assert "same answers" in out  # every answer is checked against the exact test


@pytest.mark.live
def test_http_serves_both_ceilings_and_notes_missing_endpoints(seeded):
    out = run_bench("bench_http", "--databases", "sqlite", timeout=120)
    assert figure(out, "ceiling: bare JSON view @4") > 0
    assert figure(out, "ceiling: one durable insert @4") > 0
    assert figure(out, "worker 1 peak RSS") > 0
    # every real endpoint is either measured or skipped with its reason
    for name in ["POST /api/v1/appeals", "tracking page", "Open311 requests.json"]:
        assert f"| {name}" in out or f"skipped {name}" in out


def test_run_all_finds_every_benchmark_and_each_follows_the_convention():
    names = run_all.discover()
    assert {"bench_http", "bench_routing"} <= set(names)
    assert "test_bench_smoke" not in names
    missing = [n for n in names if not run_all.has_main(n)]
    assert missing == [], f"benchmarks without main(argv=None): {missing}"
    assert run_all.discover(["routing"]) == ["bench_routing"]


def test_record_appends_date_machine_commit_and_databases(tmp_path):
    path = tmp_path / "RESULTS.md"
    h.record("bench_x", "| a | 1 |\n", databases="SQLite 3", path=path)
    h.record("bench_y", "| b | 2 |\n", databases="SQLite 3", path=path)
    text = path.read_text()
    assert text.startswith("# Benchmark results")
    assert text.count("## ") == 2 and text.index("bench_x") < text.index("bench_y")
    assert "CST" in text and "cores" in text and "GiB" in text
    assert "commit " in text and "databases: SQLite 3" in text


def test_report_marks_a_missed_target_and_the_ratio():
    r = h.Report("t")
    r.add("base", 100.0, "req/s")
    r.add("real", 40.0, "req/s", baseline=100.0, target="≥ 60 %", ok=False)
    text = r.render()
    assert "| real | 40.00 | req/s | 100 | 40% | ≥ 60 % | **NO** |" in text
    assert [f.name for f in r.missed()] == ["real"]


def test_percentile_is_nearest_rank():
    samples = list(range(1, 101))
    assert h.percentile(samples, 50) == 50
    assert h.percentile(samples, 99) == 99
    assert h.percentile([7.0], 99) == 7.0


def test_wrk_script_quotes_bodies_and_marks_each_request():
    body = json.dumps({"body": '引号 " 和 \\ __N__'}, ensure_ascii=False)
    lua = h.wrk_script([h.Request("/x", "POST", body, {"K": "k-__N__"})], "run1")
    assert '"POST"' in lua and "__N__" in lua and "WRKJSON" in lua
    assert '\\"' in lua  # the quote inside the JSON body is escaped for Lua


def test_bench_views_are_not_mounted_without_the_switch():
    with pytest.raises(Resolver404):
        resolve("/bench/read")


@pytest.mark.django_db(transaction=True)
def test_write_ceiling_inserts_one_row_in_a_transaction():
    from django.db import connection

    from jingmin.core import benchviews

    rf = RequestFactory()
    read = benchviews.ceiling_read(rf.get("/bench/read"))
    assert read.status_code == 200 and json.loads(read.content)["ok"] is True
    request = rf.post("/bench/write", '{"body": "x"}', content_type="application/json")
    assert benchviews.ceiling_write(request).status_code == 201
    bad = rf.post("/bench/write", "{", content_type="application/json")
    assert benchviews.ceiling_write(bad).status_code == 400
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {benchviews.TABLE}")  # noqa: S608
        assert cursor.fetchone()[0] == 1
        cursor.execute(f"DROP TABLE {benchviews.TABLE}")
    benchviews._ready.clear()


def test_memory_reports_the_import_against_an_idle_process(seeded):
    out = run_bench("bench_memory", "--database", "sqlite", timeout=120)
    assert "failed" not in out
    if "skipped the incident import" not in out:
        assert figure(out, "django.setup() alone: peak RSS (baseline)") > 0
        assert figure(out, "import of 500 incidents: peak RSS") > 0


def test_growth_seeds_and_times_the_reads_at_a_tiny_size(seeded):
    out = run_bench("bench_growth", "--database", "sqlite", timeout=120)
    assert figure(out, "baseline: one appeal by pk @200") > 0
    assert "seeded to " in out and "aggregate refresh" in out
    assert "curve (ms)" in out

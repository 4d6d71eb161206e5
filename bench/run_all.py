"""`make bench`: run every bench/bench_*.py and append the run to bench/RESULTS.md.

Each module is run in its own process (``main(argv)``, the convention every
benchmark follows), so one benchmark's Django set-up, database and memory cannot
skew the next, and its peak RSS is its own. A module that fails is reported and the
run goes on; the exit status is non-zero if any failed.

    python -m bench.run_all                      # everything, recorded
    python -m bench.run_all --only http,routing  # a subset
    python -m bench.run_all --list               # what would run
    python -m bench.run_all --no-record          # print only
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import time
from pathlib import Path

from . import _harness as h

BENCH_DIR = Path(__file__).resolve().parent
FIRST = ["bench_http", "bench_growth", "bench_routing", "bench_memory"]
# these clone one demo county seeded at the start instead of seeding their own
NEEDS_DEMO = {"bench_http", "bench_memory", "bench_growth"}
RUNNER = (
    "import importlib, sys; m = importlib.import_module(sys.argv[1]); "
    "sys.exit(m.main(sys.argv[2:]) or 0)"
)


def discover(only: list[str] | None = None) -> list[str]:
    """Names (bench_x) of the benchmark modules: the platform-wide ones first (the
    issue's headline figures), then the apps' own, alphabetically."""
    names = sorted(
        (p.stem for p in BENCH_DIR.glob("bench_*.py")),
        key=lambda n: (FIRST.index(n) if n in FIRST else len(FIRST), n),
    )
    if only:
        wanted = {o if o.startswith("bench_") else f"bench_{o}" for o in only}
        names = [n for n in names if n in wanted]
    return names


def has_main(name: str) -> bool:
    """Whether the module defines ``main`` at top level (checked without importing)."""
    tree = ast.parse((BENCH_DIR / f"{name}.py").read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "main"
        for node in tree.body
    )


def command(name: str, extra: list[str]) -> list[str]:
    if has_main(name):
        return [sys.executable, "-c", RUNNER, f"bench.{name}", *extra]
    return [sys.executable, "-m", f"bench.{name}", *extra]


def run_one(name: str, extra: list[str], timeout: float) -> tuple[int, float, str]:
    """(exit status, seconds, stdout) of one benchmark, echoing its output live."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command(name, extra),
        cwd=h.ROOT,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    lines = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line)
        if time.monotonic() > deadline:
            proc.kill()
            lines.append(f"\n(killed after {timeout:.0f} s)\n")
            break
    status = proc.wait()
    return status, time.perf_counter() - start, "".join(lines)


def section(name: str, status: int, seconds: float, out: str) -> str:
    head = f"### {name} — {seconds:.0f} s" + ("" if status == 0 else f", exit {status}")
    if "|---" in out:
        # our own tables repeat their progress notes at the end: keep the table part
        body = "\n".join(
            ln for ln in out.splitlines() if not ln.startswith("  note: ")
        ).strip()
        body = body.replace("\n### ", "\n#### ").removeprefix("### ")
        return f"{head}\n\n{body}\n"
    return f"{head}\n\n```text\n{out.strip()}\n```\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Run every benchmark in bench/.")
    p.add_argument("--only", help="comma-separated names, e.g. http,routing")
    p.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    p.add_argument("--no-record", action="store_true", help="do not append RESULTS.md")
    p.add_argument(
        "--timeout", type=float, default=600, help="seconds allowed per benchmark"
    )
    p.add_argument(
        "extra", nargs="*", help="arguments passed to every benchmark (after --)"
    )
    p.add_argument(
        "--seed-only",
        action="store_true",
        help="seed the demo templates, print the BENCH_SEEDED_* lines to export, stop",
    )
    args = p.parse_args(argv)
    names = discover(args.only.split(",") if args.only else None)
    kinds = ["sqlite"] + (["postgres"] if h.postgres_available() else [])
    if args.seed_only:
        for key, value in h.seed_templates_kept(kinds).items():
            print(f"export {key}='{value}'")
        return 0
    if args.list:
        for name in names:
            print(name + ("" if has_main(name) else "  (no main(): run with -m)"))
        return 0

    started = time.perf_counter()
    failed = []
    if not args.no_record:  # each section is appended as soon as it is done
        databases = ", ".join(
            h.database_label(h.PG_ADMIN_URL if k == "postgres" else "sqlite://")
            for k in reversed(kinds)
        )
        h.record("make bench", "", databases=databases)
    with h.seeded_templates(kinds if set(names) & NEEDS_DEMO else []):
        for name in names:
            print(f"\n== {name}", flush=True)
            status, seconds, out = run_one(name, args.extra, args.timeout)
            if not args.no_record:
                h.append_text(section(name, status, seconds, out))
            if status != 0:
                failed.append(name)
    total = time.perf_counter() - started
    summary = f"Total {total / 60:.1f} min for {len(names)} benchmarks" + (
        f"; failed: {', '.join(failed)}" if failed else ""
    )
    print(f"\n{summary}", flush=True)
    if not args.no_record:
        h.append_text(summary + "\n")
        print(f"appended to {h.RESULTS.relative_to(h.ROOT)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

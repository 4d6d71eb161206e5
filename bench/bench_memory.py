"""Memory: peak RSS of a server worker under load, and of an incident import.

* Worker: ``jingmin serve`` (as in bench_http) on a seeded throwaway database;
  baseline = a worker's RSS once warm and idle; then a mixed load (ceilings, appeal
  submission, reads, the dashboard) at 64 connections, then 16 simultaneous staff
  log-ins (password hashing is the largest single allocation a request makes).
  Figures: each worker's peak RSS (VmHWM) after each phase.
* Log-in: the password hash is the largest single allocation a request makes. Each
  in a fresh process (no server): the peak RSS growth and time of one hash and of
  ``--threads`` simultaneous hashes (one worker's threads all logging staff in) with
  the project's hasher (settings.PASSWORD_HASHERS[0]); baseline: Django's own
  Argon2PasswordHasher (m = 100 MiB, t = 2, p = 8), same run. In the worker phase:
  the serving worker's peak growth for one log-in, then each worker's peak after
  ``--logins`` parallel log-ins and what it still holds afterwards.
* Import: ``jingmin hotspots import`` of ``--rows`` synthetic incidents in the demo
  county, in its own process (which first makes sure the demo incident types
  exist); baseline = the peak RSS of a process that only runs ``django.setup()``.
  Figures: peak RSS and rows/s.

Run alone: ``python -m bench.bench_memory [--rows 200000] [--seconds 10]
[--database postgres|sqlite] [--skip-worker] [--skip-import] [--smoke]``.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
import threading

import numpy as np

from . import _harness as h
from .bench_http import RATE_ROTATE, SUPERVISOR, Client, Server, appeal_requests

WEST, EAST, SOUTH, NORTH = 119.95, 120.25, 30.00, 30.20


def incident_types() -> list[str]:
    """The demo's incident type codes, read without importing Django."""
    tree = ast.parse((h.ROOT / "jingmin/hotspots/demo.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", "") == "TYPES" for t in node.targets
        ):
            return [row[0] for row in ast.literal_eval(node.value)]
    raise LookupError("no TYPES in jingmin/hotspots/demo.py")


def worker_phase(report: h.Report, server: Server, args) -> None:
    with server:
        found = server.start()
        client = Client(server.port)
        mix = [h.Request("/bench/read")] * 4 + [
            h.Request(
                "/bench/write",
                "POST",
                '{"body": "__N__"}',
                {"Content-Type": "application/json"},
            )
        ]
        status, _ = client.request("POST", found["appeal_api"], b"{}", {})
        if status != 404:
            mix += appeal_requests(found["appeal_api"])
        if found.get("login") and client.login(found["login"], *SUPERVISOR):
            if found.get("dashboard"):
                mix.append(
                    h.Request(
                        found["dashboard"],
                        headers={"Cookie": client.cookie_header()},
                    )
                )
        for r in mix:  # warm every code path once, then read the idle size
            client.request(r.method, r.path, r.body.encode() or None, r.headers)
        idle = [m.get("VmRSS", 0.0) for m in server.worker_rss()]
        server.reset_peaks()
        base = max(idle) if idle else None
        for i, v in enumerate(idle):
            report.add(f"worker {i + 1} warm idle RSS", v, "MiB")
        res = h.run_load(
            server.port,
            mix,
            connections=args.connections,
            seconds=args.seconds,
            python=True,
            rotate_every=RATE_ROTATE,
        )
        report.note(
            f"mixed load: {res.requests} requests ({len(mix)} kinds) at "
            f"{args.connections} connections, {res.errors} errors"
        )
        for i, m in enumerate(server.worker_rss()):
            report.add(
                f"worker {i + 1} peak RSS after mixed load",
                m.get("VmHWM"),
                "MiB",
                baseline=base,
                higher_is_better=False,
            )
        if found.get("login"):
            server.reset_peaks()
            before = [m.get("VmRSS", 0.0) for m in server.worker_rss()]
            Client(server.port).login(found["login"], *SUPERVISOR)
            growth = [
                m.get("VmHWM", 0.0) - b
                for m, b in zip(server.worker_rss(), before, strict=False)
            ]
            report.add(
                "one log-in: peak RSS growth of the worker that served it",
                max(growth, default=None),
                "MiB",
                higher_is_better=False,
            )
            server.reset_peaks()
            _logins(server.port, found["login"], args.logins)
            for i, m in enumerate(server.worker_rss()):
                report.add(
                    f"worker {i + 1} peak RSS after {args.logins} parallel log-ins",
                    m.get("VmHWM"),
                    "MiB",
                    baseline=base,
                    higher_is_better=False,
                    # what the allocator kept of the hashes' blocks afterwards
                    note=f"{m.get('VmRSS', 0):,.0f} MiB resident afterwards",
                )


HASH_PROBE = r"""
import json, re, sys, threading, time, django
django.setup()
from django.conf import settings
from django.utils.module_loading import import_string
name = sys.argv[1] or settings.PASSWORD_HASHERS[0]
hasher = import_string(name)()
hasher._load_library()
def rss():
    text = open("/proc/self/status").read()
    return {k: int(v) / 1024 for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M)}
def measure(threads):
    idle = rss()["VmRSS"]
    open("/proc/self/clear_refs", "w").write("5")  # VmHWM from now
    start = time.perf_counter()
    work = [
        threading.Thread(target=hasher.encode, args=(f"pw-{i}", hasher.salt()))
        for i in range(threads)
    ]
    [t.start() for t in work]
    [t.join() for t in work]
    return {"growth": rss()["VmHWM"] - idle, "seconds": time.perf_counter() - start}
print(json.dumps({
    "hasher": name, "params": hasher.encode("x", hasher.salt()).split("$")[3],
    "result": measure(int(sys.argv[2])),
}))
"""
DJANGO_ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


def _hash_probe(env: dict, hasher: str, threads: int) -> dict:
    """In a fresh process (a freed block may stay with the allocator and serve the
    next hash): peak RSS growth and time of ``threads`` hashes at once."""
    out = subprocess.run(
        [sys.executable, "-c", HASH_PROBE, hasher, str(threads)],
        env=env,
        cwd=h.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def login_hash_phase(report: h.Report, env: dict, threads: int) -> None:
    """Peak RSS of password hashing, the project's hasher against Django's."""
    runs = [(1, "one log-in's hash")]
    if threads > 1:
        runs.append((threads, f"{threads} hashes at once"))
    for n, label in runs:
        ours = _hash_probe(env, "", n)
        django = _hash_probe(env, DJANGO_ARGON2, n)
        report.add(
            f"{label}: peak RSS growth",
            ours["result"]["growth"],
            "MiB",
            baseline=django["result"]["growth"],
            higher_is_better=False,
            note="one worker's threads all logging in" if n > 1 else "",
        )
        report.add(
            f"{label}: time",
            ours["result"]["seconds"] * 1e3,
            "ms",
            baseline=django["result"]["seconds"] * 1e3,
            higher_is_better=False,
            note="the same work per password guess" if n == 1 else "",
        )
    report.note(
        f"hasher {ours['hasher'].rsplit('.', 1)[1]} ({ours['params']}); baseline "
        f"Django's Argon2PasswordHasher ({django['params']}); each figure from a "
        "fresh process"
    )


def _logins(port: int, path: str, n: int) -> None:
    threads = [
        threading.Thread(target=lambda: Client(port).login(path, *SUPERVISOR))
        for _ in range(n)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def incidents_csv(path: str, rows: int, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    # strictly inside: a point on the county's edge is refused by the import
    lons = rng.uniform(WEST + 1e-3, EAST - 1e-3, rows).round(6)
    lats = rng.uniform(SOUTH + 1e-3, NORTH - 1e-3, rows).round(6)
    codes = incident_types()
    types = rng.integers(0, len(codes), rows)
    start = dt.date(2024, 1, 1)
    days = rng.integers(0, 730, rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["type", "date", "lon", "lat"])
        for i in range(rows):
            w.writerow(
                [
                    codes[types[i]],
                    (start + dt.timedelta(days=int(days[i]))).isoformat(),
                    lons[i],
                    lats[i],
                ]
            )


IMPORT = (
    "import sys, django; django.setup(); "
    "from django.core.management import call_command; "
    "from jingmin.hotspots.demo import TYPES; "
    "from jingmin.hotspots.models import IncidentType; "
    "[IncidentType.objects.get_or_create(code=c, defaults={'name': n}) "
    " for c, n, *_ in TYPES]; "
    "call_command('hotspots_import', sys.argv[1], quiet_progress=True)"
)


def import_phase(report: h.Report, server: Server, args) -> None:
    """On the server's (stopped) seeded database: the county exists to import into."""
    if (
        importlib.util.find_spec("jingmin.hotspots.demo") is None
        or not (
            h.ROOT / "jingmin/hotspots/management/commands/hotspots_import.py"
        ).exists()
    ):
        report.note("skipped the incident import: no `jingmin hotspots import` yet")
        return
    env = h.app_env(server.url, server.var_dir)
    _status, _secs, base = h.run_measured(
        [sys.executable, "-c", "import django; django.setup()"], env=env, cwd=h.ROOT
    )
    report.add("django.setup() alone: peak RSS (baseline)", base, "MiB")
    path = str(server.var_dir / "incidents.csv")
    incidents_csv(path, args.rows)
    status, secs, peak = h.run_measured(
        [sys.executable, "-c", IMPORT, path],
        env=env,
        cwd=h.ROOT,
        stdout=subprocess.DEVNULL,
    )
    if status != 0:
        report.note(f"incident import failed with status {status}")
        return
    report.note(
        "bench_hotspots imports 1,000,000 rows with the same command: a flat import "
        "has the same peak there"
    )
    report.add(
        f"import of {args.rows:,} incidents: peak RSS",
        peak,
        "MiB",
        baseline=base,
        higher_is_better=False,
        note=f"{args.rows / secs:,.0f} rows/s, {secs:.0f} s in all",
    )


def main(argv: list[str] | None = None) -> int:
    p = h.parser(__doc__.split("\n")[0])
    p.add_argument("--database", default="postgres", choices=["postgres", "sqlite"])
    p.add_argument(
        "--rows",
        type=int,
        default=200_000,
        help="incidents to import (bench_hotspots imports 1M with the same command: "
        "the two peaks together show whether the import's memory stays flat)",
    )
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--logins", type=int, default=16)
    p.add_argument("--skip-import", action="store_true")
    p.add_argument("--skip-worker", action="store_true")
    p.add_argument("--skip-hash", action="store_true")
    args = p.parse_args(argv)
    if args.smoke:
        # the worker phase runs bench_http's server code, smoke-tested there
        args.rows, args.skip_worker = 500, True
    kinds = h.chosen_databases(args.database) or ["sqlite"]
    kind = kinds[0]
    label = h.database_label(h.PG_ADMIN_URL if kind == "postgres" else "sqlite://")
    reports = []
    with h.throwaway_database(kind, f"jm_bench_mem_{os.getpid()}") as (url, var_dir):
        if not args.skip_hash:
            r = h.Report("Memory: password hashing per log-in (no database)")
            login_hash_phase(
                r, h.app_env(url, var_dir), 1 if args.smoke else args.threads
            )
            reports.append(r)
        server = Server(url, var_dir, threads=args.threads)
        server.seed()
        if not args.skip_worker:
            r = h.Report(f"Memory: granian worker under load ({label})")
            worker_phase(r, server, args)
            reports.append(r)
        if not args.skip_import:
            r = h.Report(f"Memory: incident import ({label})")
            import_phase(r, server, args)
            reports.append(r)
    return h.finish(reports, args, title="bench_memory", databases=label)


if __name__ == "__main__":
    raise SystemExit(main())

"""Shared helpers for the benchmarks.

Every benchmark prints a table of figures; each figure carries the baseline measured
in the same run, so a slower machine moves both and the ratio stays comparable.
Nothing here imports Django: a benchmark that needs it calls ``django_for`` once,
after choosing its throwaway database.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import itertools
import json
import math
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


# --------------------------------------------------------------------- timing


@dataclass
class Timing:
    samples: list[float]  # seconds

    @property
    def best(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def pct(self, q: float) -> float:
        return percentile(self.samples, q)


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def time_call(fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> Timing:
    """Wall time of ``fn()`` ``repeat`` times after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return Timing(samples)


def time_each(fn: Callable[[int], object], n: int) -> Timing:
    """Latency of n single calls ``fn(i)`` (for p50/p99 of one operation)."""
    samples = []
    clock = time.perf_counter_ns
    for i in range(n):
        start = clock()
        fn(i)
        samples.append((clock() - start) / 1e9)
    return Timing(samples)


# --------------------------------------------------------------------- memory


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_status_mib(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a live process, in MiB; {} once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M))
    return {k: int(v) / 1024 for k, v in found.items()}


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM of a process we started to its current RSS (Linux clear_refs 5)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child_pids(pid: int) -> list[int]:
    """Direct children of ``pid`` (granian's workers are children of its master)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may contain spaces; the ppid is the 2nd field after ")"
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def run_measured(cmd: Sequence[str], **kwargs) -> tuple[int, float, float]:
    """Run a command; return (exit status, wall seconds, its peak RSS in MiB).

    The peak is the child's own VmHWM, polled while it runs: ``ru_maxrss`` from
    wait4 is useless here, because Linux carries the parent's peak across fork and
    exec, so a child of a big benchmark process would report the parent's size.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, **kwargs)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, proc_status_mib(proc.pid).get("VmHWM", 0.0))
        time.sleep(0.02)
    return proc.returncode, time.perf_counter() - start, peak


def tracemalloc_peak(fn: Callable[[], object]) -> tuple[object, float]:
    """(result, peak Python-heap MiB allocated while ``fn`` ran)."""
    tracemalloc.start()
    try:
        result = fn()
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 2**20


# --------------------------------------------------------------------- figures


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    higher_is_better: bool = True
    target: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline


def fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.2f} M"
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    if ratio >= 10:
        return f"{ratio:,.0f}×"
    if ratio >= 2:
        return f"{ratio:.1f}×"
    if ratio >= 0.1:
        return f"{ratio:.0%}"
    return f"{ratio * 100:.2g} %"


@dataclass
class Report:
    """The figures of one benchmark, printed as a Markdown table."""

    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float | None, unit: str, **kw) -> Figure:
        figure = Figure(name, value, unit, **kw)
        self.figures.append(figure)
        return figure

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def render(self) -> str:
        lines = [
            f"### {self.title}",
            "",
            "| figure | value | unit | baseline | ratio | target | met |",
            "|---|---:|---|---:|---:|---|---|",
        ]
        for f in self.figures:
            ratio = fmt_ratio(f.ratio)
            met = {True: "yes", False: "**NO**", None: ""}[f.ok]
            name = f.name + (f" ({f.note})" if f.note else "")
            lines.append(
                f"| {name} | {fmt(f.value)} | {f.unit} | {fmt(f.baseline)} | {ratio}"
                f" | {f.target} | {met} |"
            )
        if self.notes:
            lines.append("")
            lines.extend(f"- {n}" for n in self.notes)
        return "\n".join(lines) + "\n"

    def missed(self) -> list[Figure]:
        return [f for f in self.figures if f.ok is False]


# --------------------------------------------------------------------- machine and log


def machine() -> str:
    mem_kib = 0
    with contextlib.suppress(OSError):
        found = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        mem_kib = int(found.group(1)) if found else 0
    return (
        f"{os.cpu_count()} cores, {mem_kib / 2**20:.1f} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def commit() -> str:
    """The short commit measured (BENCH_COMMIT when running from an exported tree)."""
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out + ("+dirty" if dirty else "")


def now_shanghai() -> str:
    return dt.datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M %Z")


def database_label(url: str) -> str:
    if url.startswith("postgres"):
        try:
            import psycopg

            with psycopg.connect(url, connect_timeout=3) as conn:
                version = conn.execute("SHOW server_version").fetchone()[0]
            return f"PostgreSQL {version.split()[0]}"
        except Exception:  # noqa: BLE001  (a label only; the run reports real errors)
            return "PostgreSQL"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def header(title: str, databases: str) -> str:
    return (
        f"## {now_shanghai()} · {title} · commit {commit()}\n\n"
        f"machine: {machine()}; databases: {databases}\n"
    )


def record(title: str, body: str, *, databases: str, path: Path = RESULTS) -> None:
    """Append one run's figures to bench/RESULTS.md (newest last)."""
    if not path.exists():
        path.write_text(
            "# Benchmark results\n\nAppended by `make bench` and by a benchmark run "
            "with `--record`; see bench/README.md for how to read them.\n"
        )
    with path.open("a", encoding="utf-8") as out:
        out.write(
            "\n"
            + header(title, databases)
            + ("\n" + body.rstrip() + "\n" if body.strip() else "")
        )


def append_text(text: str, path: Path = RESULTS) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write("\n" + text.rstrip() + "\n")


# --------------------------------------------------------------------- processes and ports


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0, proc=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


# --------------------------------------------------------------------- throwaway databases


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001  (any failure means "not available")
        return False


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@contextlib.contextmanager
def throwaway_database(kind: str, name: str) -> Iterator[tuple[str, Path]]:
    """(DATABASE_URL, var dir) of a fresh database, dropped afterwards.

    PostgreSQL: ``name`` is created (after dropping a leftover of a killed run);
    SQLite: a file in a temporary JINGMIN_VAR_DIR.
    """
    var_dir = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    if kind == "sqlite":
        url = f"sqlite:///{var_dir / 'jingmin.sqlite3'}"
    elif kind == "postgres":
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    else:
        raise ValueError(f"unknown database kind {kind!r}")
    try:
        yield url, var_dir
    finally:
        if kind == "postgres":
            with contextlib.suppress(Exception):
                _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(var_dir, ignore_errors=True)


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


SEEDED_ENV = {"sqlite": "BENCH_SEEDED_SQLITE", "postgres": "BENCH_SEEDED_PG"}


PARTIAL_SEED = (
    "import importlib, sys, django; django.setup(); "
    "from django.core.management import call_command; "
    "call_command('migrate', interactive=False, verbosity=0); "
    "[importlib.import_module(f'jingmin.{a}.demo').seed() for a in sys.argv[1:]]"
)


def seed_demo(
    kind: str, url: str, var_dir: Path, apps: Sequence[str] = ()
) -> tuple[float, str]:
    """Migrate and seed the demo county into a throwaway database.

    When ``make bench`` (or the smoke tests) seeded a template first, clone it
    instead: ``BENCH_SEEDED_SQLITE`` names a seeded var dir to copy,
    ``BENCH_SEEDED_PG`` = ``template_db|var_dir``. ``apps`` seeds only those
    apps' demo data (the smoke tests need only org and accounts). Returns
    (seconds, how).
    """
    start = time.perf_counter()
    seeded = os.environ.get(SEEDED_ENV[kind], "")
    if seeded and kind == "sqlite":
        shutil.copytree(seeded, var_dir, dirs_exist_ok=True)
        _migrate(url, var_dir)
        return time.perf_counter() - start, "copied from the seeded template"
    if seeded and kind == "postgres":
        template, seeded_var = seeded.split("|", 1)
        name = url.rsplit("/", 1)[1]
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        shutil.copytree(seeded_var, var_dir, dirs_exist_ok=True)
        _migrate(url, var_dir)
        return time.perf_counter() - start, "cloned from the seeded template"
    cmd = (
        [sys.executable, "-c", PARTIAL_SEED, *apps]
        if apps
        else jingmin_cmd("demo", "--no-serve")
    )
    subprocess.run(
        cmd, env=app_env(url, var_dir), cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    how = f" ({', '.join(apps)} only)" if apps else ""
    return time.perf_counter() - start, f"migrated and seeded{how}"


def _migrate(url: str, var_dir: Path) -> None:
    """A template kept from an earlier checkout (--seed-only) gets newer migrations."""
    if not os.environ.get("BENCH_SEEDED_MIGRATE"):
        return
    subprocess.run(
        jingmin_cmd("migrate", "--no-input", "-v0"),
        env=app_env(url, var_dir),
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def seed_templates_kept(kinds: Sequence[str]) -> dict[str, str]:
    """Seed templates that outlive this process (``run_all --seed-only``): the
    variables to export so that a later run clones them; drop them by hand."""
    made = {}
    for kind in kinds:
        name = f"jm_bench_seed_kept_{os.getpid()}"
        var_dir = Path(tempfile.mkdtemp(prefix=f"{name}-"))
        if kind == "postgres":
            _pg_admin(f'CREATE DATABASE "{name}"')
            url = _pg_url(name)
        else:
            url = f"sqlite:///{var_dir / 'jingmin.sqlite3'}"
        seconds, _how = seed_demo(kind, url, var_dir)
        print(f"  seeded the {kind} template in {seconds:.0f} s", flush=True)
        made[SEEDED_ENV[kind]] = (
            str(var_dir) if kind == "sqlite" else f"{name}|{var_dir}"
        )
    made["BENCH_SEEDED_MIGRATE"] = "1"
    return made


@contextlib.contextmanager
def seeded_templates(
    kinds: Sequence[str], apps: Sequence[str] = ()
) -> Iterator[dict[str, str]]:
    """Seed the demo county once per database kind for every benchmark of a run.

    Sets the BENCH_SEEDED_* variables in this process (children inherit them)
    and removes templates and variables afterwards.
    """
    if kinds and all(os.environ.get(SEEDED_ENV[k]) for k in kinds):
        print("  using the templates named by BENCH_SEEDED_*", flush=True)
        yield {SEEDED_ENV[k]: os.environ[SEEDED_ENV[k]] for k in kinds}
        return
    with contextlib.ExitStack() as stack:
        made: dict[str, str] = {}
        for kind in kinds:
            name = f"jm_bench_seed_{os.getpid()}"
            url, var_dir = stack.enter_context(throwaway_database(kind, name))
            seconds, _how = seed_demo(kind, url, var_dir, apps)
            print(f"  seeded the {kind} template in {seconds:.0f} s", flush=True)
            made[SEEDED_ENV[kind]] = (
                str(var_dir) if kind == "sqlite" else f"{name}|{var_dir}"
            )
        saved = {k: os.environ.get(k) for k in made}
        os.environ.update(made)
        try:
            yield made
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def app_env(url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a `jingmin` subprocess on the given database."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        JINGMIN_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="jingmin.settings",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def django_for(url: str, var_dir: Path, *, migrate: bool = True) -> None:
    """Configure Django in this process on the given database (once per process)."""
    os.environ.update(app_env(url, var_dir))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)


def jingmin_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "jingmin.cli", *args]


# --------------------------------------------------------------------- command line


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--smoke", action="store_true", help="tiny sizes: checks it runs, not speed"
    )
    p.add_argument(
        "--record",
        action="store_true",
        help="append the figures to bench/RESULTS.md (make bench records the whole run)",
    )
    return p


def databases_arg(p: argparse.ArgumentParser, default: str = "postgres,sqlite") -> None:
    p.add_argument(
        "--databases",
        default=default,
        help="comma-separated: postgres, sqlite (postgres is skipped when unreachable)",
    )


def chosen_databases(value: str) -> list[str]:
    kinds = [k.strip() for k in value.split(",") if k.strip()]
    if "postgres" in kinds and not postgres_available():
        print(
            f"  note: PostgreSQL not reachable at {PG_ADMIN_URL}; skipped", flush=True
        )
        kinds.remove("postgres")
    return kinds


def finish(reports: Sequence[Report], args, *, title: str, databases: str) -> int:
    """Print (and with --record append) the reports; exit status 0 even on a missed
    target (the table says **NO**): a benchmark fails only when it cannot run."""
    body = "\n".join(r.render() for r in reports)
    print("\n" + body, flush=True)
    if getattr(args, "record", False):
        record(title, body, databases=databases)
    return 0


# --------------------------------------------------------------------- HTTP load
# A load is a list of requests (method, path, headers, body); bodies may contain
# ``__N__``, replaced by a number unique to the run so that each submission differs
# (idempotency keys, duplicate detection). Both generators (wrk when installed, else
# a Python loop) are closed-loop: each connection sends its next request when the
# answer arrives; both run for a bounded time against 127.0.0.1 only.


@dataclass
class Request:
    path: str
    method: str = "GET"
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # status ≥ 400 or socket errors
    tool: str
    failures: dict[str, int] = field(default_factory=dict)  # "429" → n (Python loop)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)  # a JSON string is a valid Lua string


def _lua_item(r: Request) -> str:
    headers = ", ".join(
        f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in r.headers.items()
    )
    return (
        f"{{ method = {_lua_string(r.method)}, path = {_lua_string(r.path)}, "
        f"body = {_lua_string(r.body)}, headers = {{ {headers} }} }}"
    )


def wrk_script(requests: list[Request], run_id: str) -> str:
    items = ",\n".join(_lua_item(r) for r in requests)
    return f"""
local items = {{ {items} }}
local counter = 0
local run = {_lua_string(run_id)}
local tid = 0
local next_tid = 0
setup = function(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end
request = function()
  counter = counter + 1
  local it = items[(counter % #items) + 1]
  local n = run .. "-" .. tostring(tid) .. "-" .. tostring(counter)
  local body = nil
  if it.body ~= "" then body = string.gsub(it.body, "__N__", n) end
  local headers = {{}}
  for k, v in pairs(it.headers) do headers[k] = string.gsub(v, "__N__", n) end
  return wrk.format(it.method, it.path, headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {{\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, \\"p99_us\\": %d, \\"status\\": %d, \\"socket\\": %d}}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(
    port: int, requests: list[Request], *, connections: int, seconds: float
) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(wrk_script(requests, uuid.uuid4().hex[:8]))
        script = f.name
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                script,
                f"http://127.0.0.1:{port}/",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        os.unlink(script)
    line = next(
        (ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None
    )
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    d = json.loads(line[len("WRKJSON ") :])
    return Result(
        requests=d["requests"],
        seconds=d["duration_us"] / 1e6,
        p50_ms=d["p50_us"] / 1e3,
        p99_ms=d["p99_us"] / 1e3,
        errors=d["status"] + d["socket"],
        tool="wrk",
    )


def source_address(k: int) -> str:
    """The k-th loopback address (127.0.0.0/8 is all loopback on Linux): many
    "citizens" for per-address rate limits, still nothing beyond this machine."""
    return f"127.{1 + (k // 64516) % 254}.{(k // 254) % 254 + 1}.{k % 254 + 1}"


# one counter for the whole process: a limit per address and minute must not see the
# same "citizen" again in the next run
_SOURCES = itertools.count(1)


def run_python(
    port: int,
    requests: list[Request],
    *,
    connections: int,
    seconds: float,
    max_requests: int | None = None,
    rotate_every: int = 0,
    capture: Callable[[int, bytes], None] | None = None,
) -> Result:
    """The Python load: one thread per connection.

    ``rotate_every`` > 0 reconnects from a new loopback source address after that
    many requests (so per-address rate limits see many clients); ``capture(status,
    body)`` sees every answer (e.g. to collect tracking codes).
    """
    run_id = uuid.uuid4().hex[:8]
    counter = itertools.count(1)
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    failures: dict[str, int] = {}
    lock = threading.Lock()

    def connect() -> http.client.HTTPConnection:
        source = (source_address(next(_SOURCES)), 0) if rotate_every else None
        return http.client.HTTPConnection(
            "127.0.0.1", port, timeout=10, source_address=source
        )

    def worker(tid: int) -> None:
        conn = connect()
        local, errs, sent = [], 0, 0
        fails: dict[str, int] = {}
        while time.monotonic() < deadline:
            n = next(counter)
            if max_requests is not None and n > max_requests:
                break
            if rotate_every and sent == rotate_every:
                conn.close()
                conn, sent = connect(), 0
            sent += 1
            r = requests[n % len(requests)]
            mark = f"{run_id}-{tid}-{n}"
            body = r.body.replace("__N__", mark).encode() if r.body else None
            headers = {k: v.replace("__N__", mark) for k, v in r.headers.items()}
            start = time.perf_counter()
            try:
                conn.request(r.method, r.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                if resp.status >= 400:
                    errs += 1
                    fails[str(resp.status)] = fails.get(str(resp.status), 0) + 1
                if capture is not None:
                    capture(resp.status, data)
            except (OSError, http.client.HTTPException) as exc:
                errs += 1
                name = type(exc).__name__
                fails[name] = fails.get(name, 0) + 1
                conn.close()
                conn, sent = connect(), 0
            local.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(local)
            errors[0] += errs
            for k, v in fails.items():
                failures[k] = failures.get(k, 0) + v

    started = time.perf_counter()
    threads = [
        threading.Thread(target=worker, args=(i,), daemon=True)
        for i in range(connections)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if not latencies:
        return Result(0, elapsed, 0.0, 0.0, errors[0], "python")
    return Result(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=percentile(latencies, 50) * 1e3,
        p99_ms=percentile(latencies, 99) * 1e3,
        errors=errors[0],
        tool="python",
        failures=failures,
    )


def run_load(
    port: int,
    requests: list[Request],
    *,
    connections: int,
    seconds: float,
    python: bool = False,
    max_requests: int | None = None,
    rotate_every: int = 0,
    capture: Callable[[int, bytes], None] | None = None,
) -> Result:
    """wrk unless the Python loop is asked for, needed (rotation, capture) or the
    only one installed."""
    if python or rotate_every or capture or not have_wrk():
        return run_python(
            port,
            requests,
            connections=connections,
            seconds=seconds,
            max_requests=max_requests,
            rotate_every=rotate_every,
            capture=capture,
        )
    return run_wrk(port, requests, connections=connections, seconds=seconds)


# --------------------------------------------------------------------- profiling


@contextlib.contextmanager
def py_spy(pid: int, seconds: float, out: Path) -> Iterator[bool]:
    """Sample ``pid`` and its subprocesses (granian's workers) while the body runs.

    Yields False when py-spy is not installed (``pip install py-spy``).
    """
    exe = shutil.which("py-spy", path=os.path.dirname(sys.executable)) or shutil.which(
        "py-spy"
    )
    if exe is None:
        yield False
        return
    proc = subprocess.Popen(
        [exe, "record", "--pid", str(pid), "--subprocesses", "--nonblocking",
         "--rate", "200", "--duration", str(max(1, round(seconds))),
         "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield True
    finally:
        try:
            proc.wait(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


FRAME = re.compile(r"^(?P<fn>.+?) \((?P<file>[^():]+)(?::\d+)?\)$")


def hot_frames(raw: Path, *, top: int = 8) -> tuple[list, list]:
    """(inclusive, self) shares of the sampled time from py-spy's collapsed stacks.

    Inclusive: the project's own functions (``jingmin/``), each counted once per
    stack; self: where the CPU actually was, grouped by module file.
    """
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        seen = set()
        frames = [FRAME.match(f) for f in stack.split(";")]
        frames = [m for m in frames if m]
        for m in frames:
            path = m["file"]
            if "jingmin/" in path and "site-packages" not in path:
                key = f"{m['fn']} ({path[path.rindex('jingmin/') :]})"
                if key not in seen:
                    seen.add(key)
                    inclusive[key] = inclusive.get(key, 0) + n
        if frames:
            leaf = frames[-1]["file"]
            short = leaf.split("site-packages/")[-1].split("/lib/python3")[-1]
            own[short] = own.get(short, 0) + n
    if not total:
        return [], []

    def best(d: dict[str, int]) -> list[tuple[str, float]]:
        return [(k, v / total) for k, v in sorted(d.items(), key=lambda kv: -kv[1])][
            :top
        ]

    return best(inclusive), best(own)


def slowest_sql(fn: Callable[[], object], top: int = 2) -> list[tuple[float, str]]:
    """Run ``fn`` once (Django set up) and return its slowest SQL statements as
    (milliseconds, statement start): where a slow read spends its database time."""
    from django.db import connection

    timings: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(((time.perf_counter() - start) * 1e3, " ".join(sql.split())))

    with connection.execute_wrapper(timed):
        fn()
    return sorted(timings, reverse=True)[:top]


def pyinstrument_hot(fn: Callable[[], object], top: int = 5) -> str:
    """Run ``fn`` once under pyinstrument: the project's functions (jingmin/) by
    inclusive share, leaving out wrappers that hold the whole call (middleware,
    decorators), and where the time itself was spent, by file."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    try:
        fn()
    finally:
        profiler.stop()
    root = profiler.last_session.root_frame() if profiler.last_session else None
    if root is None or not root.time:
        return "no samples"
    project: dict[str, float] = {}
    own: dict[str, float] = {}
    stack = [root]
    while stack:
        frame = stack.pop()
        path = frame.file_path or "?"
        share = frame.time / root.time
        if "jingmin/" in path and "site-packages" not in path and share < 0.97:
            key = f"{frame.function} ({path[path.rindex('jingmin/') :]})"
            project[key] = max(project.get(key, 0.0), share)
        if frame.file_path and not frame.is_synthetic:
            short = path.split("site-packages/")[-1].split("/lib/python3.11/")[-1]
            own[short] = own.get(short, 0.0) + frame.total_self_time / root.time
        stack.extend(frame.children)

    def best(d: dict[str, float]) -> str:
        items = sorted(d.items(), key=lambda kv: -kv[1])[:top]
        return "; ".join(f"{k} {v:.0%}" for k, v in items)

    return f"{best(project)} — time spent in: {best(own)}"

"""HTTP: the real endpoints against the server's own ceilings, same server, same run.

For each database (PostgreSQL, SQLite) a throwaway database is migrated and seeded
with ``jingmin demo --no-serve``, then ``jingmin serve`` (granian WSGI, 2 workers,
bounded threads, DEBUG off, the baseline views of jingmin/core/benchviews.py
mounted) listens on a free port of 127.0.0.1. A load generator in another process
(wrk, else a Python loop) runs each endpoint for a bounded time at 8 and 64
connections and reports requests/s and p50/p99 latency:

* ceilings: ``GET /bench/read`` (small JSON, no database) and ``POST /bench/write``
  (parse JSON, one durable insert in a transaction);
* the appeal submission through the public API, compared with the write ceiling
  (target ≥ 60 %, and p99 ≤ 250 ms at 64 connections on PostgreSQL);
* cached public pages (the service guide), compared with the read ceiling (≥ 80 %);
* other reads (tracking page, catalogue search, Open311 requests.json, the
  supervisor's dashboard, logged in by session cookie), compared with it (≥ 50 %).

An endpoint that does not exist yet is skipped with a note. Also prints the peak
RSS of each granian worker after the load.

Run alone: ``python -m bench.bench_http [--databases postgres,sqlite]
[--seconds 5] [--connections 8,64] [--threads 8] [--endpoints guide,track]
[--profile track] [--smoke]``.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import _harness as h
from ._request_cost import cost_figures

SUPERVISOR = (
    "zhihui",
    "heping-demo-2026",
)  # the demo county's command-centre supervisor


# --------------------------------------------------------------------- the server


class BenchRedis:
    """A Redis database of this run's own for the server's cache, as in production
    (``REDIS_URL``): one of databases 8-15 on 127.0.0.1:6379, claimed with a key
    set only if absent (two runs at once take different ones), flushed when
    claimed and when released. ``url`` is "" (and ``why`` says why) when Redis does
    not answer: the server then caches per worker and keeps its rate-limit buckets
    in the database."""

    HOST, PORT, DATABASES = "127.0.0.1", 6379, range(8, 16)
    OWNER = "jm-bench-http:owner"

    def __init__(self) -> None:
        self.url, self.why, self.client = "", "", None

    def claim(self) -> str:
        try:
            import redis
        except ImportError:
            self.why = "redis-py not installed"
            return ""
        for db in self.DATABASES:
            client = redis.Redis(
                host=self.HOST, port=self.PORT, db=db, socket_connect_timeout=0.5
            )
            try:
                if not client.set(self.OWNER, os.getpid(), nx=True, ex=7200):
                    continue  # another run's
                with client.pipeline(transaction=True) as pipe:
                    pipe.flushdb().set(self.OWNER, os.getpid(), ex=7200).execute()
            except redis.exceptions.RedisError as exc:
                self.why = f"no Redis on {self.HOST}:{self.PORT} ({type(exc).__name__})"
                return ""
            self.client = client
            self.url = f"redis://{self.HOST}:{self.PORT}/{db}"
            return self.url
        self.why = f"Redis databases {self.DATABASES.start}-{self.DATABASES.stop - 1} all in use"
        return ""

    def release(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.flushdb()
            self.client = None

    def note(self) -> str:
        if self.url:
            return (
                f"cache: Redis ({self.url}, this run's own database, flushed at start "
                "and end), shared by the workers as in production; so the rate-limit "
                "buckets are in Redis too (RATE_LIMIT_STORE=auto, ADR 123)"
            )
        return (
            f"cache: local memory per worker ({self.why}); rate-limit buckets in the "
            "database"
        )


class Server:
    """``jingmin serve`` on a free port of 127.0.0.1; stop() ends what it started."""

    def __init__(
        self,
        url: str,
        var_dir: Path,
        *,
        workers: int = 2,
        threads: int = 8,
        redis_url: str = "",
    ):
        self.url, self.var_dir, self.redis_url = url, var_dir, redis_url
        self.kind = "postgres" if url.startswith("postgres") else "sqlite"
        self.workers, self.threads = workers, threads
        self.port = h.free_port()
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed in stop)
            "w+", prefix="jm-bench-serve-", suffix=".log", delete=False
        )

    def env(self) -> dict[str, str]:
        return h.app_env(
            self.url,
            self.var_dir,
            JINGMIN_BENCH_VIEWS="1",
            DEBUG="False",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            AXES_ENABLED="False",
            REDIS_URL=self.redis_url,  # "" = local memory (never an inherited one)
            # the load comes from one host: the tracking page's own limits would
            # answer 429 to most of it (the suite tests them at their defaults)
            TRACK_RATE_PER_ADDRESS=TRACK_RATE,
        )

    def seed(self) -> tuple[float, str]:
        return h.seed_demo(self.kind, self.url, self.var_dir)

    def start(self) -> dict:
        """Start serving; return the discovered URLs (found while the server boots)."""
        self.proc = subprocess.Popen(
            h.jingmin_cmd(
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
            ),
            env=self.env(),
            cwd=h.ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        found = run_discovery(self)
        h.wait_for_port(self.port, timeout=60, proc=self.proc)
        self.warm()
        return found

    def warm(self) -> None:
        """A worker imports the URLconf (every app's views) on its first request:
        send parallel requests so that each worker pays it before any timing."""
        threads = [
            threading.Thread(
                target=Client(self.port).request, args=("GET", "/bench/read")
            )
            for _ in range(self.workers * 4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def worker_pids(self) -> list[int]:
        """granian's workers: the children of the granian process under serve."""
        if self.proc is None:
            return []
        pids = []
        for child in h.child_pids(self.proc.pid):
            if "granian" in _cmdline(child):
                pids.extend(h.child_pids(child))
        return pids

    def reset_peaks(self) -> None:
        """Start each worker's peak RSS from now (set-up log-ins hash passwords)."""
        for pid in self.worker_pids():
            h.reset_peak_rss(pid)

    def worker_rss(self) -> list[dict[str, float]]:
        return [h.proc_status_mib(pid) for pid in self.worker_pids()]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def log_tail(self, n: int = 2000) -> str:
        return Path(self.log.name).read_text(errors="replace")[-n:]

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


# --------------------------------------------------------------------- discovery


def discover() -> None:
    """Run inside a Django process on the bench database: print the URLs to load.

    URL names, not paths, so that a renamed route is followed; an app that has not
    landed yields no entry and its endpoint is skipped.
    """
    from django.urls import NoReverseMatch, reverse

    def url(name: str, *args) -> str | None:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return None

    out: dict[str, object] = {
        "login": url("accounts:login"),
        "dashboard": url("appeals:dashboard"),
        "open311_requests": "/open311/v2/requests.json",
        "guide_list": url("catalogue:guide_list"),
        "track": url("appeals:track"),
        "appeal_api": "/api/v1/appeals",
    }
    out.update(_discover_catalogue(url))
    print("DISCOVER " + json.dumps(out), flush=True)


def _discover_catalogue(url) -> dict[str, object]:
    try:
        from jingmin.catalogue.models import ServiceGuide
    except ImportError:
        return {}
    codes = ServiceGuide.objects.filter(current_version__isnull=False).values_list(
        "code", flat=True
    )
    return {
        "guides": [
            u for u in (url("catalogue:guide_detail", c) for c in codes[:5]) if u
        ]
    }


def floor(code: str, n: int = 200, rounds: int = 5) -> None:
    """Run inside a Django process on the bench database: CPU per request (this
    process's thread time, best of ``rounds`` × ``n``, one thread) of the read
    ceiling, the tracking POST, and what such a page cannot avoid — rendering the
    site's frame (the tracking form page: base template and a small form, no
    query) and one indexed ORM query. PostgreSQL's own CPU is not counted."""
    import io

    from django.core.handlers.wsgi import WSGIHandler

    from jingmin.appeals.models import Appeal

    app = WSGIHandler()

    def call(method: str, path: str, body: bytes = b"", **extra) -> tuple[str, bytes]:
        env = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            **extra,
        }
        out: dict[str, object] = {}

        def start(status, headers, exc_info=None):
            out["status"], out["headers"] = status, headers

        content = b"".join(app(env, start))
        cookies = [v for k, v in out["headers"] if k == "Set-Cookie"]
        return str(out["status"]), content + b"\n" + "\n".join(cookies).encode()

    track = "/appeals/track/"
    status, page = call("GET", track)
    csrf = re.search(rb"csrftoken=([^;]+)", page)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not status.startswith("200") or not csrf or not token:
        print("FLOOR " + json.dumps({"error": f"tracking form: {status}"}), flush=True)
        return
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "code": code}
    ).encode()
    cookie = {
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "HTTP_COOKIE": f"csrftoken={csrf.group(1).decode()}",
    }
    number = code.split("-", 1)[0]

    def best(fn) -> float:
        for _ in range(20):
            fn()
        times = []
        for _ in range(rounds):
            start = time.thread_time()
            for _ in range(n):
                fn()
            times.append((time.thread_time() - start) / n * 1e6)
        return min(times)

    status, _page = call("POST", track, form, **cookie)
    out = {
        "ceiling": best(lambda: call("GET", "/bench/read")),
        "frame": best(lambda: call("GET", track)),
        "query": best(
            lambda: (
                Appeal.objects.filter(number=number)
                .values_list("pk", flat=True)
                .first()
            )
        ),
        "track": best(lambda: call("POST", track, form, **cookie)),
        "track_status": status,
    }
    print("FLOOR " + json.dumps(out), flush=True)


def run_floor(server: Server, code: str) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, django; django.setup(); "
            "from bench.bench_http import floor; floor(sys.argv[1])",
            code,
        ],
        env=server.env(),
        cwd=h.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("FLOOR ")), None)
    if line is None:
        return {"error": out.stderr[-300:]}
    return json.loads(line[len("FLOOR ") :])


def floor_note(found: dict) -> str:
    """Where the tracking page's time goes, against the ceiling (bench/README.md)."""
    if "error" in found or not str(found.get("track_status", "")).startswith("200"):
        return f"tracking floor not measured: {found.get('error') or found}"
    c, f, q, t = (found[k] for k in ("ceiling", "frame", "query", "track"))
    return (
        "where the tracking page's time goes (CPU of one Django thread per request, "
        f"in-process, PostgreSQL's or SQLite's own work not counted): read ceiling "
        f"{c:.0f} µs; tracking POST {t:.0f} µs ({c / t:.0%} of the ceiling's rate); "
        f"the site frame alone (tracking form page, base template, no query) {f:.0f} "
        f"µs and one indexed ORM query {q:.0f} µs: a rendered page that reads the "
        f"database once costs at least {f + q:.0f} µs, {c / (f + q):.0%} of the "
        "ceiling's rate, so the 50 % target is out of reach for it (bench/README.md)"
    )


def run_discovery(server: Server) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from bench.bench_http import discover; discover()",
        ],
        env=server.env(),
        cwd=h.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next(
        (ln for ln in out.stdout.splitlines() if ln.startswith("DISCOVER ")), None
    )
    if line is None:
        raise RuntimeError(f"URL discovery failed: {out.stderr[-1500:]}")
    return json.loads(line[len("DISCOVER ") :])


# --------------------------------------------------------------------- HTTP helpers


class Client:
    """A tiny cookie-keeping client for setting up (login, probes), not for load."""

    def __init__(self, port: int):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(
        self, method: str, path: str, body: bytes | None = None, headers=None
    ) -> tuple[int, str]:
        req = urllib.request.Request(
            self.base + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(req, timeout=30) as resp:
                return resp.status, resp.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def login(self, path: str, username: str, password: str) -> bool:
        status, html = self.request("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if status != 200 or not token:
            return False
        form = urllib.parse.urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token.group(1),
            }
        ).encode()
        status, _ = self.request(
            "POST",
            path,
            form,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.base + path,
            },
        )
        return status in (302, 303) and any(c.name == "sessionid" for c in self.jar)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --------------------------------------------------------------------- endpoints


@dataclass
class Endpoint:
    name: str
    group: str  # ceiling-read, ceiling-write, write, cached, read
    requests: list[h.Request] = field(default_factory=list)
    expect: tuple[int, ...] = (200,)
    skip: str = ""
    # > 0: a rate limit per client address guards it, so the Python loop sends
    # at most this many requests from one loopback address, then moves on
    rotate: int = 0
    capture: Callable[[int, bytes], None] | None = None

    @property
    def tool(self) -> str:
        return "python" if self.rotate or self.capture else "default"


APPEAL_BODIES = [
    ("consultation", "请问在和平县办理身份证补领需要带哪些材料？编号__N__", 120.02, 30.05),
    ("report", "城关镇人民路夜间有车辆长期乱停放，影响通行，请处理。编号__N__", 120.10, 30.12),
    ("complaint", "东城街道迎宾大道附近施工噪音扰民到深夜，希望派出所协调。编号__N__", 120.20, 30.15),
    ("help", "老人走失，最后出现在南湖街道湖滨路附近，穿蓝色外套。编号__N__", 120.08, 30.02),
]  # fmt: skip


def appeal_requests(path: str) -> list[h.Request]:
    out = []
    for kind, body, lon, lat in APPEAL_BODIES:
        payload = {
            "kind": kind,
            "title": body[:12],
            "body": body,
            "name": "张三",
            "phone": "13800138000",
            "lon": lon,
            "lat": lat,
            "address": "和平县",
        }
        out.append(
            h.Request(
                path,
                "POST",
                json.dumps(payload, ensure_ascii=False),
                {"Content-Type": "application/json", "Idempotency-Key": "bench-__N__"},
            )
        )
    return out


CEILINGS = {
    "ceiling-read": Endpoint(
        "ceiling: bare JSON view", "ceiling-read", [h.Request("/bench/read")]
    ),
    "ceiling-write": Endpoint(
        "ceiling: one durable insert",
        "ceiling-write",
        [
            h.Request(
                "/bench/write",
                "POST",
                json.dumps({"kind": "consultation", "body": "基准 __N__"}),
                {"Content-Type": "application/json"},
            )
        ],
        expect=(201,),
    ),
}
RATE_ROTATE = 8  # below every per-address limit of the public endpoints
# The tracking page's limits on the bench server (per address, per appeal number):
# the buckets are still taken on every request, they just never run dry.
TRACK_RATE = "1000000/m"


class Codes:
    """Tracking codes collected from the answers of the submission load."""

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, status: int, body: bytes) -> None:
        if status == 201:
            with contextlib.suppress(ValueError, AttributeError):
                code = json.loads(body).get("tracking_code")
                if code:
                    with self.lock:
                        self.codes.append(code)


def submission(found: dict, codes: Codes) -> Endpoint:
    return Endpoint(
        "POST /api/v1/appeals (submit)",
        "write",
        appeal_requests(found["appeal_api"]),
        expect=(201,),
        rotate=RATE_ROTATE,
        capture=codes,
    )


def tracking(found: dict, client: Client, codes: Codes) -> Endpoint:
    """The citizen's tracking page: POST the code (CSRF form), see the status."""
    name = "tracking page (POST code)"
    if not found.get("track"):
        return Endpoint(name, "read", skip="no tracking page yet")
    if not codes.codes:
        return Endpoint(name, "read", skip="no tracking codes (submission skipped)")
    client.request("GET", found["track"])
    csrf = next((c.value for c in client.jar if c.name == "csrftoken"), "")
    reqs = [
        h.Request(
            found["track"],
            "POST",
            urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "code": code}),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}",
            },
        )
        for code in codes.codes
    ]
    # The server's tracking limits are raised (TRACK_RATE), so nothing answers 429;
    # the source addresses still rotate as citizens' would: from one address every
    # request would queue for the lock of that address's rate-limit bucket.
    return Endpoint(name, "read", reqs, rotate=RATE_ROTATE)


SETUP_SUBMISSIONS = 400  # tracking codes to collect when submit is not measured


def collect_codes(server: Server, submit: Endpoint, codes: Codes, report) -> None:
    """Submit appeals to track when the submission itself is not measured
    (``--endpoints track``): set-up, not a figure."""
    h.run_load(
        server.port,
        submit.requests,
        connections=4,
        seconds=60,
        max_requests=SETUP_SUBMISSIONS,
        rotate_every=submit.rotate,
        capture=codes,
    )
    report.note(f"{len(codes.codes)} appeals submitted as set-up for tracking codes")


TRACK_NOTE = (
    "tracking page: the bench server raises its look-up limits "
    f"(TRACK_RATE_PER_ADDRESS={TRACK_RATE}; default 10/m, tested in the suite), so it "
    "is measured without 429s; the per-address bucket is still taken on every "
    "request, from rotating source addresses (a full code has no per-number "
    "bucket, ADR 111)"
)


def reads(found: dict, session_cookie: str) -> list[Endpoint]:
    eps = []
    guides = [h.Request(u) for u in found.get("guides") or []]
    eps.append(
        Endpoint(
            "service guide page",
            "cached",
            guides,
            skip="" if guides else "no published service guide yet",
        )
    )
    if found.get("guide_list"):
        search = [
            h.Request(f"{found['guide_list']}?q={urllib.parse.quote(q)}")
            for q in ["身份证", "户口", "出入境", "驾驶证", "居住证"]
        ]
        eps.append(Endpoint("catalogue search", "read", search))
    else:
        eps.append(Endpoint("catalogue search", "read", skip="no catalogue yet"))
    eps.append(
        Endpoint(
            "Open311 requests.json", "read", [h.Request(found["open311_requests"])]
        )
    )
    if not found.get("dashboard"):
        eps.append(Endpoint("supervisor dashboard", "read", skip="no dashboard yet"))
    elif not session_cookie:
        eps.append(Endpoint("supervisor dashboard", "read", skip="log-in failed"))
    else:
        cookie = {"Cookie": session_cookie}
        eps.append(
            Endpoint(
                "supervisor dashboard",
                "read",
                [h.Request(found["dashboard"], headers=cookie)],
            )
        )
    return eps


def probe(client: Client, ep: Endpoint) -> str:
    """'' if one request answers as expected, else why the endpoint is skipped."""
    r = ep.requests[0]
    client = Client(client.port) if "Cookie" not in r.headers else client
    mark = f"probe-{time.time_ns()}"
    body = r.body.replace("__N__", mark).encode() or None
    headers = {k: v.replace("__N__", mark) for k, v in r.headers.items()}
    status, text = client.request(r.method, r.path, body, headers)
    if ep.capture is not None:
        ep.capture(status, text.encode())
    if status in ep.expect:
        return ""
    if status == 404:
        return f"{r.method} {r.path.split('?')[0]} is not there yet (404)"
    return f"{r.method} {r.path.split('?')[0]} answered {status}: {text[:200]!r}"


# --------------------------------------------------------------------- measuring


TARGETS = {  # group → (compared with, minimum ratio)
    "write": ("ceiling-write", 0.60),
    "cached": ("ceiling-read", 0.80),
    "read": ("ceiling-read", 0.50),
}


class Run:
    """One database's measurements: ceilings per (group, connections, tool)."""

    def __init__(self, kind: str, server: Server, client: Client, report, args):
        self.kind, self.server, self.client = kind, server, client
        self.report, self.args = report, args
        self.ceilings: dict[tuple, h.Result] = {}
        self.measured: list[Endpoint] = []

    def measure(self, ep: Endpoint) -> None:
        why = ep.skip or probe(self.client, ep)
        if why:
            self.report.note(f"skipped {ep.name}: {why}")
            return
        self.measured.append(ep)
        for conns in self.args.connections:
            base = None
            if ep.group in TARGETS:
                base = self.ceiling(TARGETS[ep.group][0], conns, ep)
            if self.wants_profile(ep) and conns == max(self.args.connections):
                res = self.profiled(ep, conns)
            else:
                res = self.load(ep, conns)
            self.add(ep, conns, res, base)

    def chosen(self, ep: Endpoint) -> bool:
        """Measured in this run: every endpoint, or those ``--endpoints`` names."""
        wanted = [w.strip().lower() for w in self.args.endpoints.split(",") if w]
        return not wanted or any(w in ep.name.lower() for w in wanted)

    def wants_profile(self, ep: Endpoint) -> bool:
        wanted = [w.strip().lower() for w in self.args.profile.split(",") if w]
        return "all" in wanted or any(w in ep.name.lower() for w in wanted)

    def profiled(self, ep: Endpoint, conns: int) -> h.Result:
        """Measure under py-spy (costs a few % of throughput) and note the hot spots."""
        out = self.server.var_dir / f"profile-{time.time_ns()}.txt"
        assert self.server.proc is not None
        with h.py_spy(self.server.proc.pid, self.args.seconds, out) as sampling:
            res = self.load(ep, conns)
        if not sampling or not out.exists():
            self.report.note(f"no profile of {ep.name}: pip install py-spy")
            return res
        inclusive, own = h.hot_frames(out)
        self.report.note(
            f"profile of {ep.name} @{conns} (py-spy, share of busy samples): "
            + "; ".join(f"{k} {v:.0%}" for k, v in inclusive)
            + " — CPU by file: "
            + "; ".join(f"{k} {v:.0%}" for k, v in own)
        )
        return res

    def ceiling(self, group: str, conns: int, like: Endpoint) -> h.Result:
        """The ceiling measured with the same tool and address rotation as ``like``."""
        key = (group, conns, like.tool, like.rotate)
        if key not in self.ceilings:
            ep = CEILINGS[group]
            ep = Endpoint(ep.name, ep.group, ep.requests, ep.expect, rotate=like.rotate)
            if like.tool == "python" and self.args.tool != "python":
                ep.name += " (python loop, as below)"
            self.ceilings[key] = self.load(ep, conns)
            self.add(ep, conns, self.ceilings[key], None)
        return self.ceilings[key]

    def load(self, ep: Endpoint, conns: int) -> h.Result:
        kw = {
            "connections": conns,
            "python": self.args.tool == "python",
            "rotate_every": ep.rotate,
            "capture": ep.capture,
        }
        if self.args.warmup:
            h.run_load(self.server.port, ep.requests, seconds=self.args.warmup, **kw)
        result = h.run_load(
            self.server.port, ep.requests, seconds=self.args.seconds, **kw
        )
        self.drain()
        return result

    def drain(self, limit: float = 10.0) -> None:
        """Wait until the requests queued by the last load are served, so they do
        not slow the next measurement (wrk stops; the server goes on with what it
        has accepted)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            start = time.perf_counter()
            self.client.request("GET", "/bench/read")
            if time.perf_counter() - start < 0.02:
                return

    def add(
        self, ep: Endpoint, conns: int, res: h.Result, base: h.Result | None
    ) -> None:
        ok, target = None, ""
        if ep.group in TARGETS:
            against, minimum = TARGETS[ep.group]
            target = f"≥ {minimum:.0%} of {against.removeprefix('ceiling-')}"
            ok = base is not None and res.rps >= minimum * base.rps
            if ep.group == "write" and conns >= 64 and self.kind == "postgres":
                target += ", p99 ≤ 250 ms"
                ok = ok and res.p99_ms <= 250
        note = f"p50 {res.p50_ms:.1f} ms, p99 {res.p99_ms:.1f} ms"
        if res.requests == 0:
            note = f"no answer within the {self.args.seconds:g} s run"
        if res.errors:
            note += f", {res.errors} errors"
            if res.failures:
                note += (
                    " (" + ", ".join(f"{k}×{v}" for k, v in res.failures.items()) + ")"
                )
            ok = False if ok is not None else None
        self.report.add(
            f"{ep.name} @{conns}",
            res.rps,
            "req/s",
            baseline=base.rps if base else None,
            target=target,
            ok=ok,
            note=note,
        )


def measure_database(kind: str, args) -> h.Report:
    name = f"jm_bench_http_{os.getpid()}"
    redis = BenchRedis()
    with (
        h.throwaway_database(kind, name) as (url, var_dir),
        contextlib.ExitStack() as on_exit,
    ):
        on_exit.callback(redis.release)
        server = Server(
            url,
            var_dir,
            workers=args.workers,
            threads=args.threads,
            redis_url="" if args.no_redis else redis.claim(),
        )
        if args.no_redis:
            redis.why = "--no-redis"
        seeded, how = server.seed()
        with server:
            found = server.start()
            client = Client(server.port)  # anonymous, like a citizen
            staff = Client(server.port)
            cookie = ""
            if found.get("login") and staff.login(found["login"], *SUPERVISOR):
                cookie = f"sessionid={_cookie(staff, 'sessionid')}"
            tool = "python loop" if args.tool == "python" else "wrk"
            report = h.Report(
                f"HTTP on {h.database_label(url)}: granian {args.workers} workers × "
                f"{args.threads} threads, load by {tool} {args.seconds:g} s per point"
            )
            report.note(f"demo county {how} in {seeded:.1f} s")
            report.note(redis.note())
            server.reset_peaks()
            run = Run(kind, server, client, report, args)
            if not args.endpoints:
                for group in ("ceiling-read", "ceiling-write"):
                    for conns in args.connections:
                        run.ceiling(group, conns, CEILINGS[group])
            codes = Codes()
            submit = submission(found, codes)
            if run.chosen(submit):
                run.measure(submit)
            elif run.chosen(tracking(found, client, codes)) and not submit.skip:
                collect_codes(server, submit, codes, report)
            track = tracking(found, client, codes)
            if run.chosen(track):
                run.measure(track)
                report.note(TRACK_NOTE)
                if codes.codes and not args.smoke:
                    report.note(floor_note(run_floor(server, codes.codes[0])))
            for ep in reads(found, cookie):
                if run.chosen(ep):
                    run.measure(ep)
            for i, m in enumerate(server.worker_rss()):
                report.add(
                    f"worker {i + 1} peak RSS during the load",
                    m.get("VmHWM"),
                    "MiB",
                    higher_is_better=False,
                )
            request_cost_figures(run, server)
            if server.proc and server.proc.poll() is not None:
                report.note("server died: " + server.log_tail(500))
        return report


def request_cost_figures(run: Run, server: Server) -> None:
    """Each measured endpoint's CPU per request in-process against its ceiling's:
    whether a miss is the server waiting or working (bench/_request_cost.py)."""
    if not run.measured:
        return
    endpoints = {}
    for ep in run.measured:
        ceiling = CEILINGS[TARGETS[ep.group][0]]
        endpoints.setdefault(ceiling.name, (ceiling.requests, ceiling.name))
        endpoints[ep.name] = (ep.requests, ceiling.name)
    cost_figures(run.report, server.env(), endpoints, n=5 if run.args.smoke else 200)


def _cookie(client: Client, name: str) -> str:
    return next((c.value for c in client.jar if c.name == name), "")


def main(argv: list[str] | None = None) -> int:
    p = h.parser(__doc__.split("\n")[0])
    h.databases_arg(p)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--connections", default="8,64")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument(
        "--tool",
        choices=["wrk", "python"],
        default="wrk",
        help="load generator (rate-limited endpoints always use the Python loop)",
    )
    p.add_argument(
        "--no-redis",
        action="store_true",
        help="serve with the local-memory cache even when Redis answers",
    )
    p.add_argument(
        "--endpoints",
        default="",
        help="comma-separated endpoint name parts (e.g. 'guide,track'): measure only "
        "those (and the ceilings they are compared with); default all",
    )
    p.add_argument(
        "--profile",
        default=os.environ.get("BENCH_HTTP_PROFILE", ""),
        help="comma-separated endpoint name parts (or 'all') to sample with py-spy "
        "at the highest connection count",
    )
    args = p.parse_args(argv)
    if args.smoke:
        args.seconds, args.warmup, args.connections = 0.3, 0, "4"
        args.tool = "python"
    args.connections = [int(c) for c in args.connections.split(",")]
    if args.tool == "wrk" and not h.have_wrk():
        print("  note: wrk not installed (apt-get install wrk); using the Python loop")
        args.tool = "python"

    reports, labels = [], []
    for kind in h.chosen_databases(args.databases):
        report = measure_database(kind, args)
        reports.append(report)
        labels.append(kind)
    return h.finish(
        reports, args, title="bench_http", databases=", ".join(labels) or "none"
    )


if __name__ == "__main__":
    raise SystemExit(main())

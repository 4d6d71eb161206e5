"""HTTP load for the server benchmarks: wrk when installed, else a small Python loop.

A load is a list of requests (method, path, headers, body); bodies may contain
``__N__``, replaced by a number unique to the run so that each submission differs
(idempotency keys, duplicate detection). Both generators are closed-loop: each
connection sends its next request when the answer arrives; both run for a bounded
time against 127.0.0.1 only and report the same dict.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from . import _harness as h


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
    sources = itertools.count(1)
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def connect() -> http.client.HTTPConnection:
        source = (source_address(next(sources)), 0) if rotate_every else None
        return http.client.HTTPConnection(
            "127.0.0.1", port, timeout=10, source_address=source
        )

    def worker(tid: int) -> None:
        conn = connect()
        local, errs, sent = [], 0, 0
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
                errs += resp.status >= 400
                if capture is not None:
                    capture(resp.status, data)
            except (OSError, http.client.HTTPException):
                errs += 1
                conn.close()
                conn, sent = connect(), 0
            local.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(local)
            errors[0] += errs

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
        p50_ms=h.percentile(latencies, 50) * 1e3,
        p99_ms=h.percentile(latencies, 99) * 1e3,
        errors=errors[0],
        tool="python",
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

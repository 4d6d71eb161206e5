"""CPU per request in-process: where the HTTP figures' limit is.

bench_http measures throughput on 2 cores that the server shares with the database
and the load generator. When an endpoint stays below its target, the question is
whether the server waits (locks, I/O) or works: this runs the same requests
through Django's test client in a process of its own (the whole middleware stack,
no HTTP server, no network) and reports the process CPU per request and the SQL
statements per request. If an endpoint costs k times the CPU of its ceiling, a
CPU-bound server cannot reach more than 1/k of the ceiling's throughput, whatever
it does about waiting.

``python -m bench._request_cost`` reads {"requests": {name: [request…]}, "n": N}
as JSON on stdin (the app's environment: DATABASE_URL, JINGMIN_VAR_DIR …) and
prints {name: {"cpu_ms": …, "statements": …, "status": …}}; the environment is the
bench server's (its database, cache, raised look-up limits).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

from . import _harness as h


def request_costs(
    env: dict[str, str],
    requests: dict[str, list[h.Request]],
    *,
    n: int = 200,
) -> dict[str, dict[str, float]]:
    """{name: {"cpu_ms", "statements"}} for each list of requests (run in turn)."""
    payload = {
        "n": n,
        "requests": {
            name: [
                {
                    "method": r.method,
                    "path": r.path,
                    "body": r.body,
                    "headers": r.headers,
                }
                for r in reqs
            ]
            for name, reqs in requests.items()
        },
    }
    out = subprocess.run(
        [sys.executable, "-m", "bench._request_cost"],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=env,
        cwd=h.ROOT,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def cost_figures(
    report: h.Report,
    env: dict[str, str],
    endpoints: dict[str, tuple[list[h.Request], str]],
    *,
    n: int = 200,
) -> None:
    """Add to ``report`` each endpoint's CPU per request against its ceiling's
    ({name: (requests, ceiling name)}; the ceilings are named among the endpoints),
    and note the share of the ceiling a CPU-bound server could reach at most."""
    costs = request_costs(
        env, {name: reqs for name, (reqs, _c) in endpoints.items()}, n=n
    )
    for name, (_reqs, ceiling) in endpoints.items():
        cost = costs[name]
        base = costs[ceiling]["cpu_ms"] if ceiling != name else None
        report.add(
            f"in-process CPU per request: {name}",
            cost["cpu_ms"],
            "ms",
            baseline=base,
            higher_is_better=False,
            note=f"{cost['statements']} SQL statements, answered {cost['status']}",
        )
        if base:
            report.note(
                f"{name}: {cost['cpu_ms']:.2f} ms of CPU per request in-process "
                f"against {base:.2f} ms for its ceiling: CPU-bound, it can reach at "
                f"most {base / cost['cpu_ms']:.0%} of the ceiling's throughput"
            )


def _measure(spec: dict) -> dict[str, dict[str, float]]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counter = iter(range(10**9))

    def send(r: dict) -> int:
        k = next(counter)
        mark = f"cost-{uuid.uuid4()}"
        headers = {
            "HTTP_" + name.upper().replace("-", "_"): value.replace("__N__", mark)
            for name, value in r["headers"].items()
            if name.lower() not in ("content-type", "cookie")
        }
        cookie = r["headers"].get("Cookie", "")
        client.cookies.clear()
        for part in filter(None, (p.strip() for p in cookie.split(";"))):
            key, _, value = part.partition("=")
            client.cookies[key] = value
        response = client.generic(
            r["method"],
            r["path"],
            r["body"].replace("__N__", mark).encode(),
            content_type=r["headers"].get("Content-Type", "application/octet-stream"),
            REMOTE_ADDR=h.source_address(k // 8),
            HTTP_HOST="127.0.0.1",
            **headers,
        )
        return response.status_code

    n = spec["n"]
    results = {}
    for name, reqs in spec["requests"].items():
        for i in range(max(10, n // 10)):  # warm caches, load the model
            send(reqs[i % len(reqs)])
        with CaptureQueriesContext(connection) as queries:
            status = send(reqs[0])
        statements = sum(
            1
            for q in queries.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        )
        start = time.process_time()
        for i in range(n):
            send(reqs[i % len(reqs)])
        results[name] = {
            "cpu_ms": (time.process_time() - start) / n * 1000,
            "statements": statements,
            "status": status,
        }
    return results


if __name__ == "__main__":
    print(json.dumps(_measure(json.load(sys.stdin))))

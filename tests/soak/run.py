"""`make soak`: no loss, no duplicates across crashes (Jepsen-style, SECURITY-ANCHORS).

A client drives appeal submissions at POST /api/v1/appeals with an Idempotency-Key
against a real server process (granian, as `jingmin serve`) on 127.0.0.1, retrying
with the same key on any error, and re-sending some acknowledged requests on
purpose. A killer SIGKILLs the whole server process group several times mid-run and
restarts it. The client keeps its own ledger of what was acknowledged. Afterwards,
in a fresh process: every acknowledged submission is stored exactly once with the
number it was told, nothing unacknowledged is stored twice, every re-send replayed
the original, and the audit chain verifies. Never touches fsync/synchronous_commit.

    python -m tests.soak.run [--db sqlite|postgres] [--submissions 3000] [--kills 5]
                             [--seconds 600] [--clients 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SUBMIT = "/api/v1/appeals"
READY = "/api/v1/appeals/categories"
PER_ADDRESS = 10  # submissions per 127.x.y.z source address (the API allows 30/h each)


@dataclass
class Entry:
    i: int
    key: str
    marker: str
    state: str = "pending"  # acked | failed | rejected
    number: str = ""
    status: int = 0
    attempts: int = 0
    resent: bool = False
    replay_ok: bool | None = None
    note: str = ""


# --------------------------------------------------------------------- database
class Database:
    """A throwaway database of the chosen kind; PostgreSQL via the server in
    DATABASE_URL (or the local default)."""

    def __init__(self, kind: str, workdir: Path):
        self.kind = kind
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'soak.sqlite3'}"
            self.name = ""
            return
        base = os.environ.get("DATABASE_URL", "")
        if not base.startswith("postgres"):
            base = "postgres://postgres@127.0.0.1:5432/postgres"
        self.server = base.rsplit("/", 1)[0]
        self.name = f"jm_soak_{uuid.uuid4().hex[:10]}"
        self._admin(f'CREATE DATABASE "{self.name}"')
        self.url = f"{self.server}/{self.name}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            self.server.replace("postgres://", "postgresql://") + "/postgres",
            autocommit=True,
        ) as conn:
            conn.execute(sql)

    def drop(self) -> None:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def child_env(db: Database, workdir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DATABASE_URL=db.url,
        DJANGO_SETTINGS_MODULE="jingmin.settings",
        JINGMIN_VAR_DIR=str(workdir / "var"),
        AUDIT_SIGNING_KEY_FILE=str(workdir / "var" / "keys" / "audit.pem"),
        AUDIT_CHECKPOINT_FILE=str(workdir / "var" / "checkpoints.jsonl"),
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        NOTIFICATION_BACKEND="jingmin.core.notify.ConsoleBackend",
        DEBUG="false",
        LOG_LEVEL="WARNING",
        AXES_ENABLED="false",
    )
    return env


def manage(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{proc.stderr[-3000:]}")


# --------------------------------------------------------------------- server
class Server:
    def __init__(self, env: dict[str, str], port: int, log: Path, workers: int = 2):
        self.env, self.port, self.log, self.workers = env, port, log, workers
        self.proc: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> None:
        granian = Path(sys.executable).with_name("granian")
        cmd = [
            str(granian), "--interface", "wsgi", "--host", "127.0.0.1",
            "--port", str(self.port), "--workers", str(self.workers), "--blocking-threads", "4",
            "--no-ws", "jingmin.wsgi:application",
        ]  # fmt: skip
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(  # noqa: S603
                cmd,
                cwd=ROOT,
                env=self.env,
                stdout=fh,
                stderr=fh,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited at start; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", READY)
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after 90 s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL the whole process group: master and workers die mid-request."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.kills += 1

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------- client
def source_address(i: int) -> str:
    n = i // PER_ADDRESS
    return f"127.{1 + n // 62500}.{(n // 250) % 250}.{n % 250 + 1}"


def post(port: int, ip: str, key: str, payload: dict) -> tuple[int, dict, bool]:
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=20, source_address=(ip, 0)
    )
    try:
        conn.request(
            "POST",
            SUBMIT,
            body=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
        )
        response = conn.getresponse()
        raw = response.read()
        replayed = response.getheader("Idempotent-Replayed") == "true"
    finally:
        conn.close()
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {"raw": raw[:200].decode(errors="replace")}
    return response.status, body, replayed


def payload_for(run: str, i: int, rng: random.Random) -> tuple[str, dict]:
    marker = f"soak-{run}-{i:06d}"
    return marker, {
        "kind": "complaint",
        "body": f"市民反映夜间施工噪音扰民（{marker}）",
        "phone": f"138{rng.randrange(10**8):08d}",
        "lon": round(120.0 + rng.random() * 0.2, 6),
        "lat": round(30.0 + rng.random() * 0.1, 6),
    }


def drive(
    entry: Entry, payload: dict, port: int, deadline: float, resend: bool
) -> None:
    ip = source_address(entry.i)
    while time.monotonic() < deadline:
        entry.attempts += 1
        try:
            status, body, _replayed = post(port, ip, entry.key, payload)
        except (OSError, http.client.HTTPException) as exc:
            entry.note = type(exc).__name__
            time.sleep(min(0.1 * entry.attempts, 1.0))
            continue
        entry.status = status
        if 200 <= status < 300:
            entry.state, entry.number = "acked", body.get("number", "")
            break
        if status >= 500 or status == 409:
            time.sleep(min(0.1 * entry.attempts, 1.0))
            continue
        entry.state, entry.note = "rejected", json.dumps(body, ensure_ascii=False)[:200]
        return
    else:
        entry.state = "failed"
        return
    if resend:
        entry.resent = True
        while time.monotonic() < deadline + 60:
            try:
                status, body, replayed = post(port, ip, entry.key, payload)
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
                continue
            if status >= 500:
                time.sleep(0.2)
                continue
            entry.replay_ok = (
                200 <= status < 300 and replayed and body.get("number") == entry.number
            )
            if not entry.replay_ok:
                entry.note = f"re-send got {status} replayed={replayed} {body}"[:300]
            return
        entry.replay_ok = False


# --------------------------------------------------------------------- verify
def verify(ledger_path: Path, run: str) -> dict[str, Any]:
    """Runs inside Django (DATABASE_URL = the soak database)."""
    import django

    django.setup()
    from jingmin.appeals.models import Appeal, IdempotencyRecord
    from jingmin.audit.verification import verify_chain

    entries = [
        Entry(**json.loads(line)) for line in ledger_path.read_text().splitlines()
    ]
    stored: dict[str, list[str]] = {}
    pattern = re.compile(rf"soak-{re.escape(run)}-\d{{6}}")
    for number, body in Appeal.objects.filter(
        body__contains=f"soak-{run}-"
    ).values_list("number", "body"):
        for marker in pattern.findall(body):
            stored.setdefault(marker, []).append(number)
    problems = []
    for e in entries:
        numbers = stored.get(e.marker, [])
        if e.state == "acked" and numbers != [e.number]:
            problems.append(f"#{e.i} acknowledged as {e.number}, stored as {numbers}")
        if e.state != "acked" and len(numbers) > 1:
            problems.append(
                f"#{e.i} never acknowledged but stored {len(numbers)} times"
            )
        if e.resent and not e.replay_ok:
            problems.append(f"#{e.i} re-sent but not replayed as {e.number}: {e.note}")
    keys = set(
        IdempotencyRecord.objects.filter(scope="appeals.api").values_list(
            "key", flat=True
        )
    )
    for e in entries:
        if e.state == "acked" and e.key not in keys:
            problems.append(
                f"#{e.i} acknowledged but its Idempotency-Key is not stored"
            )
    chain = verify_chain()
    problems += [f"audit: {p}" for p in chain.problems]
    return {
        "acknowledged": sum(e.state == "acked" for e in entries),
        "failed": sum(e.state == "failed" for e in entries),
        "rejected": sum(e.state == "rejected" for e in entries),
        "resent": sum(e.resent for e in entries),
        "retried": sum(e.attempts > 1 for e in entries),
        "stored": sum(len(v) for v in stored.values()),
        "audit_events": chain.events,
        "problems": problems[:50],
        "problem_count": len(problems),
    }


# --------------------------------------------------------------------- run
@dataclass
class Result:
    ok: bool
    db: str
    submissions: int
    kills: int
    seconds: float
    summary: dict[str, Any]


def soak(
    *,
    db_kind: str,
    submissions: int,
    kills: int,
    seconds: float,
    clients: int = 8,
    server_workers: int = 2,
    resend_share: float = 0.2,
    seed: int | None = None,
    out=sys.stdout,
) -> Result:
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:8]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="jingmin-soak-") as tmp:
        workdir = Path(tmp)
        db = Database(db_kind, workdir)
        try:
            env = child_env(db, workdir)
            out.write(f"soak {run}: {db_kind} database, migrating…\n")
            manage(["migrate", "--noinput", "-v0"], env)
            server = Server(env, free_port(), workdir / "server.log", server_workers)
            server.start()
            out.write(f"  server up after {time.monotonic() - started:.1f} s\n")
            entries = [
                Entry(i=i, key=uuid.uuid4().hex, marker="") for i in range(submissions)
            ]
            payloads = []
            for e in entries:
                e.marker, payload = payload_for(run, e.i, rng)
                payloads.append(payload)
            resend = {i for i in range(submissions) if rng.random() < resend_share}
            deadline = started + seconds
            next_i = iter(range(submissions))
            lock = threading.Lock()

            def worker() -> None:
                while time.monotonic() < deadline:
                    with lock:
                        i = next(next_i, None)
                    if i is None:
                        return
                    drive(entries[i], payloads[i], server.port, deadline, i in resend)

            threads = [
                threading.Thread(target=worker, daemon=True) for _ in range(clients)
            ]
            for t in threads:
                t.start()
            thresholds = [submissions * (k + 1) // (kills + 1) for k in range(kills)]
            for threshold in thresholds:
                while (
                    sum(e.state != "pending" for e in entries) < threshold
                    and time.monotonic() < deadline
                    and any(t.is_alive() for t in threads)
                ):
                    time.sleep(0.05)
                if time.monotonic() >= deadline:
                    break
                server.kill()
                out.write(
                    f"  SIGKILL #{server.kills} after {threshold} submissions; restarting\n"
                )
                time.sleep(rng.uniform(0.1, 0.8))
                t0 = time.monotonic()
                server.start()
                out.write(f"  restarted in {time.monotonic() - t0:.1f} s\n")
            for t in threads:
                t.join(max(0.0, deadline - time.monotonic()) + 30)
            server.stop()
            for e in entries:
                if e.state == "pending":
                    e.state = "failed"  # not attempted before the time bound
            ledger = workdir / "ledger.jsonl"
            ledger.write_text("\n".join(json.dumps(asdict(e)) for e in entries))
            proc = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "tests.soak.run", "verify", str(ledger), run],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if proc.returncode:
                raise RuntimeError(f"verification crashed:\n{proc.stderr[-3000:]}")
            summary = json.loads(proc.stdout.strip().splitlines()[-1])
        finally:
            db.drop()
    elapsed = time.monotonic() - started
    summary["kills"] = server.kills
    ok = (
        summary["problem_count"] == 0
        and summary["acknowledged"] > 0
        and summary["rejected"] == 0
    )
    result = Result(ok, db_kind, submissions, server.kills, round(elapsed, 1), summary)
    out.write(
        f"soak {run} on {db_kind}: {submissions} submissions in {elapsed:.1f} s, "
        f"{server.kills} SIGKILLs; acknowledged {summary['acknowledged']}, retried "
        f"{summary['retried']}, re-sent {summary['resent']}, failed {summary['failed']}, "
        f"rejected {summary['rejected']}; stored {summary['stored']}; audit chain "
        f"{summary['audit_events']} events; problems {summary['problem_count']}\n"
    )
    for p in summary["problems"]:
        out.write(f"  PROBLEM: {p}\n")
    out.write("RESULT: " + ("OK" if ok else "FAILED") + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["verify"]:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(verify(Path(argv[1]), argv[2])))  # noqa: T201
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--submissions", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument(
        "--seconds", type=float, default=600, help="time bound per database"
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--server-workers", type=int, default=2)
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [
        soak(
            db_kind=kind,
            submissions=args.submissions,
            kills=args.kills,
            seconds=args.seconds,
            clients=args.clients,
            server_workers=args.server_workers,
        )
        for kind in kinds
    ]
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

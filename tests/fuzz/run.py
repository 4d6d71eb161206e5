"""`make fuzz`: bounded-time fuzzing against a live server (granian on 127.0.0.1,
throwaway database seeded with the demo county).

1. schemathesis against the OpenAPI documents of the REST API (/api/v1/schema,
   authenticated with a service token) and of Open311 (/open311/v2/openapi.json):
   zero server errors allowed.
2. hypothesis-driven form fuzzing of every public and console POST form.

Prints what it tried and what it found; exit status 1 if anything returned 5xx.

    python -m tests.fuzz.run [--db sqlite|postgres] [--seconds 300] [--examples 50]
"""

from __future__ import annotations

import argparse
import http.client
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.forms import Tally, forms_in, fuzzed_data
from tests.soak.run import ROOT, Database, Server, child_env, free_port, manage

MAKE_TOKEN = """
from jingmin.accounts.models import User
from jingmin.accounts.roles import Role
from jingmin.api.services import token_issue
from jingmin.org.models import Unit
user, _ = User.objects.get_or_create(
    username="fuzz-service", defaults={"role": Role.SUPERVISOR, "is_service_account": True,
    "unit": Unit.objects.filter(kind="command").first()})
print("TOKEN=" + token_issue(actor=None, user=user, name="fuzz")[1])
"""
PUBLIC_FORMS = [
    "/appeals/",
    "/appeals/track/",
    "/accounts/login/",
    "/services/appointments/cancel/",
]
STAFF_FORMS = {
    "jiexian": ["/appeals/console/intake/"],
    "zhihui": ["/mediation/new/", "/services/console/new/", "/accounts/otp/"],
}
DEMO_PASSWORD = "heping-demo-2026"  # noqa: S105 (the demo county's published password)


class Browser:
    """Just enough of a browser for Django forms: cookies and CSRF."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, url: str, data: dict | None = None
    ) -> tuple[int, str, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{url}"
        conn.request(method, url, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, text, dict(response.getheaders())

    def login(self, username: str) -> None:
        _s, html, _h = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        status, _t, _h = self.request(
            "POST",
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": DEMO_PASSWORD,
            },
        )
        if status != 302:
            raise RuntimeError(f"demo login as {username} failed ({status})")


def form_fuzzer(browser: Browser, forms: list, examples: int, tally: Tally):
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def fuzz(data):
        for form in forms:
            fields = fuzzed_data(form, data.draw)
            status, _t, _h = browser.request("POST", form.action, fields)
            tally.add(form.action, status, fields)

    return fuzz


def fuzz_forms(port: int, examples: int, deadline: float, out) -> Tally:
    tally = Tally()
    targets = [(None, url) for url in PUBLIC_FORMS] + [
        (user, url) for user, urls in STAFF_FORMS.items() for url in urls
    ]
    for user, url in targets:
        if time.monotonic() > deadline:
            break
        browser = Browser(port)
        if user:
            browser.login(user)
        status, html, _h = browser.request("GET", url)
        if status != 200:
            out.write(f"  forms: {url} answered {status}, skipped\n")
            continue
        fuzz = form_fuzzer(browser, forms_in(html, url), examples, tally)
        before = tally.tried
        try:
            fuzz()
        except Exception as exc:  # noqa: BLE001 (report it and go on with the next form)
            tally.errors.append(f"{url}: {type(exc).__name__}: {str(exc)[:300]}")
        out.write(
            f"  forms: {url} ({'as ' + user if user else 'anonymous'}): {tally.tried - before} posts\n"
        )
    return tally


def schemathesis(url: str, token: str, examples: int, seconds: float, out) -> bool:
    cmd = [
        str(Path(sys.executable).with_name("schemathesis")), "run", url,
        "--checks", "not_a_server_error", "--max-examples", str(examples),
        "--max-time", str(int(seconds)), "--request-timeout", "30", "--no-color",
        "-H", f"Authorization: Token {token}",
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 300
    )  # noqa: S603
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
    out.write(
        f"  schemathesis {url} (exit {proc.returncode}):\n"
        + "    "
        + tail.replace("\n", "\n    ")
        + "\n"
    )
    return proc.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=300, help="overall time bound")
    parser.add_argument("--examples", type=int, default=50)
    args = parser.parse_args(argv)
    out = sys.stdout
    started = time.monotonic()
    ok = True
    with tempfile.TemporaryDirectory(prefix="jingmin-fuzz-") as tmp:
        workdir = Path(tmp)
        db = Database(args.db, workdir)
        server = None
        try:
            env = child_env(db, workdir)
            out.write(
                f"fuzz: {args.db} database, migrating and seeding the demo county…\n"
            )
            manage(["migrate", "--noinput", "-v0"], env)
            try:
                manage(["demo_seed"], env)
            except RuntimeError as exc:  # fuzz what was seeded before the failure
                last = str(exc).strip().splitlines()[-1]
                out.write(
                    f"  WARNING: demo_seed failed part-way ({last}); fuzzing anyway\n"
                )
            proc = subprocess.run(  # noqa: S603
                [sys.executable, "manage.py", "shell", "-c", MAKE_TOKEN],
                cwd=ROOT, env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            token = re.search(r"TOKEN=(\S+)", proc.stdout).group(1)
            server = Server(env, free_port(), workdir / "server.log")
            server.start()
            base = f"http://127.0.0.1:{server.port}"
            budget = max(30.0, args.seconds - (time.monotonic() - started))
            for path in ("/api/v1/schema", "/open311/v2/openapi.json"):
                ok &= schemathesis(base + path, token, args.examples, budget / 3, out)
            deadline = time.monotonic() + budget / 3
            tally = fuzz_forms(server.port, args.examples, deadline, out)
            out.write(
                f"  forms: {tally.tried} posts, statuses {dict(sorted(tally.statuses.items()))}\n"
            )
            for error in tally.errors[:20]:
                out.write(f"  SERVER ERROR: {error}\n")
            ok &= not tally.errors
            if not ok:
                log = (workdir / "server.log").read_text(errors="replace")[-4000:]
                out.write(
                    "  server log tail:\n    " + log.replace("\n", "\n    ") + "\n"
                )
        finally:
            if server:
                server.stop()
            db.drop()
    out.write(
        f"fuzz finished in {time.monotonic() - started:.0f} s: {'OK' if ok else 'FOUND SERVER ERRORS'}\n"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

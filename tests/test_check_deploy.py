"""Production settings pass Django's deployment checklist (SECURITY-ANCHORS, Django
`check --deploy`) and refuse to start without their secrets. Each case runs
`manage.py` in a fresh interpreter because settings are read once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent

SETTINGS_DUMP = """
import json, django
from django.conf import settings
django.setup()
names = ["DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
         "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE",
         "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY",
         "SESSION_EXPIRE_AT_BROWSER_CLOSE", "SILENCED_SYSTEM_CHECKS"]
out = {n: getattr(settings, n, None) for n in names}
out["first_hasher"] = settings.PASSWORD_HASHERS[0]
print(json.dumps(out))
"""


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "DEBUG",
            "SECRET_KEY",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' event loop
        }
    }
    env.update(
        JINGMIN_ENV="production",
        SECRET_KEY="k" + Fernet.generate_key().decode() + "Zq9-Xw7_Vt5",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        BLIND_INDEX_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="jingmin.heping.gov.example",
        JINGMIN_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="jingmin.settings",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    """Django's security checks (the deployment checklist) report nothing at all;
    the other apps' checks may warn (e.g. schema naming) but raise no error."""
    env = production_env(tmp_path)
    security = run(
        [
            "manage.py",
            "check",
            "--deploy",
            "--tag",
            "security",
            "--fail-level",
            "WARNING",
        ],
        env,
    )
    assert security.returncode == 0, security.stdout + security.stderr
    assert "System check identified no issues (0 silenced)" in security.stdout
    everything = run(["manage.py", "check", "--deploy"], env)
    assert everything.returncode == 0, everything.stdout + everything.stderr
    assert "ERRORS:" not in everything.stderr


def test_production_cookies_and_headers(tmp_path):
    proc = run(["-c", SETTINGS_DUMP], production_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    s = json.loads(proc.stdout.strip().splitlines()[-1])
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_HTTPONLY"] and s["CSRF_COOKIE_HTTPONLY"]
    assert s["SESSION_COOKIE_SAMESITE"] in {"Lax", "Strict"}
    assert s["CSRF_COOKIE_SAMESITE"] in {"Lax", "Strict"}
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000  # ASVS 5.0 3.4.1: at least a year
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SECURE_REFERRER_POLICY"] == "same-origin"
    assert s["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert s["SILENCED_SYSTEM_CHECKS"] == []
    assert "Argon2" in s["first_hasher"]  # ASVS 5.0 11.4.2


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"]
)
def test_production_refuses_to_start_without_a_secret(tmp_path, missing):
    env = production_env(tmp_path)
    del env[missing]
    proc = run(["manage.py", "check"], env)
    assert proc.returncode != 0
    assert f"{missing} must be set" in proc.stderr


def test_weak_secret_key_and_debug_are_flagged(tmp_path):
    env = production_env(tmp_path, SECRET_KEY="django-insecure-short", DEBUG="true")
    proc = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert proc.returncode != 0
    assert "security.W009" in proc.stderr
    assert "security.W018" in proc.stderr

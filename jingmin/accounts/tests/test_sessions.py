"""Sessions are read from the cache only when the cache is shared (ADR 131), and a
log-out ends the session for every later request whichever engine reads it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jingmin.accounts.tests.personas import PASSWORD

pytestmark = pytest.mark.django_db
CACHED_DB = "django.contrib.sessions.backends.cached_db"
PROBE = "import django; django.setup(); from django.conf import settings as s; print(s.SESSION_ENGINE)"


def engine_with(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    base["DJANGO_SETTINGS_MODULE"] = "jingmin.settings"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_engine_follows_the_shared_cache():
    assert engine_with() == "django.contrib.sessions.backends.db"
    assert engine_with(REDIS_URL="redis://127.0.0.1:6379/0") == CACHED_DB


def log_in(county) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": "supervisor", "password": PASSWORD},
    )
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("engine", [CACHED_DB, "django.contrib.sessions.backends.db"])
def test_log_out_ends_the_session_for_a_copied_cookie(county, engine):
    page = reverse("appeals:dashboard")
    with override_settings(SESSION_ENGINE=engine):
        client = log_in(county)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        thief = Client()
        thief.cookies[settings.SESSION_COOKIE_NAME] = cookie
        assert thief.get(page).status_code == 200
        client.post(reverse("accounts:logout"))
        after = thief.get(page)
        assert (
            after.status_code == 302 and reverse("accounts:login") in after["Location"]
        )


def test_cached_sessions_are_not_read_from_the_database(county):
    with override_settings(SESSION_ENGINE=CACHED_DB):
        client = log_in(county)
        client.get(reverse("appeals:dashboard"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("appeals:dashboard")).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]

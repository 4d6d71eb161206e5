"""Fixtures shared by every app's tests."""

import os

import pytest

# Background tasks run inline in tests. The environment is for the servers that
# tests start as subprocesses; pytest-django has read the settings before this
# file, so the tests' own settings are overridden for the whole session too.
os.environ.setdefault(
    "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
)

from django.test import override_settings

from jingmin.accounts.tests.personas import County, make_county

override_settings(TASKS={"default": {"BACKEND": os.environ["TASKS_BACKEND"]}}).enable()


@pytest.fixture
def county(db) -> County:
    """Bureau, stations A and B, command centre, departments A and B, one user per role."""
    return make_county()


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the test client logged in as that user."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture
def shared_redis_cache(settings):
    """The default cache in Redis, shared as in production (db 7, under a key prefix
    of this test, whose keys are deleted afterwards); skipped without Redis on
    127.0.0.1:6379."""
    import uuid

    from django.core.cache import caches

    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(
        "redis://127.0.0.1:6379/7", socket_connect_timeout=0.5
    )
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"jmtest-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "jingmin.core.rediscache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/7",
            "KEY_PREFIX": prefix,
        }
    }
    yield caches["default"]
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (rate limits, cached public pages)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _forget_reference_rows():
    """A test's rows are rolled back without a signal: no process copy outlives it."""
    from jingmin.core.refcache import forget_all

    forget_all()


@pytest.fixture(autouse=True)
def _isolated_var(settings, tmp_path):
    """Keys, checkpoints, media and outbox in a per-test folder."""
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "keys" / "audit.pem"
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "checkpoints.jsonl"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NOTIFICATION_FILE_DIR = tmp_path / "outbox"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request leaves its language
    active in the thread, and a later test without a request (pytest-django runs
    those last) would otherwise read English after an English page."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)

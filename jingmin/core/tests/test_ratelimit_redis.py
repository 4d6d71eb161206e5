"""The rate limiter's Redis store (RATE_LIMIT_STORE, docs/decisions/123): the same
bucket as the database's, taken atomically in Redis, no database write; chosen
automatically only when the cache is Redis. Skipped when no Redis answers on
127.0.0.1:6379 (db 7, keys under a prefix of this test; nothing else is touched)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingmin.appeals.models import RateBucket
from jingmin.core import ratelimit
from jingmin.core.exceptions import DomainError
from jingmin.core.ratelimit import (
    RateLimited,
    rate_limit_hit,
    rate_limit_take,
    rate_limited_atomic,
)

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = "redis://127.0.0.1:6379/7"


def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


@pytest.fixture
def redis_store(settings):
    client = redis_client()
    prefix = f"jmtest-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    settings.RATE_LIMIT_STORE = "auto"
    assert ratelimit.store() == "cache"
    yield client, prefix
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def keys(client, prefix) -> list[str]:
    return [k.decode() for k in client.scan_iter(match=f"{prefix}:*")]


def test_burst_then_refusal_without_touching_the_database(redis_store):
    with CaptureQueriesContext(connection) as queries:
        for _i in range(3):
            rate_limit_hit("t", "1.2.3.4", "3/m")
        with pytest.raises(RateLimited) as err:
            rate_limit_hit("t", "1.2.3.4", "3/m")
        rate_limit_hit("t", "5.6.7.8", "3/m")  # another key has its own bucket
        rate_limit_hit("other", "1.2.3.4", "3/m")  # and another scope
    assert err.value.status == 429 and 1 <= err.value.retry_after <= 20
    assert len(queries) == 0
    assert not RateBucket.objects.exists()


def test_bucket_refills_with_time(redis_store):
    for _i in range(5):
        assert rate_limit_take("t", "k", "5/s") == 0
    wait = rate_limit_take("t", "k", "5/s")
    assert 0 < wait <= 0.2
    time.sleep(0.25)
    assert rate_limit_take("t", "k", "5/s") == 0


def test_keys_are_not_kept_in_the_clear_and_expire(redis_store):
    client, prefix = redis_store
    rate_limit_hit("appeals.track", "10.9.8.7", "5/m")
    [key] = keys(client, prefix)
    assert "10.9.8.7" not in key and "appeals.track" in key
    assert 0 < client.ttl(key) <= 61


def test_takes_are_atomic_under_concurrency(redis_store):
    allowed = []

    def take():
        allowed.append(rate_limit_take("t", "shared", "10/h") == 0)

    threads = [threading.Thread(target=take) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 10


def test_atomic_keeps_the_token_of_a_success_and_of_a_clients_error(redis_store):
    with rate_limited_atomic("t", "k", "3/m"):
        assert connection.in_atomic_block
    with pytest.raises(DomainError, match="bad input"):
        with rate_limited_atomic("t", "k", "3/m"):
            raise DomainError("bad input")
    with rate_limited_atomic("t", "k", "3/m"):
        pass
    with pytest.raises(RateLimited):
        with rate_limited_atomic("t", "k", "3/m"):
            pytest.fail("the block must not run without a token")


def test_atomic_gives_the_token_back_on_other_failures(redis_store):
    for _i in range(3):
        with pytest.raises(KeyError):
            with rate_limited_atomic("t", "k", "1/m"):
                raise KeyError("server bug")
    with rate_limited_atomic("t", "k", "1/m"):
        pass  # the token came back every time
    with pytest.raises(RateLimited):
        rate_limit_hit("t", "k", "1/m")


def test_atomic_gives_the_token_back_when_a_limit_inside_refuses(redis_store):
    rate_limit_hit("inner", "k", "1/m")
    with pytest.raises(RateLimited):
        with rate_limited_atomic("outer", "k", "1/m"):
            rate_limit_hit("inner", "k", "1/m")
    with rate_limited_atomic("outer", "k", "1/m"):
        pass


def test_atomic_rolls_back_the_block(redis_store):
    with pytest.raises(KeyError):
        with rate_limited_atomic("t", "k", "5/m"):
            RateBucket.objects.create(key="probe", tokens=1, updated_at=timezone.now())
            raise KeyError
    assert not RateBucket.objects.filter(key="probe").exists()


def test_store_can_be_forced_to_the_database(redis_store, settings):
    settings.RATE_LIMIT_STORE = "database"
    assert ratelimit.store() == "database"
    rate_limit_hit("t", "k", "3/m")
    assert RateBucket.objects.count() == 1
    client, prefix = redis_store
    assert keys(client, prefix) == []


def test_local_memory_cache_keeps_the_database_store(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    settings.RATE_LIMIT_STORE = "auto"
    assert ratelimit.store() == "database"
    settings.RATE_LIMIT_STORE = "cache"
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        ratelimit.store()
    settings.RATE_LIMIT_STORE = "redis-please"
    with pytest.raises(ImproperlyConfigured, match="RATE_LIMIT_STORE"):
        ratelimit.store()


def test_unreachable_redis_falls_back_to_the_database(settings):
    pytest.importorskip("redis")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.RATE_LIMIT_STORE = "auto"
    assert ratelimit.store() == "cache"
    for _i in range(2):
        rate_limit_hit("t", "k", "2/m")
    with pytest.raises(RateLimited):
        rate_limit_hit("t", "k", "2/m")
    assert RateBucket.objects.count() == 1

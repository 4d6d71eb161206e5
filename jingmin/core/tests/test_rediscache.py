"""The Redis cache backend that keeps one client per pool (ADR 124). Skipped when no
Redis answers on 127.0.0.1:6379 (db 7, keys under this test's prefix)."""

from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(shared_redis_cache):
    return shared_redis_cache


def test_behaves_as_djangos_redis_cache(redis_cache):
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(redis_cache, RedisCache)
    redis_cache.set("a", {"x": 1}, 30)
    assert redis_cache.get("a") == {"x": 1}
    assert redis_cache.add("a", 2) is False
    assert redis_cache.get_many(["a", "b"]) == {"a": {"x": 1}}
    redis_cache.set("n", 1)
    assert redis_cache.incr("n") == 2
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


def test_one_client_per_pool_shared_by_threads(redis_cache):
    client = redis_cache._cache.get_client("k", write=True)
    assert redis_cache._cache.get_client("other") is client
    seen = []

    def work(i):
        redis_cache.set(f"t{i}", i)
        seen.append(redis_cache.get(f"t{i}") == i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [True] * 8

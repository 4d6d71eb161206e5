"""A token bucket shared by every app server: in Redis when the cache is Redis,
else in the database.

``rate_limit_hit("appeals.track", client_ip(request), "10/m")`` takes one token
from the bucket of that scope and key; when none is left it raises RateLimited
(HTTP 429). A bucket holds at most N tokens and refills N per period, so short
bursts pass and sustained abuse is slowed.

Where the buckets live (``RATE_LIMIT_STORE``, docs/decisions/123): ``auto`` (the
default) keeps them in the shared cache when it is Redis (``REDIS_URL``), taken
by one Lua script per look-up (atomic, Redis's clock, the key expires once the
bucket would be full again), and in the database otherwise: the local-memory
cache is per process, so its counts would not be shared. ``cache`` and
``database`` force one. The database rows live in the appeals app's table
``RateBucket`` (docs/decisions/011); a take there is a durable write with a row
lock, which costs more than the look-up it guards.

Keys are an HMAC of the client's address (or number) under SECRET_KEY: never in
the clear, and not reversible by hashing every IPv4 address.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .exceptions import DomainError

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SPEC_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int):
        super().__init__(
            _("操作过于频繁，请 %(s)s 秒后再试") % {"s": retry_after},
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Rate:
    capacity: int
    period_seconds: int

    @property
    def per_second(self) -> float:
        return self.capacity / self.period_seconds


def parse_rate(spec: str) -> Rate:
    """ "10/m" → 10 per minute; "100/h", "5/10m", "1000/d" also work."""
    match = SPEC_RE.match(spec)
    if not match:
        raise ValueError(f"rate must look like 10/m, got {spec!r}")
    count, mult, unit = match.groups()
    return Rate(int(count), int(mult or 1) * PERIODS[unit])


log = logging.getLogger(__name__)


def _bucket_key(scope: str, key: str) -> str:
    # Client addresses and tracking numbers are not stored in the clear (a keyed
    # hash: a plain one of an IPv4 address is undone by trying all 2^32).
    digest = salted_hmac("jingmin.ratelimit", key, algorithm="sha256").hexdigest()
    return f"{scope}:{digest[:40]}"


STORES = ("auto", "cache", "database")
_store_memo: dict[str, str] = {}


def store() -> str:
    """'cache' or 'database': where the buckets live under the current settings."""
    found = _store_memo.get("store")
    if found is None:
        wanted = getattr(settings, "RATE_LIMIT_STORE", "auto")
        if wanted not in STORES:
            raise ImproperlyConfigured(
                f"RATE_LIMIT_STORE must be one of {', '.join(STORES)}, got {wanted!r}"
            )
        redis = _redis_cache() is not None
        if wanted == "cache" and not redis:
            raise ImproperlyConfigured(
                "RATE_LIMIT_STORE=cache needs the Redis cache (set REDIS_URL)"
            )
        use_cache = wanted == "cache" or (wanted == "auto" and redis)
        found = "cache" if use_cache else "database"
        _store_memo["store"] = found
    return found


def _forget_store(*, setting: str, **_kwargs) -> None:
    if setting in ("RATE_LIMIT_STORE", "CACHES"):
        _store_memo.clear()


setting_changed.connect(_forget_store, dispatch_uid="core.ratelimit.store")


def _redis_cache():
    """The default cache's Redis client factory, or None when it is not Redis."""
    from django.core.cache.backends.redis import RedisCache

    default = caches["default"]
    return default if isinstance(default, RedisCache) else None


# KEYS[1] the bucket; ARGV capacity, tokens per second, cost (negative: give
# back), seconds to keep. Time is Redis's own, the same for every app server.
# Returns the seconds to wait as text (Lua numbers come back as integers).
BUCKET_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= cost then
  tokens = math.min(capacity, tokens - cost)
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return tostring(wait)
"""
BUCKET_SHA = hashlib.sha1(BUCKET_LUA.encode()).hexdigest()  # noqa: S324 (Redis's id)


def _cache_take(scope: str, key: str, rate: Rate, cost: float) -> float:
    redis_cache = _redis_cache()
    if redis_cache is None:  # the settings changed under a running process
        return _database_take(scope, key, rate, cost) if cost > 0 else 0.0
    name = redis_cache.make_and_validate_key(f"ratelimit:{_bucket_key(scope, key)}")
    client = redis_cache._cache.get_client(name, write=True)
    args = (rate.capacity, repr(rate.per_second), repr(cost), rate.period_seconds + 1)
    try:
        try:
            wait = client.evalsha(BUCKET_SHA, 1, name, *args)
        except redis_cache._cache._lib.exceptions.NoScriptError:
            wait = client.eval(BUCKET_LUA, 1, name, *args)
    except (
        redis_cache._cache._lib.exceptions.ConnectionError,
        redis_cache._cache._lib.exceptions.TimeoutError,
    ):
        # Redis is down: the database bucket still limits (a warning per take)
        log.warning("rate limit: Redis unreachable, using the database bucket")
        return _database_take(scope, key, rate, cost) if cost > 0 else 0.0
    return float(wait)


def rate_limit_take(scope: str, key: str, spec: str, *, cost: float = 1.0) -> float:
    """Take ``cost`` tokens; return the seconds to wait (0.0 means allowed).

    Database store: inside a transaction the take joins it (no savepoint, no
    commit of its own: the bucket row stays locked until the caller commits);
    outside it is its own. Cache store: the take is Redis's at once, whatever the
    transaction does."""
    rate = parse_rate(spec)
    if store() == "cache":
        return _cache_take(scope, key, rate, cost)
    return _database_take(scope, key, rate, cost)


def _database_take(scope: str, key: str, rate: Rate, cost: float) -> float:
    bucket_model = apps.get_model("appeals", "RateBucket")
    row_key = _bucket_key(scope, key)
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        bucket = bucket_model.objects.select_for_update().filter(key=row_key).first()
        if bucket is None:
            bucket = bucket_model(key=row_key, tokens=rate.capacity, updated_at=now)
        tokens, wait = _refill_and_take(bucket, rate, now, cost)
        bucket.tokens, bucket.updated_at = tokens, now
        if bucket.pk is not None:
            bucket.save(update_fields=["tokens", "updated_at"])
            return wait
        try:
            with transaction.atomic():  # a savepoint only when creating the row
                bucket.save(force_insert=True)
            return wait
        except IntegrityError:  # a concurrent request created it first
            bucket = bucket_model.objects.select_for_update().get(key=row_key)
            tokens, wait = _refill_and_take(bucket, rate, now, cost)
            bucket.tokens, bucket.updated_at = tokens, now
            bucket.save(update_fields=["tokens", "updated_at"])
            return wait


def _refill_and_take(bucket, rate: Rate, now, cost: float) -> tuple[float, float]:
    """(tokens left, seconds to wait) after refilling since the last take."""
    elapsed = max((now - bucket.updated_at).total_seconds(), 0.0)
    tokens = min(float(rate.capacity), bucket.tokens + elapsed * rate.per_second)
    if tokens >= cost:
        return tokens - cost, 0.0
    return tokens, (cost - tokens) / rate.per_second


@contextmanager
def rate_limited_atomic(
    scope: str,
    key: str,
    spec: str,
    *,
    cost: float = 1.0,
    charge: tuple[type[BaseException], ...] = (DomainError,),
) -> Iterator[None]:
    """``transaction.atomic()`` that starts by taking the token, so a request that
    succeeds pays no transaction (and no commit) of its own for the limiter. A
    block that fails gives the token back unless it failed with one of ``charge``
    (the client's fault), so failing requests are limited like the others.

    Database store: the token is taken inside the transaction (its rollback gives
    it back; a charged failure takes it again in a transaction of its own). Cache
    store: the token is taken before the transaction and given back by hand when
    the block fails otherwise (a RateLimited from inside the block included)."""
    if store() == "cache":
        rate_limit_hit(scope, key, spec, cost=cost)
        try:
            with transaction.atomic():
                yield
        except RateLimited:
            rate_limit_take(scope, key, spec, cost=-cost)
            raise
        except charge:
            raise
        except BaseException:
            rate_limit_take(scope, key, spec, cost=-cost)
            raise
        return
    try:
        with transaction.atomic():
            rate_limit_hit(scope, key, spec, cost=cost)
            yield
    except RateLimited:
        raise
    except charge:
        rate_limit_take(scope, key, spec, cost=cost)
        raise


def rate_limit_hit(scope: str, key: str, spec: str, *, cost: float = 1.0) -> None:
    """Take tokens or raise RateLimited with the seconds until the next one."""
    wait = rate_limit_take(scope, key, spec, cost=cost)
    if wait > 0:
        raise RateLimited(max(1, math.ceil(wait)))


def rate_limit_purge(older_than_seconds: int = 86400) -> int:
    """Delete database buckets untouched for a day (full again anyway); Redis's
    expire by themselves."""
    bucket_model = apps.get_model("appeals", "RateBucket")
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    deleted, _ = bucket_model.objects.filter(updated_at__lt=cutoff).delete()
    return deleted

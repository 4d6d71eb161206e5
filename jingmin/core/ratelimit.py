"""A token bucket kept in the database, so every app server shares one count.

``rate_limit_hit("appeals.track", client_ip(request), "10/m")`` takes one token
from the bucket of that scope and key; when none is left it raises RateLimited
(HTTP 429). A bucket holds at most N tokens and refills N per period, so short
bursts pass and sustained abuse is slowed. The rows live in the appeals app's
table ``RateBucket`` until the lead moves them into core (docs/decisions/011).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
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


def _bucket_key(scope: str, key: str) -> str:
    # Client addresses and tracking numbers are not stored in the clear.
    return f"{scope}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def rate_limit_take(scope: str, key: str, spec: str, *, cost: float = 1.0) -> float:
    """Take ``cost`` tokens; return the seconds to wait (0.0 means allowed).

    Inside a transaction the take joins it (no savepoint, no commit of its own: the
    bucket row stays locked until the caller commits); outside it is its own."""
    rate = parse_rate(spec)
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
    succeeds pays no transaction (and no commit) of its own for the limiter. The
    rollback of a failed block gives the token back: when it failed with one of
    ``charge`` (the client's fault), the token is taken again in a transaction of
    its own, so failing requests are limited like the others."""
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
    """Delete buckets untouched for a day (full again anyway)."""
    bucket_model = apps.get_model("appeals", "RateBucket")
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    deleted, _ = bucket_model.objects.filter(updated_at__lt=cutoff).delete()
    return deleted

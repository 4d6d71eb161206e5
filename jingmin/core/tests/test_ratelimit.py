import datetime as dt

import pytest
from django.utils import timezone

from jingmin.appeals.models import RateBucket
from jingmin.core import ratelimit
from jingmin.core.ratelimit import (
    RateLimited,
    parse_rate,
    rate_limit_hit,
    rate_limit_take,
)

pytestmark = pytest.mark.django_db


def test_parse_rate():
    assert parse_rate("10/m") == ratelimit.Rate(10, 60)
    assert parse_rate("5/10m") == ratelimit.Rate(5, 600)
    assert parse_rate(" 100 / h ") == ratelimit.Rate(100, 3600)
    with pytest.raises(ValueError):
        parse_rate("ten per minute")


def test_bucket_allows_a_burst_then_refuses_with_retry_after():
    for _i in range(3):
        rate_limit_hit("t", "1.2.3.4", "3/m")
    with pytest.raises(RateLimited) as err:
        rate_limit_hit("t", "1.2.3.4", "3/m")
    assert err.value.status == 429 and 1 <= err.value.retry_after <= 20
    rate_limit_hit("t", "5.6.7.8", "3/m")  # another key has its own bucket
    rate_limit_hit("other", "1.2.3.4", "3/m")  # and another scope


def test_bucket_refills_with_time():
    for _i in range(2):
        rate_limit_hit("t", "k", "2/m")
    assert rate_limit_take("t", "k", "2/m") > 0
    RateBucket.objects.update(updated_at=timezone.now() - dt.timedelta(seconds=30))
    assert rate_limit_take("t", "k", "2/m") == 0  # 30 s refilled one token


def test_keys_are_not_stored_in_the_clear():
    rate_limit_hit("t", "10.9.8.7", "5/m")
    assert "10.9.8.7" not in RateBucket.objects.get().key


def test_purge_old_buckets():
    rate_limit_hit("t", "k", "5/m")
    RateBucket.objects.update(updated_at=timezone.now() - dt.timedelta(days=2))
    assert ratelimit.rate_limit_purge() == 1


def test_rate_limited_atomic_takes_the_token_inside_the_transaction():
    from django.db import connection

    from jingmin.core.ratelimit import rate_limited_atomic

    with rate_limited_atomic("t", "k", "2/m"):
        assert connection.in_atomic_block
        assert RateBucket.objects.get().tokens == pytest.approx(1, abs=0.01)
    assert RateBucket.objects.get().tokens == pytest.approx(1, abs=0.01)


def test_rate_limited_atomic_charges_a_failed_block_and_refuses_when_empty():
    from jingmin.core.exceptions import DomainError
    from jingmin.core.ratelimit import rate_limited_atomic

    for _i in range(2):
        with pytest.raises(DomainError, match="bad input"):
            with rate_limited_atomic("t", "k", "2/m"):
                RateBucket.objects.update(tokens=99)  # rolled back with the block
                raise DomainError("bad input")
    with pytest.raises(RateLimited):
        with rate_limited_atomic("t", "k", "2/m"):
            pytest.fail("the block must not run without a token")


def test_rate_limited_atomic_does_not_charge_other_failures():
    from jingmin.core.ratelimit import rate_limited_atomic

    with pytest.raises(KeyError):
        with rate_limited_atomic("t", "k", "1/m"):
            raise KeyError("server bug")
    with rate_limited_atomic("t", "k", "1/m"):
        pass  # the token came back with the rollback

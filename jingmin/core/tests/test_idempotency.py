import pytest

from jingmin.appeals.models import IdempotencyRecord
from jingmin.core.exceptions import DomainError
from jingmin.core.idempotency import (
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    idempotent,
    request_hash,
)

pytestmark = pytest.mark.django_db


def test_runs_once_and_replays():
    calls = []

    def handler():
        calls.append(1)
        return 201, {"n": len(calls)}

    first = idempotent(scope="s", key="k-1", payload={"a": 1}, handler=handler)
    second = idempotent(scope="s", key="k-1", payload={"a": 1}, handler=handler)
    assert (first.status, first.body, first.replayed) == (201, {"n": 1}, False)
    assert (second.status, second.body, second.replayed) == (201, {"n": 1}, True)
    assert calls == [1]


def test_same_key_other_payload_is_422():
    idempotent(scope="s", key="k", payload={"a": 1}, handler=lambda: (201, {}))
    with pytest.raises(IdempotencyKeyReused) as err:
        idempotent(scope="s", key="k", payload={"a": 2}, handler=lambda: (201, {}))
    assert err.value.status == 422


def test_scopes_are_separate():
    idempotent(scope="a", key="k", payload={}, handler=lambda: (201, {"x": 1}))
    out = idempotent(scope="b", key="k", payload={}, handler=lambda: (201, {"x": 2}))
    assert out.body == {"x": 2}


def test_failure_releases_the_key():
    def boom():
        raise DomainError("nope")

    with pytest.raises(DomainError):
        idempotent(scope="s", key="k", payload={}, handler=boom)
    assert not IdempotencyRecord.objects.exists()
    assert (
        idempotent(scope="s", key="k", payload={}, handler=lambda: (201, {})).replayed
        is False
    )


def test_stored_response_is_encrypted():
    idempotent(
        scope="s", key="k", payload={}, handler=lambda: (201, {"code": "secret-123"})
    )
    stored = IdempotencyRecord.objects.get().response
    assert "secret-123" not in str(stored)


@pytest.mark.parametrize("key", ["", " ", "x" * 201, "ключ", "a b"])
def test_bad_keys(key):
    with pytest.raises(IdempotencyKeyInvalid):
        idempotent(scope="s", key=key, payload={}, handler=lambda: (201, {}))


def test_request_hash_ignores_key_order():
    assert request_hash({"a": 1, "b": 2}) == request_hash({"b": 2, "a": 1})


def test_purge_forgets_old_keys():
    import datetime as dt

    from django.utils import timezone

    from jingmin.core.idempotency import idempotency_purge

    idempotent(scope="s", key="old", payload={}, handler=lambda: (201, {}))
    idempotent(scope="s", key="new", payload={}, handler=lambda: (201, {}))
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    assert idempotency_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_twins_run_the_handler_once():
    """Two requests with the same key at the same moment: the second blocks on the
    claimed row until the first commits, then replays its response."""
    import threading
    import time

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    calls, results = [], []

    def handler():
        calls.append(1)
        time.sleep(0.3)
        return 201, {"n": len(calls)}

    def worker():
        try:
            results.append(
                idempotent(scope="s", key="twin", payload={"a": 1}, handler=handler)
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert calls == [1]
    assert sorted(r.replayed for r in results) == [False, True]
    assert results[0].body == results[1].body == {"n": 1}

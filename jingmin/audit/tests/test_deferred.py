"""deferred_chain: events recorded in the block are linked into the chain when it
ends, so the head row is touched (and locked) only by the block's last statements."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from jingmin.audit.models import AuditEvent, AuditHead
from jingmin.audit.services import atomic_chained, deferred_chain, event_record
from jingmin.audit.verification import verify_chain

pytestmark = pytest.mark.django_db


def record(action: str) -> AuditEvent:
    return event_record(actor=None, actor_label="system", action=action)


def head_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "audit_audithead" in q["sql"]]


def test_events_are_linked_in_order_when_the_block_ends():
    record("before")
    with atomic_chained():
        with CaptureQueriesContext(connection) as inside:
            first, second = record("one"), record("two")
        assert not head_queries(inside.captured_queries)  # head not locked yet
        assert first.seq is None
    assert second.chain == first.chain and second.seq == first.seq + 1
    assert second.prev_hash == first.hash
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [
        "before",
        "one",
        "two",
    ]
    assert AuditHead.objects.get(id=second.chain).seq == second.seq
    assert verify_chain().ok


def test_the_head_is_locked_by_the_last_statements_of_the_block():
    with CaptureQueriesContext(connection) as q:
        with atomic_chained():
            record("one")
            with connection.cursor() as cur:  # the caller's other work
                cur.execute("SELECT 1")
            record("two")
    sqls = [s for s in (x["sql"] for x in q.captured_queries) if "SAVEPOINT" not in s]
    first_head = next(i for i, s in enumerate(sqls) if "audit_audithead" in s)
    assert "FOR UPDATE" in sqls[first_head] or connection.vendor == "sqlite"
    assert all(
        "audit_auditevent" in s or "audit_audithead" in s for s in sqls[first_head:]
    )


def test_nested_blocks_link_once_at_the_outermost_end():
    with atomic_chained():
        record("outer")
        with atomic_chained():
            record("inner")
        assert AuditEvent.objects.count() == 0
    assert list(AuditEvent.objects.values_list("seq", "action")) == [
        (1, "outer"),
        (2, "inner"),
    ]  # one block, one chain


def test_a_failed_block_writes_nothing():
    with pytest.raises(ValueError), atomic_chained():
        record("lost")
        raise ValueError
    assert AuditEvent.objects.count() == 0
    assert verify_chain().ok


def test_events_of_a_rolled_back_savepoint_are_dropped():
    with atomic_chained():
        record("kept")
        try:
            with transaction.atomic():
                record("rolled back")
                raise IntegrityError
        except IntegrityError:
            pass
        with pytest.raises(ValueError), deferred_chain():
            record("failed inner block")
            raise ValueError
        record("kept too")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [
        "kept",
        "kept too",
    ]
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_deferred_chain_needs_a_transaction():
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        with deferred_chain():
            pass


def test_without_a_block_each_event_is_linked_at_once():
    event = record("now")
    assert event.seq == 1 and AuditEvent.objects.get().hash == event.hash


@pytest.mark.django_db(transaction=True)
def test_writers_take_free_chains_side_by_side_and_each_chain_verifies():
    """On PostgreSQL a writer whose chain head is locked by a transaction still
    committing takes another head instead of waiting (ADR 140)."""
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("one writer at a time: one chain")
    import threading

    AuditHead.objects.bulk_create(
        [AuditHead(id=n) for n in range(1, 9)], ignore_conflicts=True
    )
    linked, release = threading.Event(), threading.Event()
    chains = {}

    def slow_writer():
        try:
            with transaction.atomic():
                with deferred_chain():
                    chains["slow"] = record("slow")
                linked.set()  # head locked until this transaction commits
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert linked.wait(10)
    try:
        chains["quick"] = record("quick")  # would block on a single chain
    finally:
        release.set()
        thread.join(10)
    assert chains["quick"].chain != chains["slow"].chain
    assert chains["quick"].seq == chains["slow"].seq == 1
    result = verify_chain()
    assert result.ok and result.events == 2 and len(result.heads) == 2


def test_a_second_chain_is_verified_on_its_own(monkeypatch):
    """Tampering is found per chain: each starts at #1 and is hashed with its number."""
    from jingmin.audit import services

    record("one")
    monkeypatch.setattr(
        services, "_head", lambda: AuditHead.objects.get_or_create(id=2)[0]
    )
    two = [record("two-a"), record("two-b")]
    assert [(e.chain, e.seq) for e in two] == [(2, 1), (2, 2)]
    result = verify_chain()
    assert result.ok and result.heads.keys() == {1, 2}
    if connection.vendor != "sqlite":
        return  # PostgreSQL refuses the UPDATE below
    with connection.cursor() as cursor:  # move an event to the other chain
        cursor.execute(
            "UPDATE audit_auditevent SET chain = 1, seq = 2 WHERE id = %s", [two[1].pk]
        )
    problems = verify_chain().problems
    assert "event #2 of chain 1 does not follow" in problems[0]

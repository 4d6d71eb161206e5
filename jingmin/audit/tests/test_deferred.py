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
    assert [first.seq, second.seq] == [2, 3]
    assert second.prev_hash == first.hash
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [
        "before",
        "one",
        "two",
    ]
    assert AuditHead.objects.get().seq == 3
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
    ]


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

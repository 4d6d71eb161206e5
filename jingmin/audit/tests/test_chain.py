import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from jingmin.audit.models import AuditEvent
from jingmin.audit.services import event_record
from jingmin.audit.verification import verify_chain, write_checkpoint


def raw(sql, params=()):
    """Tamper below the ORM, as an attacker with database access would (SQLite only:
    PostgreSQL refuses these statements, which test_append_only_on_postgresql proves)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def chain(county):
    for n in range(5):
        event_record(
            actor=county["admin"],
            action="test.event",
            object_type="t",
            object_id=str(n),
            changes={"n": n},
        )
    assert verify_chain().ok
    return AuditEvent.objects.order_by("seq")


def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's trigger refuses UPDATE/DELETE")


def test_intact_chain_verifies(chain):
    result = verify_chain()
    assert result.ok and result.events == chain.count()


def test_changed_event_is_named(chain):
    sqlite_only()
    target = chain[2]
    raw(
        "UPDATE audit_auditevent SET changes = %s WHERE seq = %s",
        ['{"n": 99}', target.seq],
    )
    result = verify_chain()
    assert not result.ok
    assert f"event #{target.seq} of chain 1 was changed" in result.problems[0]


def test_deleted_event_is_named(chain):
    sqlite_only()
    target = chain[2]
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [target.seq])
    result = verify_chain()
    assert not result.ok
    assert (
        f"events {target.seq}..{target.seq} of chain 1 are missing"
        in result.problems[0]
    )


def test_swapped_events_are_named(chain):
    sqlite_only()
    a, b = chain[1], chain[2]
    raw("UPDATE audit_auditevent SET seq = -1 WHERE seq = %s", [a.seq])
    raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [a.seq, b.seq])
    raw("UPDATE audit_auditevent SET seq = %s WHERE seq = -1", [b.seq])
    result = verify_chain()
    assert not result.ok
    assert f"event #{a.seq} of chain 1 does not follow" in result.problems[0]


def test_cut_tail_is_caught_by_the_head_and_the_signed_checkpoint(chain):
    sqlite_only()
    write_checkpoint()
    last = chain.last()
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [last.seq])
    result = verify_chain()
    assert not result.ok
    assert (
        f"chain 1 ends at #{last.seq - 1} but its head says #{last.seq}"
        in (result.problems[0])
    )
    assert "tail cut off" in result.problems[1]
    raw("UPDATE audit_audithead SET seq = seq - 1")  # the attacker moves the head too
    result = verify_chain()
    assert [p for p in result.problems if "tail cut off" in p]


def test_forged_checkpoint_is_refused(chain, settings):
    write_checkpoint()
    record = json.loads(settings.AUDIT_CHECKPOINT_FILE.read_text())
    for end in record["heads"].values():
        end[0] -= 1  # claim the chain was shorter, keep the signature
    settings.AUDIT_CHECKPOINT_FILE.write_text(json.dumps(record) + "\n")
    result = verify_chain()
    assert not result.ok and "bad signature" in result.problems[0]


def test_verify_command_exits_non_zero(chain, capsys):
    call_command("audit_verify")
    assert "OK:" in capsys.readouterr().out
    sqlite_only()
    raw("UPDATE audit_auditevent SET action = 'x' WHERE seq = 1")
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_event_fails_with_the_change(county):
    """The audit write is in the caller's transaction: both commit or neither."""
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(actor=None, action="test.rollback", object_type="t", object_id="1")
        raise RuntimeError("the business change failed")
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_append_only_on_postgresql(county):
    if connection.vendor != "postgresql":
        pytest.skip("trigger exists on PostgreSQL only")
    event_record(actor=None, action="test.event", object_type="t", object_id="1")
    from django.db import DatabaseError

    for sql in [
        "UPDATE audit_auditevent SET action = 'x'",
        "DELETE FROM audit_auditevent",
    ]:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw(sql)

"""Tamper evidence of the audit trail (ASVS 5.0 16.4.2, 等保 安全审计 c).

Each test builds a short chain with a signed checkpoint over its head, mutates one
event the way an attacker with database access would (change, delete, insert,
reorder, cut the tail, rewrite and re-hash), and asserts that `jingmin audit verify`
exits non-zero and names the event. On PostgreSQL the append-only trigger must also
refuse UPDATE and DELETE outright.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from jingmin.audit.hashing import event_fields, event_hash
from jingmin.audit.models import AuditEvent
from jingmin.audit.services import event_record
from jingmin.audit.verification import verify_chain, write_checkpoint

N = 6
POSITIONS = range(1, N + 1)


def _writable() -> None:
    """On PostgreSQL, lift the append-only trigger for this test's transaction only
    (the DDL is rolled back with the test), so we can play the attacker."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only"
            )


@pytest.fixture
def chain(db):
    for i in range(N):
        event_record(
            actor=None,
            actor_label="system",
            action=f"test.step{i + 1}",
            object_type="test",
            object_id=str(i + 1),
            changes={"n": i + 1, "note": "甲乙丙"},
        )
    write_checkpoint()
    assert verify_chain().ok
    _writable()
    return list(AuditEvent.objects.order_by("seq"))


def verify_fails() -> str:
    """Run the real command; return what it printed on stderr."""
    err = StringIO()
    with pytest.raises(CommandError, match="verification failed"):
        call_command("audit_verify", stdout=StringIO(), stderr=err)
    return err.getvalue()


def test_intact_chain_verifies(chain):
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert f"OK: {N} events" in out.getvalue()
    assert "1 signed checkpoint" in out.getvalue()


@pytest.mark.parametrize("pos", POSITIONS)
@pytest.mark.parametrize(
    "field,value",
    [
        ("action", "test.forged"),
        ("actor_label", "someone-else"),
        ("changes", {"n": 999}),
        ("ip", "10.0.0.66"),
    ],
)
def test_changed_event_is_named(chain, pos, field, value):
    AuditEvent.objects.filter(seq=pos).update(**{field: value})
    assert f"event #{pos} of chain 1 was changed" in verify_fails()


@pytest.mark.parametrize("pos", POSITIONS)
def test_deleted_event_is_named(chain, pos):
    AuditEvent.objects.filter(seq=pos).delete()
    err = verify_fails()
    if pos < N:
        assert f"events {pos}..{pos} of chain 1 are missing" in err
    else:  # the head itself: only the signed checkpoint knows it existed
        assert f"signed event #{N} of chain 1 but the chain ends at #{N - 1}" in err


def _shift_up_from(pos: int) -> None:
    for seq in range(N, pos - 1, -1):  # top down, so seq stays unique
        AuditEvent.objects.filter(seq=seq).update(seq=seq + 1)


@pytest.mark.parametrize("pos", POSITIONS)
def test_inserted_event_is_detected(chain, pos):
    """A forged event with a correct hash of its own, slipped in at ``pos``: the
    original event that now follows it no longer links to its predecessor."""
    _shift_up_from(pos)
    prev = chain[pos - 2].hash if pos > 1 else "0" * 64
    forged = AuditEvent(
        seq=pos,
        created_at=chain[pos - 1].created_at,
        actor_label="system",
        action="test.forged",
        object_type="test",
        object_id="x",
        changes={},
        prev_hash=prev,
    )
    forged.hash = event_hash(prev, event_fields(forged))
    forged.save(force_insert=True)
    err = verify_fails()
    # The next event's stored hash covered its old seq, so either message names it.
    assert f"event #{pos + 1} " in err


@pytest.mark.parametrize("pos", range(1, N))
def test_swapped_neighbours_are_named(chain, pos):
    AuditEvent.objects.filter(seq=pos).update(seq=-1)
    AuditEvent.objects.filter(seq=pos + 1).update(seq=pos)
    AuditEvent.objects.filter(seq=-1).update(seq=pos + 1)
    assert f"event #{pos} of chain 1 does not follow event #{pos - 1}" in verify_fails()


def test_tail_cut_is_caught_by_the_signed_checkpoint(chain):
    AuditEvent.objects.filter(seq__gt=3).delete()
    err = verify_fails()
    assert "tail cut off" in err
    assert f"signed event #{N}" in err


def test_full_rewrite_with_recomputed_hashes_is_caught_by_the_checkpoint(chain):
    """Someone with write access changes event 2 and re-hashes everything after it:
    the chain alone looks fine, the signed head does not."""
    prev = chain[0].hash
    for event in chain[1:]:
        if event.seq == 2:
            event.action = "test.rewritten"
        event.prev_hash = prev
        event.hash = event_hash(prev, event_fields(event))
        AuditEvent.objects.filter(pk=event.pk).update(
            action=event.action, prev_hash=event.prev_hash, hash=event.hash
        )
        prev = event.hash
    assert (
        f"event #{N} of chain 1 differs from checkpoint line 1 (chain rewritten)"
        in verify_fails()
    )


def test_forged_checkpoint_signature_is_rejected(chain, settings):
    path = settings.AUDIT_CHECKPOINT_FILE
    line = path.read_text().splitlines()[0].replace('"1": [6,', '"1": [5,')
    path.write_text(line + "\n")
    assert "checkpoint line 1 has a bad signature" in verify_fails()


def test_missing_signing_key_is_reported(chain, settings):
    settings.AUDIT_SIGNING_KEY_FILE.unlink()
    assert "signing key is missing" in verify_fails()


def test_checkpoint_refuses_to_sign_a_broken_chain(chain):
    AuditEvent.objects.filter(seq=2).update(action="test.forged")
    with pytest.raises(CommandError, match="not signing a broken chain"):
        call_command("audit_checkpoint", stdout=StringIO())


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger is PostgreSQL-only",
)
class TestPostgresTrigger:
    """The database itself refuses to change history, whatever the application does."""

    @pytest.fixture
    def events(self, transactional_db):
        for i in range(3):
            event_record(actor=None, actor_label="system", action=f"t.{i}")

    @pytest.mark.parametrize(
        "sql",
        [
            "UPDATE audit_auditevent SET action = 'forged' WHERE seq = 2",
            "DELETE FROM audit_auditevent WHERE seq = 3",
            "UPDATE audit_auditevent SET seq = seq + 100",
        ],
    )
    def test_raw_sql_is_refused(self, events, sql):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql)
        assert AuditEvent.objects.count() == 3
        assert verify_chain().ok

    def test_orm_update_and_delete_are_refused(self, events):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic():
                AuditEvent.objects.filter(seq=1).update(action="forged")
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic():
                AuditEvent.objects.filter(seq=1).delete()
        assert verify_chain().ok


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the TRUNCATE trigger is PostgreSQL-only",
)
class TestPostgresTruncate:
    """TRUNCATE skips row triggers; a statement trigger refuses it (issue #9) for
    every role but a superuser (who could drop the trigger anyway)."""

    ROLE = "jingmin_truncate_probe"

    @pytest.fixture
    def as_app_role(self, db):
        """A non-superuser role allowed to TRUNCATE by privilege, so only the trigger
        can stop it; created inside the test's transaction, so it rolls back."""
        for i in range(3):
            event_record(actor=None, actor_label="system", action=f"t.{i}")
        with connection.cursor() as cur:
            cur.execute(f"CREATE ROLE {self.ROLE}")
            cur.execute(f"GRANT ALL ON audit_auditevent TO {self.ROLE}")
            cur.execute(f"SET LOCAL ROLE {self.ROLE}")
        yield
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")

    def test_truncate_is_refused(self, as_app_role):
        with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("TRUNCATE audit_auditevent")
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")
        assert AuditEvent.objects.count() == 3
        assert verify_chain().ok

    def test_the_row_trigger_still_refuses_this_role(self, as_app_role):
        with pytest.raises(DatabaseError, match="append-only: DELETE refused"):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("DELETE FROM audit_auditevent")

    def test_the_trigger_is_installed(self, db):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = %s",
                ["audit_auditevent_no_truncate"],
            )
            assert cur.fetchone() == ("O",)

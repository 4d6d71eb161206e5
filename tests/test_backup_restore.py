"""Restore drill (等保 数据备份恢复; SECURITY-ANCHORS "restore drills"): back up,
restore into a fresh database in another process, and find every row (count and
checksum per table) and a valid audit chain with its signed checkpoint."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jingmin.audit.services import event_record
from jingmin.audit.verification import write_checkpoint

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def populated(county):
    for i in range(25):
        event_record(
            actor=county["admin"],
            action="test.backup",
            object_type="test",
            object_id=str(i),
            changes={"i": i, "text": "和平县 “引号” \\ 'quote'"},
        )
    write_checkpoint()
    return county


@pytest.fixture
def fresh_db(tmp_path):
    """A DATABASE_URL for an empty database of the same kind, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    params = connection.get_connection_params()
    name = f"jm_restore_{uuid.uuid4().hex[:10]}"
    admin = {**params, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    host = params.get("host") or "127.0.0.1"
    port = params.get("port") or 5432
    user = params.get("user") or "postgres"
    yield f"postgres://{user}@{host}:{port}/{name}"
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def jingmin(
    args: list[str], database_url: str, settings
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "AUDIT_SIGNING_KEY_FILE": str(settings.AUDIT_SIGNING_KEY_FILE),
        "AUDIT_CHECKPOINT_FILE": str(settings.AUDIT_CHECKPOINT_FILE),
        "DJANGO_SETTINGS_MODULE": "jingmin.settings",
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "jingmin.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def backup(tmp_path: Path) -> Path:
    ext = "sqlite3" if connection.vendor == "sqlite" else "dump"
    path = tmp_path / f"backup.{ext}"
    out = StringIO()
    call_command("db_backup", output=str(path), stdout=out)
    assert "backup:" in out.getvalue()
    return path


TABLES = ["audit_auditevent", "accounts_user", "org_unit", "org_department"]


def count_sql(table: str) -> str:
    return f"SELECT count(*) FROM {table}"  # noqa: S608 (fixed table names)


def counts_in(database_url: str) -> dict[str, int]:
    tables = TABLES
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            return {t: conn.execute(count_sql(t)).fetchone()[0] for t in tables}
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        return {t: conn.execute(count_sql(t)).fetchone()[0] for t in tables}


def source_counts() -> dict[str, int]:
    with connection.cursor() as cur:
        out = {}
        for t in ["audit_auditevent", "accounts_user", "org_unit", "org_department"]:
            cur.execute(count_sql(t))
            out[t] = cur.fetchone()[0]
        return out


def test_backup_writes_a_manifest(populated, tmp_path):
    path = backup(tmp_path)
    manifest = json.loads(Path(str(path) + ".manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"]["audit_auditevent"]["rows"] == 25
    assert manifest["tables"]["accounts_user"]["rows"] == 11
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(CommandError, match="not overwriting"):
        call_command("db_backup", output=str(path), stdout=StringIO())


def test_restore_into_a_fresh_database_finds_every_row(
    populated, tmp_path, fresh_db, settings
):
    path = backup(tmp_path)
    want = source_counts()
    proc = jingmin(["restore", str(path), "--yes"], fresh_db, settings)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "tables match the manifest" in proc.stdout
    assert "audit chain OK (25 events, 1 checkpoint(s))" in proc.stdout
    assert counts_in(fresh_db) == want
    verify = jingmin(["audit", "verify"], fresh_db, settings)
    assert verify.returncode == 0, verify.stderr
    assert "OK: 25 events" in verify.stdout


def test_restore_refuses_without_yes(populated, tmp_path):
    path = backup(tmp_path)
    with pytest.raises(CommandError, match="run again with --yes"):
        call_command("db_restore", str(path), stdout=StringIO())


def test_restore_refuses_a_damaged_backup(populated, tmp_path):
    """Refused before anything is touched (so it can run against the test database)."""
    path = backup(tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("db_restore", str(path), "--yes", stdout=StringIO())


def test_restore_reports_rows_that_do_not_match(
    populated, tmp_path, fresh_db, settings
):
    """The drill is only worth something if it can fail: a manifest that expects a
    row the backup lacks makes the restore say so."""
    path = backup(tmp_path)
    manifest_path = Path(str(path) + ".manifest.json")
    manifest = json.loads(manifest_path.read_text())
    manifest["tables"]["audit_auditevent"]["rows"] = 26
    manifest_path.write_text(json.dumps(manifest))
    proc = jingmin(["restore", str(path), "--yes"], fresh_db, settings)
    assert proc.returncode != 0
    assert "table audit_auditevent: 25 rows restored, 26 in the backup" in proc.stderr


def test_restore_detects_a_tail_cut_against_the_checkpoint(
    populated, tmp_path, fresh_db, settings
):
    """A backup older than the newest signed checkpoint: restoring it silently
    would lose audit events, so the chain check names the cut."""
    path = backup(tmp_path)
    event_record(actor=None, actor_label="system", action="test.after_backup")
    write_checkpoint()
    proc = jingmin(["restore", str(path), "--yes"], fresh_db, settings)
    assert proc.returncode != 0
    assert "tail cut off" in proc.stderr

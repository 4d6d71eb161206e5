"""`jingmin backup`: a consistent copy of the database plus a manifest.

SQLite: the online backup API (pages copied while the site keeps running).
PostgreSQL: `pg_dump -Fc` inside an exported snapshot, so the manifest (row count
and SHA-256 per table) describes exactly the rows in the dump. `jingmin restore`
checks the restored database against that manifest and re-verifies the audit chain.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

MANIFEST_SUFFIX = ".manifest.json"


def table_digest(rows: Any) -> tuple[int, str]:
    """Row count and SHA-256 over the rows in primary-key order."""
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        digest.update(repr(tuple(row)).encode())
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def sqlite_manifest(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    out = {}
    for table in tables:
        count, sha = table_digest(conn.execute(f'SELECT * FROM "{table}" ORDER BY 1'))  # noqa: S608
        out[table] = {"rows": count, "sha256": sha}
    return out


def postgres_manifest(cursor: Any) -> dict[str, dict[str, Any]]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
    )
    out = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608
        count, sha = table_digest(cursor.fetchall())
        out[table] = {"rows": count, "sha256": sha}
    return out


def pg_env(params: dict[str, Any]) -> dict[str, str]:
    """libpq environment for pg_dump/pg_restore: the password never goes on argv."""
    env = dict(os.environ)
    for key, var in [
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
        ("dbname", "PGDATABASE"),
    ]:
        if params.get(key):
            env[var] = str(params[key])
    return env


def default_output(vendor: str) -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    ext = "sqlite3" if vendor == "sqlite" else "dump"
    return Path(settings.VAR_DIR) / "backups" / f"jingmin-{stamp}.{ext}"


def backup_sqlite(path: Path) -> dict[str, Any]:
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise CommandError(f"the backup failed its integrity check: {check}")
        return sqlite_manifest(target)
    finally:
        target.close()


def backup_postgres(path: Path) -> dict[str, Any]:
    import psycopg

    params = connection.get_connection_params()
    with psycopg.connect(**params) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        proc = subprocess.run(  # noqa: S603
            ["pg_dump", "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(path)],  # noqa: S607
            env=pg_env(params),
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            raise CommandError(f"pg_dump failed: {proc.stderr.strip()}")
        with conn.cursor() as cursor:
            manifest = postgres_manifest(cursor)
        conn.rollback()
    return manifest


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup or pg_dump) with a row manifest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", help="file to write (default var/backups/…)"
        )

    def handle(self, *args, **options):
        vendor = connection.vendor
        if vendor not in {"sqlite", "postgresql"}:
            raise CommandError(f"no backup method for {vendor}")
        path = Path(options["output"] or default_output(vendor))
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            raise CommandError(f"{path} exists; not overwriting a backup")
        tables = backup_sqlite(path) if vendor == "sqlite" else backup_postgres(path)
        manifest = {
            "format": 1,
            "vendor": vendor,
            "created_at": timezone.now().isoformat(),
            "file_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "tables": tables,
        }
        manifest_path = Path(str(path) + MANIFEST_SUFFIX)
        manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
        os.chmod(path, 0o600)
        rows = sum(t["rows"] for t in tables.values())
        self.stdout.write(
            f"backup: {path} ({len(tables)} tables, {rows} rows); manifest {manifest_path.name}"
        )

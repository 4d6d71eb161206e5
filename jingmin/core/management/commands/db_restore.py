"""`jingmin restore FILE --yes`: replace the configured database with a backup,
then prove it: every table's row count and checksum must match the backup's
manifest, and the audit chain (with its signed checkpoints) must verify."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from jingmin.audit.verification import verify_chain

from .db_backup import MANIFEST_SUFFIX, pg_env, postgres_manifest, sqlite_manifest


def restore_sqlite(source: Path) -> None:
    target_name = connection.settings_dict["NAME"]
    connections.close_all()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target_name)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def restore_postgres(source: Path) -> None:
    params = connection.get_connection_params()
    connections.close_all()
    proc = subprocess.run(  # noqa: S603
        [  # noqa: S607
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "-d",
            params.get("dbname") or "",
            str(source),
        ],
        env=pg_env(params),
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise CommandError(f"pg_restore failed: {proc.stderr.strip()}")


def current_manifest() -> dict:
    if connection.vendor == "sqlite":
        # A plain connection, as in db_backup: Django's adds type converters.
        conn = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            return sqlite_manifest(conn)
        finally:
            conn.close()
    with connection.cursor() as cursor:
        return postgres_manifest(cursor)


class Command(BaseCommand):
    help = "Restore a `jingmin backup` file into the configured database and verify it."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="confirm that every row of the configured database is replaced",
        )

    def handle(self, *args, **options):
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"{source}: no such backup file")
        manifest_path = Path(str(source) + MANIFEST_SUFFIX)
        manifest = (
            json.loads(manifest_path.read_text()) if manifest_path.exists() else None
        )
        vendor = connection.vendor
        if manifest and manifest["vendor"] != vendor:
            raise CommandError(
                f"the backup is from {manifest['vendor']}, the database is {vendor}"
            )
        if (
            manifest
            and manifest["file_sha256"]
            != hashlib.sha256(source.read_bytes()).hexdigest()
        ):
            raise CommandError(f"{source} does not match its manifest (damaged file?)")
        target = connection.settings_dict["NAME"]
        if not options["yes"]:
            raise CommandError(
                f"restore replaces every row of {target}; run again with --yes"
            )
        if vendor == "sqlite":
            restore_sqlite(source)
        elif vendor == "postgresql":
            restore_postgres(source)
        else:
            raise CommandError(f"no restore method for {vendor}")
        problems = []
        if manifest:
            found = current_manifest()
            for table, want in manifest["tables"].items():
                got = found.get(table)
                if got is None:
                    problems.append(f"table {table} is missing")
                elif got != want:
                    problems.append(
                        f"table {table}: {got['rows']} rows restored, "
                        f"{want['rows']} in the backup (or the contents differ)"
                    )
        chain = verify_chain()
        problems += [f"audit: {p}" for p in chain.problems]
        if problems:
            for problem in problems:
                self.stderr.write(f"FAIL: {problem}")
            raise CommandError(f"restored {target}, but verification failed")
        tables = len(manifest["tables"]) if manifest else 0
        self.stdout.write(
            f"restored {source} into {target}: {tables} tables match the manifest; "
            f"audit chain OK ({chain.events} events, {chain.checkpoints} checkpoint(s))"
        )

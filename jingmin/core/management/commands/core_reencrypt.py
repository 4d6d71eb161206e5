"""`jingmin core reencrypt`: re-encrypt every encrypted personal-data field under
the newest FIELD_ENCRYPTION_KEYS entry, so the older keys can then be removed.

Rotation: put the new key first (old keys stay after it), restart, run this
command, check that `--check` reports 0 values on old keys, then drop the old keys.
Rows are read raw (the stored token, not the clear value) and rewritten in
batches, each batch one transaction; one audit event records the totals.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from jingmin.audit.services import event_record
from jingmin.core import crypto

BATCH = 500


def encrypted_fields() -> list[tuple[type, list[Any]]]:
    found = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, crypto.EncryptedTextField)
        ]
        if fields and not model._meta.proxy:
            found.append((model, fields))
    return found


def raw_rows(model: type, fields: list[Any], after: Any) -> list[tuple]:
    """The stored tokens (not decrypted) of the next batch, by primary key."""
    qn = connection.ops.quote_name
    pk = model._meta.pk.column
    columns = ", ".join(qn(f.column) for f in fields)
    sql = (
        f"SELECT {qn(pk)}, {columns} FROM {qn(model._meta.db_table)} "  # noqa: S608
        f"WHERE %s IS NULL OR {qn(pk)} > %s ORDER BY {qn(pk)} LIMIT {BATCH}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [after, after])
        return cursor.fetchall()


def on_newest_key(token: str) -> bool:
    """True if the newest key alone decrypts ``token`` (empty values count as done)."""
    if not token:
        return True
    if not token.startswith(crypto.PREFIX):
        return False
    newest = settings.FIELD_ENCRYPTION_KEYS[:1]
    try:
        with _only_keys(newest):
            crypto.decrypt(token)
    except Exception:  # noqa: BLE001 (ImproperlyConfigured: an older key is needed)
        return False
    return True


class _only_keys:
    def __init__(self, keys: list[str]):
        self.keys = keys

    def __enter__(self):
        self.saved = settings.FIELD_ENCRYPTION_KEYS
        settings.FIELD_ENCRYPTION_KEYS = self.keys

    def __exit__(self, *exc):
        settings.FIELD_ENCRYPTION_KEYS = self.saved


class Command(BaseCommand):
    help = "Re-encrypt personal-data fields under the newest FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="only count values not yet on the newest key (exit 1 if any)",
        )

    def handle(self, *args, **options):
        if not settings.FIELD_ENCRYPTION_KEYS:
            raise CommandError("FIELD_ENCRYPTION_KEYS is empty")
        totals: dict[str, int] = {}
        for model, fields in encrypted_fields():
            label = model._meta.label_lower
            totals[label] = 0
            after = None
            while rows := raw_rows(model, fields, after):
                after = rows[-1][0]
                stale = [
                    (row[0], {f.name: v for f, v in zip(fields, row[1:], strict=True)})
                    for row in rows
                    if not all(on_newest_key(v) for v in row[1:])
                ]
                totals[label] += sum(
                    not on_newest_key(v) for _pk, vals in stale for v in vals.values()
                )
                if options["check"] or not stale:
                    continue
                with transaction.atomic():
                    for pk, values in stale:
                        model._default_manager.filter(pk=pk).update(
                            **{
                                name: crypto.rotate(v)
                                for name, v in values.items()
                                if v
                            }
                        )
        count = sum(totals.values())
        for label, n in totals.items():
            self.stdout.write(
                f"{label}: {n} value(s) {'on older keys' if options['check'] else 're-encrypted'}"
            )
        if options["check"]:
            if count:
                raise CommandError(f"{count} value(s) still need the older keys")
            self.stdout.write("OK: every value is on the newest key")
            return
        if count:
            event_record(
                actor=None,
                actor_label="system",
                action="core.reencrypt",
                object_type="core.fieldencryption",
                changes={"values": totals},
            )
        self.stdout.write(f"re-encrypted {count} value(s) under the newest key")

"""On PostgreSQL the database also refuses TRUNCATE of the audit trail (issue #9).

The row trigger of 0002 does not fire for TRUNCATE, which empties the table in one
statement; a statement-level BEFORE TRUNCATE trigger does. A superuser is let
through: it can drop any trigger anyway, and Django's ``flush`` (used between
transactional tests and by ``manage.py flush``) truncates every table at once.
The application must not connect as a superuser (docs/decisions/080).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION jingmin_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION jingmin_audit_no_truncate();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS jingmin_audit_no_truncate();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: psycopg must not read the "%" of RAISE as a placeholder
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [migrations.RunPython(forward, backward)]

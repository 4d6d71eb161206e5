"""Indexes for a grown appeals table (ADR 095, 096, 097).

* Partial indexes on open appeals (overdue filter, console cards) and on escalated
  open appeals in list order (the dashboard's list): both databases.
* PostgreSQL only: ``jm_bigrams(text)``, the distinct two-character pieces of a
  text, and a GIN index of those of ``UPPER(title || ' ' || body)``, which serves
  ``icontains`` searches of two or more characters (selectors.text_match).
  SQLite keeps the plain ``LIKE`` scan.
"""

from django.db import migrations, models

BIGRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION jm_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[])
  FROM generate_series(1, char_length(t) - 1) AS i
$$
"""
BIGRAMS_INDEX = """
CREATE INDEX IF NOT EXISTS appeal_text_bigrams ON appeals_appeal
USING gin (jm_bigrams(UPPER(title || ' ' || body)))
"""


def bigrams_forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BIGRAMS_FUNCTION)
    schema_editor.execute(BIGRAMS_INDEX)


def bigrams_backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS appeal_text_bigrams")
    schema_editor.execute("DROP FUNCTION IF EXISTS jm_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0003_latest_followup"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=["reply_due"],
                name="appeal_open_reply_due",
            ),
        ),
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(
                condition=models.Q(
                    ("escalated_at__isnull", False),
                    models.Q(("status", "closed"), _negated=True),
                ),
                fields=["-created_at", "-id"],
                name="appeal_escalated_open",
            ),
        ),
        migrations.AddIndex(
            model_name="monthlyaggregate",
            index=models.Index(fields=["refreshed_at"], name="aggregate_refreshed"),
        ),
        migrations.RunPython(bigrams_forwards, bigrams_backwards, elidable=False),
    ]

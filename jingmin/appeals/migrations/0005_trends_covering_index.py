"""PostgreSQL only: the weekly trends read five weeks of appeals by submission
time and need only their unit, category, department and position. An index on
``created_at`` carrying those columns answers them without reading the table
(ADR 096). SQLite reads the rows through its ``created_at`` index as before."""

from django.db import migrations

COVERING_INDEX = """
CREATE INDEX IF NOT EXISTS appeal_created_cover ON appeals_appeal (created_at)
INCLUDE (id, unit_id, category_id, forwarded_to_id, lon, lat)
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COVERING_INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS appeal_created_cover")


class Migration(migrations.Migration):
    dependencies = [("appeals", "0004_growth_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

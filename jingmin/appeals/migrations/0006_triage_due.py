"""Appeal.triage_due: the clock of an appeal waiting for triage (ADR 120).

Appeals already waiting get a clock counted from their last change, in clock
time (the working-day calendar is application code, not part of a migration):
urgent 1 h, utilities 2 h, others 1 day. Most of them are past it and are
escalated by the next run of the escalation job, which is the point.
"""

import datetime as dt

from django.db import migrations, models

WAITING = ("received", "triaged")
APPROX = {"urgent": dt.timedelta(hours=1), "utilities": dt.timedelta(hours=2)}


def start_clocks(apps, schema_editor):
    Appeal = apps.get_model("appeals", "Appeal")
    waiting = Appeal.objects.filter(status__in=WAITING, triage_due__isnull=True)
    for pk, urgency, updated_at in waiting.values_list("pk", "urgency", "updated_at"):
        due = updated_at + APPROX.get(urgency, dt.timedelta(days=1))
        Appeal.objects.filter(pk=pk).update(triage_due=due)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0005_trends_covering_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="triage_due",
            field=models.DateTimeField(blank=True, null=True, verbose_name="分拨期限"),
        ),
        migrations.RunPython(start_clocks, migrations.RunPython.noop),
    ]

"""Several audit chains written side by side (docs/decisions/140).

Every event written so far belongs to chain 1, whose head is the old single head
row, so the existing chain and its checkpoints verify as before. Adding the column
with a default does not UPDATE rows (the append-only trigger of 0002 would refuse).
"""

from django.db import migrations, models

CHAINS = 8  # settings.AUDIT_CHAINS' default; more heads are made when first taken


def heads_create(apps, schema_editor):
    head = apps.get_model("audit", "AuditHead")
    head.objects.bulk_create(
        [head(id=n) for n in range(1, CHAINS + 1)], ignore_conflicts=True
    )


def refuse_several_chains(apps, schema_editor):
    """Going back to one chain would renumber events of the other chains into
    chain 1 and break it: refuse while any exist."""
    event = apps.get_model("audit", "AuditEvent")
    if event.objects.exclude(chain=1).exists():
        raise RuntimeError(
            "audit events exist on chains other than 1: cannot go back to one chain"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_refuse_truncate"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "ordering": ["created_at", "chain", "seq"],
                "verbose_name": "审计事件",
                "verbose_name_plural": "审计事件",
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="链"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "seq"), name="audit_chain_seq"
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(verbose_name="序号"),
        ),
        migrations.RunPython(heads_create, refuse_several_chains),
    ]

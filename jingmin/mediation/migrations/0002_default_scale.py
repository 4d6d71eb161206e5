from django.db import migrations


def seed(apps, schema_editor):
    from jingmin.mediation.grading import ensure_defaults

    ensure_defaults(apps.get_model("mediation", "RiskLevel"), apps.get_model("mediation", "RiskFactor"))


class Migration(migrations.Migration):
    dependencies = [("mediation", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

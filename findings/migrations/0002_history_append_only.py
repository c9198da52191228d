from django.db import migrations

from rectify.append_only import append_only


class Migration(migrations.Migration):
    """On PostgreSQL, UPDATE and DELETE on the findings' history tables are refused."""

    dependencies = [("findings", "0001_initial")]

    operations = append_only(
        "findings_historicaluser",
        "findings_historicalorganisation",
        "findings_historicalmembership",
        "findings_historicalinspection",
        "findings_historicalarea",
        "findings_historicalfinding",
        "findings_historicalmeasure",
    )

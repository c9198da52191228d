from django.db import migrations

from rectify.append_only import append_only


class Migration(migrations.Migration):
    """On PostgreSQL, UPDATE and DELETE on published round summaries are refused."""

    dependencies = [("oversight", "0003_round_summary")]

    operations = append_only("oversight_roundsummary")

from django.db import migrations

from rectify.append_only import append_only


class Migration(migrations.Migration):
    """On PostgreSQL, UPDATE and DELETE on the notice history and published versions are refused."""

    dependencies = [("reports", "0001_initial")]

    operations = append_only("reports_historicalnotice", "reports_noticeversion")

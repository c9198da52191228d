from django.db import migrations

from rectify.append_only import append_only


class Migration(migrations.Migration):
    """On PostgreSQL, UPDATE and DELETE on ledger entries and their evidence are refused."""

    dependencies = [("ledger", "0001_initial")]

    operations = append_only("ledger_ledgerentry", "ledger_evidence")

from django.db import migrations

from rectify.append_only import append_only_kept


class Migration(migrations.Migration):
    """On PostgreSQL, login records are never changed, and deleted only after 183 days."""

    dependencies = [("rectify", "0001_initial")]

    operations = append_only_kept("rectify_loginrecord", column="at", days=183)

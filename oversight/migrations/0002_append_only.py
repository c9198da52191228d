from django.db import migrations

from rectify.append_only import append_only


class Migration(migrations.Migration):
    """On PostgreSQL, UPDATE and DELETE on 督办 steps, their evidence and order history are refused."""

    dependencies = [("oversight", "0001_initial")]

    operations = append_only(
        "oversight_supervisionstep",
        "oversight_replyevidence",
        "oversight_historicalsupervisionorder",
    )

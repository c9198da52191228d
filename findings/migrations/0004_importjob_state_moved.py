# ImportJob moved to the sheets app (sheets/migrations/0001_initial.py). Only the
# migration state changes: the table findings_importjob and its rows stay as they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('findings', '0003_import_job'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='ImportJob',
                ),
            ],
            database_operations=[],
        ),
    ]

# ImportJob, moved here from findings (findings/migrations/0004_importjob_state_moved.py).
# The model keeps its table findings_importjob, so only the migration state is created:
# the table and its rows were made by findings/migrations/0003_import_job.py.

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, schema_editor, source, target):
    """Permissions on import jobs follow the model: its content type changes app."""
    ContentType = apps.get_model('contenttypes', 'ContentType')
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    if not content_types.filter(app_label=target, model='importjob').exists():
        content_types.filter(app_label=source, model='importjob').update(app_label=target)


def move_content_type(apps, schema_editor):
    _move_content_type(apps, schema_editor, 'findings', 'sheets')


def move_content_type_back(apps, schema_editor):
    _move_content_type(apps, schema_editor, 'sheets', 'findings')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('findings', '0004_importjob_state_moved'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportJob',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('filename', models.CharField(max_length=255, verbose_name='file name')),
                        ('stored_name', models.CharField(max_length=100)),
                        ('state', models.CharField(choices=[('reading', 'reading the file'), ('ready', 'checked, waiting for confirmation'), ('applying', 'importing'), ('done', 'imported'), ('failed', 'failed')], max_length=20, verbose_name='state')),
                        ('progress', models.PositiveIntegerField(default=0, verbose_name='rows read')),
                        ('total', models.PositiveIntegerField(default=0, verbose_name='rows')),
                        ('report', models.JSONField(default=dict)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
                        ('inspection', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='import_jobs', to='findings.inspection', verbose_name='inspection')),
                    ],
                    options={
                        'verbose_name': 'ledger import',
                        'verbose_name_plural': 'ledger imports',
                        'db_table': 'findings_importjob',
                        'ordering': ['-created_at'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('state__in', ['reading', 'ready', 'applying', 'done', 'failed'])), name='findings_importjob_state_valid')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]

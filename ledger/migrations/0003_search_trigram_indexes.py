"""Trigram indexes for the search of finding lists (ledger.filters.search_condition).

PostgreSQL only: pg_trgm (a trusted extension, which the database's owner may create;
migrations run as the owner, docs/SECURITY.md) and a GIN index on UPPER(text) of each
searched column, the expression Django's icontains compares. SQLite gets nothing.
"""

from django.db import migrations

# (index, table, column)
INDEXES = [
    ("findings_finding_statement_trgm", "findings_finding", "statement"),
    ("findings_finding_detail_trgm", "findings_finding", "detail"),
    ("findings_finding_result_trgm", "findings_finding", "result"),
    ("findings_measure_text_trgm", "findings_measure", "text"),
    ("ledger_entry_text_trgm", "ledger_ledgerentry", "text"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_entries_append_only"),
        ("findings", "0009_unlinked_people"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

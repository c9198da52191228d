"""Append-only tables: history must never be rewritten.

Two layers:

- the application: every django-simple-history model refuses `.save()` of an existing
  record and `.delete()` (`guard_historical_models`, connected when the app starts);
- the database: on PostgreSQL a trigger rejects UPDATE and DELETE on the table, so not
  even a stray script or a `QuerySet.update()` can change the past. A migration adds
  it with one line (`operations = append_only("app_historicalthing", ...)`). TRUNCATE and
  DISABLE TRIGGER are left to the table's owner (test databases are emptied that way);
  the app itself runs as a role that owns nothing (rectify/db_roles.py).

Login records are kept for a period and may then be pruned (`append_only_kept`).
"""

from django.apps import apps
from django.db import migrations
from django.db.models.signals import pre_delete, pre_save
from simple_history.models import HistoricalChanges

FUNCTION = "rectify_refuse_rewrite"
TRIGGER = "rectify_append_only"


class AppendOnlyError(Exception):
    """An attempt to change or delete a record of an append-only table."""


def _create_sql(table):
    return [
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: the table is append-only', TG_OP, TG_TABLE_NAME;
END
$$""",
        f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"',
        f'CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
    ]


def _drop_sql(table):
    # The function stays: other tables' triggers may still use it.
    return [f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"']


def _run_on_postgresql(make_sql, tables):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite (development, tests): the application guard alone
        for table in tables:
            for sql in make_sql(table):
                schema_editor.execute(sql, params=None)  # no placeholders: keep % as is

    return run


def append_only(*tables):
    """Migration operations making these tables append-only on PostgreSQL."""
    return [
        migrations.RunPython(
            _run_on_postgresql(_create_sql, tables),
            _run_on_postgresql(_drop_sql, tables),
            elidable=False,
        )
    ]


def _kept_sql(table, column, days):
    function = f"rectify_keep_{table}"
    return [
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD."{column}" < now() - interval '{days} days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% on % refused: the table is append-only, rows are kept {days} days',
        TG_OP, TG_TABLE_NAME;
END
$$""",
        f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"',
        f'CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def append_only_kept(table, *, column, days):
    """Like `append_only`, except that rows whose `column` is older than `days` may be
    deleted (logs kept for a period, then pruned on purpose)."""
    return [
        migrations.RunPython(
            _run_on_postgresql(lambda t: _kept_sql(t, column, days), [table]),
            _run_on_postgresql(
                lambda t: [*_drop_sql(t), f"DROP FUNCTION IF EXISTS rectify_keep_{t}()"], [table]
            ),
            elidable=False,
        )
    ]


def refuse_change(sender, instance, using, **kwargs):
    if _is_stored(sender, instance, using):
        raise AppendOnlyError(f"{sender._meta.label} is append-only: a record is never changed.")


def refuse_delete(sender, instance, **kwargs):
    raise AppendOnlyError(f"{sender._meta.label} is append-only: a record is never deleted.")


def _is_stored(model, instance, using):
    if not instance._state.adding:
        return True
    # A new instance given the key of a stored record would overwrite it.
    return (
        instance.pk is not None and model._base_manager.using(using).filter(pk=instance.pk).exists()
    )


def refuse_delete_while_kept(sender, instance, **kwargs):
    """pre_delete of a record kept for a period: only once it is older than that."""
    if instance.at >= sender.deletable_before():
        raise AppendOnlyError(
            f"{sender._meta.label} is append-only: a record is kept {sender.KEPT_DAYS} days."
        )


def guard_login_records():
    from .models import LoginRecord

    uid = "append-only:rectify.LoginRecord"
    pre_save.connect(refuse_change, sender=LoginRecord, dispatch_uid=f"{uid}:save")
    pre_delete.connect(refuse_delete_while_kept, sender=LoginRecord, dispatch_uid=f"{uid}:delete")


def guard_historical_models():
    """Connect the guard to every historical model of every installed app."""
    for model in apps.get_models():
        if issubclass(model, HistoricalChanges):
            uid = f"append-only:{model._meta.label}"
            pre_save.connect(refuse_change, sender=model, dispatch_uid=f"{uid}:save")
            pre_delete.connect(refuse_delete, sender=model, dispatch_uid=f"{uid}:delete")

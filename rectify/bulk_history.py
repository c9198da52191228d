"""Creating many rows of a history-tracked model at once, with their history.

django-simple-history's `bulk_create_with_history` builds one historical model instance
per row and compiles every value of every row through the ORM's insert compiler: for a
10,000-row ledger that alone took longer than reading the workbook. The function of the
same name here writes the same rows with SQL prepared once per model:

- on PostgreSQL, the objects and their history through COPY, the server's bulk-loading
  path (psycopg formats the rows in C): the objects' ids are taken from their sequence
  first, in one query, as the column's default would take them;
- elsewhere, the objects with one INSERT … RETURNING id per batch (what the ORM's
  `bulk_create` sends on the databases we support, which return the ids of a bulk
  insert) as a multi-row VALUES list, their history with `executemany`;
- a model with fields that compute their value on save (auto_now, files) or a database
  that cannot return the ids goes through `bulk_create`.

Historical records are the ones simple-history writes: '+', who, when, why.

Values are adapted per column type as the ORM would. tests/test_bulk_history.py checks
that rows and history rows equal what the ORM and simple-history write.
"""

from operator import attrgetter

from django.db import connection, models, transaction
from django.utils import timezone

# Column types whose Python values the database drivers take as they are.
PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "BigIntegerField",
        "IntegerField",
        "SmallIntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "BooleanField",
        "CharField",
        "EmailField",
        "SlugField",
        "TextField",
    }
)


def _internal_type(field):
    if field.is_relation:
        return field.target_field.get_internal_type()
    return field.get_internal_type()


def _adapter(field):
    """A function: Python value → the value to send for this column (None: as it is)."""
    kind = _internal_type(field)
    if kind in PLAIN_TYPES:
        return None
    if kind == "DateField":
        return connection.ops.adapt_datefield_value
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    target = field.target_field if field.is_relation else field
    return lambda value: target.get_db_prep_save(value, connection)


def history_insert(model):
    """(SQL, [attname of the tracked field], [adapter]) for the model's historical records:
    the tracked fields, then history_date, history_change_reason, history_type,
    history_user_id."""
    history_model = model.history.model
    quote = connection.ops.quote_name
    tracked = list(history_model.tracked_fields)
    fields = [history_model._meta.get_field(f.name) for f in tracked]
    extra = [
        history_model._meta.get_field(name)
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    ]
    columns = ", ".join(quote(f.column) for f in fields + extra)
    marks = ", ".join(["%s"] * (len(fields) + len(extra)))
    sql = f"INSERT INTO {quote(history_model._meta.db_table)} ({columns}) VALUES ({marks})"
    return sql, [f.attname for f in tracked], [_adapter(f) for f in fields]


def bulk_create_with_history(objs, model, *, default_user=None, default_change_reason="",
                             default_date=None, batch_size=2000):  # fmt: skip
    """Create `objs` (unsaved instances of `model`) and one '+' history row each.

    The change reason is the object's `_change_reason` if it has one, else
    `default_change_reason`; the user `default_user`; the date `default_date` or now.
    Returns the objects, with their ids.
    """
    objs = list(objs)
    if not objs:
        return objs
    with transaction.atomic(savepoint=False):
        if _plain_insert_possible(model, objs):
            _insert_returning_ids(model, objs)
        else:
            model._default_manager.bulk_create(objs, batch_size=batch_size)
        write_history(
            objs,
            model,
            user=default_user,
            reason=default_change_reason,
            date=default_date,
            batch_size=batch_size,
        )
    return objs


def write_history(objs, model, *, user, reason, date=None, batch_size=2000):
    """The '+' history rows of saved objects (see `bulk_create_with_history`)."""
    sql, attnames, adapters = history_insert(model)
    when = connection.ops.adapt_datetimefield_value(date or timezone.now())
    user_id = user.pk if user is not None else None
    values = _values_of(attnames, adapters)
    rows = []
    for obj in objs:
        row = values(obj)
        row += [when, getattr(obj, "_change_reason", None) or reason, "+", user_id]
        rows.append(row)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table, columns = history_columns(model)
            _copy_rows(cursor, table, columns, rows)
            return
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start : start + batch_size])


def history_columns(model):
    """(table, [column]) of the rows `history_insert` writes."""
    history_model = model.history.model
    fields = [history_model._meta.get_field(f.name) for f in history_model.tracked_fields]
    fields += [
        history_model._meta.get_field(name)
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    ]
    return history_model._meta.db_table, [f.column for f in fields]


def _copy_rows(cursor, table, columns, rows):
    """COPY the rows into the table: on PostgreSQL, the fastest way in by far (the
    INSERT … SELECT FROM unnest(arrays) it replaced spent most of its time building the
    arrays' text in Python)."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:  # Django logs it as one query where it logs queries
        for row in rows:
            copy.write_row(row)


def _reserve_ids(cursor, meta, count):
    """`count` new ids from the primary key's sequence, as the column's default takes them."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [meta.db_table, meta.pk.column, count],
    )
    return cursor.fetchall()


def _computed_on_save(field):
    return (
        getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
        or isinstance(field, models.FileField)
    )


def _plain_insert_possible(model, objs):
    meta = model._meta
    return (
        connection.features.can_return_rows_from_bulk_insert
        and isinstance(meta.pk, models.AutoField)  # BigAutoField too
        and not any(_computed_on_save(f) for f in meta.concrete_fields)
        and all(obj.pk is None for obj in objs)
    )


def _insert_returning_ids(model, objs):
    """Insert the objects (PostgreSQL: one COPY; elsewhere batches of one statement
    each); their ids are set."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            _set_ids(objs, _reserve_ids(cursor, meta, len(objs)))
            fields = [meta.pk, *fields]
            values = _values_of([f.attname for f in fields], [_adapter(f) for f in fields])
            rows = [values(obj) for obj in objs]
            _copy_rows(cursor, meta.db_table, [f.column for f in fields], rows)
        return
    getters = [(f.attname, _adapter(f)) for f in fields]
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    )
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(meta.pk.column)}"
    per_batch = max(1, connection.ops.bulk_batch_size(fields, objs))
    per_batch = min(per_batch, MAX_PARAMETERS // len(fields))
    sql_for = {}
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_batch):
            batch = objs[start : start + per_batch]
            sql = sql_for.get(len(batch))
            if sql is None:
                sql = sql_for[len(batch)] = head + ", ".join([one] * len(batch)) + tail
            params = []
            for obj in batch:
                for name, adapt in getters:
                    value = getattr(obj, name)
                    params.append(value if adapt is None else adapt(value))
            cursor.execute(sql, params)
            _set_ids(batch, cursor.fetchall())


def _set_ids(objs, returned):
    if not objs:
        return
    attname, alias = objs[0]._meta.pk.attname, connection.alias
    for obj, (pk,) in zip(objs, returned, strict=True):
        setattr(obj, attname, pk)
        obj._state.adding = False
        obj._state.db = alias


def _values_of(attnames, adapters):
    """A function: object → [its values of `attnames`, each adapted by its adapter]."""
    get = attrgetter(*attnames) if len(attnames) > 1 else lambda obj: (getattr(obj, attnames[0]),)
    adapted = [(i, adapt) for i, adapt in enumerate(adapters) if adapt is not None]

    def values(obj):
        row = list(get(obj))
        for i, adapt in adapted:
            row[i] = adapt(row[i])
        return row

    return values


# No statement takes more than 65,535 parameters (PostgreSQL's bound; SQLite's is lower
# and comes from bulk_batch_size).
MAX_PARAMETERS = 65_535

"""Two PostgreSQL roles: the owner migrates, the app runs as a role that owns nothing.

The owner of a table can disable its triggers, truncate it or drop it, so the app's own
role must not be the owner: a compromised app could rewrite history. `migrate` runs as
the owner (DATABASE_OWNER_URL, the `owner` connection) and then grants the runtime role
(DATABASE_URL's user) what the app needs and nothing more:

- SELECT, INSERT, UPDATE, DELETE on ordinary tables;
- SELECT, INSERT only on append-only tables (history, ledger entries, evidence,
  published notices, login records: every table with the append-only trigger);
- SELECT only on django_migrations;
- USAGE, SELECT on sequences (ids of new rows);
- the same by default on tables and sequences the owner creates later.

`manage.py grant_runtime_role ROLE` does the same by hand.
"""

from django.conf import settings
from django.db import connections, transaction

from .append_only import TRIGGER

OWNER = "owner"  # the connection alias of DATABASE_OWNER_URL
SELECT_ONLY = ["django_migrations"]


class RoleError(Exception):
    """The runtime role is unfit: it could bypass the append-only tables."""


def owner_alias():
    """The connection migrations run on: the owner's when it is configured."""
    return OWNER if OWNER in settings.DATABASES else "default"


def runtime_role():
    """The role the app connects as when the owner's connection is configured."""
    if OWNER not in settings.DATABASES:
        return None
    role = settings.DATABASES["default"].get("USER")
    if role and role != settings.DATABASES[OWNER].get("USER"):
        return role
    return None


def _fetch(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def append_only_tables(cursor):
    """The tables of the public schema guarded by the append-only trigger."""
    rows = _fetch(
        cursor,
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname = %s AND c.relnamespace = 'public'::regnamespace "
        "ORDER BY c.relname",
        [TRIGGER],
    )
    return [name for (name,) in rows]


def check_runtime_role(cursor, role):
    """Refuse a role that is a superuser, the current user, or owns anything here."""
    rows = _fetch(
        cursor,
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolname = current_user "
        "FROM pg_roles WHERE rolname = %s",
        [role],
    )
    if not rows:
        raise RoleError(f"PostgreSQL has no role {role!r}: create it first (docs/SECURITY.md).")
    superuser, bypass_rls, create_role, is_current = rows[0]
    if is_current:
        raise RoleError(f"{role!r} is the role running the migrations: use a second role.")
    if superuser or bypass_rls or create_role:
        raise RoleError(f"{role!r} is a superuser or may create roles: it must be neither.")
    owner_is_role = "= (SELECT oid FROM pg_roles WHERE rolname = %s)"
    owned = _fetch(
        cursor,
        f"SELECT relname FROM pg_class WHERE relowner {owner_is_role} "
        "AND relnamespace = 'public'::regnamespace "
        f"UNION ALL SELECT datname FROM pg_database WHERE datdba {owner_is_role} "
        "AND datname = current_database() "
        f"UNION ALL SELECT nspname FROM pg_namespace WHERE nspowner {owner_is_role} "
        "AND nspname = 'public'",
        [role, role, role],
    )
    if owned:
        names = ", ".join(sorted(name for (name,) in owned)[:5])
        raise RoleError(f"{role!r} owns {names}: the runtime role must own nothing.")


def grant_statements(*, role, database, append_only, quote):
    """The statements that leave `role` with the runtime rights and no more."""
    r, tables = quote(role), ", ".join(quote(t) for t in [*append_only, *SELECT_ONLY])
    statements = [
        f"GRANT CONNECT ON DATABASE {quote(database)} TO {r}",
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}",
    ]
    select_only = ", ".join(quote(t) for t in SELECT_ONLY)
    return [
        *statements,
        f"REVOKE UPDATE, DELETE ON {tables} FROM {r}",
        f"REVOKE INSERT ON {select_only} FROM {r}",
    ]


def grant_runtime_role(*, role, using):
    """Check `role` and grant it the runtime rights on `using`'s database; the statements."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RoleError("Database roles exist on PostgreSQL only.")
    # One transaction: the running app never sees the rights revoked and not yet granted.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        check_runtime_role(cursor, role)
        statements = grant_statements(
            role=role,
            database=connection.settings_dict["NAME"],
            append_only=append_only_tables(cursor),
            quote=connection.ops.quote_name,
        )
        for statement in statements:
            cursor.execute(statement)
    return statements


def grant_after_migrate(sender, using, **kwargs):
    """post_migrate: after migrating as the owner, (re)grant the runtime role."""
    role = runtime_role()
    if using == OWNER and role and connections[using].vendor == "postgresql":
        grant_runtime_role(role=role, using=using)


class MigrationRouter:
    """While `migrate` runs as the owner, the ORM queries of data migrations that do not
    name a connection (django-tasks-db's 0016) go to the owner's connection too, instead
    of waiting on the runtime role's for the migration's own lock."""

    active = None

    def db_for_read(self, model, **hints):
        return MigrationRouter.active

    def db_for_write(self, model, **hints):
        return MigrationRouter.active

"""Make sure the database and the media folder exist before `migrate` runs.

A lone fresh clone has no `var/` (it is ignored by git), and a new PostgreSQL server
has no database of the name `DATABASE_URL` gives: `make run` calls this first, and a
second call finds everything in place and changes nothing.
"""

from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql


def _create_postgresql_database(db):
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "connect_timeout": db.get("OPTIONS", {}).get("connect_timeout", 5),
    }
    try:
        psycopg.connect(dbname=db["NAME"], **params).close()
        return False
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise CommandError(f"PostgreSQL: {error}") from error
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
    return True


class Command(BaseCommand):
    help = "Create the SQLite folder or the PostgreSQL database, and the media folder."

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        if db["ENGINE"].endswith("sqlite3"):
            Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        elif db["ENGINE"].endswith("postgresql") and _create_postgresql_database(db):
            self.stdout.write(f"Created the PostgreSQL database {db['NAME']}.")
        Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)

"""`prepare_database` gives `migrate` a place to write on a lone fresh clone."""

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings


def _prepare(tmp_path, database_url):
    """Run the command in a fresh interpreter, as `make run` does."""
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(tmp_path / "var" / "media"),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "prepare_database"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )


def test_it_creates_the_sqlite_folder_and_the_media_folder(tmp_path):
    url = f"sqlite:///{tmp_path}/var/db.sqlite3"
    _prepare(tmp_path, url)
    assert (tmp_path / "var").is_dir()
    assert (tmp_path / "var" / "media").is_dir()
    _prepare(tmp_path, url)  # a second run finds everything in place


def _postgresql_server():
    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


@pytest.mark.skipif(not _postgresql_server(), reason="no PostgreSQL server on 127.0.0.1:5432")
def test_it_creates_a_missing_postgresql_database_once(tmp_path):
    name = f"rectify_prepare_{uuid.uuid4().hex[:8]}"
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    try:
        assert f"Created the PostgreSQL database {name}." in _prepare(tmp_path, url).stdout
        assert _prepare(tmp_path, url).stdout == ""
        psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}").close()
    finally:
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

"""Settings come from the environment."""

import os
import subprocess
import sys

from django.conf import settings

from rectify.settings import database_from_url


def _start(env):
    """Import the settings in a fresh interpreter with exactly this environment."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "rectify.settings", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )


def test_it_refuses_to_start_without_secret_key_when_debug_is_off():
    result = _start({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_starts_with_a_secret_key_or_in_debug():
    assert _start({"SECRET_KEY": "s3cret"}).stdout.strip() == "started"
    assert _start({"DEBUG": "1"}).stdout.strip() == "started"


def test_sqlite_is_the_default_and_postgres_urls_are_parsed():
    sqlite = database_from_url("sqlite:///var/db.sqlite3")
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"
    assert sqlite["NAME"] == str(settings.BASE_DIR / "var" / "db.sqlite3")
    assert database_from_url("sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"
    pg = database_from_url("postgres://rectify:p%40ss@db.internal:5433/rectify?sslmode=require")
    assert pg["ENGINE"] == "rectify.postgresql"
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "rectify",
        "p@ss",
        "db.internal",
        "5433",
        "rectify",
    )
    assert pg["OPTIONS"]["sslmode"] == "require"
    assert pg["CONN_HEALTH_CHECKS"] is True


def test_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.AUTH_USER_MODEL == "findings.User"

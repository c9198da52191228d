"""Two database roles: migrations as the owner, the app as a role that owns nothing.

On a PostgreSQL server of its own (as the outage test), with the roles and the database
created by the SQL that docs/SECURITY.md gives the deployer: `migrate` runs as the owner
and grants the runtime role; the demo data is loaded and a ledger entry written through
the app running as the runtime role; then that role tries every way around the
append-only triggers and is refused each time.
"""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ledger.demo import CODE

from .test_db_outage import Browser, ThrowAwayPostgres, _free_port, _wait_until_serving

DEMO_PASSWORD = "rectify-demo"

# The runtime role trying to rewrite the past: statement → what PostgreSQL answers.
ATTACKS = {
    "ALTER TABLE findings_historicalfinding DISABLE TRIGGER rectify_append_only": "must be owner",
    "ALTER TABLE ledger_ledgerentry DISABLE TRIGGER ALL": "must be owner",
    "DROP TRIGGER rectify_append_only ON ledger_ledgerentry": "must be owner",
    "TRUNCATE findings_historicalfinding": "permission denied",
    "TRUNCATE ledger_ledgerentry CASCADE": "permission denied",
    "TRUNCATE rectify_loginrecord": "permission denied",
    "SET session_replication_role = replica": "permission denied to set parameter",
    "UPDATE findings_historicalfinding SET history_change_reason = 'rewritten'": (
        "permission denied"
    ),
    "DELETE FROM findings_historicalfinding": "permission denied",
    "DELETE FROM findings_historicaluser": "permission denied",
    "UPDATE ledger_ledgerentry SET text = 'rewritten'": "permission denied",
    "DELETE FROM ledger_ledgerentry": "permission denied",
    "UPDATE ledger_evidence SET sha256 = 'x'": "permission denied",
    "DELETE FROM reports_noticeversion": "permission denied",
    "UPDATE rectify_loginrecord SET username = 'someone else'": "permission denied",
    "DELETE FROM rectify_loginrecord": "permission denied",
    "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())": (
        "permission denied"
    ),
    "CREATE TABLE rewritten (id int)": "permission denied for schema public",
    "ALTER TABLE findings_finding ADD COLUMN rewritten int": "must be owner",
    "CREATE ROLE intruder SUPERUSER": "must be superuser",
}
COUNTED = [
    "findings_historicalfinding",
    "findings_historicaluser",
    "ledger_ledgerentry",
    "ledger_evidence",
    "reports_noticeversion",
    "rectify_loginrecord",
    "django_migrations",
]


def documented_sql():
    """The first ```sql block of docs/SECURITY.md, with the password placeholders filled."""
    text = (settings.BASE_DIR / "docs" / "SECURITY.md").read_text(encoding="utf-8")
    block = re.search(r"```sql\n(.*?)```", text, re.S).group(1)
    return block.replace("OWNER-PASSWORD", "owner-pass-1").replace("APP-PASSWORD", "app-pass-1")


class Cluster:
    def __init__(self, db):
        self.db = db

    def url(self, role):
        return f"postgres://{role}@127.0.0.1:{self.db.port}/rectify"

    def psql(self, sql, *, role="postgres", database="rectify"):
        return subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.db.port), "-U", role, "-d", database,
             "-v", "ON_ERROR_STOP=1", "-X", "-tA", "-f", "-"],
            input=sql,
            capture_output=True,
            text=True,
            timeout=60,
        )  # fmt: skip

    def value(self, sql, **kwargs):
        result = self.psql(sql, **kwargs)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def counts(self):
        counts = ", ".join(f"(SELECT count(*) FROM {table})" for table in COUNTED)
        return self.value(f"SELECT {counts}")


def _env(tmp_path, **extra):
    return {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "roles-test-key-" + "x" * 40,
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "CRITICAL",
        **extra,
    }


def _manage(env, *args, check=True):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def two_roles(tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("runs on the PostgreSQL leg of CI (DATABASE_URL=postgres://…)")
    tmp_path = tmp_path_factory.mktemp("roles")
    db = ThrowAwayPostgres()
    server = None
    try:
        db.start()
        cluster = Cluster(db)
        created = cluster.psql(documented_sql(), database="postgres")
        assert created.returncode == 0, created.stderr
        runtime = _env(tmp_path, DATABASE_URL=cluster.url("rectify_app"))
        owner = {**runtime, "DATABASE_OWNER_URL": cluster.url("rectify_owner")}
        _manage(owner, "migrate", "--no-input")
        _manage(runtime, "collectstatic", "--no-input", "--ignore", "admin")
        # The app's own writes, as the runtime role: the demo data, then a request.
        _manage(runtime, "load_demo", "--with-work", "-v", "0")
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "rectify.wsgi", "--workers", "1",
             "--bind", f"127.0.0.1:{port}", "--timeout", "60"],
            env=runtime,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(base, server)
        yield cluster, Browser(base), runtime, owner
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        db.destroy()


@pytest.mark.postgresql_server
def test_the_runtime_role_owns_nothing_and_the_owner_owns_every_table(two_roles):
    cluster, *_ = two_roles
    owners = cluster.value(
        "SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE schemaname = 'public'"
    )
    assert owners == "rectify_owner"
    assert (
        cluster.value(
            "SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles "
            "WHERE rolname = 'rectify_app'"
        )
        == "f"
    )


@pytest.mark.postgresql_server
def test_migrating_as_the_owner_creates_the_search_extension_and_its_indexes(two_roles):
    """pg_trgm is a trusted extension: the database's owner creates it, no superuser."""
    cluster, *_ = two_roles
    assert (
        cluster.value(
            "SELECT r.rolname FROM pg_extension e JOIN pg_roles r ON r.oid = e.extowner "
            "WHERE e.extname = 'pg_trgm'"
        )
        == "rectify_owner"
    )
    indexes = cluster.value(
        "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
        "WHERE indexname LIKE '%\\_trgm'"
    )
    assert indexes.split(",") == [
        "findings_finding_detail_trgm",
        "findings_finding_result_trgm",
        "findings_finding_statement_trgm",
        "findings_measure_text_trgm",
        "ledger_entry_text_trgm",
    ]


@pytest.mark.postgresql_server
def test_the_app_works_as_the_runtime_role(two_roles):
    cluster, browser, *_ = two_roles
    status, _ = browser.log_in("staff1", DEMO_PASSWORD)
    assert status == 200
    finding = cluster.value(
        "SELECT f.id FROM findings_finding f JOIN findings_area a ON a.id = f.area_id "
        f"JOIN findings_inspection i ON i.id = a.inspection_id WHERE i.code = '{CODE}' "
        "AND f.number = 1"
    )
    status, page = browser.request(reverse("findings:finding_detail", args=[CODE, finding]))
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, _ = browser.request(
        reverse("ledger:add_progress", args=[CODE, finding]),
        {"csrfmiddlewaretoken": token, "progress-on_date": timezone.localdate().isoformat(),
         "progress-text": "召开专题会议"},
    )  # fmt: skip
    assert status == 200  # redirected back to the finding
    written = "SELECT count(*) FROM ledger_ledgerentry WHERE text = '召开专题会议'"
    assert cluster.value(written) == "1"
    # The login was recorded, by the runtime role (INSERT is all it needs).
    assert (
        cluster.value(
            "SELECT count(*) FROM rectify_loginrecord WHERE username = 'staff1' AND kind = 'login'"
        )
        == "1"
    )


@pytest.mark.postgresql_server
@pytest.mark.parametrize("sql", list(ATTACKS))
def test_the_runtime_role_cannot_get_around_the_append_only_tables(two_roles, sql):
    cluster, *_ = two_roles
    before = cluster.counts()
    result = cluster.psql(sql, role="rectify_app")
    assert result.returncode != 0, f"{sql} was accepted"
    assert ATTACKS[sql] in result.stderr
    assert cluster.counts() == before


@pytest.mark.postgresql_server
def test_migrating_again_keeps_the_runtime_rights_exact(two_roles):
    cluster, _, _, owner = two_roles
    _manage(owner, "migrate", "--no-input")

    def may(table, right):
        return cluster.value(f"SELECT has_table_privilege('rectify_app', '{table}', '{right}')")

    assert [may("findings_finding", r) for r in ("SELECT", "INSERT", "UPDATE", "DELETE")] == [
        "t"
    ] * 4
    assert [may("findings_finding", r) for r in ("TRUNCATE", "TRIGGER", "REFERENCES")] == ["f"] * 3
    for table in ["findings_historicalfinding", "ledger_ledgerentry", "rectify_loginrecord"]:
        assert [may(table, r) for r in ("SELECT", "INSERT", "UPDATE", "DELETE")] == [
            "t",
            "t",
            "f",
            "f",
        ], table
    assert (
        cluster.value(
            "SELECT bool_and(has_sequence_privilege('rectify_app', c.oid, 'USAGE')) "
            "FROM pg_class c WHERE c.relkind = 'S'"
        )
        == "t"
    )


@pytest.mark.postgresql_server
@pytest.mark.parametrize(
    ("role", "message"),
    [("postgres", "superuser"), ("rectify_owner", "running the migrations")],
)
def test_granting_refuses_a_role_that_could_bypass_the_triggers(two_roles, role, message):
    _, _, _, owner = two_roles
    result = _manage(owner, "grant_runtime_role", role, check=False)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.postgresql_server
def test_login_records_are_deleted_only_after_six_months_even_by_the_owner(two_roles):
    cluster, _, _, owner = two_roles
    cluster.psql(
        "INSERT INTO rectify_loginrecord (at, kind, username, user_agent) VALUES "
        "(now() - interval '200 days', 'failed', 'old', ''), (now(), 'failed', 'new', '')",
        role="rectify_owner",
    )
    refused = cluster.psql("DELETE FROM rectify_loginrecord", role="rectify_owner")
    assert "kept 183 days" in refused.stderr
    assert _manage(owner, "prune_login_records", "--older-than-days", "100", check=False).returncode
    pruned = _manage(owner, "prune_login_records", "--older-than-days", "190")
    assert "Deleted 1 login records" in pruned.stdout
    assert cluster.value("SELECT count(*) FROM rectify_loginrecord WHERE username = 'old'") == "0"
    assert cluster.value("SELECT count(*) FROM rectify_loginrecord WHERE username = 'new'") == "1"

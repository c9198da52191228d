"""The database going away: a clean error page, nothing half-written, then recovery.

The outage test starts its own throw-away PostgreSQL server (never the shared one),
serves the app from it with gunicorn and persistent connections, and stops and starts
that server between requests.
"""

import glob
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import include, path
from django.views.defaults import server_error

from rectify.middleware import DatabaseUnavailableMiddleware

SERVICE_UNAVAILABLE = "暂时无法连接数据库，本次操作的内容均未保存"


def _database_away(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def _broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("away/", _database_away),
    path("broken/", _broken),
    path("", include("rectify.urls")),
]


@pytest.mark.urls("tests.test_db_outage")
def test_a_request_without_database_gets_the_service_unavailable_page(client):
    client.raise_request_exception = False
    response = client.get("/away/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert SERVICE_UNAVAILABLE in response.text


@pytest.mark.urls("tests.test_db_outage")
def test_any_other_error_gets_the_chinese_server_error_page(client):
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    assert "服务器未能完成您的请求" in response.text


@pytest.mark.django_db
def test_a_database_error_raised_in_a_middleware_gets_the_service_unavailable_page(
    client, unit, monkeypatch
):
    # The account gate reads the user's devices before the view runs.
    def away(request):
        raise OperationalError("consuming input failed: server closed the connection")

    monkeypatch.setattr("accounts.gate.pending_step", away)
    client.force_login(unit.staff)
    client.raise_request_exception = False
    response = client.get("/inspections/")
    assert response.status_code == 503
    assert SERVICE_UNAVAILABLE in response.text


def test_the_error_pages_need_no_database():
    # Without the `db` fixture any query raises here.
    request = RequestFactory().get("/")
    assert server_error(request).status_code == 500
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    response = middleware.process_exception(request, OperationalError("gone"))
    assert response.status_code == 503
    assert middleware.process_exception(request, ValueError("not ours")) is None


# The real thing, against a PostgreSQL server of its own.

PASSWORD = "Outage-test-password-7"
CONNECT_TIMEOUT = 3


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args):
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class ThrowAwayPostgres:
    def __init__(self):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        assert binaries, "PostgreSQL's server binaries are not installed"
        self.bin = os.path.dirname(binaries[-1])
        self.dir = tempfile.mkdtemp(prefix="rectify-outage-")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.data = os.path.join(self.dir, "data")
        self.port = _free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C", "--no-sync")  # fmt: skip

    def _run(self, tool, *args):
        subprocess.run(
            _as_postgres([os.path.join(self.bin, tool), *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"), "-o", options,
                  "-w", "start")  # fmt: skip

    def processes(self):
        """The postmaster and every backend of this server."""
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            postmaster = int(f.readline())
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def freeze(self):
        """SIGSTOP every process: sockets stay open and the kernel still acknowledges."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self):
        for pid in self.processes():
            os.kill(pid, signal.SIGCONT)

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def count(self, sql):
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-tAc", sql],
            check=True,
            capture_output=True,
            text=True,
        )
        return int(out.stdout)

    def destroy(self):
        subprocess.run(
            _as_postgres([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "immediate",
                          "stop"]),
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


class Browser:
    """Just enough of a browser: cookies, the CSRF token, status codes."""

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, url, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + url, body, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, username, password):
        status, page = self.request("/accounts/login/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )


def _wait_until_serving(base, server):
    for _ in range(100):
        if server.poll() is not None:
            pytest.fail(f"gunicorn stopped: {server.stderr.read()}")
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not start")


@pytest.fixture
def outage_app(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("runs on the PostgreSQL leg of CI (DATABASE_URL=postgres://…)")
    db = ThrowAwayPostgres()
    server = None
    try:
        db.start()
        env = {
            "PATH": os.environ["PATH"],
            "SECRET_KEY": "outage-test-key-" + "x" * 40,
            "DATABASE_URL": db.url,
            "DB_CONN_MAX_AGE": "600",
            "DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(tmp_path / "static"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "LOG_LEVEL": "CRITICAL",
        }

        def manage(*args):
            subprocess.run(
                [sys.executable, "manage.py", *args],
                env=env,
                cwd=settings.BASE_DIR,
                check=True,
                capture_output=True,
                timeout=120,
            )

        manage("migrate", "--no-input")
        manage("collectstatic", "--no-input", "--ignore", "admin")  # the pages need rectify.css
        manage(
            "shell",
            "-c",
            "from findings.models import User; u = User(username='leader', display_name='副书记');"
            f"u.set_password('{PASSWORD}'); u.save()",
        )
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "rectify.wsgi", "--workers", "1",
             "--bind", f"127.0.0.1:{port}", "--timeout", "60"],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(base, server)
        yield db, Browser(base)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        db.destroy()


@pytest.mark.postgresql_server
def test_a_database_restart_gives_a_clean_error_page_and_then_service_again(outage_app):
    db, browser = outage_app
    status, _ = browser.log_in("leader", PASSWORD)
    assert status == 200  # redirected to the inspection list
    sessions = db.count("SELECT count(*) FROM django_session")
    assert browser.request("/inspections/")[0] == 200

    # A restart between two requests: the kept connection is dead, the health check
    # notices and the request reconnects.
    db.stop()
    db.start()
    assert browser.request("/inspections/")[0] == 200

    # A request while the database is down: a clean 503 page, at once, not a hang.
    db.stop()
    status, page = browser.request("/inspections/")
    assert status == 503
    assert SERVICE_UNAVAILABLE in page
    # A login (which writes a session and an access log) fails the same way.
    other = Browser(browser.base)
    other_status, _ = other.request("/accounts/login/")  # no database needed for the form
    assert other_status == 200
    assert other.log_in("leader", PASSWORD)[0] == 503

    db.start()
    assert browser.request("/inspections/")[0] == 200
    # Nothing of the failed login was written; the same login now works.
    assert db.count("SELECT count(*) FROM django_session") == sessions
    assert db.count("SELECT count(*) FROM axes_accesslog") == 1
    assert other.log_in("leader", PASSWORD)[0] == 200
    assert db.count("SELECT count(*) FROM django_session") == sessions + 1


@pytest.mark.postgresql_server
def test_a_frozen_database_gives_503_within_the_connect_timeout_and_then_service_again(
    outage_app,
):
    db, browser = outage_app
    assert browser.log_in("leader", PASSWORD)[0] == 200
    assert browser.request("/inspections/")[0] == 200  # the kept connection is open

    # Frozen (as by a network cut that leaves the sockets open): nothing answers, no
    # connection is refused or reset.
    db.freeze()
    try:
        started = time.monotonic()
        status, page = browser.request("/inspections/")
        elapsed = time.monotonic() - started
        assert status == 503
        assert SERVICE_UNAVAILABLE in page
        assert elapsed < CONNECT_TIMEOUT + 2
    finally:
        db.thaw()
    assert browser.request("/inspections/")[0] == 200


def test_postgresql_connections_have_timeouts():
    from rectify.settings import database_from_url

    database = database_from_url("postgres://rectify@db.internal:5432/rectify")
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["OPTIONS"]["connect_timeout"] == 5
    assert database["OPTIONS"]["options"] == "-c statement_timeout=30000"
    assert database["OPTIONS"]["response_timeout"] == 35
    assert database["OPTIONS"]["tcp_user_timeout"] == 5000
    assert database["ENGINE"] == "rectify.postgresql"


@pytest.mark.django_db
def test_a_statement_running_too_long_is_cancelled():
    if connection.vendor != "postgresql":
        pytest.skip("runs on the PostgreSQL leg of CI (DATABASE_URL=postgres://…)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("30s",)
        cursor.execute("SET LOCAL statement_timeout = 50")
        with pytest.raises(OperationalError, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(1)")

"""Load run: gunicorn (2 workers) + PostgreSQL, virtual users on loopback.

    .venv/bin/python bench/load_run.py [--seconds 60] [--users 16] [--data large|small]
                                       [--reuse-db] [--keep-db] [--out bench/results]

It creates a fresh database `rectify_load` on 127.0.0.1:5432 and migrates it, then
fills it: `--data large` (the default) with the realistic large database of
bench/large_db.py (223 inspections, ~44,000 findings, ~300,000 ledger entries, history);
`--data small` with the earlier 40 units × 25 findings. `--reuse-db` keeps a database
built by an earlier run with `--keep-db` (the runs at 16, 32 and 64 users share one).
It starts gunicorn on a free loopback port and lets a bounded number of virtual users
(staff and principals of different units) browse 我的工作, the dashboard, the ledger
list (plain, filtered, searched) and finding pages and add progress entries for a fixed
time. Every request is bounded in time; the run stops by itself. It writes requests/s,
p50/p95/p99, the error count and the load average to bench/results/load_run-<N>vu.json
and .txt (small: load_run.json and .txt).
"""

import argparse
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB_NAME = "rectify_load"
UNITS = 40
AREAS = 5
FINDINGS_PER_AREA = 5
ENTRIES_PER_FINDING = 10
PASSWORD = "load-run-pass"
TARGET_P95_MS = 300
LARGE_UNITS = 158  # bench/large_db.py: u000 … u157 (besides big and huge)


def generate_large():
    """The large database (runs inside Django, in a subprocess with the bench environment)."""
    import django

    django.setup()
    sys.path.insert(0, str(ROOT / "bench"))
    import large_db

    large_db.build()


def generate():
    """The small data set (runs inside Django, in a subprocess with the bench environment)."""
    import django

    django.setup()
    from datetime import date, timedelta

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from simple_history.utils import bulk_create_with_history

    from findings.models import (
        Area,
        Finding,
        FindingKind,
        Inspection,
        Membership,
        Organisation,
        Role,
        Status,
        User,
    )
    from ledger.models import EntryKind, LedgerEntry

    password = make_password(PASSWORD)
    today = date.today()
    statuses = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.IN_PROGRESS, Status.SUBMITTED]
    with transaction.atomic():
        for u in range(UNITS):
            org = Organisation.objects.create(name=f"压测单位{u:02d}", short_name=f"单位{u:02d}")
            people = {}
            for role, names in [
                (Role.PRINCIPAL, ["书记"]),
                (Role.LEADER, ["副书记", "纪检委员"]),
                (Role.STAFF, ["办公室干事", "组织干事"]),
            ]:
                for i, name in enumerate(names):
                    user = User.objects.create(
                        username=f"u{u:02d}-{role}{i}", display_name=name, password=password
                    )
                    Membership.objects.create(user=user, organisation=org, role=role)
                    people.setdefault(role, []).append(user)
            inspection = Inspection.objects.create(
                organisation=org,
                code=f"load-{u:02d}",
                authority="区委",
                group="区委第一巡察组",
                kind="routine",
                onsite_start=date(2026, 3, 1),
                onsite_end=date(2026, 4, 30),
                feedback_date=date(2026, 6, 1),
            )
            areas = bulk_create_with_history(
                [
                    Area(inspection=inspection, position=a + 1, title=f"聚焦第{a + 1}方面")
                    for a in range(AREAS)
                ],
                Area,
            )
            findings = []
            for a, area in enumerate(areas):
                for n in range(FINDINGS_PER_AREA):
                    k = a * FINDINGS_PER_AREA + n
                    deadline = today + timedelta(days=(k % 40) - 10)
                    findings.append(
                        Finding(
                            area=area,
                            number=n + 1,
                            statement=f"问题{k + 1}：会议记录内容不完整。",
                            kind=FindingKind.DEADLINE,
                            deadline=deadline,
                            original_deadline=deadline,  # as Finding.save() keeps it
                            responsible_leader=people[Role.LEADER][k % 2],
                            responsible_person=people[Role.STAFF][k % 2],
                            status=statuses[k % len(statuses)],
                        )
                    )
            findings = bulk_create_with_history(findings, Finding)
            LedgerEntry.objects.bulk_create(
                LedgerEntry(
                    finding=finding,
                    kind=EntryKind.PROGRESS,
                    author=finding.responsible_person,
                    on_date=today - timedelta(days=ENTRIES_PER_FINDING - e),
                    text=f"第{e + 1}次进展：已召开专题会议，完善相关制度。",
                    status_before=finding.status,
                    status_after=finding.status,
                )
                for finding in findings
                for e in range(ENTRIES_PER_FINDING)
            )
    print(f"generated {Finding.objects.count()} findings, {LedgerEntry.objects.count()} entries")


# The ledger list as people use it: as it is, filtered, searched.
LEDGER_QUERIES = [
    ("ledger", ""),
    ("ledger filtered", "?status=in_progress&status=not_started&overdue=1"),
    ("ledger searched", "?q=" + urllib.parse.quote("会议记录")),
]


class VirtualUser(threading.Thread):
    """One person: logs in, then browses and adds progress until the deadline."""

    def __init__(self, base, username, code, deadline, seed):
        super().__init__(daemon=True)
        self.base, self.username, self.code, self.deadline = base, username, code, deadline
        self.random = random.Random(seed)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()),
            urllib.request.HTTPRedirectHandler(),
        )
        self.samples = []  # (label, seconds, ok)
        self.finding_urls = []

    def request(self, label, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=10) as response:
                text = response.read().decode("utf-8", "replace")
                ok = response.status == 200
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            text, ok = str(error), False
        self.samples.append((label, time.perf_counter() - started, ok))
        return text

    @staticmethod
    def csrf(page):
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        return match.group(1) if match else ""

    def log_in(self):
        """Before the measured window: password hashing is slow by design."""
        login_page = self.request("login form", "/accounts/login/")
        self.request(
            "login",
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": self.csrf(login_page),
                "username": self.username,
                "password": PASSWORD,
            },
        )
        ledger = self.request("ledger", f"/inspections/{self.code}/")
        self.finding_urls = sorted(
            set(re.findall(rf"/inspections/{self.code}/findings/\d+/", ledger))
        )
        self.login_samples, self.samples = self.samples, []

    def run(self):
        ledger = f"/inspections/{self.code}/"
        while time.monotonic() < self.deadline:
            choice = self.random.random()
            if choice < 0.25:
                self.request("my work", "/work/")
            elif choice < 0.40:
                self.request("dashboard", f"/inspections/{self.code}/dashboard/")
            elif choice < 0.55:
                label, query = self.random.choice(LEDGER_QUERIES)
                self.request(label, ledger + query)
            elif choice < 0.85 and self.finding_urls:
                self.request("finding", self.random.choice(self.finding_urls))
            elif self.finding_urls:
                url = self.random.choice(self.finding_urls)
                page = self.request("finding", url)
                self.request(
                    "add progress",
                    url + "progress/",
                    {
                        "csrfmiddlewaretoken": self.csrf(page),
                        "progress-on_date": time.strftime("%Y-%m-%d"),
                        "progress-text": "压测：本周已完成台账补充。",
                    },
                )
            time.sleep(self.random.uniform(0.2, 1.0))  # a person reads before the next click


def cpu_seconds(server_pid):
    """CPU time (user + system) used so far by gunicorn's workers and by the PostgreSQL
    backends of the load database: less sensitive than latency to other work on a shared
    machine, it says what a request costs."""
    pids = []
    try:
        with open(f"/proc/{server_pid}/task/{server_pid}/children") as f:
            pids += [int(pid) for pid in f.read().split()]
    except OSError:
        pass
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    title = f.read()
            except OSError:
                continue
            if title.startswith(b"postgres: ") and f" {DB_NAME} ".encode() in title:
                pids.append(int(entry))
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summarise(samples):
    ms = [s * 1000 for _, s, _ in samples]
    return {
        "requests": len(samples),
        "errors": sum(1 for *_, ok in samples if not ok),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
    }


def database_exists():
    found = subprocess.run(
        ["psql", "-qtA", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
         f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return bool(found.strip())


def psql(*sql):
    args = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"]
    for statement in sql:
        args += ["-c", statement]
    subprocess.run(args, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse-db", action="store_true", help="use the kept database")
    parser.add_argument("--data", choices=["large", "small"], default="large")
    args = parser.parse_args()
    large = args.data == "large"
    if args.users > (LARGE_UNITS if large else UNITS) * 2:
        parser.error("too many virtual users: two per unit")

    reuse = args.reuse_db and database_exists()
    if not reuse:
        psql(f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}")
    media = tempfile.mkdtemp(prefix="rectify-load-media-")
    static = tempfile.mkdtemp(prefix="rectify-load-static-")
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rectify.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "DEBUG": "0",
        "SECRET_KEY": "load-run-" + "x" * 50,
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": media,
        "STATIC_ROOT": static,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOGIN_FAILURE_LIMIT": "1000",
        "PYTHONPATH": str(ROOT),
    }
    manage = [PY, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0", "--no-input"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "collectstatic", "-v0", "--no-input"], env=env, check=True, cwd=ROOT)
    started = time.perf_counter()
    if not reuse:
        generator = "--generate-large" if large else "--generate"
        subprocess.run([PY, __file__, generator], env=env, check=True, cwd=ROOT)
    generate_s = time.perf_counter() - started

    gunicorn = [
        str(Path(PY).parent / "gunicorn"),
        "rectify.wsgi",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(gunicorn, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        # A worker's first request imports the whole app (seconds on a busy machine):
        # wait for an answer, then warm both workers before anyone logs in.
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=30).read()
                break
            except OSError:  # refused while booting, or timed out
                time.sleep(0.5)
        for _ in range(6):
            urllib.request.urlopen(base + "/accounts/login/", timeout=30).read()
        if large:
            # staff and principals of different units, each on its current inspection
            users = [
                VirtualUser(
                    base,
                    f"u{i // 2:03d}-{'staff0' if i % 2 == 0 else 'principal'}",
                    f"u{i // 2:03d}-2025",
                    0,
                    i,
                )
                for i in range(args.users)
            ]
        else:
            users = [
                VirtualUser(
                    base, f"u{i % UNITS:02d}-staff{i // UNITS}", f"load-{i % UNITS:02d}", 0, i
                )
                for i in range(args.users)
            ]
        for user in users:
            user.log_in()
        load_before = [round(x, 2) for x in os.getloadavg()]
        cpu_before = cpu_seconds(server.pid)
        deadline = time.monotonic() + args.seconds
        began = time.perf_counter()
        for user in users:
            user.deadline = deadline
            user.start()
        for user in users:
            user.join(args.seconds + 30)
        elapsed = time.perf_counter() - began
        cpu_used = cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(10)

    written = subprocess.run(
        [
            "psql",
            "-qtA",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            DB_NAME,
            "-c",
            "SELECT count(*) FROM ledger_ledgerentry WHERE text LIKE '压测：%'",
            "-c",
            "SELECT count(*) FROM findings_inspection",
            "-c",
            "SELECT count(*) FROM findings_finding",
            "-c",
            "SELECT count(*) FROM ledger_ledgerentry",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    written, n_inspections, n_findings, n_entries = (int(x) for x in written)
    samples = [s for user in users for s in user.samples]
    logins = [s for user in users for s in user.login_samples]
    by_label = {}
    for sample in samples:
        by_label.setdefault(sample[0], []).append(sample)
    total = summarise(samples)
    result = {
        "what": "gunicorn 2 workers + PostgreSQL, loopback, users think 0.2-1.0 s",
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "data": {
            "kind": args.data,
            "inspections": n_inspections,
            "findings": n_findings,
            "ledger_entries": n_entries,
            "generated_in_s": None if reuse else round(generate_s, 1),
        },
        "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
        "virtual_users": args.users,
        "seconds": round(elapsed, 1),
        "requests_per_s": round(total["requests"] / elapsed, 1),
        "cpu_ms_per_request": round(1000 * cpu_used / max(total["requests"], 1), 1),
        "total": total,
        "by_request": {label: summarise(s) for label, s in sorted(by_label.items())},
        "log_in_before_the_window": summarise(logins),
        "progress_entries_written": int(written),
        "target": f"zero errors, p95 under {TARGET_P95_MS} ms",
        "met": total["errors"] == 0 and total["p95_ms"] < TARGET_P95_MS,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"load_run-{args.users}vu" if large else "load_run"
    (out / f"{stem}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    lines = [
        f"Load run {time.strftime('%Y-%m-%d')}: {result['what']}",
        f"machine: {result['machine']}",
        f"data: {result['data']}",
        f"load average (1, 5, 15 min) before: {result['load_average']['before']}, "
        f"after: {result['load_average']['after']}",
        f"{args.users} virtual users for {result['seconds']} s: "
        f"{result['requests_per_s']} requests/s, {total['requests']} requests, "
        f"{total['errors']} errors; CPU (gunicorn workers + PostgreSQL backends) "
        f"{result['cpu_ms_per_request']} ms a request",
        f"{'request':<17}{'n':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}",
    ]
    for label, s in [*result["by_request"].items(), ("ALL", total)]:
        lines.append(
            f"{label:<17}{s['requests']:>7}{s['errors']:>8}"
            f"{s['p50_ms']:>9}{s['p95_ms']:>9}{s['p99_ms']:>9}"
        )
    lines.append(f"progress entries written: {written}")
    s = result["log_in_before_the_window"]
    lines.append(
        f"(before the window each user opened the login form, logged in and opened its "
        f"ledger: {s['requests']} requests, {s['errors']} errors, p95 {s['p95_ms']} ms)"
    )
    lines.append(f"target {result['target']}: {'met' if result['met'] else 'NOT met'}")
    (out / f"{stem}.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if not args.keep_db:
        psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--generate"]:
        generate()
    elif sys.argv[1:] == ["--generate-large"]:
        generate_large()
    else:
        sys.exit(main())

"""Load run: gunicorn (2 workers) + PostgreSQL, virtual users on loopback.

    .venv/bin/python bench/load_run.py [--seconds 60] [--users 16] [--data large|small]
                                       [--reuse-db] [--keep-db] [--out bench/results]
    .venv/bin/python bench/load_run.py --office [--office-users 4] [--seconds 60] [--users 16]

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

With --office (bench/load_office.py) the data are one round of an inspection office over
50 units x 40 findings, and office users (巡察办, read-only) join the unit users on the
round's dashboard, the lists behind its numbers and its workbook; before the window one
of them opens the dashboard alone. It runs in a database of its own, `rectify_load_office`
(a plain run may go on beside it), and writes bench/results/load_run_office.json and .txt.
"""

import argparse
import json
import os
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

import host

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DB_NAME = "rectify_load"
OFFICE_DB_NAME = "rectify_load_office"
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


def generate(office=False):
    """The small data set, or with `office` the round of --office (runs inside Django, in a
    subprocess with the bench environment)."""
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

    units, areas_each, findings_each, entries_each = (
        UNITS, AREAS, FINDINGS_PER_AREA, ENTRIES_PER_FINDING
    )  # fmt: skip
    password = make_password(PASSWORD)
    today = date.today()
    statuses = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.IN_PROGRESS, Status.SUBMITTED]
    round_ = categories = None
    if office:
        import load_office

        units, areas_each, findings_each, entries_each = load_office.SHAPE
        statuses += [Status.SIGNED_OFF, Status.SIGNED_OFF, Status.ONGOING]
        round_, categories = load_office.generate_office(password)
    with transaction.atomic():
        for u in range(units):
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
                round=round_,
            )
            areas = bulk_create_with_history(
                [
                    Area(inspection=inspection, position=a + 1, title=f"聚焦第{a + 1}方面")
                    for a in range(areas_each)
                ],
                Area,
            )
            findings = []
            for a, area in enumerate(areas):
                for n in range(findings_each):
                    k = a * findings_each + n
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
                            # the office round staggers the statuses from unit to unit
                            status=statuses[(k + (u if office else 0)) % len(statuses)],
                            category=categories[(n + u) % len(categories)] if office else None,
                        )
                    )
            findings = bulk_create_with_history(findings, Finding)
            LedgerEntry.objects.bulk_create(
                LedgerEntry(
                    finding=finding,
                    kind=EntryKind.PROGRESS,
                    author=finding.responsible_person,
                    on_date=today - timedelta(days=entries_each - e),
                    text=f"第{e + 1}次进展：已召开专题会议，完善相关制度。",
                    status_before=finding.status,
                    status_after=finding.status,
                )
                for finding in findings
                for e in range(entries_each)
            )
            if office:
                load_office.office_entries(inspection, findings, u, today)
    print(f"generated {Finding.objects.count()} findings, {LedgerEntry.objects.count()} entries")


# The ledger list as people use it: as it is, filtered, searched.
LEDGER_QUERIES = [
    ("ledger", ""),
    ("ledger filtered", "?status=in_progress&status=not_started&overdue=1"),
    ("ledger searched", "?q=" + urllib.parse.quote("会议记录")),
]


class VirtualUser(threading.Thread):
    """One person: logs in, then browses and adds progress until the deadline."""

    # Where a click goes, as cumulative shares: 我的工作, the dashboard, the ledger list, a
    # finding page; the rest a finding page and a progress entry.
    MIX = (0.25, 0.40, 0.55, 0.85)

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

    def request(self, label, path, data=None, *, binary=False):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=10) as response:
                content = response.read()
                text = "" if binary else content.decode("utf-8", "replace")
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
        self.first_look()
        self.login_samples, self.samples = self.samples, []

    def first_look(self):
        """The ledger, for the finding pages it links to."""
        ledger = self.request("ledger", f"/inspections/{self.code}/")
        self.finding_urls = sorted(
            set(re.findall(rf"/inspections/{self.code}/findings/\d+/", ledger))
        )

    def run(self):
        ledger = f"/inspections/{self.code}/"
        my_work, dashboard, ledger_list, finding = self.MIX
        while time.monotonic() < self.deadline:
            choice = self.random.random()
            if choice < my_work:
                self.request("my work", "/work/")
            elif choice < dashboard:
                self.request("dashboard", f"/inspections/{self.code}/dashboard/")
            elif choice < ledger_list:
                label, query = self.random.choice(LEDGER_QUERIES)
                self.request(label, ledger + query)
            elif choice < finding and self.finding_urls:
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


def cpu_seconds(server_pid, db_name):
    """CPU time (user + system) used so far by gunicorn's workers and by the PostgreSQL
    backends of the load database `db_name`: less sensitive than latency to other work on a
    shared machine, it says what a request costs."""
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
            if title.startswith(b"postgres: ") and f" {db_name} ".encode() in title:
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


def psql_args(flags, database, sql):
    args = ["psql", flags, "-h", "127.0.0.1", "-U", "postgres", "-d", database]
    for statement in sql:
        args += ["-c", statement]
    return args


def psql(*sql, database="postgres"):
    subprocess.run(psql_args("-q", database, sql), check=True)


def psql_counts(database, *sql):
    """One number a statement."""
    run = subprocess.run(psql_args("-qtA", database, sql), check=True, capture_output=True)
    return [int(x) for x in run.stdout.split()]


def database_exists(db_name):
    sql = f"SELECT count(*) FROM pg_database WHERE datname = '{db_name}'"
    return psql_counts("postgres", sql) == [1]


def parse_args(load_office):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse-db", action="store_true", help="use the kept database")
    parser.add_argument("--data", choices=["large", "small"], help="large (the default) or small")
    parser.add_argument(
        "--office", action="store_true", help="a round of 50 units x 40 findings, office users"
    )
    parser.add_argument("--office-users", type=int, help="with --office (4 unless given)")
    args = parser.parse_args()
    if args.office:
        units = load_office.check_args(parser, args)
    else:
        if args.office_users is not None:
            parser.error("--office-users needs --office")
        args.data = args.data or "large"
        units = LARGE_UNITS if args.data == "large" else UNITS
    if args.users > units * 2:
        parser.error(f"at most {units * 2} virtual users (two per unit)")
    return args


def main():
    import load_office  # here, not at the top: it imports this module

    args = parse_args(load_office)
    machine = host.describe()  # before anything else runs on the machine
    large = args.data == "large"
    db_name = OFFICE_DB_NAME if args.office else DB_NAME
    reuse = args.reuse_db and database_exists(db_name)
    if not reuse:
        psql(f"DROP DATABASE IF EXISTS {db_name}", f"CREATE DATABASE {db_name}")
    media = tempfile.mkdtemp(prefix="rectify-load-media-")
    static = tempfile.mkdtemp(prefix="rectify-load-static-")
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rectify.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db_name}",
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
        generator = (
            "--generate-office" if args.office else "--generate-large" if large else "--generate"
        )
        subprocess.run([PY, __file__, generator], env=env, check=True, cwd=ROOT)
    generate_s = time.perf_counter() - started
    if args.office:
        # Planner statistics, as autovacuum keeps them on a database in use (the large
        # database runs ANALYZE itself); the entries before the window.
        psql("ANALYZE", database=db_name)
        (entries,) = psql_counts(db_name, "SELECT count(*) FROM ledger_ledgerentry")

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
        if args.office:
            users = load_office.users(base, args.users, args.office_users)
        elif large:  # staff and principals of different units, each on its current inspection
            units = [f"u{i // 2:03d}" for i in range(args.users)]
            names = [f"{unit}-{'principal' if i % 2 else 'staff0'}" for i, unit in enumerate(units)]
            users = [
                VirtualUser(base, names[i], f"{unit}-2025", 0, i) for i, unit in enumerate(units)
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
        alone = load_office.unloaded(users[-1]) if args.office else None
        load_before = [round(x, 2) for x in os.getloadavg()]
        cpu_before = cpu_seconds(server.pid, db_name)
        deadline = time.monotonic() + args.seconds
        began = time.perf_counter()
        for user in users:
            user.deadline = deadline
            user.start()
        for user in users:
            user.join(args.seconds + 30)
        elapsed = time.perf_counter() - began
        cpu_used = cpu_seconds(server.pid, db_name) - cpu_before
        load_after = [round(x, 2) for x in os.getloadavg()]
    finally:
        server.terminate()
        server.wait(10)

    progress = "SELECT count(*) FROM ledger_ledgerentry WHERE text LIKE '压测：%'"
    if args.office:
        (written,) = psql_counts(db_name, progress)
        data = load_office.data(entries, generate_s)
        # The machine is shared: its 1-minute load average (2 cores) around the window.
        load_average = [load_before[0], load_after[0]]
    else:
        written, n_inspections, n_findings, n_entries = psql_counts(
            db_name,
            progress,
            "SELECT count(*) FROM findings_inspection",
            "SELECT count(*) FROM findings_finding",
            "SELECT count(*) FROM ledger_ledgerentry",
        )
        data = {
            "kind": args.data,
            "inspections": n_inspections,
            "findings": n_findings,
            "ledger_entries": n_entries,
            "generated_in_s": None if reuse else round(generate_s, 1),
        }
        load_average = {"before": load_before, "after": load_after}
    samples = [s for user in users for s in user.samples]
    logins = [s for user in users for s in user.login_samples]
    by_label = {}
    for sample in samples:
        by_label.setdefault(sample[0], []).append(sample)
    total = summarise(samples)
    cpu_ms = round(1000 * cpu_used / max(total["requests"], 1), 1)
    # Each mode keeps the fields of its committed results (--office: no CPU time).
    result = {
        "what": "gunicorn 2 workers + PostgreSQL, loopback, users think 0.2-1.0 s"
        + (", office users on a round's dashboard" if args.office else ""),
        **machine,
        "data": data,
        "load_average": load_average,
        "virtual_users": args.users,
        **({"office_users": args.office_users} if args.office else {}),
        "seconds": round(elapsed, 1),
        "requests_per_s": round(total["requests"] / elapsed, 1),
        **({} if args.office else {"cpu_ms_per_request": cpu_ms}),
        "total": total,
        "by_request": {label: summarise(s) for label, s in sorted(by_label.items())},
        "log_in_before_the_window": summarise(logins),
        "progress_entries_written": int(written),
        "target": f"zero errors, p95 under {TARGET_P95_MS} ms",
        "met": total["errors"] == 0 and total["p95_ms"] < TARGET_P95_MS,
    }
    if args.office:
        result["office_dashboard_alone"] = alone
        result["office_dashboard_under_load"] = result["by_request"].get("office dashboard")
        stem = "load_run_office"
    else:
        stem = f"load_run-{args.users}vu" if large else "load_run"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    if args.office:
        lines = load_office.report(args, result, load_before[0], load_after[0])
    else:
        lines = report(
            result,
            [
                f"machine: {result['machine']}; {result['processor']}, core speed "
                f"{result['core_speed_ms']} ms ({result['core_speed_is']})",
                f"data: {result['data']}",
                f"load average (1, 5, 15 min) before: {load_before}, after: {load_after}",
                f"{args.users} virtual users for {result['seconds']} s: "
                f"{result['requests_per_s']} requests/s, {total['requests']} requests, "
                f"{total['errors']} errors; CPU (gunicorn workers + PostgreSQL backends) "
                f"{result['cpu_ms_per_request']} ms a request",
            ],
        )
    (out / f"{stem}.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if not args.keep_db:
        psql(f"DROP DATABASE IF EXISTS {db_name}")
    return 0 if result["met"] else 1


def report(result, head, width=17, ledger="ledger", more=()):
    """The lines of the .txt result: the run, `head` (machine, data, load, users), the
    table, what the users wrote and did before the window, `more`, the target."""
    total = result["total"]
    lines = [f"Load run {time.strftime('%Y-%m-%d')}: {result['what']}", *head]
    lines.append(
        f"{'request':<{width}}{'n':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    for label, s in [*result["by_request"].items(), ("ALL", total)]:
        lines.append(
            f"{label:<{width}}{s['requests']:>7}{s['errors']:>8}"
            f"{s['p50_ms']:>9}{s['p95_ms']:>9}{s['p99_ms']:>9}"
        )
    lines.append(f"progress entries written: {result['progress_entries_written']}")
    s = result["log_in_before_the_window"]
    lines.append(
        f"(before the window each user opened the login form, logged in and opened its "
        f"{ledger}: {s['requests']} requests, {s['errors']} errors, p95 {s['p95_ms']} ms)"
    )
    lines += more
    lines.append(f"target {result['target']}: {'met' if result['met'] else 'NOT met'}")
    return lines


if __name__ == "__main__":
    # bench/load_office.py imports this script as `load_run`: one module, not a second copy.
    sys.modules.setdefault("load_run", sys.modules[__name__])
    if sys.argv[1:] == ["--generate"]:
        generate()
    elif sys.argv[1:] == ["--generate-office"]:
        generate(office=True)
    elif sys.argv[1:] == ["--generate-large"]:
        generate_large()
    else:
        sys.exit(main())

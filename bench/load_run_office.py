"""Load run: gunicorn (2 workers) + PostgreSQL, 40 units x 25 findings, virtual users on loopback.

    .venv/bin/python bench/load_run.py [--seconds 60] [--users 16] [--out bench/results]
    .venv/bin/python bench/load_run.py --office [--office-users 4]

It creates a fresh database `rectify_load` on 127.0.0.1:5432, migrates it, generates
1,000 findings with 10,000 ledger entries, starts gunicorn on a free loopback port and
lets a bounded number of virtual users browse 我的工作, the dashboard and finding pages
and add progress entries for a fixed time. Every request is bounded in time; the run
stops by itself. It writes requests/s, p50/p95/p99 and the error count to
bench/results/load_run.json and .txt.

With --office the data are one round of an inspection office over 50 units x 40
findings (sign-offs, returns and reopenings spread over twelve weeks, categories, open
督办), and office users (巡察办, read-only) join the unit users: they open the round's
dashboard, the lists behind its numbers and its workbook. Before the window one office
user opens the dashboard alone (server time without load). It runs in a database of
its own, `rectify_load_office`. Results go to bench/results/load_run_office.json and .txt.
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
# --office runs in a database of its own: a plain run may be going on beside it.
OFFICE_DB_NAME = "rectify_load_office"
UNITS = 40
AREAS = 5
FINDINGS_PER_AREA = 5
ENTRIES_PER_FINDING = 10
PASSWORD = "load-run-pass"
TARGET_P95_MS = 300
# --office: one round of an office over 50 units x 40 findings.
OFFICE_UNITS = 50
OFFICE_AREAS = 4
OFFICE_FINDINGS_PER_AREA = 10
OFFICE_ENTRIES_PER_FINDING = 3
OFFICE_CATEGORIES = ["政治建设", "全面从严治党", "选人用人", "作风建设"]
OFFICE_USERS_MAX = 8
# The lists behind the dashboard's numbers (oversight.dashboard.FILTERS).
BEHIND = ["all", "signed_off", "ongoing", "open", "overdue", "returned"]


def shape(office):
    """(units, areas per unit, findings per area, progress entries per finding)."""
    if office:
        return OFFICE_UNITS, OFFICE_AREAS, OFFICE_FINDINGS_PER_AREA, OFFICE_ENTRIES_PER_FINDING
    return UNITS, AREAS, FINDINGS_PER_AREA, ENTRIES_PER_FINDING


def generate():
    """Create the data set (runs inside Django, in a subprocess with the bench environment)."""
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

    office = os.environ.get("LOAD_OFFICE") == "1"
    units, areas_each, findings_each, entries_each = shape(office)
    password = make_password(PASSWORD)
    today = date.today()
    statuses = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.IN_PROGRESS, Status.SUBMITTED]
    round_ = categories = None
    if office:
        statuses += [Status.SIGNED_OFF, Status.SIGNED_OFF, Status.ONGOING]
        round_, categories = generate_office(password)
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
                    findings.append(
                        Finding(
                            area=area,
                            number=n + 1,
                            statement=f"问题{k + 1}：会议记录内容不完整。",
                            kind=FindingKind.DEADLINE,
                            deadline=today + timedelta(days=(k % 40) - 10),
                            responsible_leader=people[Role.LEADER][k % 2],
                            responsible_person=people[Role.STAFF][k % 2],
                            status=statuses[(k + u) % len(statuses)],
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
                office_entries(inspection, findings, u, today)
    print(f"generated {Finding.objects.count()} findings, {LedgerEntry.objects.count()} entries")


def generate_office(password):
    """The office, its round and categories, and its people: OFFICE_USERS_MAX read-only
    members (巡察办干事) and one 督办 member (巡察办主任)."""
    from findings.models import (
        Office,
        OfficeMembership,
        OfficeRole,
        ProblemCategory,
        Round,
        User,
    )

    office = Office.objects.create(name="压测区委巡察工作领导小组办公室", short_name="压测巡察办")
    round_ = Round.objects.create(office=office, year=2026, number=1, groups="区委第一巡察组")
    categories = [
        ProblemCategory.objects.create(office=office, position=i + 1, name=name)
        for i, name in enumerate(OFFICE_CATEGORIES)
    ]
    people = [("office-director", "巡察办主任", OfficeRole.SUPERVISOR)] + [
        (f"office{i}", "巡察办干事", OfficeRole.OVERSIGHT) for i in range(OFFICE_USERS_MAX)
    ]
    for username, name, role in people:
        user = User.objects.create(username=username, display_name=name, password=password)
        OfficeMembership.objects.create(user=user, office=office, role=role)
    return round_, categories


def office_entries(inspection, findings, u, today):
    """What the office's figures count: returns, sign-offs spread over twelve weeks (the
    weekly trend has a shape), open 督办."""
    from datetime import UTC, datetime, timedelta

    from findings.models import Status, User
    from ledger.models import EntryKind, LedgerEntry
    from oversight.models import OrderState, SupervisionOrder

    # Benchmark data only: entries carry their own recording time (the table is
    # append-only), so the sign-offs spread over twelve weeks and the trend has a shape.
    LedgerEntry._meta.get_field("created_at").auto_now_add = False
    now = datetime.now(UTC)
    leader = findings[0].responsible_leader
    entries = []
    for k, finding in enumerate(findings):
        if k % 9 == 0:
            entries.append(
                LedgerEntry(finding=finding, kind=EntryKind.RETURN, author=leader, on_date=today,
                            text="材料不全", status_before=Status.SUBMITTED,
                            status_after=Status.IN_PROGRESS, created_at=now)
            )  # fmt: skip
        if finding.status in (Status.SIGNED_OFF, Status.ONGOING):
            kind = (
                EntryKind.SIGN_OFF if finding.status == Status.SIGNED_OFF
                else EntryKind.SIGN_OFF_ONGOING
            )  # fmt: skip
            entries.append(
                LedgerEntry(finding=finding, kind=kind, author=leader, on_date=today,
                            status_before=Status.SUBMITTED, status_after=finding.status,
                            created_at=now - timedelta(days=(k * 5 + u) % 84))
            )  # fmt: skip
    LedgerEntry.objects.bulk_create(entries)
    LedgerEntry._meta.get_field("created_at").auto_now_add = True
    director = User.objects.get(username="office-director")
    SupervisionOrder.objects.bulk_create(
        SupervisionOrder(office_id=inspection.round.office_id, inspection=inspection,
                         finding=findings[i], text="请报告整改进展",
                         reply_deadline=today + timedelta(days=5),
                         state=OrderState.ISSUED, issued_by=director)
        for i in range(u % 3)
    )  # fmt: skip


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
        ledger = self.request("ledger", f"/inspections/{self.code}/")
        self.finding_urls = sorted(
            set(re.findall(rf"/inspections/{self.code}/findings/\d+/", ledger))
        )
        self.login_samples, self.samples = self.samples, []

    def run(self):
        while time.monotonic() < self.deadline:
            choice = self.random.random()
            if choice < 0.30:
                self.request("my work", "/work/")
            elif choice < 0.50:
                self.request("dashboard", f"/inspections/{self.code}/dashboard/")
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


class OfficeUser(VirtualUser):
    """One 巡察办 member (read-only): the round's dashboard, the lists behind its numbers
    (by unit, by category) and now and then its workbook."""

    def log_in(self):
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
        home = self.request("office home", "/offices/")
        self.dashboard = re.search(r'href="(/offices/\d+/rounds/\d+/)"', home).group(1)
        board = self.request("office dashboard", self.dashboard)
        self.units = sorted(set(re.findall(r'id="unit-([\w-]+)"', board)))
        self.categories = sorted(set(re.findall(r"\?category=(\d+)&", board)))
        self.login_samples, self.samples = self.samples, []

    def run(self):
        while time.monotonic() < self.deadline:
            choice = self.random.random()
            if choice < 0.55:
                self.request("office dashboard", self.dashboard)
            elif choice < 0.75:
                unit = self.random.choice(self.units)
                show = self.random.choice(BEHIND)
                self.request("office list", f"{self.dashboard}findings/?unit={unit}&show={show}")
            elif choice < 0.90:
                category = self.random.choice(self.categories)
                show = self.random.choice(BEHIND)
                url = f"{self.dashboard}findings/?category={category}&show={show}"
                self.request("office list", url)
            else:
                self.request("office export", self.dashboard + "dashboard.xlsx", binary=True)
            time.sleep(self.random.uniform(0.2, 1.0))


def unloaded(base, user, repeat=20):
    """The dashboard's time with nobody else on the server: one user, one request at a time."""
    for _ in range(3):
        user.request("office dashboard", user.dashboard)
    user.samples = []
    for _ in range(repeat):
        user.request("office dashboard", user.dashboard)
    result = summarise(user.samples)
    user.samples = []
    return result


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


def psql(*sql):
    args = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"]
    for statement in sql:
        args += ["-c", statement]
    subprocess.run(args, check=True)


def psql_count(db_name, sql):
    """One number from the benchmark's database."""
    args = ["psql", "-qtA", "-h", "127.0.0.1", "-U", "postgres", "-d", db_name, "-c", sql]
    return int(subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    parser.add_argument("--office", action="store_true", help="a round of 50 units x 40 findings")
    parser.add_argument("--office-users", type=int, default=4)
    args = parser.parse_args()
    units, areas_each, findings_each, _entries = shape(args.office)
    if args.users > units * 2:
        parser.error(f"at most {units * 2} virtual users (two staff per unit)")
    if not args.office:
        args.office_users = 0
    if args.office_users > OFFICE_USERS_MAX:
        parser.error(f"at most {OFFICE_USERS_MAX} office users")

    db_name = OFFICE_DB_NAME if args.office else DB_NAME
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
        "LOAD_OFFICE": "1" if args.office else "0",
    }
    manage = [PY, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0", "--no-input"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "collectstatic", "-v0", "--no-input"], env=env, check=True, cwd=ROOT)
    started = time.perf_counter()
    subprocess.run([PY, __file__, "--generate"], env=env, check=True, cwd=ROOT)
    generate_s = time.perf_counter() - started
    # Planner statistics, as autovacuum keeps them on a database in use.
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", db_name,
                    "-c", "ANALYZE"], check=True)  # fmt: skip
    entries = psql_count(db_name, "SELECT count(*) FROM ledger_ledgerentry")

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
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        users = [
            VirtualUser(base, f"u{i % units:02d}-staff{i // units}", f"load-{i % units:02d}", 0, i)
            for i in range(args.users)
        ]
        users += [
            OfficeUser(base, f"office{i}", None, 0, 1000 + i) for i in range(args.office_users)
        ]
        for user in users:
            user.log_in()
        alone = unloaded(base, users[-1]) if args.office else None
        deadline = time.monotonic() + args.seconds
        load_before = os.getloadavg()[0]
        began = time.perf_counter()
        for user in users:
            user.deadline = deadline
            user.start()
        for user in users:
            user.join(args.seconds + 30)
        elapsed = time.perf_counter() - began
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(10)

    progress = "SELECT count(*) FROM ledger_ledgerentry WHERE text LIKE '压测：%'"
    written = psql_count(db_name, progress)
    samples = [s for user in users for s in user.samples]
    logins = [s for user in users for s in user.login_samples]
    by_label = {}
    for sample in samples:
        by_label.setdefault(sample[0], []).append(sample)
    total = summarise(samples)
    result = {
        "what": "gunicorn 2 workers + PostgreSQL, loopback, users think 0.2-1.0 s"
        + (", office users on a round's dashboard" if args.office else ""),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "data": {
            "units": units,
            "findings": units * areas_each * findings_each,
            "ledger_entries": entries,
            "generated_in_s": round(generate_s, 1),
        },
        # The machine is shared: its 1-minute load average (2 cores) around the window.
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "virtual_users": args.users,
        "office_users": args.office_users,
        "seconds": round(elapsed, 1),
        "requests_per_s": round(total["requests"] / elapsed, 1),
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
    stem = "load_run_office" if args.office else "load_run"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    lines = [
        f"Load run {time.strftime('%Y-%m-%d')}: {result['what']}",
        f"machine: {result['machine']}; 1-minute load average {load_before:.2f} before and "
        f"{load_after:.2f} after the window (other work shares the machine)",
        f"data: {result['data']}",
        f"{args.users} virtual users"
        + (f" and {args.office_users} office users" if args.office else "")
        + f" for {result['seconds']} s: "
        f"{result['requests_per_s']} requests/s, {total['requests']} requests, "
        f"{total['errors']} errors",
        f"{'request':<18}{'n':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}",
    ]
    for label, s in [*result["by_request"].items(), ("ALL", total)]:
        lines.append(
            f"{label:<18}{s['requests']:>7}{s['errors']:>8}"
            f"{s['p50_ms']:>9}{s['p95_ms']:>9}{s['p99_ms']:>9}"
        )
    lines.append(f"progress entries written: {written}")
    s = result["log_in_before_the_window"]
    lines.append(
        f"(before the window each user opened the login form, logged in and opened its "
        f"ledger (office users: their dashboard): {s['requests']} requests, "
        f"{s['errors']} errors, p95 {s['p95_ms']} ms)"
    )
    if args.office:
        lines.append(
            f"office dashboard alone (one user, one request at a time, {alone['requests']} "
            f"requests): p50 {alone['p50_ms']} ms, p95 {alone['p95_ms']} ms"
        )
    lines.append(f"target {result['target']}: {'met' if result['met'] else 'NOT met'}")
    (out / f"{stem}.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if not args.keep_db:
        psql(f"DROP DATABASE IF EXISTS {db_name}")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--generate"]:
        generate()
    else:
        sys.exit(main())

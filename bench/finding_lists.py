"""Benchmark: finding lists on the large database (issue 15), PostgreSQL.

    .venv/bin/python bench/finding_lists.py [--repeat 20] [--reuse-db] [--keep-db]

It creates the database `rectify_bench_lists` on 127.0.0.1:5432 (kept and reused with
--reuse-db), migrates it and builds the large database of bench/large_db.py (223
inspections, ~44,000 findings, ~300,000 ledger entries; one inspection of 20,000).
Then, through Django's full middleware stack (test client, in process, DEBUG off), it
requests each list page `--repeat` times after a warm-up and reports the server time
(median, p95), the queries and the size of the page:

- 我的工作 of a staff member responsible for 1,000 findings, of the leader who leads
  1,000 (with 500 awaiting sign-off), of an ordinary staff member;
- the ledger list of an ordinary inspection, of one with 2,000 and one with 20,000
  findings: plain, filtered, searched;
- the dashboard of an ordinary and of the 20,000 inspection; the office's list behind
  a number; the list of inspections of an office member;
- the web export of the 20,000 inspection (it must answer with the page that starts the
  background task, not build the workbook in the request).

It also writes the plans (EXPLAIN ANALYZE) of the search on the 20,000 inspection and
of the awaiting-sign-off query of the 1,000-finding leader and of a principal, to
bench/results/finding_lists-explain.txt, and the figures to finding_lists.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import host

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "rectify_bench_lists"
MY_WORK_TARGET_MS = 60


def psql(database, *sql, capture=False):
    args = ["psql", "-qtA", "-h", "127.0.0.1", "-U", "postgres", "-d", database]
    for statement in sql:
        args += ["-c", statement]
    return subprocess.run(args, check=True, capture_output=capture, text=True).stdout


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--plans-only", action="store_true", help="write the plans, keep the page figures"
    )
    args = parser.parse_args()
    machine = host.describe()  # before anything else runs on the machine

    exists = psql(
        "postgres", f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'", capture=True
    )
    fresh = not (args.reuse_db and exists.strip())
    if fresh:
        psql("postgres", f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}")
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    os.environ["SECRET_KEY"] = "benchmark-only-" + "x" * 40
    os.environ["HTTPS"] = "0"
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "rectify.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    built = None
    if fresh:
        call_command("migrate", verbosity=0)
        sys.path.insert(0, str(ROOT / "bench"))
        import large_db

        built = large_db.build()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from findings.access import Access
    from findings.models import Finding, Inspection, Round, User
    from ledger import selectors
    from ledger.filters import search_condition

    def user(username):
        return User.objects.get(username=username)

    def ledger(code):
        return reverse("findings:inspection_detail", args=[code])

    office_round = Round.objects.order_by("pk").first()
    cases = [
        ("my work: staff with 1,000 findings", "big-staff0", reverse("ledger:my_work"), {}),
        ("my work: leader of 1,000 findings", "big-leader0", reverse("ledger:my_work"), {}),
        ("my work: ordinary staff", "u000-staff0", reverse("ledger:my_work"), {}),
        ("ledger: ordinary inspection", "u000-staff0", ledger("u000-2025"), {}),
        ("ledger: 2,000 findings", "big-staff0", ledger("big-2025"), {}),
        ("ledger: 20,000 findings", "huge-staff0", ledger("huge-2025"), {}),
        (
            "ledger: 20,000, filtered",
            "huge-staff0",
            ledger("huge-2025"),
            {"status": ["in_progress", "not_started"], "overdue": "1"},
        ),
        ("ledger: 20,000, searched", "huge-staff0", ledger("huge-2025"), {"q": "资产清查"}),
        (
            "ledger: 20,000, searched, no match",
            "huge-staff0",
            ledger("huge-2025"),
            {"q": "不存在的说法"},
        ),
        (
            "dashboard: ordinary",
            "u000-principal",
            reverse("ledger:dashboard", args=["u000-2025"]),
            {},
        ),
        (
            "dashboard: 20,000 findings",
            "huge-principal",
            reverse("ledger:dashboard", args=["huge-2025"]),
            {},
        ),
        (
            "office: list behind overdue",
            "office-clerk",
            reverse("oversight:round_findings", args=[office_round.office_id, office_round.pk]),
            {"show": "overdue"},
        ),
        ("inspections: office member", "office-clerk", reverse("findings:inspection_list"), {}),
        (
            "export: 20,000 findings (to the task)",
            "huge-staff0",
            reverse("sheets:ledger_export", args=["huge-2025"]),
            {},
        ),
    ]

    def backend_cpu():
        """CPU seconds used so far by this connection's PostgreSQL backend."""
        pid = connection.connection.info.backend_pid
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    results = {}
    for label, username, url, params in [] if args.plans_only else cases:
        client = Client()
        client.force_login(user(username))
        response = client.get(url, params)
        assert response.status_code == 200, (label, response.status_code)
        times = []
        cpu_started, db_started = time.process_time(), backend_cpu()
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, params)
                times.append((time.perf_counter() - started) * 1000)
        app_cpu = (time.process_time() - cpu_started) * 1000 / args.repeat
        db_cpu = (backend_cpu() - db_started) * 1000 / args.repeat
        results[label] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1),
            # server CPU a request: Django (this process) + its PostgreSQL backend;
            # what the page costs whatever else runs on the machine
            "cpu_ms": round(app_cpu + db_cpu, 1),
            "app_cpu_ms": round(app_cpu, 1),
            "db_cpu_ms": round(db_cpu, 1),
            "queries": len(queries.captured_queries),
            "kb": round(len(response.content) / 1024, 1),
            "content_type": response["Content-Type"].split(";")[0],
        }
        print(f"{label:<42}{results[label]}")

    def plan(queryset):
        return queryset.explain(analyze=True)

    huge = Inspection.objects.get(code="huge-2025")
    within = selectors.ledger_findings(selectors.inspection_scope(huge))  # as the list
    principal = user("u010-principal")  # an inspection with two sign-off levels
    plans = {
        "search 资产清查 in the 20,000 inspection": plan(
            within.filter(search_condition("资产清查", within=within))
        ),
        "search 不存在的说法 in the 20,000 inspection": plan(
            within.filter(search_condition("不存在的说法", within=within))
        ),
        "search 账实不符 across every inspection": plan(
            Finding.objects.filter(search_condition("账实不符", within=Finding.objects.all()))
        ),
        "awaiting sign-off: leader of 1,000 findings": plan(
            selectors.awaiting_sign_off(Access.of(user("big-leader0")))
        ),
        "awaiting sign-off: a principal": plan(selectors.awaiting_sign_off(Access.of(principal))),
    }
    counts = {
        "inspections": Inspection.objects.count(),
        "findings": Finding.objects.count(),
        "ledger_entries": int(
            psql(DB_NAME, "SELECT count(*) FROM ledger_ledgerentry", capture=True)
        ),
        "measures": int(psql(DB_NAME, "SELECT count(*) FROM findings_measure", capture=True)),
    }
    load = os.getloadavg()
    out = ROOT / "bench" / "results"
    my_work = results.get("my work: staff with 1,000 findings", {}).get("cpu_ms", 0)
    summary = {
        "what": "list pages through the full middleware stack (test client), PostgreSQL",
        **machine,
        "load_average_at_end": [round(x, 2) for x in load],
        "data": counts,
        "built": built,
        "repeat": args.repeat,
        "pages": results,
        "target": (
            f"我的工作 of a user with 1,000 findings under {MY_WORK_TARGET_MS} ms of server "
            "time; judged by its CPU time (Django + PostgreSQL), since the wall time on this "
            "shared machine mostly measures the other work (see load_average_at_end)"
        ),
        "met": my_work < MY_WORK_TARGET_MS,
    }
    if not args.plans_only:
        (out / "finding_lists.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    text = [f"Plans on {counts} ({time.strftime('%Y-%m-%d %H:%M')})\n"]
    for title, body in plans.items():
        text += [f"== {title}", body, ""]
    (out / "finding_lists-explain.txt").write_text("\n".join(text), encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    connection.close()
    if not args.keep_db:
        psql("postgres", f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    main()

"""Benchmark: the inspection office's round dashboard with 50 units × 40 findings.

It creates a fresh PostgreSQL database `rectify_bench_office` on 127.0.0.1:5432,
migrates it, generates one round of 50 units with 40 findings each (history records,
a few progress entries each, sign-offs, returns and reopenings spread over twelve
weeks, open 督办), then requests the dashboard and its workbook through Django's full
middleware stack (test client, in process) after a warm-up, and reports the server
time (median, p95) and the number of queries.

    .venv/bin/python bench/office_dashboard.py [--repeat 30] [--keep-db]

Writes bench/results/office_dashboard.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import host

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "rectify_bench_office"
UNITS = 50
AREAS = 4
FINDINGS_PER_AREA = 10
ENTRIES_PER_FINDING = 3


def psql(*sql):
    args = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"]
    for statement in sql:
        args += ["-c", statement]
    subprocess.run(args, check=True)


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ.setdefault("HTTPS", "0")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    import django

    django.setup()
    from django.conf import settings

    # Static files from the finders: no collectstatic manifest needed for the page.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(today):
    """The round: 50 units × 40 findings in every state, with their history and entries."""
    from django.db import transaction
    from simple_history.utils import bulk_create_with_history

    from findings.models import (
        Area,
        Finding,
        FindingKind,
        Inspection,
        Membership,
        Office,
        OfficeMembership,
        OfficeRole,
        Organisation,
        ProblemCategory,
        Role,
        Round,
        Status,
        User,
    )
    from ledger.models import EntryKind, LedgerEntry
    from oversight.models import OrderState, SupervisionOrder

    sys.path.insert(0, str(ROOT / "bench"))
    import load_office

    # Benchmark data only: entries carry their own recording time, so the sign-offs
    # spread over the last twelve weeks and the weekly trend has a shape.
    LedgerEntry._meta.get_field("created_at").auto_now_add = False
    now = datetime.now(UTC)
    with transaction.atomic():
        office = Office.objects.create(name="压测区委巡察办")
        round_ = Round.objects.create(office=office, year=2026, number=1, groups="区委第一巡察组")
        categories = [
            ProblemCategory.objects.create(office=office, position=i + 1, name=name)
            for i, name in enumerate(["政治建设", "全面从严治党", "选人用人", "作风建设"])
        ]
        clerk = User.objects.create(username="bench-clerk", display_name="巡察办干事")
        OfficeMembership.objects.create(user=clerk, office=office, role=OfficeRole.OVERSIGHT)
        statuses = [
            Status.NOT_STARTED,
            Status.IN_PROGRESS,
            Status.IN_PROGRESS,
            Status.SUBMITTED,
            Status.SIGNED_OFF,
            Status.SIGNED_OFF,
            Status.ONGOING,
        ]
        for u in range(UNITS):
            org = Organisation.objects.create(name=f"压测单位{u:02d}")
            staff = User.objects.create(username=f"b{u:02d}-staff", display_name="办公室干事")
            leader = User.objects.create(username=f"b{u:02d}-leader", display_name="副书记")
            Membership.objects.create(user=staff, organisation=org, role=Role.STAFF)
            Membership.objects.create(user=leader, organisation=org, role=Role.LEADER)
            inspection = Inspection.objects.create(
                organisation=org,
                code=f"bench-{u:02d}",
                authority="区委",
                group="区委第一巡察组",
                kind="routine",
                onsite_start=today - timedelta(days=150),
                onsite_end=today - timedelta(days=120),
                feedback_date=today - timedelta(days=100),
                round=round_,
            )
            areas = bulk_create_with_history(
                [Area(inspection=inspection, position=a + 1, title=f"聚焦第{a + 1}方面")
                 for a in range(AREAS)],
                Area,
            )  # fmt: skip
            findings = bulk_create_with_history(
                [
                    Finding(
                        area=area,
                        number=n + 1,
                        statement=f"问题{a * FINDINGS_PER_AREA + n + 1}：制度执行不到位。",
                        kind=FindingKind.DEADLINE,
                        deadline=today + timedelta(days=(n * 7 + u) % 60 - 20),
                        # as Finding.save() keeps it
                        original_deadline=today + timedelta(days=(n * 7 + u) % 60 - 20),
                        responsible_leader=leader,
                        responsible_person=staff,
                        status=statuses[(a * FINDINGS_PER_AREA + n + u) % len(statuses)],
                        category=categories[(n + u) % len(categories)],
                    )
                    for a, area in enumerate(areas)
                    for n in range(FINDINGS_PER_AREA)
                ],
                Finding,
            )
            entries = []
            for k, finding in enumerate(findings):
                for e in range(ENTRIES_PER_FINDING):
                    entries.append(
                        LedgerEntry(
                            finding=finding,
                            kind=EntryKind.PROGRESS,
                            author=staff,
                            on_date=today,
                            text="召开专题会议，完善相关制度。",
                            status_before=Status.IN_PROGRESS,
                            status_after=Status.IN_PROGRESS,
                            created_at=now - timedelta(days=90 - e),
                        )
                    )
                entries += load_office.closing_entries(k, finding, leader, u, today, now)
            LedgerEntry.objects.bulk_create(entries)
            SupervisionOrder.objects.bulk_create(
                SupervisionOrder(office=office, inspection=inspection, finding=findings[i],
                                 text="请报告整改进展", reply_deadline=today + timedelta(days=5),
                                 state=OrderState.ISSUED, issued_by=clerk)
                for i in range(u % 3)
            )  # fmt: skip
    return round_, clerk


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url).status_code == 200
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
        "queries": len(queries),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    machine = host.describe()  # before anything else runs on the machine
    psql(f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}")
    try:
        setup_django()
        from django.test import Client
        from django.urls import reverse
        from django.utils import timezone

        from findings.models import Finding
        from ledger.models import LedgerEntry

        started = time.perf_counter()
        round_, clerk = generate(timezone.localdate())
        generate_s = round(time.perf_counter() - started, 1)
        client = Client()
        client.force_login(clerk)
        args_ = [round_.office_id, round_.pk]
        load_before = os.getloadavg()[0]
        result = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            **machine,
            "database": "PostgreSQL",
            "units": UNITS,
            "findings": Finding.objects.count(),
            "ledger_entries": LedgerEntry.objects.count(),
            "generate_s": generate_s,
            "repeat": args.repeat,
            "dashboard": measure(
                client, reverse("oversight:round_dashboard", args=args_), args.repeat
            ),
            "export_xlsx": measure(
                client, reverse("oversight:round_export", args=args_), args.repeat
            ),
        }
        # The machine is shared: its 1-minute load average (2 cores) before and after.
        result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    out = Path(args.out) / "office_dashboard.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

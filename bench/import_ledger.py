"""Benchmark: importing a 10,000-row ledger workbook against openpyxl reading it alone.

Target (issue 11): the whole import (file checks, reading with the merged cells,
planning against the inspection, writing findings, measures and their history in one
transaction) takes at most 1.0x what openpyxl needs to read the same file in read-only
mode, and re-importing the unchanged file at most 0.5x. python-calamine reading the
rows alone is the floor. Peak memory is reported for each. BENCH_FINDINGS=6250 makes
the 50,000-row ledger. Everything is measured in one run:

    .venv/bin/python bench/import_ledger.py            # SQLite in a temporary folder
    DATABASE_URL=postgres://... .venv/bin/python bench/import_ledger.py

The workbook is made by the exporter from a generated inspection (4 areas of 1,250
findings with 2 measures each = 10,000 rows; 序号/问题 and the finding's other columns
merged over each pair of rows, 问题方面 merged over its findings), then imported into
new, empty inspections of the same unit.
The import is made by a member of the unit (the history records who), as on the web.
The result is written to bench/results/import_ledger-{sqlite,postgresql}-ROWS.md and .json.
"""

import json
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

import host

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="rectify-bench-"))
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORKDIR}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from findings.models import (  # noqa: E402
    Area,
    Finding,
    FindingKind,
    Inspection,
    InspectionKind,
    Measure,
    Membership,
    Organisation,
    Role,
    User,
)
from sheets.apply import import_ledger  # noqa: E402
from sheets.export import export_workbook  # noqa: E402
from sheets.reader import read_ledger  # noqa: E402

AREAS, FINDINGS_PER_AREA, MEASURES_PER_FINDING = 4, int(os.environ.get("BENCH_FINDINGS", 1250)), 2
RUNS = int(os.environ.get("BENCH_RUNS", 3))


def make_inspection(organisation, code):
    return Inspection.objects.create(
        organisation=organisation,
        code=code,
        authority="区委",
        group="区委第二巡察组",
        kind=InspectionKind.ROUTINE,
        onsite_start=date(2024, 3, 1),
        onsite_end=date(2024, 4, 30),
        feedback_date=date(2024, 6, 1),
    )


def generate():
    """A unit with a 10,000-row ledger (written without history: it is only the source)."""
    organisation = Organisation.objects.create(name="基准测试单位")
    people = {}
    for username, display, role in [
        ("bench-leader", "副书记", Role.LEADER),
        ("bench-staff", "办公室干事", Role.STAFF),
        ("bench-staff2", "组织干事", Role.STAFF),
    ]:
        people[display] = User.objects.create(username=username, display_name=display)
        Membership.objects.create(user=people[display], organisation=organisation, role=role)
    source = make_inspection(organisation, "bench-source")
    areas = Area.objects.bulk_create(
        Area(inspection=source, position=i, title=f"聚焦第{i}方面的问题（基准）")
        for i in range(1, AREAS + 1)
    )
    findings = Finding.objects.bulk_create(
        Finding(
            area=area,
            number=n,
            statement=f"第{area.position}方面第{n}个问题：学习贯彻不够深入，制度执行存在薄弱环节。",
            detail="具体表现为会议记录不完整，学习计划落实不到位。",
            kind=FindingKind.DEADLINE if n % 3 else FindingKind.ONGOING,
            deadline=date(2024, 1 + n % 12, 1 + n % 28),
            original_deadline=date(2024, 1 + n % 12, 1 + n % 28),
            responsible_leader=people["副书记"],
            responsible_person=people["办公室干事"],
            responsible_department="办公室",
            result="已完善制度并组织专题学习。" if n % 2 else "",
        )
        for area in areas
        for n in range(1, FINDINGS_PER_AREA + 1)
    )
    Measure.objects.bulk_create(
        Measure(
            finding=finding,
            position=p,
            text=f"措施{p}：建立台账，明确责任，按月调度。",
            owner=people["组织干事"] if p == 2 else None,
        )
        for finding in findings
        for p in range(1, MEASURES_PER_FINDING + 1)
    )
    path = WORKDIR / f"ledger-{AREAS * FINDINGS_PER_AREA * MEASURES_PER_FINDING}.xlsx"
    export_workbook(source).save(path)
    return organisation, path, people["办公室干事"]


def openpyxl_read(path):
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return rows


def calamine_read(path):
    with open(path, "rb") as f:
        workbook = CalamineWorkbook.from_filelike(f)
        sheet = workbook.get_sheet_by_name(workbook.sheet_names[0])
        rows = sum(1 for _ in sheet.iter_rows())
        _merges = sheet.merged_cell_ranges
    return rows


def reimport(inspection, path, by):
    sheet = read_ledger(path)
    return import_ledger(inspection=inspection, sheet=sheet, filename=path.name, by=by)


def full_import(organisation, path, code, by):
    inspection = make_inspection(organisation, code)
    sheet = read_ledger(path)
    return import_ledger(inspection=inspection, sheet=sheet, filename=path.name, by=by)


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def peak_mb(function, *args):
    tracemalloc.start()
    function(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024 / 1024


def runs(times):
    return ", ".join(f"{t:.2f}" for t in times)


def main():
    machine = host.describe()  # before anything else runs in this process
    call_command("migrate", verbosity=0)
    organisation, path, by = generate()
    load_before = os.getloadavg()[0]
    read_times, import_times, floor_times, again_times = [], [], [], []
    for run in range(RUNS):
        # Side by side, in the same order each time: the machine's load is shared.
        floor_times.append(timed(calamine_read, path)[0])
        seconds, rows = timed(openpyxl_read, path)
        read_times.append(seconds)
        seconds, plan = timed(full_import, organisation, path, f"bench-import-{run}", by)
        import_times.append(seconds)
        assert not plan.errors, plan.errors[:3]
        assert len(plan.to_create) == AREAS * FINDINGS_PER_AREA
        seconds, again = timed(reimport, plan.inspection, path, by)
        assert not again.to_create and not again.to_update, "re-import wrote something"
        again_times.append(seconds)
    read_peak = peak_mb(openpyxl_read, path)
    floor_peak = peak_mb(calamine_read, path)
    import_peak = peak_mb(full_import, organisation, path, "bench-import-memory", by)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = (round(load_before, 1), round(os.getloadavg()[0], 1))
    read, imported = statistics.median(read_times), statistics.median(import_times)
    floor, again = statistics.median(floor_times), statistics.median(again_times)
    ratio, again_ratio = imported / read, again / read
    data_rows = rows - 2  # title and header rows
    findings = AREAS * FINDINGS_PER_AREA
    result = {
        "database": connection.vendor,
        **machine,
        "rows": data_rows,
        "findings": findings,
        "measures": findings * MEASURES_PER_FINDING,
        "file_kb": round(path.stat().st_size / 1024),
        "runs": RUNS,
        "seconds": {
            "calamine_read": floor_times,
            "openpyxl_read": read_times,
            "import": import_times,
            "reimport": again_times,
        },
        "median_seconds": {
            "calamine_read": floor,
            "openpyxl_read": read,
            "import": imported,
            "reimport": again,
        },
        "import_per_openpyxl_read": round(ratio, 3),
        "reimport_per_openpyxl_read": round(again_ratio, 3),
        "targets": {"import": 1.0, "reimport": 0.5},
        "met": {"import": ratio <= 1.0, "reimport": again_ratio <= 0.5},
        "peak_python_mb": {
            "calamine_read": round(floor_peak, 1),
            "openpyxl_read": round(read_peak, 1),
            "import": round(import_peak, 1),
        },
        "peak_rss_mb": round(rss),
        "load_average_1min": {"start": load[0], "end": load[1], "cpus": os.cpu_count()},
    }
    met = all(result["met"].values())
    lines = [
        f"# Benchmark: importing a {data_rows:,}-row ledger workbook ({connection.vendor})",
        "",
        "Made by `bench/import_ledger.py` (one run; medians of "
        f"{RUNS}, each run measuring the four steps one after the other; memory by "
        "tracemalloc in a separate pass of the same run).",
        "",
        f"- database: {connection.vendor}; {machine['machine']}; {machine['processor']}, "
        f"core speed {machine['core_speed_ms']} ms (`bench/host.py`)",
        f"- workbook: {data_rows} data rows ({AREAS} areas, {findings} findings x "
        f"{MEASURES_PER_FINDING} measures, merged cells), {result['file_kb']} KB",
        "",
        "| step | time (median) | runs | peak Python memory |",
        "| --- | --- | --- | --- |",
        f"| python-calamine alone, every row (the floor) | {floor:.2f} s | "
        f"{runs(floor_times)} | {floor_peak:.1f} MB (Python only) |",
        f"| openpyxl alone, read-only, every row | {read:.2f} s | {runs(read_times)} | "
        f"{read_peak:.1f} MB |",
        f"| full import (check, read, plan, write {findings} findings + "
        f"{findings * MEASURES_PER_FINDING} measures + history) | {imported:.2f} s | "
        f"{runs(import_times)} | {import_peak:.1f} MB |",
        f"| re-import of the unchanged file (nothing written) | {again:.2f} s | "
        f"{runs(again_times)} | |",
        "",
        f"Import / openpyxl read = **{ratio:.2f}x** (target: at most 1.0x): "
        f"{'met' if result['met']['import'] else 'NOT met'}; re-import / openpyxl read = "
        f"**{again_ratio:.2f}x** (target: at most 0.5x): "
        f"{'met' if result['met']['reimport'] else 'NOT met'}. "
        f"The machine is shared ({os.cpu_count()} cores, load average {load[0]} at the start "
        f"and {load[1]} at the end of the timed runs), so times vary; the ratios compare "
        "steps measured side by side.",
        f"Peak resident set size of the whole process: {rss:.0f} MB.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if os.environ.get("BENCH_WRITE", "1") == "1":
        out = ROOT / "bench" / "results" / f"import_ledger-{connection.vendor}-{data_rows}"
        out.with_suffix(".md").write_text(text, encoding="utf-8")
        out.with_suffix(".json").write_text(
            json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

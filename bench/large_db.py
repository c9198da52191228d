"""A realistic large database for the load run and the list benchmarks (issue 15).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/large_db.py

into a migrated, empty database. What it builds (the numbers are constants below):

- 160 units, each with a principal, two leaders, three staff and an inspector; 63 of them
  inspected twice (an older, mostly signed-off inspection and a current one): 223
  inspections of 4–6 areas and 40–160 findings each, statements, details, measures and
  results composed from a vocabulary of real ledger phrases, so searches match unevenly;
- one large unit (`big`) whose current inspection has 2,000 findings: its first staff
  member is responsible for 1,000 of them and its first leader leads 1,000 (我的工作
  of a user with 1,000 findings);
- one huge unit (`huge`) whose inspection has 20,000 findings with 3 entries each (the
  size at which the issue measured the ledger list, dashboard and export);
- statuses, deadlines (overdue, due soon, later), kinds, categories of an inspection
  office whose two rounds hold 100 of the inspections; 2 measures per finding; 3–12
  ledger entries per finding (progress, submissions, returns, sign-offs) and history
  records for every finding and measure; unread notifications.

How it is fast: everything is written with bulk_create in batches of 5,000 inside one
transaction (history records by simple-history's bulk_create_with_history, which is
also bulk), one password hash shared by every account, and a fixed random seed, so a
build is the same every time (about a minute on 2 shared cores).
"""

import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-run-pass"
UNITS = 160
TWICE = 63  # units inspected twice: 160 + 63 = 223 inspections
BIG_FINDINGS = 2000
HUGE_FINDINGS = 20000  # one inspection of the size the issue measured (25,000)
BATCH = 5000
SEED = 15

PROBLEMS = [
    "三重一大事项决策程序不规范",
    "会议记录内容不完整",
    "党组织生活会流于形式",
    "意识形态工作责任制落实不到位",
    "财务报销审批手续不全",
    "固定资产管理不规范，账实不符",
    "公务接待制度执行不严格",
    "干部选拔任用程序不规范",
    "基层党组织换届不及时",
    "理论学习中心组学习不深入",
    "巡察整改台账更新不及时",
    "政府采购程序不规范",
    "党费收缴使用管理不规范",
    "廉政风险防控措施不落实",
    "青少年思想引领工作针对性不强",
    "专项资金使用效益不高",
    "档案管理不规范，资料缺失",
    "网络意识形态阵地管理薄弱",
    "作风建设常态化长效化不够",
    "对下属单位监督管理不到位",
]
DETAILS = [
    "个别支部未按要求召开组织生活会",
    "部分合同未经集体研究",
    "2022年以来有3笔支出无审批单",
    "学习记录照抄照搬，缺少研讨发言",
    "部分资产未登记入账",
    "未建立问题整改销号机制",
    "接待清单与公函不一致",
    "民主推荐材料归档不全",
]
MEASURES = [
    "召开专题会议研究部署整改工作",
    "修订完善相关管理制度并印发执行",
    "开展专项清查，逐项登记造册",
    "组织全体干部开展专题学习研讨",
    "建立整改台账，实行挂图作战",
    "对相关责任人进行提醒谈话",
    "聘请第三方开展专项审计",
    "完善内控流程，实行双人复核",
]
PROGRESS = [
    "已召开党组会专题研究，明确责任分工",
    "已完成固定资产清查盘点，账实相符",
    "已修订财务报销审批制度并印发",
    "已组织开展意识形态专题学习研讨",
    "已补齐会议记录，规范记录模板",
    "已对下属单位开展专项检查",
    "已完成档案整理归档工作",
    "正在推进制度修订，预计月底完成",
]
RESULTS = [
    "已建立健全相关制度，问题已整改到位",
    "已完成专项清查，建立长效管理机制",
    "已规范决策程序，严格落实集体研究",
    "已补齐相关材料，加强日常监督检查",
]
CATEGORIES = ["政治建设", "全面从严治党", "选人用人", "作风建设", "意识形态", "基层党建"]


def _since(started):
    return f"{time.perf_counter() - started:.0f} s"


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    import django

    django.setup()


def build(*, today=None, log=print):
    """Write the large database into the (migrated, empty) database of DATABASE_URL."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from simple_history.utils import bulk_create_with_history

    from findings.models import (
        Area,
        Finding,
        FindingKind,
        Inspection,
        Measure,
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
    from ledger.models import EntryKind, LedgerEntry, Notification

    rng = random.Random(SEED)
    today = today or date.today()
    password = make_password(PASSWORD)
    started = time.perf_counter()

    def bulk(model, rows, *, history=False):
        if history:
            return bulk_create_with_history(rows, model, batch_size=BATCH)
        return model.objects.bulk_create(rows, batch_size=BATCH)

    with transaction.atomic():
        office = Office.objects.create(name="某区委巡察工作领导小组办公室", short_name="区委巡察办")
        rounds = [
            Round.objects.create(office=office, year=2025, number=n, groups="区委第一巡察组")
            for n in (1, 2)
        ]
        categories = bulk(
            ProblemCategory,
            [
                ProblemCategory(office=office, position=i, name=name)
                for i, name in enumerate(CATEGORIES, start=1)
            ],
        )
        office_people = bulk(
            User,
            [
                User(username="office-director", display_name="巡察办主任", password=password),
                User(username="office-clerk", display_name="巡察办干事", password=password),
            ],
        )
        OfficeMembership.objects.bulk_create(
            [
                OfficeMembership(user=office_people[0], office=office, role=OfficeRole.SUPERVISOR),
                OfficeMembership(user=office_people[1], office=office, role=OfficeRole.OVERSIGHT),
            ]
        )

        units = [f"u{u:03d}" for u in range(UNITS - 2)] + ["big", "huge"]
        organisations = bulk(
            Organisation,
            [Organisation(name=f"压测单位{key}", short_name=f"单位{key}") for key in units],
            history=True,
        )
        roles = [
            ("principal", Role.PRINCIPAL, "书记"),
            ("leader0", Role.LEADER, "副书记"),
            ("leader1", Role.LEADER, "纪检委员"),
            ("staff0", Role.STAFF, "办公室干事"),
            ("staff1", Role.STAFF, "组织干事"),
            ("staff2", Role.STAFF, "宣传干事"),
            ("inspector", Role.INSPECTOR, "巡察组组长"),
        ]
        users = bulk(
            User,
            [
                User(username=f"{key}-{name}", display_name=display, password=password)
                for key in units
                for name, _role, display in roles
            ],
        )
        people = {}
        memberships = []
        for i, (key, organisation) in enumerate(zip(units, organisations, strict=True)):
            people[key] = {}
            for j, (name, role, _display) in enumerate(roles):
                user = users[i * len(roles) + j]
                people[key][name] = user
                memberships.append(Membership(user=user, organisation=organisation, role=role))
        bulk(Membership, memberships)

        inspections = []
        for i, (key, organisation) in enumerate(zip(units, organisations, strict=True)):
            years = [2022, 2025] if i < TWICE else [2025]
            for year in years:
                inspections.append(
                    Inspection(
                        organisation=organisation,
                        code=f"{key}-{year}",
                        authority="区委",
                        group=f"区委第{'一二三四'[i % 4]}巡察组",
                        kind="routine",
                        onsite_start=date(year, 3, 1),
                        onsite_end=date(year, 4, 30),
                        feedback_date=date(year, 6, 1),
                        round=rounds[i % 2] if year == 2025 and i < 100 else None,
                        signoff_levels=2 if i % 10 == 0 else 1,
                    )
                )
        inspections = bulk(Inspection, inspections, history=True)
        areas, plan = [], []
        for inspection in inspections:
            key = inspection.code.rsplit("-", 1)[0]
            count = {"big-2025": BIG_FINDINGS, "huge-2025": HUGE_FINDINGS}.get(
                inspection.code, rng.randint(40, 160)
            )
            n_areas = rng.randint(4, 6)
            for a in range(n_areas):
                areas.append(
                    Area(inspection=inspection, position=a + 1, title=f"聚焦{PROBLEMS[a]}方面")
                )
            plan.append((inspection, key, count, n_areas))
        areas = bulk(Area, areas, history=True)
        log(f"{len(inspections)} inspections, {len(areas)} areas ({_since(started)})")

        findings, a = [], 0
        for inspection, key, count, n_areas in plan:
            old = inspection.feedback_date.year < 2025
            mine = people[key]
            for k in range(count):
                area = areas[a + k % n_areas]
                roll = rng.random()
                if old:
                    status = Status.SIGNED_OFF if roll < 0.85 else Status.ONGOING
                else:
                    status = [
                        Status.NOT_STARTED,
                        Status.IN_PROGRESS,
                        Status.IN_PROGRESS,
                        Status.IN_PROGRESS,
                        Status.SUBMITTED,
                        Status.SIGNED_OFF,
                        Status.SIGNED_OFF,
                        Status.ONGOING,
                    ][int(roll * 8)]
                if status == Status.SUBMITTED and inspection.signoff_levels == 2 and k % 2:
                    status = Status.ENDORSED
                kind = FindingKind.ONGOING if k % 17 == 0 else FindingKind.DEADLINE
                if key == "big":
                    person = mine["staff0"] if k % 2 == 0 else mine["staff1"]
                    leader = mine["leader0"] if k % 2 == 1 or k < 2 else mine["leader1"]
                else:
                    person = mine[f"staff{k % 3}"]
                    leader = mine[f"leader{k % 2}"]
                signed = status in (Status.SIGNED_OFF, Status.ONGOING)
                deadline = today + timedelta(days=rng.randint(-60, 90))
                findings.append(
                    Finding(
                        area=area,
                        number=k // n_areas + 1,
                        statement=f"{rng.choice(PROBLEMS)}，{rng.choice(PROBLEMS)}。",
                        detail=rng.choice(DETAILS) if rng.random() < 0.7 else "",
                        kind=kind,
                        deadline=deadline,
                        original_deadline=deadline,
                        responsible_leader=leader,
                        responsible_person=person,
                        status=status,
                        result=rng.choice(RESULTS) if signed or rng.random() < 0.3 else "",
                        signed_off_by=leader if signed else None,
                        category=(
                            categories[k % len(categories)]
                            if inspection.round_id and k % 5
                            else None
                        ),
                    )
                )
            a += n_areas
        findings = bulk(Finding, findings, history=True)
        log(f"{len(findings)} findings ({_since(started)})")

        measures = bulk(
            Measure,
            [
                Measure(
                    finding=finding,
                    position=p + 1,
                    text=rng.choice(MEASURES),
                    owner=finding.responsible_person,
                    deadline=finding.deadline,
                )
                for finding in findings
                for p in range(2)
            ],
            history=True,
        )
        log(f"{len(measures)} measures ({_since(started)})")

        entries = []
        for finding in findings:
            n = 3 if finding.area.inspection.code == "huge-2025" else rng.randint(3, 12)
            for e in range(n):
                entries.append(
                    LedgerEntry(
                        finding=finding,
                        kind=EntryKind.PROGRESS,
                        author=finding.responsible_person,
                        on_date=today - timedelta(days=3 * (n - e)),
                        text=rng.choice(PROGRESS),
                        status_before=Status.IN_PROGRESS,
                        status_after=Status.IN_PROGRESS,
                    )
                )
            if finding.status in (Status.SUBMITTED, Status.ENDORSED) or finding.is_signed_off:
                if rng.random() < 0.2:
                    entries.append(
                        LedgerEntry(
                            finding=finding,
                            kind=EntryKind.RETURN,
                            author=finding.responsible_leader,
                            on_date=today - timedelta(days=2),
                            text="佐证材料不全，请补充",
                            status_before=Status.SUBMITTED,
                            status_after=Status.IN_PROGRESS,
                        )
                    )
                entries.append(
                    LedgerEntry(
                        finding=finding,
                        kind=EntryKind.SUBMISSION,
                        author=finding.responsible_person,
                        on_date=today - timedelta(days=1),
                        text="整改完成，提请销号",
                        status_before=Status.IN_PROGRESS,
                        status_after=Status.SUBMITTED,
                    )
                )
            if finding.is_signed_off:
                entries.append(
                    LedgerEntry(
                        finding=finding,
                        kind=EntryKind.SIGN_OFF,
                        author=finding.responsible_leader,
                        on_date=today,
                        text="同意销号",
                        status_before=Status.SUBMITTED,
                        status_after=finding.status,
                    )
                )
        entries = bulk(LedgerEntry, entries)
        log(f"{len(entries)} ledger entries ({_since(started)})")
        notifications = [
            Notification(recipient=entry.finding.responsible_leader, entry=entry)
            for entry in entries
            if entry.kind == EntryKind.SUBMISSION and rng.random() < 0.3
        ]
        bulk(Notification, notifications)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts = {
        "units": len(organisations),
        "inspections": len(inspections),
        "findings": len(findings),
        "measures": len(measures),
        "ledger_entries": len(entries),
        "users": User.objects.count(),
        "built_in_s": round(time.perf_counter() - started, 1),
    }
    log(f"built {counts}")
    return counts


if __name__ == "__main__":
    setup_django()
    build()

"""The inspection office in the demo: one round of three units, the office's accounts.

Loaded by `manage.py load_demo` after the seed. The round holds the seed unit (its
2023 inspection, all signed off) and two more units whose ledgers stand at different
points, worked through the ledger services as the people would. One 督办 is open.
Loading it again writes nothing.
"""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from findings import categories as categories_of
from findings import demo as seed_demo
from findings.models import (
    Area,
    Finding,
    FindingKind,
    Inspection,
    InspectionKind,
    Membership,
    Office,
    OfficeMembership,
    OfficeRole,
    Organisation,
    ProblemCategory,
    Role,
    Round,
)
from ledger import services as ledger
from ledger.evidence import check_upload

from . import services

OFFICE_NAME = "中共石家庄市新华区委巡察工作领导小组办公室"
REASON = seed_demo.REASON
CATEGORIES = ["政治建设", "全面从严治党", "选人用人", "作风建设", "意识形态"]
# The seed's areas (by position) filed under the office's categories.
SEED_CATEGORIES = {1: "政治建设", 2: "作风建设", 3: "选人用人", 4: "全面从严治党"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# username, display name, office role
OFFICE_PEOPLE = [
    ("xcb-director", "巡察办主任", OfficeRole.SUPERVISOR),
    ("xcb-clerk", "巡察办干事", OfficeRole.OVERSIGHT),
]

# Two more units of the round. Each finding: statement, category, deadline in days from
# today (None: 长期坚持), and how far it got: "" not started, "progress", "submitted",
# "returned", "signed_off".
UNITS = [
    {
        "prefix": "jd",
        "name": "新华区演示街道办事处",
        "code": "xinhua-demo-street-2023",
        "group": "区委第一巡察组",
        "findings": [
            ("落实意识形态工作责任制不到位", "意识形态", -40, "signed_off"),
            ("“三重一大”事项集体决策程序不规范", "全面从严治党", -30, "signed_off"),
            ("社区干部选拔任用程序执行不严格", "选人用人", -20, "signed_off"),
            ("违规发放津补贴问题整改不彻底", "作风建设", -10, "signed_off"),
            ("基层党组织“三会一课”落实不经常", "政治建设", 12, "submitted"),
            ("惠民资金发放台账管理不规范", "全面从严治党", -4, "progress"),
        ],
    },
    {
        "prefix": "jy",
        "name": "新华区演示局",
        "code": "xinhua-demo-bureau-2023",
        "group": "区委第三巡察组",
        "findings": [
            ("学习贯彻党的创新理论不够深入", "政治建设", -25, "signed_off"),
            ("公务用车管理制度执行不严", "作风建设", -6, "returned"),
            ("干部档案审核工作不细致", "选人用人", -3, "progress"),
            ("政府采购内控机制不健全", "全面从严治党", 8, "progress"),
            ("专项经费使用效益评估缺失", "全面从严治党", 18, ""),
            ("党风廉政教育常态化不够", "政治建设", None, "progress"),
        ],
    },
]

# display name, role in the unit, username suffix
UNIT_PEOPLE = [
    ("书记", Role.PRINCIPAL, "principal"),
    ("副书记", Role.LEADER, "leader"),
    ("办公室干事", Role.STAFF, "staff"),
]


def _saved(obj):
    obj._change_reason = REASON
    obj.save()
    return obj


def _user(username, display_name, counts):
    return seed_demo._create_user(
        username, seed_demo.DEMO_PASSWORD, counts, display_name=display_name
    )


def _evidence():
    upload = SimpleUploadedFile("整改佐证.pdf", PDF, content_type="application/pdf")
    return check_upload(upload)


def _work(finding, stage, people, today):
    """Take the finding through the ledger services up to `stage`."""
    staff, leader = people["staff"], people["leader"]
    if not stage:
        return
    ledger.add_progress(
        finding=finding,
        by=staff,
        on_date=today - timedelta(days=5),
        text="召开专题会议，制定整改方案，明确责任分工。",
        files=[_evidence()],
    )
    if stage == "progress":
        return
    finding.refresh_from_db()
    ledger.update_finding(
        finding=finding,
        by=staff,
        version=finding.version,
        result="已完成整改，建立健全相关制度。",
        deadline=finding.deadline,
        kind=finding.kind,
    )
    ledger.transition(finding=finding, by=staff, action="submit")
    if stage == "signed_off":
        ledger.transition(finding=finding, by=leader, action="sign_off")
    elif stage == "returned":
        ledger.transition(
            finding=finding, by=leader, action="return", reason="佐证材料不完整，请补充"
        )


def _unit(spec, round_, categories, today, counts):
    organisation = _saved(Organisation(name=spec["name"], short_name=spec["name"][3:9]))
    people = {}
    for display_name, role, suffix in UNIT_PEOPLE:
        user = _user(f"{spec['prefix']}-{suffix}", display_name, counts)
        _saved(Membership(user=user, organisation=organisation, role=role))
        people[suffix] = user
    inspection = _saved(
        Inspection(
            organisation=organisation,
            code=spec["code"],
            authority="区委",
            group=spec["group"],
            kind=InspectionKind.ROUTINE,
            onsite_start=date(2023, 6, 29),
            onsite_end=date(2023, 8, 31),
            feedback_date=date(2023, 10, 19),
            round=round_,
        )
    )
    area = _saved(Area(inspection=inspection, position=1, title="聚焦巡察反馈问题整改方面"))
    findings = []
    for number, (statement, category, days, stage) in enumerate(spec["findings"], start=1):
        finding = _saved(
            Finding(
                area=area,
                number=number,
                statement=statement,
                kind=FindingKind.DEADLINE if days is not None else FindingKind.ONGOING,
                deadline=today + timedelta(days=days) if days is not None else None,
                responsible_leader=people["leader"],
                responsible_person=people["staff"],
                category=categories[category],
            )
        )
        _work(finding, stage, people, today)
        findings.append(finding)
    counts["created"] += 3 + len(findings)
    return inspection, findings, people


@transaction.atomic
def load_office_demo(today=None):
    """Create the office, its round of three units and its accounts; return counts."""
    counts = {"created": 0, "present": 0}
    if Office.objects.filter(name=OFFICE_NAME).exists():
        counts["present"] += 1
        return counts
    today = today or timezone.localdate()
    office = _saved(Office(name=OFFICE_NAME, short_name="区委巡察办"))
    round_ = _saved(
        Round(
            office=office,
            year=2023,
            number=2,
            groups="区委第一巡察组\n区委第二巡察组\n区委第三巡察组",
        )
    )
    categories = {
        name: _saved(ProblemCategory(office=office, position=i, name=name))
        for i, name in enumerate(CATEGORIES, start=1)
    }
    office_people = {}
    for username, display_name, role in OFFICE_PEOPLE:
        user = _user(username, display_name, counts)
        _saved(OfficeMembership(user=user, office=office, role=role))
        office_people[role] = user
    counts["created"] += 2 + len(categories)
    seed = Inspection.objects.get(code=seed_demo.read_seed()["inspection"]["code"])
    seed.round = round_
    seed._change_reason = REASON
    seed.save(update_fields=["round"])
    director = office_people[OfficeRole.SUPERVISOR]
    for finding in Finding.objects.filter(area__inspection=seed).select_related("area"):
        category = categories[SEED_CATEGORIES[finding.area.position]]
        categories_of.set_category(finding=finding, by=director, category=category)
    units = [_unit(spec, round_, categories, today, counts) for spec in UNITS]
    # 督办 on the bureau's returned, overdue finding: issued and acknowledged.
    inspection, findings, people = units[1]
    order = services.issue_order(
        inspection=inspection,
        finding=findings[1],
        by=director,
        text="该问题已逾期且被退回，请于期限内报告整改进展及下一步措施。",
        reply_deadline=today + timedelta(days=5),
    )
    services.take_step(order=order, by=people["principal"], action="acknowledge")
    counts["created"] += 1
    return counts


def login_rows():
    """(username, display name, role) of the office's and the round's demo accounts."""
    rows = [(u, n, OfficeRole(r).label) for u, n, r in OFFICE_PEOPLE]
    for spec in UNITS:
        rows += [
            (f"{spec['prefix']}-{suffix}", f"{spec['name']} {name}", role.label)
            for name, role, suffix in UNIT_PEOPLE
        ]
    return rows

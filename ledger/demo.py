"""A small follow-up inspection still in progress, so the demo accounts have work waiting.

Loaded by `manage.py load_demo --with-work` after the seed. It goes through the ledger
services (entries, evidence, notifications, history) as the people would. Loading it
again writes nothing. The seed inspection is not touched: its findings stay signed off.
"""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from findings import demo as seed_demo
from findings.models import Area, Finding, FindingKind, Inspection, InspectionKind, User

from . import extensions, services
from .evidence import check_upload

CODE = "xinhua-cyl-2025-review"
REASON = "载入演示数据"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# number, statement, person, leader, deadline in days from today (None: 长期坚持), then steps
FINDINGS = [
    (1, "“回头看”发现部分团支部“三会两制一课”记录不规范", "staff1", "leader1", 7, ["extend"]),
    (2, "团员发展档案材料归档不及时", "staff2", "leader2", -5, ["progress"]),
    (3, "专项资金使用台账登记不完整", "staff1", "leader1", 15, ["progress", "submit"]),
    (4, "青年志愿服务活动总结报送滞后", "staff2", "leader2", 30, ["progress", "submit", "return"]),
    (5, "理论学习中心组学习计划执行不到位", "staff1", "leader1", None, ["progress"]),
]


def _evidence(name):
    return check_upload(SimpleUploadedFile(name, PDF, content_type="application/pdf"))


@transaction.atomic
def load_work_demo(today=None):
    """Create the follow-up inspection with findings in every working state; return counts."""
    if Inspection.objects.filter(code=CODE).exists():
        return {"created": 0, "present": 1}
    seed = seed_demo.read_seed()
    people = {
        u.username: u
        for u in User.objects.filter(username__in=[p["username"] for p in seed["people"]])
    }
    seed_inspection = Inspection.objects.select_related("organisation").get(
        code=seed["inspection"]["code"]
    )
    today = today or timezone.localdate()
    inspection = Inspection(
        organisation=seed_inspection.organisation,
        code=CODE,
        authority="区委",
        group="区委第二巡察组",
        kind=InspectionKind.REVIEW,
        onsite_start=date(2025, 9, 1),
        onsite_end=date(2025, 9, 30),
        feedback_date=date(2025, 10, 20),
        signoff_levels=1,
    )
    inspection._change_reason = REASON
    inspection.save()
    area = Area(inspection=inspection, position=1, title="聚焦巡察整改“回头看”发现的问题方面")
    area._change_reason = REASON
    area.save()
    for number, statement, person, leader, days, steps in FINDINGS:
        finding = Finding(
            area=area,
            number=number,
            statement=statement,
            kind=FindingKind.DEADLINE if days is not None else FindingKind.ONGOING,
            deadline=today + timedelta(days=days) if days is not None else None,
            responsible_person=people[person],
            responsible_leader=people[leader],
        )
        finding._change_reason = REASON
        finding.save()
        staff, reviewer = people[person], people[leader]
        for step in steps:
            finding.refresh_from_db()
            if step == "progress":
                services.add_progress(
                    finding=finding,
                    by=staff,
                    on_date=today - timedelta(days=3),
                    text="召开专题会议研究整改措施，明确责任分工。",
                    files=[_evidence("专题会议记录.pdf")],
                )
                services.add_measure(
                    finding=finding, by=staff, text="逐项对照问题清单开展自查", owner=staff
                )
            elif step == "submit":
                services.update_finding(
                    finding=finding,
                    by=staff,
                    version=finding.version,
                    result="已完成自查整改，建立长效机制。",
                    kind=finding.kind,
                )
                finding.refresh_from_db()
                services.transition(finding=finding, by=staff, action="submit")
            elif step == "extend":  # 延期: asked by the staff, approved by the leader
                request = extensions.extension_request(
                    finding=finding,
                    by=staff,
                    new_deadline=finding.deadline + timedelta(days=14),
                    reason="需等待团区委统一下发记录本样式",
                )
                extensions.extension_approve(request=request, by=reviewer, reason="同意")
            elif step == "return":
                services.transition(
                    finding=finding, by=reviewer, action="return", reason="请补充活动照片等佐证材料"
                )
    return {"created": 1 + 1 + len(FINDINGS), "present": 0}

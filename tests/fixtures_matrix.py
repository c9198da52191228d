"""The world of the URL × role matrices (test_url_matrix, test_url_matrix_admin): one unit
in a round of an office, with a finding in each state, evidence, a published notice,
imports, 督办 and a published round summary; and everyone who asks for its URLs."""

from datetime import timedelta

from django.apps import apps
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.members import first_login_path, member_create
from findings import setup
from findings.models import Finding, Measure, Status
from ledger import extensions
from ledger.evidence import check_upload
from ledger.models import Evidence
from oversight import services as supervision
from oversight.models import ReplyEvidence
from oversight.summary import summary_publish
from reports import services as report_services
from reports.models import PublishJob
from sheets import exports, jobs
from sheets.models import ImportJob

from .fixtures_ledger import PDF, put_in_state, upload
from .fixtures_notice import sign_notice
from .fixtures_sheet import HEADER, ledger_row, simple_ledger, write_xlsx

UNIT_PEOPLE = ["outsider", "inspector", "staff", "other_leader", "leader", "principal"]
ADMINISTRATORS = ["sysadmin", "secadmin", "auditor"]  # 三员分立, members of no unit
# the inspection office whose round holds the unit: 督办 staff, a read-only member;
# and 督办 staff of another district's office
OFFICE_PEOPLE = ["office_director", "office_clerk", "far_director"]
PEOPLE = ["anonymous", *UNIT_PEOPLE, *ADMINISTRATORS, *OFFICE_PEOPLE]


class World:
    """One unit with a finding in progress (evidence, a measure), a submitted finding,
    a published notice and an import with an error, seen by every kind of person."""

    def __init__(self, unit, outsider, administrators, district, other_district):
        self.unit, self.outsider, self.administrators = unit, outsider, administrators
        self.code = unit.inspection.code
        self.finding = put_in_state(
            unit.add_findings(1)[0], Status.IN_PROGRESS, submitter=unit.staff
        )
        self.measure = Measure.objects.create(finding=self.finding, position=1, text="措施一")
        Measure.objects.create(finding=self.finding, position=2, text="措施二")
        self.evidence = Evidence.objects.filter(entry__finding=self.finding).first()
        self.submitted = put_in_state(
            unit.add_findings(1)[0], Status.SUBMITTED, submitter=unit.staff
        )
        # 延期申请: one pending on the submitted finding, asked by the staff
        self.extension = extensions.extension_request(
            finding=self.submitted,
            by=unit.staff,
            new_deadline=self.submitted.deadline + timedelta(days=30),
            reason="需协调资金",
        )
        self.version = report_services.notice_publish(inspection=unit.inspection, by=unit.principal)
        self.publish_job = PublishJob.objects.create(
            inspection=unit.inspection,
            created_by=unit.principal,
            state="done",
            version=self.version,
        )
        self.export_job = exports.start_export(inspection=unit.inspection, by=unit.staff)
        # The draft now differs from the published version, so publishing again is real.
        self.finding.result = "已建立长效机制。"
        self.finding.save()
        # prints: the draft changed since version 1
        sign_notice(self.version.notice, "中共测试单位委员会", None)
        self.district, self.other_district = district, other_district
        # 督办: one just issued, one replied to with a file.
        soon = timezone.localdate() + timedelta(days=7)
        self.order = supervision.issue_order(
            inspection=unit.inspection, by=district.director, text="请说明进展", reply_deadline=soon
        )
        self.replied = supervision.issue_order(
            inspection=unit.inspection,
            finding=self.finding,
            by=district.director,
            text="请报送佐证",
            reply_deadline=soon,
        )
        supervision.take_step(order=self.replied, by=unit.principal, action="acknowledge")
        supervision.take_step(
            order=self.replied,
            by=unit.principal,
            action="reply",
            text="已报送",
            files=[check_upload(upload("说明.pdf", PDF))],
        )
        self.reply_file = ReplyEvidence.objects.get(step__order=self.replied)
        # A published round summary, then one more open order: publishing again is real.
        self.summary = summary_publish(round_=district.round, by=district.director)
        supervision.issue_order(
            inspection=unit.inspection, by=district.director, text="请报告", reply_deadline=soon
        )

    def import_job(self, path):
        return jobs.start_import(
            inspection=self.unit.inspection,
            upload=upload(path.name, path.read_bytes()),
            by=self.unit.staff,
        )

    def login_as(self, client, person):
        client.logout()
        if person == "outsider":
            client.force_login(self.outsider)
        elif person in OFFICE_PEOPLE:
            district = self.other_district if person == "far_director" else self.district
            client.force_login(district.clerk if person == "office_clerk" else district.director)
        elif person in self.administrators:
            client.force_login(self.administrators[person])
        elif person != "anonymous":
            client.force_login(getattr(self.unit, person))


def _snapshot(w):
    counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
    return counts, model_to_dict(Finding.objects.get(pk=w.finding.pk))


def build_world(unit, outsider, administrators, district, other_district, tmp_path):
    """Everyone and everything the matrices ask about (here and test_url_matrix_admin)."""
    w = World(unit, outsider, administrators, district, other_district)
    w.job = w.import_job(simple_ledger(tmp_path / "有错误.xlsx", 3, bad_row=1))
    # the submitted finding (问题2) is frozen: the good sheet leaves its result and measures
    rows = [
        HEADER,
        ledger_row(1, "聚焦第1方面", "问题1", measure="措施1"),
        ledger_row(2, "聚焦第1方面", "问题2", result=w.submitted.result),
        ledger_row(3, "聚焦第1方面", "问题3", measure="措施3"),
    ]
    w.good_job = w.import_job(write_xlsx(tmp_path / "台账.xlsx", rows))
    w.job_file_bytes = (tmp_path / "台账.xlsx").read_bytes()
    assert ImportJob.objects.get(pk=w.job.pk).report.get("errors")
    assert not ImportJob.objects.get(pk=w.good_job.pk).report.get("errors")
    # A person an import added to the unit, not yet logged in: their first-login link.
    w.newcomer, link = member_create(
        organisation=unit.organisation, display_name="档案员", role="staff", by=unit.principal,
        reason="导入台账时添加",
    )  # fmt: skip
    w.first_login_path = first_login_path(link)
    Finding.objects.filter(pk=w.finding.pk).update(responsible_person_text="档案员")
    # A member the principal deactivated: their login ended with it.
    membership, _ = setup.member_add(
        organisation=unit.organisation, by=unit.principal, username="u-former",
        display_name="原办公室干事", job_title="", role="staff",
    )  # fmt: skip
    w.former = setup.member_deactivate(membership=membership, by=unit.principal)
    w.done_job = ImportJob.objects.create(
        inspection=unit.inspection, filename="台账.xlsx", stored_name="done.xlsx", state="done",
        report={"added_members": [{"name": "档案员", "role": "staff", "user_id": w.newcomer.pk}]},
    )  # fmt: skip
    return w

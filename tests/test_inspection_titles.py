"""Two inspections of one unit are told apart on every page, mail and export (issue 15.3)."""

import io
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from findings.models import Area, Inspection, InspectionKind, Status

from .fixtures_ledger import put_in_state

FIRST = "测试单位 · 区委第一巡察组 · 常规巡察 · 2024"
SECOND = "测试单位 · 区委第二巡察组 · 专项巡察 · 2025"


@pytest.fixture
def two(unit):
    """The unit's 2024 routine inspection and a 2025 special one, a finding in each."""
    second = Inspection.objects.create(
        organisation=unit.organisation,
        code="test-2025",
        authority="区委",
        group="区委第二巡察组",
        kind=InspectionKind.SPECIAL,
        onsite_start=date(2025, 3, 1),
        onsite_end=date(2025, 4, 30),
        feedback_date=date(2025, 6, 1),
    )
    area = Area.objects.create(inspection=second, position=1, title="聚焦专项方面")
    first_finding = unit.add_findings(1)[0]
    second_finding = unit.add_findings(1, area=area)[0]
    return unit, second, first_finding, second_finding


def test_the_title_names_unit_group_kind_and_year(two):
    unit, second, *_ = two
    assert unit.inspection.title == FIRST
    assert second.title == SECOND
    assert str(second) == SECOND


def test_the_title_falls_back_to_the_full_name_without_a_short_name(two):
    unit, second, *_ = two
    unit.organisation.short_name = ""
    unit.organisation.save()
    second.refresh_from_db()
    assert second.title == "测试单位 · 区委第二巡察组 · 专项巡察 · 2025"


def _text(response):
    assert response.status_code == 200
    return response.content.decode()


def test_the_inspection_list_and_my_work_name_both_inspections(client, two):
    unit, *_ = two
    client.force_login(unit.staff)
    for name in ("findings:inspection_list", "ledger:my_work"):
        html = _text(client.get(reverse(name)))
        assert FIRST in html and SECOND in html, name


@pytest.mark.parametrize(
    "name", ["findings:inspection_detail", "ledger:dashboard", "reports:notice_detail"]
)
def test_each_inspection_page_has_its_own_title_and_not_the_other(client, two, name):
    unit, second, *_ = two
    client.force_login(unit.principal)
    for inspection, own, other in ((unit.inspection, FIRST, SECOND), (second, SECOND, FIRST)):
        html = _text(client.get(reverse(name, args=[inspection.code])))
        assert "<title>" in html and own in html.split("</title>")[0], name
        assert own in html.split("</title>")[1], name
        assert other not in html, name


def test_the_finding_page_names_its_inspection_in_title_and_breadcrumbs(client, two):
    unit, second, first_finding, second_finding = two
    client.force_login(unit.staff)
    html = _text(
        client.get(reverse("findings:finding_detail", args=[second.code, second_finding.pk]))
    )
    head, body = html.split("</title>")
    assert SECOND in head
    assert f">{SECOND}</a>" in body
    assert FIRST not in html


def test_my_work_rows_name_the_inspection_of_each_finding(client, two):
    unit, second, first_finding, second_finding = two
    put_in_state(first_finding, Status.SUBMITTED, submitter=unit.staff)
    put_in_state(second_finding, Status.SUBMITTED, submitter=unit.staff)
    client.force_login(unit.leader)
    html = _text(client.get(reverse("ledger:my_work")))
    awaiting = html.split('id="awaiting-sign-off"')[1].split("</section>")[0]
    assert FIRST in awaiting and SECOND in awaiting


@pytest.mark.django_db(transaction=True)
def test_the_sign_off_mail_names_the_inspection(client, two, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    unit, second, first_finding, second_finding = two
    unit.leader.email = "leader@example.org"
    unit.leader.save()
    finding = put_in_state(second_finding, Status.IN_PROGRESS, submitter=unit.staff)
    client.force_login(unit.staff)
    client.post(reverse("ledger:take_action", args=[second.code, finding.pk, "submit"]))
    assert [m.subject for m in mail.outbox] == [f"【待销号】{SECOND} 1.1 问题1"]
    assert f"巡察：{SECOND}" in mail.outbox[0].body


def test_the_export_title_row_names_the_inspection(client, two):
    unit, second, *_ = two
    client.force_login(unit.staff)
    response = client.get(reverse("sheets:ledger_export", args=[second.code]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.active["A1"].value == "测试单位巡察整改台账（区委第二巡察组 · 专项巡察 · 2025）"


def test_the_admin_lists_inspections_by_title(client, two, administrators):
    client.force_login(administrators["sysadmin"])
    html = _text(client.get(reverse("admin:findings_inspection_changelist")))
    assert FIRST in html and SECOND in html


def test_a_notification_on_my_work_names_its_inspection(client, two):
    from ledger.models import EntryKind, LedgerEntry, Notification

    unit, second, first_finding, second_finding = two
    for finding in (first_finding, second_finding):
        entry = LedgerEntry.objects.create(
            finding=finding,
            kind=EntryKind.RETURN,
            author=unit.leader,
            on_date=timezone.localdate(),
            status_before=Status.SUBMITTED,
            status_after=Status.IN_PROGRESS,
            text="缺少佐证",
        )
        Notification.objects.create(recipient=unit.staff, entry=entry)
    client.force_login(unit.staff)
    html = _text(client.get(reverse("ledger:my_work")))
    notes = html.split('id="notifications"')[1].split("</section>")[0]
    assert FIRST in notes and SECOND in notes

"""The notice renders within a bound: too many findings or characters are refused at once."""

import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from findings.models import Finding, FindingKind, Status
from reports.models import NoticeVersion
from sheets.planner import plan_import
from sheets.reader import read_ledger

from .fixtures_sheet import HEADER, write_xlsx

pytestmark = pytest.mark.django_db


def notice_url(name, unit):
    return reverse(f"reports:{name}", args=[unit.inspection.code])


def twelve_thousand_findings(unit):
    Finding.objects.bulk_create(
        Finding(
            area=unit.areas[0],
            number=n,
            statement=f"问题{n}",
            kind=FindingKind.ONGOING,
            status=Status.SIGNED_OFF,
            result="已整改到位。",
        )
        for n in range(1, 12_001)
    )


def one_result_of_300_000_characters(unit):
    unit.add_signed_off(1, result="整改成效" * 75_000)  # written past the form, as by the admin


@pytest.mark.parametrize("attack", [twelve_thousand_findings, one_result_of_300_000_characters])
def test_an_oversized_notice_is_refused_at_once_by_preview_pdf_docx_and_publish(unit, attack):
    attack(unit)
    client = Client()
    client.force_login(unit.principal)
    started = time.monotonic()

    for response in (
        client.get(notice_url("notice_preview", unit)),
        client.get(notice_url("notice_draft_pdf", unit)),
        client.get(notice_url("notice_draft_docx", unit)),
        client.post(notice_url("notice_publish", unit)),
    ):
        assert response.status_code == 302
        assert response.url == notice_url("notice_detail", unit)
    page = client.get(notice_url("notice_detail", unit)).content.decode()

    assert time.monotonic() - started < 15  # a render of either took 24 to 33 s
    assert not NoticeVersion.objects.exists()
    assert "超过可生成的上限" in page
    assert '<article class="notice">' not in page  # nor is the draft rendered on the page


def test_the_limits_are_settings_and_name_the_count(unit, settings):
    settings.NOTICE_MAX_FINDINGS = 2
    unit.add_signed_off(3, result="已整改。")
    client = Client()
    client.force_login(unit.principal)

    response = client.get(notice_url("notice_draft_pdf", unit), follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["通报列有3个问题，超过可生成的上限2个。"]

    settings.NOTICE_MAX_FINDINGS, settings.NOTICE_MAX_CHARS = 300, 20
    response = client.get(notice_url("notice_preview", unit), follow=True)
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("通报共") and "超过可生成的上限20字" in message


def test_a_notice_within_the_limits_still_renders(unit):
    unit.add_signed_off(2, result="已整改到位。")
    client = Client()
    client.force_login(unit.principal)
    response = client.get(notice_url("notice_draft_pdf", unit))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_a_result_text_over_the_limit_is_refused_by_the_edit_form_and_kept_in_it(unit):
    finding = unit.add_findings(1)[0]
    limit = settings.FINDING_TEXT_MAX_CHARS
    text = "成" * (limit + 1)
    client = Client()
    client.force_login(unit.staff)
    url = reverse("ledger:edit_finding", args=[unit.inspection.code, finding.pk])

    response = client.post(
        url,
        {
            "edit-version": finding.version,
            "edit-result": text,
            "edit-kind": finding.kind,
            "edit-deadline": finding.deadline.isoformat(),
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert f"整改成效最多{limit}字，现有{limit + 1}字。" in page
    assert text in page  # what was typed is still in the form
    finding.refresh_from_db()
    assert finding.result == ""


def test_a_statement_or_result_over_the_limit_is_refused_in_the_import_preview(unit, tmp_path):
    limit = settings.FINDING_TEXT_MAX_CHARS
    long = "长" * (limit + 1)
    row = [1, "聚焦第1方面", long, "", "措施1", "副书记", "办公室干事", "办公室",
           "2024-12-31", "限期整改", "未启动", long]  # fmt: skip
    path = write_xlsx(tmp_path / "台账.xlsx", [HEADER, row])

    plan = plan_import(inspection=unit.inspection, sheet=read_ledger(path))

    assert [(e.row, e.column, e.header, e.message) for e in plan.errors] == [
        (2, "C", "问题", f"最多{limit}个字，这里有{limit + 1}个"),
        (2, "L", "整改成效", f"最多{limit}个字，这里有{limit + 1}个"),
    ]

"""Text typed by users is shown as text everywhere: pages, the notice (HTML and PDF)."""

import re

import pytest
from django.urls import reverse

from findings.models import Finding, Measure, Status
from ledger import services
from ledger.evidence import check_upload
from reports.document import build_document
from reports.render import notice_html, notice_pdf
from reports.selectors import notice_of

from .fixtures_ledger import PDF, upload
from .fixtures_notice import pdf_text

NASTY = "<script>alert(\"x\")</script>'单引号'\"双引号\"{{ 7|add:1 }}{% now 'Y' %}"
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


@pytest.fixture
def nasty_unit(unit):
    unit.staff.display_name = f"干事{NASTY}"
    unit.staff.save()
    unit.areas[0].title = f"聚焦{NASTY}方面"
    unit.areas[0].save()
    finding = unit.add_findings(1)[0]
    finding.statement = f"问题{NASTY}"
    finding.detail = f"表现{NASTY}"
    finding.result = f"成效{NASTY}"
    finding.status = Status.IN_PROGRESS
    finding.save()
    Measure.objects.create(finding=finding, position=1, text=f"措施{NASTY}", owner=unit.staff)
    services.add_progress(
        finding=finding,
        by=unit.staff,
        on_date=finding.deadline,
        text=f"进展{NASTY}",
        files=[check_upload(upload(f"记录{NASTY.replace('/', '')}.pdf", PDF))],
    )
    unit.finding = finding
    return unit


def _pages(unit):
    code, pk = unit.inspection.code, unit.finding.pk
    return [
        reverse("findings:inspection_detail", args=[code]),
        reverse("findings:finding_detail", args=[code, pk]),
        reverse("ledger:my_work"),
        reverse("ledger:dashboard", args=[code]),
        reverse("reports:notice_detail", args=[code]),
        reverse("reports:notice_preview", args=[code]),
    ]


@pytest.mark.parametrize("index", range(6))
def test_every_page_shows_typed_text_as_text(client, nasty_unit, index):
    client.force_login(nasty_unit.staff)
    url = _pages(nasty_unit)[index]
    page = client.get(url).content.decode()
    assert "<script>alert" not in page, url
    assert ESCAPED in page, url
    assert "{{ 7|add:1 }}" in page, url  # not evaluated as a template
    assert "{% now &#x27;Y&#x27; %}" in page or "{% now 'Y' %}" in page, url


def test_the_notice_html_and_pdf_show_typed_text_as_text(nasty_unit):
    finding = Finding.objects.get(area__inspection=nasty_unit.inspection)
    finding.status, finding.signed_result = Status.SIGNED_OFF, finding.result  # signed off
    finding.save()
    document = build_document(notice_of(nasty_unit.inspection))
    html = notice_html(document, draft=True)
    assert "<script>alert" not in html
    assert ESCAPED in html
    text = re.sub(r"\s+", "", pdf_text(notice_pdf(document, draft=True)))
    assert re.sub(r"\s+", "", f"问题{NASTY}") in text
    assert re.sub(r"\s+", "", f"成效{NASTY}") in text


def test_the_exported_workbook_holds_typed_text_as_plain_text(client, nasty_unit):
    import io

    from openpyxl import load_workbook

    client.force_login(nasty_unit.staff)
    response = client.get(reverse("sheets:ledger_export", args=[nasty_unit.inspection.code]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = {cell.value for row in sheet.iter_rows() for cell in row if cell.value}
    for expected in (
        f"问题{NASTY}",
        f"表现{NASTY}",
        f"成效{NASTY}",
        f"措施{NASTY}",
        f"聚焦{NASTY}方面",
        f"干事{NASTY}",
    ):
        assert expected in values
    assert not any(
        cell.data_type == "f" for row in sheet.iter_rows() for cell in row
    )  # nothing became a formula

"""The ledger printed (A4 landscape, no navigation, dates whole) and on a 390 px phone
(each stacked cell led by its column label), in Chromium (issue 15.6 and 15.7)."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from findings.models import Finding

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parent.parent / "docs"
LONG = "党组织对意识形态工作重视不够，理论学习中心组学习不规范，学习内容与实际结合不紧密" * 3

# The number of line boxes the text of an element is laid out in.
LINES = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return tops.size;
}"""


def _ledger(unit, count=6):
    findings = unit.add_findings(count, deadline=date(2024, 12, 31))
    for finding in findings:
        finding.statement = LONG
        finding.result = "组织专题学习2次，建立制度1项，形成长效机制。" * 4
    Finding.objects.bulk_update(findings, ["statement", "result"])
    return findings


def test_the_print_view_prints_on_a4_landscape_without_navigation_or_split_dates(page, unit):
    _ledger(unit)
    login(page, unit.staff.username)
    page.goto(reverse("findings:inspection_detail", args=[unit.inspection.code]))
    page.click("#print-view-link")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(unit.inspection.title)

    # A4 landscape at 96 dpi less the margins is about 1047 px wide.
    page.set_viewport_size({"width": 1047, "height": 740})
    page.emulate_media(media="print")
    assert page.locator(".print-tools").is_hidden()
    dates = page.locator("td.date")
    assert dates.count() == 6
    for i in range(dates.count()):
        assert dates.nth(i).inner_text() == "2024-12-31"
        assert dates.nth(i).evaluate(LINES) == 1
    for cell in page.locator("td.person").all():
        assert cell.evaluate(LINES) == 1  # 副书记 / 办公室干事 stay whole

    pdf = page.pdf(prefer_css_page_size=True)
    first = PdfReader(io.BytesIO(pdf)).pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (297, 210)


def test_the_ledger_list_printed_keeps_the_table_and_drops_navigation_and_forms(page, unit):
    _ledger(unit, count=2)
    login(page, unit.staff.username)
    page.goto(reverse("findings:inspection_detail", args=[unit.inspection.code]))
    page.emulate_media(media="print")
    for selector in (".topbar", ".breadcrumbs", "form.filters", ".pagehead .actions"):
        assert page.locator(selector).first.is_hidden(), selector
    assert page.locator("table.findings").is_visible()


def test_the_finding_page_printed_names_its_inspection_and_drops_the_forms(page, unit):
    finding = _ledger(unit, count=1)[0]
    login(page, unit.staff.username)
    page.goto(reverse("findings:finding_detail", args=[unit.inspection.code, finding.pk]))
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden()
    assert page.locator(".print-only").inner_text() == unit.inspection.title
    assert page.locator("form:visible").count() == 0
    assert page.locator("button:visible").count() == 0


def test_the_ledger_list_on_a_390_px_phone_shows_each_cells_column_label(page, unit):
    unit.add_findings(3, deadline=date(2024, 12, 31))
    login(page, unit.staff.username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("findings:inspection_detail", args=[unit.inspection.code]))
    assert page.locator("table.findings thead").first.is_hidden()
    cell = page.locator("table.findings td.date").first
    label = cell.evaluate("el => getComputedStyle(el, '::before').content")
    assert label == '"整改时限"'
    labels = page.locator("table.findings td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert labels[:6] == ['"序号"', '"问题"', '"责任领导"', '"责任人"', '"整改时限"', '"整改状态"']
    # No cell wider than the phone: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    DOCS.mkdir(exist_ok=True)
    page.locator("section.area").first.screenshot(path=str(DOCS / "ledger-list-390px.png"))


def test_the_round_dashboard_on_a_390_px_phone_labels_every_figure(page, unit, district):
    unit.add_findings(2, deadline=date(2024, 12, 31))
    login(page, district.director.username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("oversight:round_dashboard", args=[district.office.pk, district.round.pk]))
    row = page.locator(f"#unit-{unit.inspection.code} td")
    labels = row.evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")
    heads = page.locator("#by-unit thead th").all_text_contents()
    assert labels == [f'"{head}"' for head in heads] and len(labels) == 10
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

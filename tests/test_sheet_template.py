"""The blank ledger template (issue 11): drop-downs for 整改类型 and 整改状态, and for
问题分类 where the inspection belongs to a round of an office that keeps categories;
a list too long for Excel's inline limit is kept in a hidden sheet. A template filled
from its lists imports as filled (read by calamine)."""

import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from findings.models import Finding, ProblemCategory
from sheets.export import INLINE_LIST_MAX, LISTS_SHEET, template_workbook
from sheets.reader import read_ledger

from .fixtures_sheet import HEADER
from .test_sheet_categories import CATEGORY_HEADER, run_import

KINDS = "立行立改,限期整改,长期坚持"
STATUSES = "未启动,整改中,待销号,待主要负责人审核,已销号,阶段性销号·长期坚持"


def saved(inspection, path):
    template_workbook(inspection).save(path)
    return load_workbook(path)


def validations(ws):
    return {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}


def fill(path, values):
    """The template's example row replaced by one finding: {header: value}."""
    workbook = load_workbook(path)
    ws = workbook["整改台账"]
    headers = [cell.value for cell in ws[1]]
    for column, header in enumerate(headers, start=1):
        ws.cell(row=2, column=column).value = values.get(header)
    workbook.save(path)
    return path


FINDING = {
    "序号": 1,
    "问题方面": "聚焦第1方面",
    "问题": "理论学习不深入",
    "整改措施": "制定学习计划",
    "责任领导": "副书记",
    "责任人": "办公室干事",
    "整改时限": "2025-12-31",
    "整改类型": "限期整改",
    "整改状态": "整改中",
}


def test_the_template_of_a_round_offers_the_offices_categories_in_use(unit, district, tmp_path):
    retired = district.categories[2]  # 选人用人
    ProblemCategory.objects.filter(pk=retired.pk).update(retired_at=timezone.now())
    ws = saved(unit.inspection, tmp_path / "模板.xlsx")["整改台账"]
    assert [c.value for c in ws[1]] == CATEGORY_HEADER
    assert ws["C2"].value == "政治建设"  # the example row names the first
    assert validations(ws) == {
        "C2:C2000": '"政治建设,全面从严治党,作风建设"',
        "K2:K2000": f'"{KINDS}"',
        "L2:L2000": f'"{STATUSES}"',
    }


def test_outside_a_round_the_template_has_no_category_column(unit, tmp_path):
    workbook = saved(unit.inspection, tmp_path / "模板.xlsx")
    assert [c.value for c in workbook["整改台账"][1]] == HEADER
    assert workbook.sheetnames == ["整改台账"]


def test_a_list_longer_than_excel_allows_inline_is_kept_in_a_hidden_sheet(unit, district, tmp_path):
    names = [f"第{i}类：某一方面的问题分类名称" for i in range(5, 31)]
    for position, name in enumerate(names, start=5):
        ProblemCategory.objects.create(office=district.office, position=position, name=name)
    offered = [c.name for c in district.categories] + names
    assert len(",".join(offered)) > INLINE_LIST_MAX
    workbook = saved(unit.inspection, tmp_path / "模板.xlsx")
    ws, lists = workbook["整改台账"], workbook[LISTS_SHEET]
    assert workbook.sheetnames == ["整改台账", LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    formula = validations(ws)["C2:C2000"]
    assert formula == f"'{LISTS_SHEET}'!$A$1:$A${len(offered)}"
    assert [row[0] for row in lists.iter_rows(values_only=True)] == offered
    # the short lists stay inline
    assert validations(ws)["L2:L2000"] == f'"{STATUSES}"'


def test_a_name_with_a_comma_goes_to_the_hidden_sheet_even_in_a_short_list(
    unit, district, tmp_path
):
    ProblemCategory.objects.filter(pk=district.categories[0].pk).update(name="政治建设,党的领导")
    workbook = saved(unit.inspection, tmp_path / "模板.xlsx")
    assert validations(workbook["整改台账"])["C2:C2000"] == f"'{LISTS_SHEET}'!$A$1:$A$4"
    assert workbook[LISTS_SHEET]["A1"].value == "政治建设,党的领导"


def test_a_template_filled_from_its_lists_imports_with_that_category(unit, district, tmp_path):
    path = tmp_path / "模板.xlsx"
    saved(unit.inspection, path)
    fill(path, FINDING | {"问题分类": "作风建设"})
    plan = run_import(unit.inspection, path, by=unit.staff)
    assert plan.summary()["counts"]["warnings"] == 0
    finding = Finding.objects.get(area__inspection=unit.inspection, statement="理论学习不深入")
    assert (finding.category, finding.kind, finding.status) == (
        district.categories[3],
        "deadline",
        "in_progress",
    )


def test_a_template_with_a_hidden_list_is_read_from_its_ledger_sheet(unit, district, tmp_path):
    for position in range(5, 40):
        ProblemCategory.objects.create(
            office=district.office, position=position, name=f"第{position}类问题分类"
        )
    path = tmp_path / "模板.xlsx"
    saved(unit.inspection, path)
    fill(path, FINDING | {"问题分类": "第39类问题分类"})
    assert read_ledger(path).rows  # calamine finds the ledger, not the list sheet
    run_import(unit.inspection, path, by=unit.staff)
    finding = Finding.objects.get(area__inspection=unit.inspection, statement="理论学习不深入")
    assert finding.category.name == "第39类问题分类"


def test_the_downloaded_template_carries_the_category_list(client, unit, district):
    client.force_login(unit.staff)
    response = client.get(reverse("sheets:ledger_template", args=[unit.inspection.code]))
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["整改台账"]
    assert validations(ws)["C2:C2000"] == '"政治建设,全面从严治党,选人用人,作风建设"'

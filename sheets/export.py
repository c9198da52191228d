"""Writing an inspection's ledger, and the blank template, as 整改台账 workbooks.

The layout is the one the importer reads, so that export → import changes nothing:
a title row, the header row, 问题方面 merged over its findings, a finding's own columns
merged over its measure rows (one row per measure), dates as real dates.
"""

from datetime import date

from django.utils import timezone
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange

from findings.models import Finding, FindingKind, Measure, ProblemCategory

from .xlsx import COLUMNS, KIND_LABELS, STATUS_LABELS, SafeSheet, new_workbook

KEYS = [key for key in COLUMNS if key != "category"]
CATEGORY_KEYS = list(COLUMNS)  # 问题分类 after 问题方面
# Columns that belong to the finding, merged over its measure rows.
FINDING_KEYS = (
    "number",
    "category",
    "statement",
    "detail",
    "leader",
    "department",
    "deadline",
    "kind",
    "status",
    "result",
)
TITLE_ROW, HEADER_ROW = 1, 2
PROGRESS_EVERY = 500


def _deadline_cell(finding):
    if finding.deadline:
        return finding.deadline
    return KIND_LABELS[finding.kind] if finding.kind != FindingKind.DEADLINE else ""


def _name(user):
    return user.display_name if user else ""


def _names(user, text, co=()):
    """A cell naming people as the reader splits it: the account, the names kept as
    text, then the co-responsible."""
    return "、".join(n for n in [_name(user), text, *(_name(u) for u in co)] if n)


def ledger_rows(inspection):
    """(area, finding, rows) for every finding in ledger order; a row is {key: value}."""
    findings = (
        Finding.objects.filter(area__inspection=inspection)
        .select_related("area", "category", "responsible_leader", "responsible_person")
        .prefetch_related("co_responsible")
        .order_by("area__position", "number")
    )
    measures = {}
    for measure in (
        Measure.objects.filter(finding__area__inspection=inspection)
        .select_related("owner")
        .order_by("finding_id", "position")
    ):
        measures.setdefault(measure.finding_id, []).append(measure)
    for finding in findings:
        base = {
            "number": finding.number,
            "area": finding.area.title,
            "category": finding.category.name if finding.category else "",
            "statement": finding.statement,
            "detail": finding.detail,
            "leader": _names(finding.responsible_leader, finding.responsible_leader_text),
            "department": finding.responsible_department,
            "deadline": _deadline_cell(finding),
            "kind": KIND_LABELS[finding.kind],
            "status": STATUS_LABELS[finding.status],
            "result": finding.result,
        }
        co = sorted(finding.co_responsible.all(), key=lambda u: u.display_name)
        person = _names(finding.responsible_person, finding.responsible_person_text, co)
        rows = [
            {
                **base,
                "measure": measure.text,
                "person": person
                if position == 0
                else _names(measure.owner, measure.owner_text) or _name(finding.responsible_person),
            }
            for position, measure in enumerate(measures.get(finding.pk, []))
        ] or [{**base, "measure": "", "person": person}]
        yield finding.area, finding, rows


def _merge_down(merges, ws, column, first, last):
    if last > first:
        coord = CellRange(min_col=column, min_row=first, max_col=column, max_row=last).coord
        merges.append(MergedCellRange(ws, coord))


def export_keys(inspection):
    """The columns of the inspection's ledger: 问题分类 after 问题方面 where the office of
    its round keeps categories (or a finding has one)."""
    has_categories = (
        inspection.round_id
        and ProblemCategory.objects.filter(office__rounds=inspection.round_id).exists()
    ) or Finding.objects.filter(area__inspection=inspection, category__isnull=False).exists()
    return CATEGORY_KEYS if has_categories else KEYS


def export_workbook(inspection, *, progress=None):
    """The inspection's ledger as an openpyxl Workbook; `progress(done, total)` is called
    every PROGRESS_EVERY findings."""
    workbook, sheet = new_workbook("整改台账")
    ws = sheet.ws
    keys = export_keys(inspection)
    title = f"{inspection.organisation.name}巡察整改台账（{inspection.particulars}）"
    sheet.title(TITLE_ROW, title, len(keys))
    sheet.header(HEADER_ROW, keys)
    sheet.widths(keys)
    column = {key: index for index, key in enumerate(keys, start=1)}
    merges = []
    row = HEADER_ROW + 1
    area_start, current_area = row, None
    total = Finding.objects.filter(area__inspection=inspection).count() if progress else 0
    for done, (area, _finding, rows) in enumerate(ledger_rows(inspection), start=1):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
        if area != current_area:
            if current_area is not None:
                _merge_down(merges, ws, column["area"], area_start, row - 1)
            area_start, current_area = row, area
        first = row
        for index, values in enumerate(rows):
            for key in keys:
                if index and key in FINDING_KEYS + ("area",):
                    continue  # covered by the merged cell above
                sheet.write(row, column[key], values[key])
            row += 1
        for key in FINDING_KEYS:
            if key in column:
                _merge_down(merges, ws, column[key], first, row - 1)
    if current_area is not None:
        _merge_down(merges, ws, column["area"], area_start, row - 1)
    # Added in one go: ws.merge_cells compares every new range with all earlier ones,
    # which is quadratic for a large ledger. These ranges never overlap, and the cells
    # they cover were never written.
    ws.merged_cells.ranges.update(merges)
    return workbook


# Excel keeps an inline list (a data validation's formula) to 255 characters, commas
# included, and cannot quote a comma inside one item: longer lists, or items with a
# comma or a quote, are kept in a hidden sheet that the validation refers to.
INLINE_LIST_MAX = 255
LISTS_SHEET = "下拉选项"
TEMPLATE_ROWS = (2, 2000)


def _list_formula(workbook, labels):
    """The validation's formula1 for these items: inline when Excel allows it, else a
    range of a column of the hidden sheet of lists."""
    labels = list(labels)
    inline = ",".join(labels)
    if len(inline) <= INLINE_LIST_MAX and not any("," in x or '"' in x for x in labels):
        return f'"{inline}"'
    if LISTS_SHEET in workbook.sheetnames:
        lists = SafeSheet(workbook[LISTS_SHEET])
    else:
        lists = SafeSheet(workbook.create_sheet(LISTS_SHEET))
        lists.ws.sheet_state = "hidden"
    column = lists.ws.max_column + 1 if lists.ws["A1"].value is not None else 1
    for row, label in enumerate(labels, start=1):
        lists.write(row, column, label, wrap=False)
    letter = get_column_letter(column)
    return f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(labels)}"


def _list_validation(workbook, ws, labels, column, rows=TEMPLATE_ROWS):
    validation = DataValidation(
        type="list",
        formula1=_list_formula(workbook, labels),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="输入有误",
        error="请从下拉列表中选择。",
    )
    ws.add_data_validation(validation)
    validation.add(f"{column}{rows[0]}:{column}{rows[1]}")


def offered_categories(inspection):
    """The names of the categories the office of the inspection's round offers (not the
    retired ones), in the office's order; none outside a round."""
    if inspection.round_id is None:
        return []
    return list(
        ProblemCategory.objects.filter(office__rounds=inspection.round_id, retired_at__isnull=True)
        .order_by("position")
        .values_list("name", flat=True)
    )


def template_workbook(inspection):
    """The blank ledger: header, drop-downs for 整改类型 and 整改状态, and for 问题分类
    where the office of the inspection's round keeps categories; one example row."""
    categories = offered_categories(inspection)
    keys = CATEGORY_KEYS if categories else KEYS
    workbook, sheet = new_workbook("整改台账")
    ws = sheet.ws
    sheet.header(1, keys)
    sheet.widths(keys)
    example = {
        "number": 1,
        "area": "聚焦……方面（与巡察反馈意见的方面一致）",
        "category": categories[0] if categories else "",
        "statement": "巡察反馈的问题（示例，导入前请删除本行）",
        "detail": "问题的具体表现",
        "measure": "整改措施；一个问题有多条措施时，每条一行，合并序号和问题单元格",
        "leader": "副书记",
        "person": "办公室干事",
        "department": "办公室",
        "deadline": date(timezone.localdate().year, 12, 31),
        "kind": KIND_LABELS[FindingKind.DEADLINE],
        "status": STATUS_LABELS["not_started"],
        "result": "整改成效（销号时填写）",
    }
    sheet.write_row(2, [example[key] for key in keys])
    letters = {key: get_column_letter(i) for i, key in enumerate(keys, 1)}
    _list_validation(workbook, ws, KIND_LABELS.values(), letters["kind"])
    _list_validation(workbook, ws, STATUS_LABELS.values(), letters["status"])
    if categories:
        _list_validation(workbook, ws, categories, letters["category"])
    return workbook

"""The 整改台账 workbook: its columns and labels, and a safe openpyxl writer.

Every cell written through `SafeSheet` is neutralised: text that a spreadsheet would
read as a formula (starting with = + - @) gets a leading apostrophe, and characters
XML forbids are stripped. The reader strips that apostrophe again, so a round trip
changes nothing.
"""

import re
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from findings.models import FindingKind, Status

# Column key → header text, in the order DESIGN.md gives.
COLUMNS = {
    "number": "序号",
    "area": "问题方面",
    "category": "问题分类",  # the office's category list (findings.offices.ProblemCategory)
    "statement": "问题",
    "detail": "具体表现",
    "measure": "整改措施",
    "leader": "责任领导",
    "person": "责任人",
    "department": "责任部门",
    "deadline": "整改时限",
    "kind": "整改类型",
    "status": "整改状态",
    "result": "整改成效",
}
WIDTHS = {
    "number": 6,
    "area": 24,
    "category": 14,
    "statement": 36,
    "detail": 36,
    "measure": 40,
    "leader": 12,
    "person": 12,
    "department": 14,
    "deadline": 13,
    "kind": 11,
    "status": 16,
    "result": 48,
}
KIND_LABELS = {
    FindingKind.IMMEDIATE: "立行立改",
    FindingKind.DEADLINE: "限期整改",
    FindingKind.ONGOING: "长期坚持",
}
STATUS_LABELS = {
    Status.NOT_STARTED: "未启动",
    Status.IN_PROGRESS: "整改中",
    Status.SUBMITTED: "待销号",
    Status.ENDORSED: "待主要负责人审核",
    Status.SIGNED_OFF: "已销号",
    Status.ONGOING: "阶段性销号·长期坚持",
}
DATE_FORMAT = "yyyy-mm-dd"

FORMULA_PREFIXES = ("=", "+", "-", "@")
# Characters XML 1.0 forbids (openpyxl refuses them); tab, LF and CR are allowed.
XML_FORBIDDEN_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe_value(value):
    """A value that is safe to put into a cell: never a formula, never invalid XML."""
    if isinstance(value, str):
        value = XML_FORBIDDEN_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            value = "'" + value
    return value


def unneutralise(text):
    """Undo `safe_value`'s apostrophe (used by the reader)."""
    if text[:1] == "'" and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


class SafeSheet:
    """A worksheet that can only be written through `safe_value`."""

    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def __init__(self, worksheet):
        self.ws = worksheet

    def write(self, row, column, value, *, wrap=True):
        cell = self.ws.cell(row=row, column=column)
        value = safe_value(value)
        cell.value = value
        if isinstance(value, date | datetime):
            cell.number_format = DATE_FORMAT
        if wrap:
            cell.alignment = self.wrap
        return cell

    def write_row(self, row, values, **kwargs):
        for column, value in enumerate(values, start=1):
            self.write(row, column, value, **kwargs)

    def header(self, row, keys):
        bold = Font(bold=True)
        for column, key in enumerate(keys, start=1):
            cell = self.write(row, column, COLUMNS[key])
            cell.font = bold
            cell.alignment = self.centre
        self.ws.freeze_panes = self.ws.cell(row=row + 1, column=1)

    def widths(self, keys):
        for column, key in enumerate(keys, start=1):
            self.ws.column_dimensions[get_column_letter(column)].width = WIDTHS[key]

    def title(self, row, text, columns):
        cell = self.write(row, 1, text)
        cell.font = Font(bold=True, size=14)
        cell.alignment = self.centre
        self.ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
        self.ws.row_dimensions[row].height = 28


def new_workbook(sheet_title):
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet_title
    return workbook, SafeSheet(worksheet)

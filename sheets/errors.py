"""What stops an import, and the workbook handed back with its errors.

`LedgerFileError` refuses the file as a whole, `RowError` names one cell (row, column,
header, value) and `ImportRefused` carries a plan whose errors kept it from being written.
`annotated_copy` returns the uploaded workbook with a column naming each row's errors.
"""

from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .xlsx import safe_value


class LedgerFileError(Exception):
    """The file as a whole cannot be imported; the message says why, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ImportRefused(Exception):
    """The plan has errors: nothing was written."""

    def __init__(self, plan):
        super().__init__(f"{len(plan.errors)} errors")
        self.plan = plan


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # letter, or "" when the error is about the row
    header: str
    value: str
    message: str

    def __str__(self):
        where = f"第{self.row}行"
        if self.column:
            where += f" {self.column}列（{self.header}）"
        value = f"“{self.value}”" if self.value else ""
        return f"{where}{value}：{self.message}"

    def as_dict(self):
        return {
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "value": self.value,
            "message": self.message,
        }


def annotated_copy(path, errors, *, header_row):
    """A copy of the workbook with a column naming each row's errors.

    Formulas are replaced by their cached values and every text is made safe again.
    """
    by_row = {}
    for error in errors:
        by_row.setdefault(error["row"], []).append(str(RowError(**error)))
    workbook = load_workbook(path, data_only=True, keep_links=False)
    ws = workbook.worksheets[0]
    column = ws.max_column + 1
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = safe_value(cell.value)
    header = ws.cell(row=header_row, column=column, value="导入错误")
    header.font = Font(bold=True, color="9A0000")
    fill = PatternFill("solid", fgColor="FFE3E3")
    for row, messages in by_row.items():
        cell = ws.cell(row=row, column=column, value=safe_value("\n".join(messages)))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = fill
    ws.column_dimensions[get_column_letter(column)].width = 60
    return workbook

"""What stops an import, and the workbook handed back with its errors.

`LedgerFileError` refuses the file as a whole, `RowError` names one cell (row, column,
header, value) and `ImportRefused` carries a plan whose errors kept it from being written.
`annotated_copy` returns the uploaded workbook with a column naming each row's errors.
"""

from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
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
    """A new workbook: a copy of the ledger sheet's rows with a column naming each
    row's errors.

    Only the ledger sheet is read (bounded like an import: `reader.locate_ledger`), and
    the copy is written in openpyxl's write-only mode from the rows read, so neither
    other sheets nor the original workbook are ever loaded whole. Formulas are their
    cached values and every text is made safe again.
    """
    from itertools import chain

    from .formats import check_file
    from .reader import locate_ledger

    by_row = {}
    for error in errors:
        by_row.setdefault(error["row"], []).append(str(RowError(**error)))
    source, _found, _looked = locate_ledger(path, check_file(path))
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(source.title[:31] or "整改台账")
    width = source.last_col
    ws.column_dimensions[get_column_letter(width + 1)].width = 60
    fill = PatternFill("solid", fgColor="FFE3E3")
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, values in chain(source.head, source.rows):
        cells = [None if v == "" else safe_value(v) for v in values[:width]]
        cells += [None] * (width - len(cells))
        if number == header_row:
            note = WriteOnlyCell(ws, value="导入错误")
            note.font = Font(bold=True, color="9A0000")
            cells.append(note)
        elif number in by_row:
            note = WriteOnlyCell(ws, value=safe_value("\n".join(by_row[number])))
            note.alignment, note.fill = wrap, fill
            cells.append(note)
        ws.append(cells)
    return workbook

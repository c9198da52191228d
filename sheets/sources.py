"""The sheets of a ledger file as rows of cell values, bounded by a cell budget.

`open_sheets` yields one `SheetSource` per worksheet, in workbook order, each measured
before it is loaded: an xlsx or ods sheet by a streaming scan of its XML, an xls sheet
by its size as python-calamine reports it (the xls format holds at most 65,536 rows of
256 columns), a CSV while it is read. A sheet over the budget refuses the file.
"""

import codecs
import csv
import io
from dataclasses import dataclass, field

from python_calamine import CalamineWorkbook, SheetTypeEnum

from .errors import LedgerFileError
from .formats import CSV, sheet_scanner

CSV_DELIMITERS = ",\t;"


@dataclass
class SheetSource:
    title: str
    rows: object  # iterator of (row number, [values from column A])
    last_row: int
    last_col: int
    merges: list = field(default_factory=list)  # (min_col, min_row, max_col, max_row)
    has_formulas: bool = False
    more_sheets: bool = False
    head: list = field(default_factory=list)  # the rows read while looking for the header


def too_large(title, rows, cols, budget):
    return LedgerFileError(
        f"工作表「{title}」的使用区域有 {rows} 行 × {cols} 列（{rows * cols} 个单元格），"
        f"超过 {budget} 个单元格的上限。请删除多余的行和列，或拆分后再导入。"
    )


def open_sheets(path, kind, budget):
    if kind == CSV:
        yield csv_source(path, budget)
        return
    scanner = sheet_scanner(path, kind)
    with open(path, "rb") as f:
        workbook = CalamineWorkbook.from_filelike(f)
    names = [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    for index, name in enumerate(names):
        scan = scanner(name)
        if scan is not None and scan.cells > budget:
            raise too_large(name, scan.last_row, scan.last_col, budget)
        sheet = workbook.get_sheet_by_name(name)
        start, end = sheet.start, sheet.end
        last_row, last_col = (end[0] + 1, end[1] + 1) if end else (0, 0)
        if last_row * last_col > budget:
            raise too_large(name, last_row, last_col, budget)
        if scan is not None:
            merges = scan.merges
        else:
            merges = [
                (c1 + 1, r1 + 1, c2 + 1, r2 + 1)
                for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])
            ]
        yield SheetSource(
            title=name,
            rows=_calamine_rows(sheet, start),
            last_row=last_row,
            last_col=last_col,
            merges=merges,
            has_formulas=bool(scan and scan.has_formulas),
            more_sheets=index + 1 < len(names),
        )


def _calamine_rows(sheet, start):
    # iter_rows gives every row from the first, and the columns from the first used one.
    if start is None:
        return
    pad = [""] * start[1]
    for number, values in enumerate(sheet.iter_rows(), start=1):
        yield number, pad + values if pad else values


def decode_text(data):
    """The text of a CSV: UTF-8 (with or without BOM) or GB18030, told by the content."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerFileError(
        "无法识别 CSV 文件的文字编码（不是 UTF-8 也不是 GB18030）。"
        "请在 Excel 或 WPS 中另存为 Excel 工作簿（.xlsx）后再导入。"
    )


def csv_source(path, budget):
    with open(path, "rb") as f:
        text = decode_text(f.read())
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=CSV_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    rows = list(_bounded(csv.reader(io.StringIO(text), dialect), budget))
    last_col = max((len(r) for r in rows), default=0)
    return SheetSource(
        title="CSV",
        rows=iter(list(enumerate(rows, start=1))),
        last_row=len(rows),
        last_col=last_col,
    )


def _bounded(reader, budget):
    cells = 0
    try:
        for row in reader:
            cells += max(len(row), 1)
            if cells > budget:
                raise LedgerFileError(f"CSV 文件超过 {budget} 个单元格的上限，请拆分后再导入。")
            yield row
    except csv.Error as exc:
        raise LedgerFileError(f"CSV 文件第 {reader.line_num} 行格式有误，无法读取。") from exc

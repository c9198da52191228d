"""Reading a 整改台账 file (.xlsx, .xls, .ods or .csv) into findings and measures.

`formats.check_file` names the file's kind and refuses what must not be parsed. Each
sheet of a workbook is measured in cells (`formats.sheet_scanner`) before
python-calamine loads it; the ledger is the first sheet with a recognisable header.
Merged ranges are clipped to the used area, and the work is bounded by a cell budget
(settings.IMPORT_MAX_CELLS), not by a number of rows. The planner
(`planner.plan_import`) compares the result with the inspection; `apply.import_ledger`
writes it. Formulas are never evaluated: the values cached in the file are read.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from openpyxl.utils import get_column_letter

from rectify.batch import collection_paused

from .cells import clean_text
from .errors import LedgerFileError, RowError
from .formats import MAX_FILE_BYTES, check_file  # noqa: F401 (the jobs use them)
from .sources import open_sheets
from .words import header_key, is_unusual
from .xlsx import COLUMNS

logger = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 30
PROGRESS_EVERY = 500
REQUIRED = ("number", "area", "statement")
DEFAULT_MAX_CELLS = 1_500_000
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384  # the largest sheet Excel can save


def max_cells():
    return getattr(settings, "IMPORT_MAX_CELLS", DEFAULT_MAX_CELLS)


@dataclass
class SheetMeasure:
    row: int
    text: str
    person: object  # the raw 责任人 cell of the row
    owner: object = None  # the User, once planned; None means the finding's person
    owner_text: str = ""  # names of the cell without an account, kept as written


@dataclass
class SheetFinding:
    row: int  # the sheet row where the finding starts
    cells: dict  # column key → raw value of the finding's first row
    measures: list = field(default_factory=list)
    last_row: int = 0


@dataclass
class Sheet:
    title: str
    header_row: int
    columns: dict  # column key → 1-based column index
    findings: list
    errors: list
    notes: list
    rows: int
    kind: str = ""  # the file's format
    headers: dict = field(default_factory=dict)  # column key → header as written

    def letter(self, key):
        return get_column_letter(self.columns[key])

    def error(self, row, key, value, message):
        if key is None:
            return RowError(row, "", "", "", message)
        header = self.headers.get(key, COLUMNS[key])
        return RowError(row, self.letter(key), header, clean_text(value), message)


def find_header(number, values):
    """(row number, {key: column}, {column: ignored header}, {key: header}) or None."""
    columns, extra, headers = {}, {}, {}
    categories = []  # columns headed by a category word, in order
    for index, value in enumerate(values, start=1):
        text = clean_text(value)
        if not text:
            continue
        key = header_key(value)
        if key == "category":
            categories.append((index, text))
        elif key and key not in columns:
            columns[key] = index
            headers[key] = text
        else:
            extra[index] = text
    if categories and "area" not in columns:
        # 问题类别 where 问题方面 belongs: many ledgers group their findings so.
        columns["area"], headers["area"] = categories.pop(0)
    if categories:
        columns["category"], headers["category"] = categories.pop(0)
    extra.update(categories)
    if all(key in columns for key in REQUIRED):
        return number, columns, extra, headers
    return None


def read_ledger(path, *, progress=None):
    """Read the ledger sheet of the file at `path` into findings and measures.

    Raises LedgerFileError when the file cannot be read at all; problems of single
    rows are collected by the planner.
    """
    kind = check_file(path)
    try:
        with collection_paused():
            return _read(path, kind, progress)
    except LedgerFileError:
        raise
    except Exception as exc:  # the parser raises many kinds for a broken file
        logger.warning("unreadable ledger %s", path, exc_info=True)
        raise LedgerFileError(_broken_message(exc)) from exc


def _broken_message(exc):
    while exc is not None:  # a parser may wrap the XML parser's exception in its own
        if type(exc).__module__.startswith("defusedxml"):
            return "文件含不安全的 XML 内容（实体定义），已拒绝。"
        exc = exc.__cause__ or exc.__context__
    return "文件已损坏或不是有效的 Excel 工作簿，无法读取。"


def locate_ledger(path, kind):
    """(source, header found, sheet names looked at) for the first sheet with a header."""
    looked = []
    for source in open_sheets(path, kind, max_cells()):
        looked.append(source.title)
        for number, values in source.rows:
            source.head.append((number, values))
            found = find_header(number, values)
            if found:
                return source, found, looked
            if number >= HEADER_SEARCH_ROWS:
                break
    names = "、".join(COLUMNS[key] for key in REQUIRED)
    where = "、".join(f"「{title}」" for title in looked) or "文件"
    raise LedgerFileError(
        f"在{where}的前 {HEADER_SEARCH_ROWS} 行里找不到表头（至少要有 {names} 三列），"
        "请使用台账模板。"
    )


def _read(path, kind, progress):
    source, found, looked = locate_ledger(path, kind)
    header_row, columns, extra, headers = found
    notes = []
    if len(looked) > 1:
        skipped = "、".join(f"「{title}」" for title in looked[:-1])
        notes.append(f"台账在工作表「{source.title}」，已跳过前面没有表头的工作表{skipped}。")
    if source.more_sheets:
        notes.append(f"只读取了工作表「{source.title}」，其后的工作表未读取。")
    if source.has_formulas:
        notes.append("表中含公式：使用的是文件保存时的计算结果，公式本身不会被执行或保存。")
    for key, text in headers.items():
        if is_unusual(text):
            letter = get_column_letter(columns[key])
            notes.append(f"{letter}列「{text}」按「{COLUMNS[key]}」读取。")
    if extra:
        ignored = "、".join(f"{get_column_letter(i)}列「{text}」" for i, text in extra.items())
        notes.append(f"已忽略不认识的列：{ignored}。")
    sheet = Sheet(
        title=source.title,
        header_row=header_row,
        columns=columns,
        findings=[],
        errors=[],
        notes=notes,
        rows=source.last_row,
        kind=kind,
        headers=headers,
    )
    _read_body(sheet, source, progress)
    return sheet


def merges_too_large(source):
    return LedgerFileError(
        f"工作表「{source.title}」的合并单元格覆盖的范围过大，超过上限，已拒绝。"
    )


def _merge_maps(source, header_row, columns):
    """For covered cells of merged ranges in the wanted columns: {row: {col: anchor}},
    an anchor being the (row, col) of its range's top left cell.

    Ranges are clipped to the used area and their cells counted against the budget,
    so that neither a range down to row 1048576 nor many overlapping ranges do harm.
    """
    wanted = sorted(set(columns.values()))
    wanted_set = set(wanted)
    covered = {}
    budget = max_cells()
    last_row = source.last_row
    for c1, r1, c2, r2 in source.merges:
        if c1 == c2 and r1 > header_row and r1 <= r2 <= last_row:
            # The usual range: one column merged down over a finding's rows.
            if c1 not in wanted_set:
                continue
            budget -= r2 - r1 + 1
            if budget < 0:
                raise merges_too_large(source)
            for row in range(r1 + 1, r2 + 1):
                in_row = covered.get(row)
                if in_row is None:
                    covered[row] = {c1: (r1, c1)}
                else:
                    in_row[c1] = (r1, c1)
            continue
        if c2 > MAX_COLUMN or r2 > MAX_ROW or (c2 - c1 + 1) * (r2 - r1 + 1) > budget:
            where = f"{get_column_letter(min(c1, MAX_COLUMN))}{r1}"
            raise LedgerFileError(
                f"工作表「{source.title}」从 {where} 起的合并单元格远超表格的范围"
                f"（{r2 - r1 + 1} 行 × {c2 - c1 + 1} 列），疑似恶意文件，已拒绝。"
            )
        r2, c2 = min(r2, source.last_row), min(c2, source.last_col)
        if r2 <= header_row or r2 < r1 or c2 < c1:
            continue
        cols = [col for col in wanted if c1 <= col <= c2]
        budget -= len(cols) * (r2 - r1 + 1)
        if budget < 0:
            raise merges_too_large(source)
        if not cols:
            continue
        anchor = (r1, c1)
        if c2 > c1:  # the anchor's own row: the range's other columns
            in_row = covered.get(r1)
            if in_row is None:
                in_row = covered[r1] = {}
            for col in cols:
                if col != c1:
                    in_row[col] = anchor
        for row in range(r1 + 1, r2 + 1):
            in_row = covered.get(row)
            if in_row is None:
                in_row = covered[row] = {}
            for col in cols:
                in_row[col] = anchor
    return covered


def _same_finding(first, cells):
    """Whether an unmerged row goes on with the finding above: its 序号 and 问题 are
    blank, or repeat the finding's (some ledgers repeat them on every measure row)."""
    number, statement = clean_text(cells["number"]), clean_text(cells["statement"])
    if not number and not statement:
        return True
    return (
        number == clean_text(first["number"])
        and statement == clean_text(first["statement"])
        and clean_text(cells["area"]) in ("", clean_text(first["area"]))
    )


def _is_blank(value):
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _is_blank_row(cells):
    for value in cells.values():  # a plain loop: it runs for every row
        if value is None or value == "" or (value.__class__ is str and not value.strip()):
            continue
        return False
    return True


def _read_body(sheet, source, progress):
    columns = sheet.columns
    covered = _merge_maps(source, sheet.header_row, columns)
    # Anchor cells by row: {row: {col: value}}, the values filled in as the rows pass.
    anchors = {}
    for in_row in covered.values():
        for row, col in in_row.values():
            anchors.setdefault(row, {})[col] = None
    names, indexes = list(columns), [col - 1 for col in columns.values()]
    key_of = {col: key for key, col in columns.items()}
    needed = max(columns.values())
    number_col, statement_col = columns["number"], columns["statement"]
    measure_col = columns.get("measure")
    person_col = columns.get("person")
    current = None
    for number, values in source.rows:
        if progress and number % PROGRESS_EVERY == 0:
            progress(number, sheet.rows)
        if len(values) < needed:
            values = values + [None] * (needed - len(values))
        cells = dict(zip(names, [values[i] for i in indexes], strict=True))
        row_anchors = anchors.get(number)
        if row_anchors is not None:
            for col in row_anchors:
                row_anchors[col] = values[col - 1]
        row_covered = covered.get(number)
        if row_covered is not None:
            for col, (row, anchor_col) in row_covered.items():
                cells[key_of[col]] = anchors[row][anchor_col]
        if _is_blank_row(cells):
            continue  # an empty row
        continues = (
            row_covered is not None and (number_col in row_covered or statement_col in row_covered)
        ) or (current is not None and _same_finding(current.cells, cells))
        if continues and current is not None:
            current.last_row = number
        else:
            if current is not None and _is_blank(cells["area"]):
                # Written once above its findings without merging (CSV, many .xls).
                cells["area"] = current.cells["area"]
            current = SheetFinding(row=number, cells=cells, last_row=number)
            sheet.findings.append(current)
        if measure_col is not None:
            text = clean_text(cells["measure"])
            if text:
                person = cells["person"] if person_col is not None else None
                current.measures.append(SheetMeasure(row=number, text=text, person=person))
    sheet.rows = max(sheet.rows, source.last_row)
    if progress:
        progress(sheet.rows, sheet.rows)

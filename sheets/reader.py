"""Reading a 整改台账 workbook: check the file, then read its first sheet into findings.

`check_file` refuses what must never reach openpyxl (too large, not an xlsx, an
encrypted workbook, a zip bomb). `read_ledger` reads the first sheet in openpyxl's
read-only mode, which is fast but cannot see merged cells, so the merged ranges are
read from the sheet's XML in one streaming pass. The planner (`planner.plan_import`)
compares the result with the inspection; `apply.import_ledger` writes it.
Formulas are never evaluated: the values cached in the file are read.
"""

import logging
import os
import re
import zipfile
from dataclasses import dataclass, field

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .cells import clean_text, compact
from .errors import LedgerFileError, RowError
from .xlsx import COLUMNS

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
# A real workbook's XML compresses about ten times; far beyond that is a zip bomb.
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_RATIO = 100
RATIO_CHECK_FROM = 10 * 1024 * 1024
HEADER_SEARCH_ROWS = 30
PROGRESS_EVERY = 500
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
REQUIRED = ("number", "area", "statement")
# Header texts that mean one of the columns, besides the column's own name.
ALIASES = {
    "编号": "number",
    "问题类别": "area",
    "问题描述": "statement",
    "存在问题": "statement",
    "问题表现": "detail",
    "具体问题": "detail",
    "整改举措": "measure",
    "具体责任人": "person",
    "整改责任人": "person",
    "牵头部门": "department",
    "完成时限": "deadline",
    "整改结果": "result",
    "整改情况": "result",
}
HEADER_KEYS = {name: key for key, name in COLUMNS.items()} | ALIASES
MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
ROW_RE = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
FORMULA_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")


# --- the file ------------------------------------------------------------------------


def _mb(size):
    return f"{size / 1024 / 1024:.1f} MB"


def check_file(path):
    """Refuse files that must not be opened; return the names in the zip."""
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise LedgerFileError(f"文件过大（{_mb(size)}），不能超过 20 MB，请拆分后再导入。")
    with open(path, "rb") as f:
        head = f.read(8)
        if head == OLE2_MAGIC:
            # Excel keeps a password-protected workbook in an OLE2 container whose
            # stream names are UTF-16: look for the EncryptedPackage stream.
            f.seek(0)
            content = f.read()
            if "EncryptedPackage".encode("utf-16-le") in content:
                raise LedgerFileError(
                    "工作簿已加密（设置了打开密码），无法读取。"
                    "请在 Excel 中取消密码后另存为 .xlsx 再导入。"
                )
            raise LedgerFileError(
                "这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入。"
            )
    if not head.startswith(b"PK"):
        raise LedgerFileError("不是 Excel 工作簿（.xlsx）文件，请选择 .xlsx 文件。")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LedgerFileError("文件已损坏，不是完整的 xlsx 压缩包，无法读取。") from exc
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise LedgerFileError("不是 Excel 工作簿（.xlsx）文件：压缩包里没有工作簿。")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES or (total > RATIO_CHECK_FROM and total > MAX_RATIO * size):
        raise LedgerFileError(
            f"文件解压后约 {_mb(total)}，是文件本身（{_mb(size)}）的 {total // max(size, 1)} 倍，"
            "疑似压缩炸弹，已拒绝。"
        )
    return names


@dataclass
class SheetScan:
    last_row: int = 0
    merges: list = field(default_factory=list)  # (min_col, min_row, max_col, max_row)
    has_formulas: bool = False


def _column_index(letters):
    index = 0
    for char in letters.decode():
        index = index * 26 + ord(char) - 64
    return index


def scan_sheet_xml(path, member):
    """One streaming pass over the sheet's XML: merged ranges, last row, formulas."""
    scan = SheetScan()
    merges = set()
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(member) as source:
        while chunk := source.read(1 << 20):
            text = tail + chunk
            for match in MERGE_RE.finditer(text):
                c1, r1, c2, r2 = match.groups()
                merges.add((_column_index(c1), int(r1), _column_index(c2), int(r2)))
            for match in ROW_RE.finditer(text):
                scan.last_row = max(scan.last_row, int(match.group(1)))
            scan.has_formulas = scan.has_formulas or bool(FORMULA_RE.search(text))
            # Keep an overlap so that a tag cut between two chunks is seen whole.
            tail = text[-200:]
    scan.merges = sorted(merges, key=lambda m: (m[1], m[0]))
    return scan


# --- reading the sheet ---------------------------------------------------------------


@dataclass
class SheetMeasure:
    row: int
    text: str
    person: object  # the raw 责任人 cell of the row
    owner: object = None  # the User, once planned; None means the finding's person


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

    def letter(self, key):
        return get_column_letter(self.columns[key])

    def error(self, row, key, value, message):
        if key is None:
            return RowError(row, "", "", "", message)
        return RowError(row, self.letter(key), COLUMNS[key], clean_text(value), message)


def _find_header(number, values):
    """(row number, {key: column}, {column: ignored header}) if this is the header row."""
    columns, extra = {}, {}
    for index, value in enumerate(values, start=1):
        text = compact(value)
        if not text:
            continue
        key = HEADER_KEYS.get(text)
        if key and key not in columns:
            columns[key] = index
        else:
            extra[index] = clean_text(value)
    if all(key in columns for key in REQUIRED):
        return number, columns, extra
    return None


def read_ledger(path, *, progress=None):
    """Read the first sheet of the workbook at `path` into findings and measures.

    Raises LedgerFileError when the file cannot be read at all; problems of single
    rows are collected in `Sheet.errors`.
    """
    check_file(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except LedgerFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise LedgerFileError(_broken_message(exc)) from exc
    try:
        return _read_sheet(path, workbook, progress)
    except LedgerFileError:
        raise
    except Exception as exc:  # a damaged part of the zip, bad XML, an entity bomb
        logger.warning("unreadable workbook %s", path, exc_info=True)
        raise LedgerFileError(_broken_message(exc)) from exc
    finally:
        workbook.close()


def _broken_message(exc):
    while exc is not None:  # openpyxl wraps the parser's exception in its own
        if type(exc).__module__.startswith("defusedxml"):
            return "文件含不安全的 XML 内容（实体定义），已拒绝。"
        exc = exc.__cause__ or exc.__context__
    return "文件已损坏或不是有效的 Excel 工作簿，无法读取。"


def _read_sheet(path, workbook, progress):
    if not workbook.worksheets:
        raise LedgerFileError("工作簿里没有工作表。")
    worksheet = workbook.worksheets[0]
    scan = scan_sheet_xml(path, worksheet._worksheet_path)
    if scan.last_row > MAX_ROWS:
        raise LedgerFileError(
            f"工作表有 {scan.last_row} 行，超过 {MAX_ROWS} 行的上限，请拆分后再导入。"
        )
    notes = []
    if len(workbook.worksheets) > 1:
        notes.append(f"只读取了第一个工作表「{worksheet.title}」，其余工作表未读取。")
    if scan.has_formulas:
        notes.append("表中含公式：使用的是文件保存时的计算结果，公式本身不会被执行或保存。")
    worksheet.reset_dimensions()  # do not trust the stated size: read every row
    rows = enumerate(worksheet.iter_rows(values_only=True), start=1)

    found = None
    for number, values in rows:
        found = _find_header(number, values)
        if found or number >= HEADER_SEARCH_ROWS:
            break
    if not found:
        names = "、".join(COLUMNS[key] for key in REQUIRED)
        raise LedgerFileError(
            f"前 {HEADER_SEARCH_ROWS} 行里找不到表头（至少要有 {names} 三列），请使用台账模板。"
        )
    header_row, columns, extra = found
    if extra:
        ignored = "、".join(f"{get_column_letter(i)}列「{text}」" for i, text in extra.items())
        notes.append(f"已忽略不认识的列：{ignored}。")
    sheet = Sheet(
        title=worksheet.title,
        header_row=header_row,
        columns=columns,
        findings=[],
        errors=[],
        notes=notes,
        rows=scan.last_row,
    )
    _read_body(sheet, rows, scan, progress)
    return sheet


def _merge_maps(scan, header_row, columns):
    """For covered cells of merged ranges in the wanted columns: (row, col) → anchor."""
    wanted = set(columns.values())
    covered = {}
    for c1, r1, c2, r2 in scan.merges:
        if r2 <= header_row:
            continue
        for col in range(c1, c2 + 1):
            if col not in wanted:
                continue
            for row in range(r1, r2 + 1):
                if (row, col) != (r1, c1):
                    covered[(row, col)] = (r1, c1)
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


def _read_body(sheet, rows, scan, progress):
    columns = sheet.columns
    covered = _merge_maps(scan, sheet.header_row, columns)
    anchors = dict.fromkeys(covered.values())
    keys = list(columns.items())
    number_col, statement_col = columns["number"], columns["statement"]
    measure_col = columns.get("measure")
    person_col = columns.get("person")
    current = None
    for number, values in rows:
        if progress and number % PROGRESS_EVERY == 0:
            progress(number, sheet.rows)
        if number > MAX_ROWS:
            raise LedgerFileError(f"工作表超过 {MAX_ROWS} 行的上限，请拆分后再导入。")
        cells = {}
        for key, col in keys:
            value = values[col - 1] if col <= len(values) else None
            anchor = covered.get((number, col))
            if anchor is not None:
                value = anchors[anchor]
            elif (number, col) in anchors:
                anchors[(number, col)] = value
            cells[key] = value
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue  # an empty row
        continues = (
            (number, number_col) in covered
            or (number, statement_col) in covered
            or (current is not None and _same_finding(current.cells, cells))
        )
        if continues and current is not None:
            current.last_row = number
        else:
            current = SheetFinding(row=number, cells=cells, last_row=number)
            sheet.findings.append(current)
        if measure_col is not None:
            text = clean_text(cells["measure"])
            if text:
                person = cells["person"] if person_col is not None else None
                current.measures.append(SheetMeasure(row=number, text=text, person=person))
    if progress:
        progress(sheet.rows, sheet.rows)

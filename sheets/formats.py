"""What an uploaded ledger file is, and whether it is safe to hand to the parser.

`check_file` names the file's kind from its content (never from its name) and refuses
what must not be parsed: another kind of document, an encrypted workbook, a zip bomb,
shared strings that would fill the memory. `scan_xlsx_sheets` and `scan_ods` read a
workbook's XML in one streaming pass and give, per sheet, the used area (the box of
cells with content) and the merged ranges, so that a sheet is measured in cells before
python-calamine loads it.
"""

import os
import re
import zipfile
from dataclasses import dataclass, field
from posixpath import join, normpath

from defusedxml import ElementTree

from .errors import LedgerFileError

MAX_FILE_BYTES = 20 * 1024 * 1024
# A real workbook's XML compresses about ten times; far beyond that is a zip bomb.
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_RATIO = 100
RATIO_CHECK_FROM = 10 * 1024 * 1024
# The parser keeps every shared string in memory before reading a single cell.
MAX_SHARED_STRINGS_BYTES = 40 * 1024 * 1024
# The largest single part of a zip: a sheet, content.xml.
MAX_MEMBER_BYTES = 200 * 1024 * 1024
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"

XLSX, XLS, ODS, CSV = "xlsx", "xls", "ods", "csv"
SAVE_AS = "请在 Excel 或 WPS 中打开，另存为 Excel 工作簿（.xlsx）后再导入。"

# Other kinds of file that people pick by mistake: (test on the first bytes, name).
OTHER_KINDS = [
    (lambda head: head.startswith(b"%PDF"), "PDF 文件（.pdf）"),
    (lambda head: head.startswith(b"\x89PNG"), "PNG 图片"),
    (lambda head: head.startswith(b"\xff\xd8\xff"), "JPEG 图片"),
    (lambda head: head.startswith(b"Rar!"), "RAR 压缩包"),
    (lambda head: head.startswith(b"7z\xbc\xaf"), "7z 压缩包"),
    (lambda head: head.startswith(b"{\\rtf"), "RTF 文档"),
]
ZIP_KINDS = [
    ("word/document.xml", "Word文档（.docx）"),
    ("ppt/presentation.xml", "PowerPoint演示文稿（.pptx）"),
    ("xl/workbook.bin", "二进制Excel工作簿（.xlsb）"),
]
OLE2_KINDS = [
    ("WordDocument", "Word文档（.doc）"),
    ("PowerPoint Document", "PowerPoint演示文稿（.ppt）"),
]


def _mb(size):
    return f"{size / 1024 / 1024:.1f} MB"


def other_kind(name):
    return LedgerFileError(f"这是一个{name}，不是台账表格。{SAVE_AS}")


def check_file(path):
    """The file's kind (XLSX, XLS, ODS or CSV); LedgerFileError for anything else."""
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise LedgerFileError(f"文件过大（{_mb(size)}），不能超过 20 MB，请拆分后再导入。")
    if size == 0:
        raise LedgerFileError("文件是空的（0 字节），请重新选择台账文件。")
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(OLE2_MAGIC):
        return _check_ole2(path)
    if head.startswith(b"PK"):
        return _check_zip(path, size)
    for test, name in OTHER_KINDS:
        if test(head):
            raise other_kind(name)
    if b"\x00" in head:
        raise LedgerFileError(
            "无法识别的文件（不是 Excel、WPS、ODS 表格，也不是 CSV 文本）。" + SAVE_AS
        )
    return CSV


def _check_ole2(path):
    # Old Office files are OLE2 compound files; their stream names are UTF-16.
    with open(path, "rb") as f:
        content = f.read()
    if "EncryptedPackage".encode("utf-16-le") in content:
        raise LedgerFileError(
            "工作簿已加密（设置了打开密码），无法读取。请在 Excel 中取消密码后另存为 .xlsx 再导入。"
        )
    for stream, name in OLE2_KINDS:
        if stream.encode("utf-16-le") in content:
            raise other_kind(name)
    if "Workbook".encode("utf-16-le") in content or "Book".encode("utf-16-le") in content:
        return XLS
    raise LedgerFileError("文件已损坏或不是有效的 Excel 工作簿，无法读取。")


def _check_zip(path, size):
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in archive.namelist() else b""
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise LedgerFileError("文件已损坏，不是完整的 xlsx 压缩包，无法读取。") from exc
    names = {info.filename for info in infos}
    for member, name in ZIP_KINDS:
        if member in names:
            raise other_kind(name)
    if "xl/workbook.xml" in names:
        kind = XLSX
    elif mimetype.strip() == ODS_MIME and "content.xml" in names:
        kind = ODS
    elif mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
        raise other_kind("ODF 文本文档（.odt）")
    else:
        raise LedgerFileError("不是 Excel 工作簿（.xlsx）文件：压缩包里没有工作簿。")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES or (total > RATIO_CHECK_FROM and total > MAX_RATIO * size):
        raise LedgerFileError(
            f"文件解压后约 {_mb(total)}，是文件本身（{_mb(size)}）的 {total // max(size, 1)} 倍，"
            "疑似压缩炸弹，已拒绝。"
        )
    for info in infos:
        if info.filename.lower().endswith("sharedstrings.xml"):
            if info.file_size > MAX_SHARED_STRINGS_BYTES:
                raise LedgerFileError(
                    f"工作簿里的文字共 {_mb(info.file_size)}，超过 "
                    f"{_mb(MAX_SHARED_STRINGS_BYTES)} 的上限，疑似恶意文件，已拒绝。"
                )
        elif info.file_size > MAX_MEMBER_BYTES:
            raise LedgerFileError(
                f"工作簿的一部分（{info.filename}）解压后有 {_mb(info.file_size)}，"
                "超过上限，已拒绝。"
            )
    return kind


# --- measuring sheets before they are loaded ------------------------------------------


@dataclass
class SheetScan:
    """The used area (1-based, inclusive) and the merged ranges of one sheet."""

    name: str
    last_row: int = 0
    last_col: int = 0
    merges: list = field(default_factory=list)  # (min_col, min_row, max_col, max_row)
    has_formulas: bool = False

    @property
    def cells(self):
        return self.last_row * self.last_col


def column_index(letters):
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# Patterns that start with a literal are fast; a sheet written with a namespace
# prefix (<x:row>) is scanned with the slower prefixed patterns.
MERGE_RE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
PREFIXED_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
# The used area is measured without a match object per cell (too slow for millions):
# every row number, the last cell of each row, and any column past ZZ wherever it is.
ROW_RE = re.compile(rb'<row r="(\d{1,8})"')
CELL_REF_RE = re.compile(rb'r="([A-Z]{1,4})\d')
WIDE_COLUMN_RE = re.compile(rb'<c r="([A-Z]{3,4})\d')
PREFIXED = {
    "row": re.compile(rb'<(?:\w+:)?row\s[^>]*?r="(\d{1,8})"'),
    "wide": re.compile(rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]{3,4})\d'),
    "cell": rb":c ",
    "end": rb":row>",
}
FORMULA_RE = re.compile(rb"<f[\s>/]")
PREFIXED_FORMULA_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")
PREFIXED_RE = re.compile(rb"<\w+:(?:row|c|sheetData)[\s>]")


def _xml(archive, member):
    return ElementTree.fromstring(archive.read(member))


def xlsx_sheet_members(path):
    """[(sheet name, zip member)] in workbook order."""
    with zipfile.ZipFile(path) as archive:
        workbook = _xml(archive, "xl/workbook.xml")
        rels = _xml(archive, "xl/_rels/workbook.xml.rels")
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    members = []
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        target = targets.get(sheet.get(f"{REL_NS}id"), "")
        member = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
        members.append((sheet.get("name", ""), member))
    return members


def scan_xlsx_sheet(path, name, member):
    """One streaming pass over a sheet's XML: used area, merged ranges, formulas."""
    scan = SheetScan(name)
    merges = set()
    columns = {b"": 0}  # column letters → index, each computed once
    tail = b""
    row_re, wide_re, merge_re, formula_re = ROW_RE, WIDE_COLUMN_RE, MERGE_RE, FORMULA_RE
    cell_tag, row_end = b"<c ", b"</row>"
    with zipfile.ZipFile(path) as archive, archive.open(member) as source:
        while chunk := source.read(1 << 20):
            if not tail and (b"<!DOCTYPE" in chunk[:4096] or b"<!ENTITY" in chunk[:4096]):
                raise LedgerFileError("文件含不安全的 XML 内容（实体定义），已拒绝。")
            if not tail and PREFIXED_RE.search(chunk):
                row_re, wide_re = PREFIXED["row"], PREFIXED["wide"]
                merge_re, formula_re = PREFIXED_MERGE_RE, PREFIXED_FORMULA_RE
                cell_tag, row_end = PREFIXED["cell"], PREFIXED["end"]
            text = tail + chunk
            rows = row_re.findall(text)
            if rows:
                scan.last_row = max(scan.last_row, max(map(int, rows)))
            letters = set(wide_re.findall(text))
            end = text.find(row_end)
            while end != -1:
                cell = text.rfind(cell_tag, max(0, end - 100_000), end)
                if cell != -1:
                    match = CELL_REF_RE.search(text, cell, cell + 200)
                    if match:
                        letters.add(match.group(1))
                end = text.find(row_end, end + 6)
            if letters:
                widest = max(letters, key=lambda c: (len(c), c))
                scan.last_col = max(scan.last_col, column_index(widest.decode()))
            for c1, r1, c2, r2 in merge_re.findall(text):  # tens of thousands in a ledger
                first = columns.get(c1) or columns.setdefault(c1, column_index(c1.decode()))
                last = columns.get(c2) or columns.setdefault(c2, column_index(c2.decode()))
                merges.add((first, int(r1), last or first, int(r2 or r1)))
            scan.has_formulas = scan.has_formulas or bool(formula_re.search(text))
            # Keep an overlap so that a tag cut between two chunks is seen whole.
            tail = text[-300:]
    scan.merges = sorted(merges, key=lambda m: (m[1], m[0]))
    return scan


TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE_NS = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _repeat(element, attribute):
    try:
        return max(1, int(element.get(TABLE_NS + attribute, "1")))
    except ValueError:
        return 1


def scan_ods(path):
    """Every table of an .ods in one streaming pass: [SheetScan] in document order.

    Rows and cells repeated by number-rows-repeated / number-columns-repeated count as
    many times as they are repeated, but only where they have content.
    """
    scans = []
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as source:
        scan, row = None, 0
        for event, element in ElementTree.iterparse(source, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == TABLE_NS + "table":
                    scan, row = SheetScan(element.get(TABLE_NS + "name", "")), 0
                    scans.append(scan)
                continue
            if tag == TABLE_NS + "table-row" and scan is not None:
                rows = _repeat(element, "number-rows-repeated")
                col = 0
                for cell in element:
                    if not cell.tag.endswith("table-cell"):
                        continue
                    cols = _repeat(cell, "number-columns-repeated")
                    filled = len(cell) > 0 or cell.get(OFFICE_NS + "value-type") is not None
                    if filled:
                        scan.last_row = max(scan.last_row, row + rows)
                        scan.last_col = max(scan.last_col, col + cols)
                    spans = (
                        _repeat(cell, "number-columns-spanned"),
                        _repeat(cell, "number-rows-spanned"),
                    )
                    if spans != (1, 1):
                        scan.merges.append((col + 1, row + 1, col + spans[0], row + spans[1]))
                    if len(scan.merges) > MAX_MERGES:
                        raise too_many_merges(scan.name)
                    col += cols
                row += rows
                element.clear()
    return scans


# A 50,000-row ledger merges its finding columns over each finding's rows: some 225,000
# ranges. Beyond this many, an .ods is refused before its ranges are looked at.
MAX_MERGES = 400_000


def too_many_merges(name):
    return LedgerFileError(f"工作表「{name}」的合并单元格超过 {MAX_MERGES} 处，已拒绝。")


def sheet_scanner(path, kind):
    """A function: sheet name → SheetScan (or None for a format not measured first).

    An xlsx sheet is scanned only when asked for, so that sheets after the ledger are
    never read; an .ods has all its tables in one part, scanned once.
    """
    if kind == XLSX:
        members = dict(xlsx_sheet_members(path))
        return lambda name: scan_xlsx_sheet(path, name, members[name]) if name in members else None
    if kind == ODS:
        scans = {scan.name: scan for scan in scan_ods(path)}
        return scans.get
    return lambda name: None

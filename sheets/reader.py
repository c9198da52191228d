"""Importing a 整改台账 workbook: check the file, read the sheet, plan, apply.

`check_file` refuses what must never reach openpyxl (too large, not an xlsx, an
encrypted workbook, a zip bomb). `read_ledger` reads the first sheet in openpyxl's
read-only mode, which is fast but cannot see merged cells, so the merged ranges are
read from the sheet's XML in one streaming pass. `plan_import` compares the sheet with
the inspection and lists what would be created, updated, left unchanged and every
error; `import_ledger` re-plans inside one transaction and writes it all, or nothing.
Formulas are never evaluated: the values cached in the file are read.
"""

import logging
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from findings.models import Area, Finding, FindingKind, Inspection, Measure, Status, User

from .xlsx import COLUMNS, KIND_LABELS, STATUS_LABELS, safe_value, unneutralise

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
# Fields of a finding that the sheet can set, with the column each one comes from.
FINDING_FIELDS = {
    "statement": "statement",
    "detail": "detail",
    "responsible_leader": "leader",
    "responsible_person": "person",
    "responsible_department": "department",
    "deadline": "deadline",
    "kind": "kind",
    "result": "result",
}
KIND_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}
STATUS_SEPARATORS_RE = re.compile(r"[\s·•・.．,，、/]")
STATUS_BY_LABEL = {STATUS_SEPARATORS_RE.sub("", label): s for s, label in STATUS_LABELS.items()}
ORDINAL_RE = re.compile(
    r"^(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．]|第[一二三四五六七八九十\d]+[、.．]?)"
)
DATE_RES = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
]
NUMBER_RE = re.compile(r"^[（(]?(\d+)[)）]?[.、]?$")
MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
ROW_RE = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
FORMULA_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")


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


# --- cell values ---------------------------------------------------------------------


def clean_text(value):
    """Cell text with stray whitespace removed; numbers as written."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip(" \t\n\u3000\u00a0")
    return unneutralise(text)


def compact(value):
    """Text for matching names and labels: full-width folded, no whitespace at all."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", clean_text(value)))


def area_key(title):
    return ORDINAL_RE.sub("", compact(title))


def parse_number(value):
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 0 < value < 32768:
            return int(value)
        return None
    match = NUMBER_RE.match(compact(value))
    if match and 0 < int(match.group(1)) < 32768:
        return int(match.group(1))
    return None


def parse_deadline(value):
    """(date or None, kind or None); raises ValueError for what is not a date."""
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # an Excel serial date without a date format
            return from_excel(value).date(), None
        raise ValueError
    text = compact(value)
    if not text:
        return None, None
    if text in ("长期坚持", "立行立改"):
        return None, KIND_BY_LABEL[text]
    for pattern in DATE_RES:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day), None  # ValueError for 2024-02-30
    raise ValueError


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


# --- planning against the inspection -------------------------------------------------


@dataclass
class Change:
    field: str  # the column's header, as in the sheet
    old: str
    new: str


@dataclass
class PlannedFinding:
    source: SheetFinding
    finding: Finding  # unsaved for a creation; the updated copy for an update
    area_title: str
    changes: list = field(default_factory=list)
    new_measures: list = field(default_factory=list)  # unsaved Measure, finding set later
    changed_measures: list = field(default_factory=list)
    changed_fields: set = field(default_factory=set)


@dataclass
class ImportPlan:
    inspection: Inspection
    sheet: Sheet
    new_areas: list = field(default_factory=list)
    to_create: list = field(default_factory=list)
    to_update: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # Findings not in the file
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def has_changes(self):
        return bool(self.new_areas or self.to_create or self.to_update)

    def summary(self, limit=200):
        """A JSON-able account of the plan for the preview page and the command."""

        def finding_row(planned):
            f = planned.finding
            return {
                "row": planned.source.row,
                "area": planned.area_title,
                "number": f.number,
                "statement": f.statement,
                "measures": len(planned.source.measures),
                "changes": [vars(c) for c in planned.changes],
            }

        return {
            "rows": self.sheet.rows,
            "header_row": self.sheet.header_row,
            "counts": {
                "create": len(self.to_create),
                "update": len(self.to_update),
                "unchanged": len(self.unchanged),
                "missing": len(self.missing),
                "errors": len(self.errors),
                "new_areas": len(self.new_areas),
            },
            "new_areas": [area.title for area in self.new_areas],
            "create": [finding_row(p) for p in self.to_create[:limit]],
            "update": [finding_row(p) for p in self.to_update[:limit]],
            "unchanged": [finding_row(p) for p in self.unchanged[:limit]],
            "missing": [
                {"area": f.area.title, "number": f.number, "statement": f.statement}
                for f in self.missing[:limit]
            ],
            "errors": [e.as_dict() for e in self.errors],
            "notes": self.sheet.notes + self.notes,
        }


def _people_index(inspection):
    people = {}
    for user in User.objects.filter(memberships__organisation=inspection.organisation_id):
        people.setdefault(compact(user.display_name), []).append(user)
    return people


class _Planner:
    def __init__(self, inspection, sheet):
        self.sheet = sheet
        self.plan = ImportPlan(inspection=inspection, sheet=sheet)
        self.people = _people_index(inspection)
        self.users_by_id = {u.pk: u for users in self.people.values() for u in users}
        self.areas = {area_key(a.title): a for a in inspection.areas.all()}
        self.may_create_areas = not self.areas
        self.existing = {
            (f.area_id, f.number): f
            for f in Finding.objects.filter(area__inspection=inspection).select_related("area")
        }
        self.measures = {}
        for measure in Measure.objects.filter(finding__area__inspection=inspection).order_by(
            "finding_id", "position"
        ):
            self.measures.setdefault(measure.finding_id, []).append(measure)
        self.seen = {}
        self.matched = set()
        self.has = set(sheet.columns)

    def error(self, row, key, value, message):
        self.plan.errors.append(self.sheet.error(row, key, value, message))

    def person(self, row, key, value):
        name = compact(value)
        if not name:
            return None
        users = self.people.get(name)
        if not users:
            self.error(row, key, value, "本单位没有这个人（按显示名匹配）")
            return None
        if len(users) > 1:
            self.error(row, key, value, "本单位有多人同名，无法确定是谁")
            return None
        return users[0]

    def area(self, source):
        value = source.cells["area"]
        title = clean_text(value)
        if not title:
            self.error(source.row, "area", value, "问题方面为空")
            return None
        key = area_key(title)
        area = self.areas.get(key)
        if area is None and self.may_create_areas:
            area = Area(inspection=self.plan.inspection, position=len(self.areas) + 1, title=title)
            self.areas[key] = area
            self.plan.new_areas.append(area)
        if area is None:
            self.error(source.row, "area", value, "本次巡察没有这个问题方面")
        return area

    def kind_and_deadline(self, source, existing):
        cells, row = source.cells, source.row
        type_kind = word_kind = deadline = None
        ok = True
        if "kind" in self.has and compact(cells["kind"]):
            type_kind = KIND_BY_LABEL.get(compact(cells["kind"]))
            if type_kind is None:
                labels = "、".join(KIND_LABELS.values())
                self.error(row, "kind", cells["kind"], f"整改类型只能是{labels}")
                ok = False
        if "deadline" in self.has:
            try:
                deadline, word_kind = parse_deadline(cells["deadline"])
            except ValueError:
                self.error(row, "deadline", cells["deadline"], "无法识别的日期（例：2024-01-31）")
                return None, None
        elif existing is not None:
            deadline = existing.deadline
        if not ok:
            return None, None
        if type_kind and word_kind and type_kind != word_kind:
            self.error(row, "deadline", cells["deadline"], "与整改类型不一致")
            return None, None
        kind = type_kind or word_kind
        if kind is None and existing is not None and "kind" not in self.has:
            kind = existing.kind  # a file without 整改类型 leaves the kind alone
        if kind is None and deadline is not None:
            kind = FindingKind.DEADLINE
        if kind is None:
            key = "deadline" if "deadline" in self.has else None
            self.error(row, key, None, "整改时限和整改类型都为空")
            return None, None
        if kind == FindingKind.DEADLINE and deadline is None:
            key = "deadline" if "deadline" in self.has else "kind"
            self.error(row, key, cells.get(key), "限期整改必须填写整改时限")
            return None, None
        return kind, deadline

    def status(self, source):
        if "status" not in self.has:
            return None
        value = source.cells["status"]
        text = STATUS_SEPARATORS_RE.sub("", compact(value))
        if not text:
            return None
        status = STATUS_BY_LABEL.get(text)
        if status is None:
            labels = "、".join(STATUS_LABELS.values())
            self.error(source.row, "status", value, f"整改状态只能是{labels}")
        return status

    def values(self, source, existing):
        """The finding's fields as the sheet gives them, or None after an error."""
        cells, row = source.cells, source.row
        errors_before = len(self.plan.errors)
        values = {}
        statement = clean_text(cells["statement"])
        if not statement:
            self.error(row, "statement", cells["statement"], "问题为空")
        values["statement"] = statement
        for field_name, key in (
            ("detail", "detail"),
            ("responsible_department", "department"),
            ("result", "result"),
        ):
            if key in self.has:
                values[field_name] = clean_text(cells[key])
        if "leader" in self.has:
            values["responsible_leader"] = self.person(row, "leader", cells["leader"])
        if "person" in self.has:
            values["responsible_person"] = self.person(row, "person", cells["person"])
        values["kind"], values["deadline"] = self.kind_and_deadline(source, existing)
        values["status"] = self.status(source)
        if "person" in self.has:
            for measure in source.measures:
                if measure.row == row:
                    measure.owner = values["responsible_person"]
                else:
                    measure.owner = self.person(measure.row, "person", measure.person)
        if len(self.plan.errors) > errors_before:
            return None
        return values

    def run(self):
        for source in self.sheet.findings:
            self.plan_finding(source)
        self.plan.missing = [
            f
            for key, f in sorted(
                self.existing.items(), key=lambda kv: (kv[1].area.position, kv[1].number)
            )
            if key not in self.matched
        ]
        return self.plan

    def plan_finding(self, source):
        number = parse_number(source.cells["number"])
        if number is None:
            self.error(source.row, "number", source.cells["number"], "序号必须是正整数")
        area = self.area(source)
        if number is None or area is None:
            self.values(source, None)  # report the row's other errors too
            return
        key = (area.pk or id(area), number)
        if key in self.seen:
            self.error(
                source.row,
                "number",
                source.cells["number"],
                f"序号在同一问题方面里重复（第{self.seen[key]}行已有）",
            )
            return
        self.seen[key] = source.row
        existing = self.existing.get(key) if area.pk else None
        values = self.values(source, existing)
        if values is None:
            return
        status = values.pop("status")
        if existing is None:
            self.plan_creation(source, area, number, values, status)
        else:
            self.matched.add(key)
            self.plan_update(source, existing, values, status)

    def plan_creation(self, source, area, number, values, status):
        finding = Finding(area=area, number=number, status=status or Status.NOT_STARTED, **values)
        planned = PlannedFinding(source=source, finding=finding, area_title=area.title)
        for position, measure in enumerate(source.measures, start=1):
            planned.new_measures.append(
                Measure(finding=finding, position=position, text=measure.text, owner=measure.owner)
            )
        self.plan.to_create.append(planned)

    def plan_update(self, source, existing, values, status):
        planned = PlannedFinding(source=source, finding=existing, area_title=existing.area.title)
        person_before = existing.responsible_person_id
        for field_name, new in values.items():
            model_field = Finding._meta.get_field(field_name)
            old = getattr(existing, model_field.attname)
            if model_field.is_relation:
                old, new_value = self.users_by_id.get(old), (new.pk if new else None)
                same = (old.pk if old else None) == new_value
            else:
                same = old == new
            if not same:
                planned.changes.append(
                    Change(
                        COLUMNS[FINDING_FIELDS[field_name]],
                        _shown(old, field_name),
                        _shown(new, field_name),
                    )
                )
                setattr(existing, field_name, new)
                planned.changed_fields.add(model_field.attname)
        if status is not None and status != existing.status:
            self.plan.notes.append(
                f"第{source.row}行：整改状态与系统不同（系统为“{STATUS_LABELS[existing.status]}”），"
                "状态以系统中的销号流程为准，未导入。"
            )
        self.plan_measures(planned, existing, person_before)
        if planned.changes and existing.is_signed_off:
            # A signed-off finding is read-only until the principal reopens it.
            changed = "、".join(change.field for change in planned.changes)
            self.error(
                source.row,
                "statement",
                existing.statement,
                f"该问题已销号，不能通过导入修改（{changed}）；如需修改，请先由主要负责人重新打开。",
            )
            self.plan.unchanged.append(planned)
        elif planned.changes:
            existing.version += 1
            planned.changed_fields.add("version")
            self.plan.to_update.append(planned)
        else:
            self.plan.unchanged.append(planned)

    def plan_measures(self, planned, finding, person_before):
        """Measures in file order against the finding's by position; owners compared as
        the person who is in charge (a measure without owner: the finding's person)."""
        current = self.measures.get(finding.pk, [])
        has_person = "person" in self.has
        for position, measure in enumerate(planned.source.measures, start=1):
            if position > len(current):
                planned.new_measures.append(
                    Measure(
                        finding=finding, position=position, text=measure.text, owner=measure.owner
                    )
                )
                planned.changes.append(Change(f"措施 {position}", "", measure.text))
                continue
            old = current[position - 1]
            owner_changed = has_person and (old.owner_id or person_before) != (
                measure.owner.pk if measure.owner else finding.responsible_person_id
            )
            if old.text != measure.text or owner_changed:
                shown_old = old.text
                if owner_changed:
                    shown_old += f"（{self.users_by_id.get(old.owner_id or person_before, '')}）"
                planned.changes.append(Change(f"措施 {position}", shown_old, measure.text))
                old.text = measure.text
                if owner_changed:
                    old.owner = measure.owner
                planned.changed_measures.append(old)
        if len(current) > len(planned.source.measures) and planned.source.measures:
            self.plan.notes.append(
                f"第{planned.source.row}行：系统中的措施比文件多"
                f"（{len(current)} 条对 {len(planned.source.measures)} 条），多出的措施保留不删。"
            )


def _shown(value, field_name):
    if value is None:
        return ""
    if field_name == "kind":
        return KIND_LABELS[value]
    return str(value)


def plan_import(*, inspection, sheet):
    """Compare the sheet with the inspection; nothing is written."""
    return _Planner(inspection, sheet).run()


# --- writing -------------------------------------------------------------------------


def change_reason(filename):
    return f"导入：{filename}"


def import_ledger(*, inspection, sheet, filename, by=None):
    """Re-plan against the current ledger and write it all in one transaction.

    Raises ImportRefused (nothing written) when the plan has errors.
    """
    with transaction.atomic():
        # One import at a time per inspection; the plan is made again under the lock.
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        plan = plan_import(inspection=inspection, sheet=sheet)
        if plan.errors:
            raise ImportRefused(plan)
        _write(plan, reason=change_reason(filename), by=by)
    return plan


def _write(plan, *, reason, by):
    history = {"default_user": by, "default_change_reason": reason}
    # Objects planned against unsaved areas and findings get their ids as these are
    # created (the databases we support return them from bulk inserts).
    if plan.new_areas:
        bulk_create_with_history(plan.new_areas, Area, **history)
    if plan.to_create:
        bulk_create_with_history([p.finding for p in plan.to_create], Finding, **history)
    if plan.to_update:
        fields = sorted(set().union(*(p.changed_fields for p in plan.to_update)))
        bulk_update_with_history([p.finding for p in plan.to_update], Finding, fields, **history)
    new_measures = [m for p in plan.to_create + plan.to_update for m in p.new_measures]
    if new_measures:
        bulk_create_with_history(new_measures, Measure, **history)
    changed_measures = [m for p in plan.to_update for m in p.changed_measures]
    if changed_measures:
        bulk_update_with_history(changed_measures, Measure, ["text", "owner"], **history)


# --- the errors, as a copy of the workbook -------------------------------------------


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

"""Workbooks built in the tests: the ledger layout, messy variants and bad files."""

import re
import zipfile
from datetime import date

from openpyxl import Workbook

HEADER = ["序号", "问题方面", "问题", "具体表现", "整改措施", "责任领导", "责任人", "责任部门",
          "整改时限", "整改类型", "整改状态", "整改成效"]  # fmt: skip


def write_xlsx(path, rows, *, merges=(), sheet_title="整改台账"):
    """Write rows (lists of cell values) to a one-sheet workbook, then merge ranges."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet_title
    for row in rows:
        ws.append(row)
    for cell_range in merges:
        ws.merge_cells(cell_range)
    workbook.save(path)
    return path


def ledger_row(number, area, statement, *, measure="", person="办公室干事", **cells):
    """One row in HEADER order; `cells` may set leader, deadline, kind, status, result."""
    values = {"leader": "副书记", "deadline": date(2024, 12, 31), "kind": "限期整改",
              "status": "未启动", "result": ""} | cells  # fmt: skip
    return [number, area, statement, "", measure, values["leader"], person, "办公室",
            values["deadline"], values["kind"], values["status"], values["result"]]  # fmt: skip


def simple_ledger(path, count, *, area="聚焦第1方面", bad_row=None, bad_deadline="2024-13-45"):
    """`count` one-row findings under the header; the finding at index `bad_row` has a
    deadline that is not a date."""
    rows = [HEADER]
    for i in range(count):
        extra = {"deadline": bad_deadline} if i == bad_row else {}
        rows.append(ledger_row(i + 1, area, f"问题{i + 1}", measure=f"措施{i + 1}", **extra))
    return write_xlsx(path, rows)


def rewrite_member(path, member, transform):
    """Rewrite one member of a zip (xlsx) with `transform(bytes) -> bytes`."""
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            target.writestr(info, transform(data) if info.filename == member else data)
    return path


def put_formula(path, cell, formula, cached):
    """Make `cell` of the first sheet a formula with a cached string value."""

    def transform(xml):
        pattern = re.compile(rb'<c r="' + cell.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)
        replacement = f'<c r="{cell}" t="str"><f>{formula}</f><v>{cached}</v></c>'.encode()
        new, count = pattern.subn(replacement, xml, count=1)
        assert count == 1, f"no cell {cell}"
        return new

    return rewrite_member(path, "xl/worksheets/sheet1.xml", transform)

"""Hostile files: each is refused (or read within bounds) quickly, with little memory.

Every bomb is built here, then read in a fresh Python process that reports how long
it took and how much its peak resident memory (VmHWM) grew while reading.
"""

import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from findings.models import Finding

from .fixtures_sheet import rewrite_member, simple_ledger

ROOT = Path(__file__).resolve().parent.parent
PROBE = r"""
import json, os, sys, time
import django
django.setup()
from sheets.errors import LedgerFileError, annotated_copy
from sheets.reader import read_ledger

def peak_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

path, mode = sys.argv[1], sys.argv[2]
base, start = peak_kb(), time.monotonic()
result = {"refused": None, "sheets": None}
try:
    if mode == "read":
        read_ledger(path)
    else:
        workbook = annotated_copy(path, [], header_row=1)
        workbook.save(path + ".errors.xlsx")
        result["sheets"] = workbook.sheetnames
except LedgerFileError as exc:
    result["refused"] = exc.message
result["seconds"] = time.monotonic() - start
result["grown_mb"] = (peak_kb() - base) / 1024
print(json.dumps(result))
"""


def probe(path, mode="read"):
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "rectify.settings", "SECRET_KEY": "probe"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def assert_bounded(result):
    assert result["seconds"] < 10, result
    assert result["grown_mb"] < 300, result


def add_merges(path, refs):
    cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs)
    block = f'<mergeCells count="{len(refs)}">{cells}</mergeCells>'.encode()
    return rewrite_member(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + block, 1),
    )


def test_a_merged_range_down_to_the_last_row_is_refused_quickly(tmp_path):
    path = add_merges(simple_ledger(tmp_path / "merge.xlsx", 3), ["A2:L1048576"])
    assert path.stat().st_size < 8 * 1024

    result = probe(path)

    assert_bounded(result)
    assert result["refused"] == (
        "工作表「整改台账」从 A2 起的合并单元格远超表格的范围（1048575 行 × 12 列），"
        "疑似恶意文件，已拒绝。"
    )


def test_two_hundred_ranges_wider_than_any_sheet_are_refused_quickly(tmp_path):
    path = add_merges(simple_ledger(tmp_path / "wide.xlsx", 3), ["A1:ZZZZZ1"] * 200)

    result = probe(path)

    assert_bounded(result)
    assert result["refused"].startswith("工作表「整改台账」从 A1 起的合并单元格远超表格的范围")


def big_second_sheet(path, *, ledger_first):
    workbook = Workbook(write_only=True)
    ledger = workbook.create_sheet("整改台账")
    big = workbook.create_sheet("数据", 0 if not ledger_first else None)
    for row in [["序号", "问题方面", "问题"], [1, "聚焦第1方面", "问题1"]]:
        ledger.append(row)
    row = list(range(100))
    for _ in range(45_000):
        big.append(row)
    workbook.save(path)
    return path


def test_the_error_workbook_copies_the_ledger_sheet_only_whatever_follows_it(tmp_path):
    path = big_second_sheet(tmp_path / "big.xlsx", ledger_first=True)

    result = probe(path, "annotate")

    assert_bounded(result)
    assert result["refused"] is None and result["sheets"] == ["整改台账"]
    assert_bounded(probe(path))


def test_a_sheet_over_the_cell_budget_before_the_ledger_is_refused_before_loading(tmp_path):
    path = big_second_sheet(tmp_path / "big-first.xlsx", ledger_first=False)

    result = probe(path)

    assert_bounded(result)
    assert result["refused"] == (
        "工作表「数据」的使用区域有 45000 行 × 100 列（4500000 个单元格），"
        "超过 1500000 个单元格的上限。请删除多余的行和列，或拆分后再导入。"
    )


def test_shared_strings_that_would_fill_the_memory_are_refused_before_parsing(tmp_path):
    # About 290 MB of strings that compress about a hundred times (under the ratio
    # limit), in a file of a few MB.
    rng = random.Random(11)
    path = simple_ledger(tmp_path / "strings.xlsx", 2)
    filler = "整改台账" * 40
    chunk = "".join(f"<si><t>{rng.getrandbits(48):012x}{filler}</t></si>" for _ in range(2000))
    with zipfile.ZipFile(path) as source:
        items = [(i, source.read(i.filename)) for i in source.infolist()]
    rel = (
        b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info, data in items:
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", rel + b"</Relationships>")
            target.writestr(info, data)
        with target.open("xl/sharedStrings.xml", "w") as out:
            out.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            data = chunk.encode()
            for _ in range(290 * 1024 * 1024 // len(data)):
                out.write(data)
            out.write(b"</sst>")
    size = path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        total = sum(i.file_size for i in archive.infolist())
    assert total > 280 * 1024 * 1024 and total < 100 * size, (total, size)

    result = probe(path)

    assert_bounded(result)
    assert result["refused"].startswith("工作簿里的文字共 ")
    assert result["refused"].endswith("的上限，疑似恶意文件，已拒绝。")


def test_a_refused_bomb_writes_nothing(unit, tmp_path):
    from django.core.management import CommandError, call_command

    path = add_merges(simple_ledger(tmp_path / "merge.xlsx", 3), ["A2:L1048576"])
    with pytest.raises(CommandError):
        call_command("import_ledger", str(path), inspection=unit.inspection.code)
    assert not Finding.objects.exists()

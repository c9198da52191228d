"""One real-looking 整改台账 written as .xlsx, .xls, .ods and .csv (UTF-8, BOM, GB18030).

The ledger has what units' ledgers have: an instructions sheet first (workbooks), a
title and a line of particulars above the header, the header words units write
(问题类别, 存在问题, 完成期限, 整改进度…, and 备注), the area merged down over its
findings, one finding over three measure rows, dates as dates and as text in several
forms, full-width digits, padded names, several names in one cell and a name that has
no account.
"""

import csv
import zipfile
from datetime import date
from xml.sax.saxutils import escape

import xlwt
from openpyxl import Workbook

HEADER = ["序号", "问题类别", "存在问题", "主要表现", "整改措施", "责任领导", "责任人",
          "责任科室", "完成期限", "整改类型", "整改进度", "整改落实情况", "备注"]  # fmt: skip
INSTRUCTIONS = [["填表说明"], ["1. 每个问题一行，措施多的可以分行填写。"],
                ["2. 日期写成2024-01-31。"]]  # fmt: skip
HEADER_ROW = 3


def ledger_grid(*, text_dates=False):
    """(rows, merges) of the ledger sheet; merges are (min_row, min_col, max_row, max_col),
    1-based. With text_dates every date is written as text (CSV)."""
    first_deadline = "2024-03-31" if text_dates else date(2024, 3, 31)
    rows = [
        ["某单位巡察整改台账"] + [""] * 12,
        ["填报单位：测试单位", "", "", "", "", "", "", "", "填报日期：2024年6月1日"] + [""] * 4,
        HEADER,
        [1, "（一）聚焦第1方面", "学习制度不健全", "学习计划不具体", "修订学习制度", "副书记",
         "办公室干事、组织干事", "办公室", first_deadline, "限期整改", "正在推进", "", "备注一"],
        ["", "", "", "", "制定年度计划", "", "组织干事", "", "", "", "", "", ""],
        ["", "", "", "", "每月交流研讨", "", "档案员", "", "", "", "", "", ""],
        ["２", "", "台账不规范", "", "建立问题台账", "副 书 记", " 办公室干事 ", "办公室",
         "2024/4/30", "", "已完成", "已建立台账并每月更新", ""],
        [3, "（二）聚焦第2方面", "制度执行不严", "", "开展专项检查", "纪检委员",
         "新来的干事/办公室干事", "纪检组", "2024年5月31日", "", "持续推进", "", ""],
        [4, "", "作风建设需加强", "", "", "纪检委员", "办公室干事", "", "长期坚持", "长期坚持",
         "未开始", "", ""],
    ]  # fmt: skip
    merges = [(1, 1, 1, 13), (4, 1, 6, 1), (4, 3, 6, 3), (4, 4, 6, 4), (4, 6, 6, 6),
              (4, 9, 6, 9), (4, 10, 6, 10), (4, 11, 6, 11), (4, 12, 6, 12), (4, 2, 7, 2),
              (8, 2, 9, 2)]  # fmt: skip
    return rows, merges


def _blank_covered(rows, merges):
    """The values a spreadsheet keeps: only the first cell of a merged range."""
    rows = [list(r) for r in rows]
    for r1, c1, r2, c2 in merges:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    rows[r - 1][c - 1] = ""
    return rows


def write_ledger_xlsx(path):
    rows, merges = ledger_grid()
    workbook = Workbook()
    notes = workbook.active
    notes.title = "填表说明"
    for row in INSTRUCTIONS:
        notes.append(row)
    ws = workbook.create_sheet("整改台账")
    for row in _blank_covered(rows, merges):
        ws.append([None if v == "" else v for v in row])
    for r1, c1, r2, c2 in merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    workbook.save(path)
    return path


def write_ledger_xls(path):
    rows, merges = ledger_grid()
    book = xlwt.Workbook(encoding="utf-8")
    notes = book.add_sheet("填表说明")
    for r, row in enumerate(INSTRUCTIONS):
        notes.write(r, 0, row[0])
    ws = book.add_sheet("整改台账")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    anchors = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in merges}
    covered = {(r, c) for r1, c1, r2, c2 in merges
               for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - set(anchors)  # fmt: skip
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if (r, c) in covered:
                continue
            style = date_style if isinstance(value, date) else xlwt.Style.default_style
            if (r, c) in anchors:
                r2, c2 = anchors[(r, c)]
                ws.write_merge(r - 1, r2 - 1, c - 1, c2 - 1, value, style)
            elif value != "":
                ws.write(r - 1, c - 1, value, style)
    book.save(str(path))
    return path


ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
)


def _ods_cell(value, span=None):
    attrs = ""
    if span:
        attrs += f' table:number-rows-spanned="{span[0]}" table:number-columns-spanned="{span[1]}"'
    if value == "" or value is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(value, date):
        iso = value.isoformat()
        return (f'<table:table-cell{attrs} office:value-type="date" office:date-value="{iso}">'
                f"<text:p>{iso}</text:p></table:table-cell>")  # fmt: skip
    if isinstance(value, int | float):
        return (f'<table:table-cell{attrs} office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")  # fmt: skip
    return (f'<table:table-cell{attrs} office:value-type="string">'
            f"<text:p>{escape(str(value))}</text:p></table:table-cell>")  # fmt: skip


def _ods_table(name, rows, merges=()):
    anchors = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in merges}
    covered = {(r, c) for r1, c1, r2, c2 in merges
               for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - set(anchors)  # fmt: skip
    out = [f'<table:table table:name="{escape(name)}">']
    for r, row in enumerate(rows, start=1):
        out.append("<table:table-row>")
        for c, value in enumerate(row, start=1):
            if (r, c) in covered:
                out.append("<table:covered-table-cell/>")
            else:
                out.append(_ods_cell(value, anchors.get((r, c))))
        out.append("</table:table-row>")
    out.append("</table:table>")
    return "".join(out)


def write_ods(path, tables):
    """An .ods with `tables` [(name, rows, merges)], written as its XML by hand."""
    body = "".join(_ods_table(*table) for table in tables)
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS}>'
               f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>"
               "</office:document-content>")  # fmt: skip
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return path


def write_ledger_ods(path):
    rows, merges = ledger_grid()
    return write_ods(path, [("填表说明", INSTRUCTIONS, ()), ("整改台账", rows, merges)])


def write_ledger_csv(path, encoding):
    """A CSV as Excel or WPS export it: merged cells keep their value in the first row."""
    rows, merges = ledger_grid(text_dates=True)
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(_blank_covered(rows, merges))
    return path


WRITERS = {
    "xlsx": write_ledger_xlsx,
    "xls": write_ledger_xls,
    "ods": write_ledger_ods,
    "utf-8.csv": lambda p: write_ledger_csv(p, "utf-8"),
    "bom.csv": lambda p: write_ledger_csv(p, "utf-8-sig"),
    "gb18030.csv": lambda p: write_ledger_csv(p, "gb18030"),
}

"""Bad files are refused with a clear message, and nothing is written; export and template."""

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from findings.models import Finding
from sheets.errors import LedgerFileError
from sheets.export import export_workbook, template_workbook
from sheets.reader import read_ledger
from sheets.xlsx import safe_value

from .fixtures_sheet import HEADER, ledger_row, rewrite_member, simple_ledger, write_xlsx


def refusal(path):
    with pytest.raises(LedgerFileError) as error:
        read_ledger(path)
    return error.value.message


def test_a_file_of_another_kind_is_refused_with_its_name_and_what_to_do(tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"%PDF-1.7\n" + bytes(100))
    assert refusal(path) == (
        "这是一个PDF 文件（.pdf），不是台账表格。"
        "请在 Excel 或 WPS 中打开，另存为 Excel 工作簿（.xlsx）后再导入。"
    )
    docx = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert refusal(docx).startswith("这是一个Word文档（.docx），不是台账表格。请在 Excel 或 WPS")


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refusal(path) == "不是 Excel 工作簿（.xlsx）文件：压缩包里没有工作簿。"


def test_a_truncated_zip_is_refused_as_corrupt(tmp_path):
    path = simple_ledger(tmp_path / "cut.xlsx", 20)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert refusal(path) == "文件已损坏，不是完整的 xlsx 压缩包，无法读取。"


def test_a_zip_with_damaged_contents_is_refused_as_corrupt(tmp_path):
    path = simple_ledger(tmp_path / "damaged.xlsx", 20)
    rewrite_member(path, "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2])
    assert refusal(path) == "文件已损坏或不是有效的 Excel 工作簿，无法读取。"


def test_an_encrypted_workbook_is_refused(tmp_path):
    # Excel saves a workbook with an opening password as an OLE2 compound file holding
    # an "EncryptedPackage" stream (names in UTF-16); this is the start of such a file.
    path = tmp_path / "secret.xlsx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(1000)
        + "EncryptionInfo".encode("utf-16-le")
        + bytes(50)
        + "EncryptedPackage".encode("utf-16-le")
        + bytes(3000)
    )
    assert refusal(path) == (
        "工作簿已加密（设置了打开密码），无法读取。请在 Excel 中取消密码后另存为 .xlsx 再导入。"
    )


def test_an_old_word_document_is_refused_as_a_word_document(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"))
    assert refusal(path).startswith("这是一个Word文档（.doc），不是台账表格。")


def test_a_file_larger_than_20_mb_is_refused(tmp_path):
    path = tmp_path / "huge.xlsx"
    with open(path, "wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(20 * 1024 * 1024 + 1)
    assert refusal(path) == "文件过大（20.0 MB），不能超过 20 MB，请拆分后再导入。"


def test_a_zip_bomb_is_refused_before_it_is_opened(tmp_path):
    path = simple_ledger(tmp_path / "bomb.xlsx", 1)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(60 * 1024 * 1024))
    message = refusal(path)
    assert message.startswith("文件解压后约 60.0 MB，是文件本身（0.1 MB）的 ")
    assert message.endswith("倍，疑似压缩炸弹，已拒绝。")


def test_a_sheet_over_the_cell_budget_is_refused_before_it_is_loaded(tmp_path, settings):
    settings.IMPORT_MAX_CELLS = 1000
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("整改台账")
    ws.append(HEADER)
    for i in range(100):
        ws.append([i + 1, "聚焦第1方面", f"问题{i + 1}"])
    path = tmp_path / "long.xlsx"
    workbook.save(path)
    assert refusal(path) == (
        "工作表「整改台账」的使用区域有 101 行 × 12 列（1212 个单元格），超过 1000 个单元格的上限。"
        "请删除多余的行和列，或拆分后再导入。"
    )


def test_an_xml_entity_bomb_is_refused(tmp_path):
    path = simple_ledger(tmp_path / "entities.xlsx", 1)
    bomb = (
        b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    rewrite_member(path, "xl/worksheets/sheet1.xml", lambda xml: bomb + xml)
    assert refusal(path) == "文件含不安全的 XML 内容（实体定义），已拒绝。"


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.write_text("plain text", encoding="utf-8"),
        lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)),
    ],
)
def test_a_refused_file_writes_nothing(unit, tmp_path, make):
    from django.core.management import CommandError, call_command

    path = tmp_path / "bad.xlsx"
    make(path)
    with pytest.raises(CommandError):
        call_command("import_ledger", str(path), inspection=unit.inspection.code)
    assert not Finding.objects.exists()


# --- the safe writer, export and template --------------------------------------------


def test_the_safe_writer_neutralises_formulas_and_strips_forbidden_characters():
    assert safe_value('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [safe_value(t) for t in ("+1", "-1", "@SUM(A1)")] == ["'+1", "'-1", "'@SUM(A1)"]
    assert safe_value("问题\x00\x07\x1f一\n二\t三") == "问题一\n二\t三"
    assert safe_value(5) == 5


def test_exported_text_that_looks_like_a_formula_stays_text_and_round_trips(unit, tmp_path):
    finding = unit.add_findings(1)[0]
    finding.statement = "=SUM(A1:A3)"
    finding.result = "-完成\x0b"
    finding.save()
    path = tmp_path / "out.xlsx"
    export_workbook(unit.inspection).save(path)
    ws = load_workbook(path).active
    assert (ws["C3"].value, ws["C3"].data_type) == ("'=SUM(A1:A3)", "s")
    assert ws["L3"].value == "'-完成"
    sheet = read_ledger(path)
    assert sheet.findings[0].cells["statement"] == "'=SUM(A1:A3)"
    from sheets.planner import plan_import

    finding.result = "-完成"
    finding.save()
    plan = plan_import(inspection=unit.inspection, sheet=sheet)
    assert len(plan.unchanged) == 1 and not plan.to_update


def test_the_export_has_the_ledger_layout(seeded, tmp_path):
    from findings.models import Measure

    first = Finding.objects.get(area__inspection=seeded, area__position=1, number=1)
    for position in (1, 2, 3):
        Measure.objects.create(finding=first, position=position, text=f"措施{position}")
    workbook = export_workbook(seeded)
    buffer = io.BytesIO()
    workbook.save(buffer)
    ws = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert (
        ws["A1"].value
        == "共青团石家庄市新华区委员会巡察整改台账（区委第二巡察组 · 常规巡察 · 2023）"
    )
    assert [c.value for c in ws[2]] == HEADER
    assert ws.freeze_panes == "A3"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:L1" in merged
    assert {"A3:A5", "C3:C5", "I3:I5"} <= merged  # one finding over three measure rows
    assert "B3:B9" in merged  # the first area: 3 + 4 rows
    assert [ws.cell(row=r, column=5).value for r in (3, 4, 5)] == ["措施1", "措施2", "措施3"]
    assert isinstance(ws["I3"].value, datetime) and ws["I3"].number_format == "yyyy-mm-dd"
    assert ws.column_dimensions["C"].width == 36
    assert ws["C3"].alignment.wrap_text
    assert ws.max_row == 2 + 17 + 2


def test_the_template_has_the_header_drop_downs_and_an_example_row(unit, tmp_path):
    path = tmp_path / "template.xlsx"
    template_workbook(unit.inspection).save(path)
    ws = load_workbook(path).active
    assert [c.value for c in ws[1]] == HEADER
    assert ws.max_row == 2 and ws["A2"].value == 1
    validations = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    assert validations == {
        "J2:J2000": '"立行立改,限期整改,长期坚持"',
        "K2:K2000": '"未启动,整改中,待销号,待主要负责人审核,已销号,阶段性销号·长期坚持"',
    }
    assert ws.column_dimensions["E"].width == 40 and ws["E2"].alignment.wrap_text
    assert ws.freeze_panes == "A2"


def test_the_export_and_import_commands(unit, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    unit.add_findings(2)
    out = tmp_path / "ledger.xlsx"
    call_command("export_ledger", inspection=unit.inspection.code, out=str(out))
    assert "已导出 2 个问题" in capsys.readouterr().out

    call_command("import_ledger", str(out), inspection=unit.inspection.code, dry_run=True)
    printed = capsys.readouterr().out
    assert "新建 0 个问题，更新 0 个，未变 2 个" in printed and "试运行" in printed

    bad = write_xlsx(tmp_path / "bad.xlsx", [HEADER, ledger_row(9, "聚焦第1方面", "")])
    with pytest.raises(CommandError, match="文件有 1 处错误，未导入任何内容。"):
        call_command("import_ledger", str(bad), inspection=unit.inspection.code)
    captured = capsys.readouterr()
    assert "错误 1 处" in captured.out
    assert "第2行 C列（问题）：问题为空" in captured.err
    assert Finding.objects.count() == 2

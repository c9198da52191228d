"""问题分类 in a ledger: matched against the list of the office whose round the
inspection belongs to; an unknown word warns and is kept in the history; export writes
the column, so export → import changes nothing."""

from openpyxl import load_workbook

from findings.models import Finding, Status
from sheets.apply import import_ledger
from sheets.export import export_workbook
from sheets.planner import plan_import
from sheets.reader import read_ledger

from .fixtures_sheet import HEADER, ledger_row, write_xlsx

CATEGORY_HEADER = [*HEADER[:2], "问题分类", *HEADER[2:]]


def categorised_ledger(path, categories, *, header=CATEGORY_HEADER):
    """One finding per category word, in area 聚焦第1方面."""
    rows = [header]
    for number, word in enumerate(categories, start=1):
        row = ledger_row(number, "聚焦第1方面", f"问题{number}", measure=f"措施{number}")
        rows.append([*row[:2], word, *row[2:]])
    return write_xlsx(path, rows)


def run_import(inspection, path, by=None):
    return import_ledger(inspection=inspection, sheet=read_ledger(path), filename=path.name, by=by)


def category_names(inspection):
    return list(
        Finding.objects.filter(area__inspection=inspection)
        .order_by("number")
        .values_list("category__name", flat=True)
    )


def test_categories_are_matched_to_the_offices_list_as_ledgers_write_them(unit, district, tmp_path):
    words = ["选人用人", "1.政治建设", "（四）作风建设", " 全面从严治党 ", ""]
    path = categorised_ledger(tmp_path / "分类.xlsx", words)

    plan = run_import(unit.inspection, path, by=unit.staff)

    assert plan.summary()["counts"]["warnings"] == 0
    expected = ["选人用人", "政治建设", "作风建设", "全面从严治党", None]
    assert category_names(unit.inspection) == expected


def test_an_unknown_category_warns_imports_the_finding_and_keeps_the_word_in_its_history(
    unit, district, tmp_path
):
    path = categorised_ledger(tmp_path / "分类.xlsx", ["选人用人", "意识形态"])

    plan = run_import(unit.inspection, path, by=unit.staff)

    [warning] = plan.summary()["warnings"]
    assert (warning["row"], warning["column"], warning["header"]) == (3, "C", "问题分类")
    assert warning["value"] == "意识形态"
    assert "选人用人、全面从严治党" not in warning["message"]  # the office's order
    assert "政治建设、全面从严治党、选人用人、作风建设" in warning["message"]
    assert category_names(unit.inspection) == ["选人用人", None]
    finding = Finding.objects.get(area__inspection=unit.inspection, number=2)
    assert "问题分类“意识形态”未识别" in finding.history.latest().history_change_reason


def test_an_inspection_outside_any_round_warns_about_a_category_and_imports_the_rest(
    unit, tmp_path
):
    path = categorised_ledger(tmp_path / "分类.xlsx", ["选人用人"])

    plan = run_import(unit.inspection, path)

    [warning] = plan.summary()["warnings"]
    assert "不属于巡察办的轮次" in warning["message"]
    assert category_names(unit.inspection) == [None]


def test_export_writes_the_category_and_importing_it_again_changes_nothing(
    unit, district, tmp_path
):
    run_import(
        unit.inspection,
        categorised_ledger(tmp_path / "分类.xlsx", ["选人用人", "作风建设", ""]),
        by=unit.staff,
    )
    exported = tmp_path / "导出.xlsx"
    export_workbook(unit.inspection).save(exported)
    header = [c.value for c in load_workbook(exported).active[2]]
    assert header[:4] == ["序号", "问题方面", "问题分类", "问题"]
    versions = dict(Finding.objects.values_list("pk", "version"))

    plan = run_import(unit.inspection, exported, by=unit.staff)

    assert plan.summary()["counts"]["unchanged"] == 3
    assert not plan.to_update and not plan.warnings
    assert dict(Finding.objects.values_list("pk", "version")) == versions


def test_an_inspection_without_categories_exports_no_category_column(unit, tmp_path):
    unit.add_findings(1)
    exported = tmp_path / "导出.xlsx"
    export_workbook(unit.inspection).save(exported)

    assert "问题分类" not in [c.value for c in load_workbook(exported).active[2]]


def test_a_changed_category_is_shown_and_may_file_a_signed_off_finding(unit, district, tmp_path):
    run_import(unit.inspection, categorised_ledger(tmp_path / "a.xlsx", ["选人用人"]))
    finding = Finding.objects.get(area__inspection=unit.inspection)
    Finding.objects.filter(pk=finding.pk).update(status=Status.SIGNED_OFF)

    plan = plan_import(
        inspection=unit.inspection,
        sheet=read_ledger(categorised_ledger(tmp_path / "b.xlsx", ["作风建设"])),
    )

    assert not plan.errors
    [planned] = plan.to_update
    assert [vars(c) for c in planned.changes] == [
        {"field": "问题分类", "old": "选人用人", "new": "作风建设"}
    ]


def test_a_category_column_where_the_area_column_belongs_is_read_as_the_area(unit, tmp_path):
    header = ["序号", "问题类别", *HEADER[2:]]
    rows = [header, ledger_row(1, "聚焦第1方面", "问题1", measure="措施1")]
    sheet = read_ledger(write_xlsx(tmp_path / "类别.xlsx", rows))

    assert sheet.headers["area"] == "问题类别" and "category" not in sheet.columns
    assert "B列「问题类别」按「问题方面」读取。" in sheet.notes


def test_both_an_area_and_a_category_word_are_read_as_both(unit, district, tmp_path):
    header = ["序号", "问题方面", "问题类别", *HEADER[2:]]
    sheet = read_ledger(categorised_ledger(tmp_path / "两列.xlsx", ["选人用人"], header=header))

    assert (sheet.headers["area"], sheet.headers["category"]) == ("问题方面", "问题类别")
    plan = plan_import(inspection=unit.inspection, sheet=sheet)
    assert plan.to_create[0].finding.category_id == district.categories[2].pk

"""Reading 整改台账 workbooks into an inspection: layout, values, errors, idempotence."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.db.models import AutoField
from django.test.utils import CaptureQueriesContext

from findings.models import (
    Area,
    Finding,
    FindingKind,
    Inspection,
    InspectionKind,
    Measure,
    Status,
)
from sheets.apply import import_ledger
from sheets.errors import ImportRefused, RowError
from sheets.export import export_workbook
from sheets.planner import plan_import
from sheets.reader import read_ledger

from .fixtures_sheet import HEADER, ledger_row, put_formula, simple_ledger, write_xlsx


def history_counts():
    return (Area.history.count(), Finding.history.count(), Measure.history.count())


def plan_for(inspection, path):
    return plan_import(inspection=inspection, sheet=read_ledger(path))


def reopen_first_area(inspection):
    """The seed is all signed off; these findings are open again, as after a reopen."""
    for finding in Finding.objects.filter(area__inspection=inspection, area__position=1):
        finding.status = Status.IN_PROGRESS
        finding.save()


def run_import(inspection, path, by=None):
    return import_ledger(inspection=inspection, sheet=read_ledger(path), filename=path.name, by=by)


# --- round trip ----------------------------------------------------------------------


def test_the_seed_export_imported_into_the_same_inspection_changes_nothing(seeded, tmp_path):
    path = tmp_path / "seed.xlsx"
    export_workbook(seeded).save(path)
    before = history_counts()
    versions = dict(Finding.objects.values_list("pk", "version"))

    plan = run_import(seeded, path)

    assert plan.summary()["counts"] == {
        "create": 0,
        "update": 0,
        "unchanged": 17,
        "missing": 0,
        "errors": 0,
        "warnings": 0,
        "new_areas": 0,
    }
    assert history_counts() == before
    assert dict(Finding.objects.values_list("pk", "version")) == versions


def test_the_seed_export_imported_into_an_empty_inspection_recreates_it(seeded, tmp_path):
    path = tmp_path / "seed.xlsx"
    export_workbook(seeded).save(path)
    empty = Inspection.objects.create(
        organisation=seeded.organisation,
        code="xinhua-cyl-2025",
        authority="区委",
        group="区委第一巡察组",
        kind=InspectionKind.ROUTINE,
        onsite_start=date(2025, 3, 1),
        onsite_end=date(2025, 4, 30),
        feedback_date=date(2025, 6, 1),
    )

    plan = run_import(empty, path)

    assert plan.summary()["counts"]["create"] == 17
    assert [(a.position, a.title) for a in empty.areas.all()] == [
        (a.position, a.title) for a in seeded.areas.all()
    ]
    fields = [
        "area__position",
        "number",
        "statement",
        "kind",
        "deadline",
        "responsible_leader",
        "responsible_person",
        "status",
        "result",
    ]
    copied = list(Finding.objects.filter(area__inspection=empty).values_list(*fields))
    original = list(Finding.objects.filter(area__inspection=seeded).values_list(*fields))
    assert len(copied) == 17
    # An import never signs off: what the seed has signed off or sent for sign-off
    # arrives awaiting sign-off, for the leader to verify.
    done = {Status.SUBMITTED, Status.ENDORSED, Status.SIGNED_OFF, Status.ONGOING}
    assert copied == [
        (*row[:7], Status.SUBMITTED if row[7] in done else row[7], row[8]) for row in original
    ]
    reasons = set(Finding.history.filter(area__inspection=empty).values_list(
        "history_change_reason", flat=True
    ))  # fmt: skip
    assert reasons == {"导入：seed.xlsx；表中称“已销号”，导入为待销号，待领导核实"}
    # ...and importing the same file again there changes nothing.
    before = history_counts()
    assert run_import(empty, path).summary()["counts"]["unchanged"] == 17
    assert history_counts() == before


# --- messy workbooks -----------------------------------------------------------------


def messy_workbook(path):
    """Title rows, columns out of order, an extra column, merged areas, one finding over
    three measure rows, every date form, full-width digits and stray whitespace."""
    header = ["问题方面", "序号", "问题", "整改措施", "责任人", "备注", "整改时限", "责任领导",
              "整改类型", "整改状态", "整改成效"]  # fmt: skip
    rows = [
        ["测试单位巡察整改台账"],
        ["填报日期：2024年7月1日", None, None, None, None, None, "单位：万元"],
        header,
        # area 1: rows 4-10
        ["聚焦第1方面", 1, "三条措施的问题", "措施甲", "办公室干事", "", datetime(2024, 1, 31),
         "副书记", "限期整改", "整改中", ""],
        [None, None, None, "措施乙", "组织干事", "", None, None, None, None, None],
        [None, None, None, "措施丙", " 组织干事 ", "", None, None, None, None, None],
        ["聚焦第1方面", 2, "横线日期", "", "办公室干事", "", "2024-02-29", "副书记", "", "", ""],
        [None, 3, "斜线日期", "", "办公室干事", "", "2024/3/5", "副书记", None, None, None],
        [None, 4, "点号日期", "", "办公室干事", "", "2024.4.6", "副书记", None, None, None],
        [None, "５", "  全角数字与空白 \n", "", "\u3000办公室干事", "", "２０２４年５月７日",
         "副 书 记", None, None, None],
        # area 2: rows 11-13
        ["（二）聚焦第2方面", 1, "长期坚持的问题", "", "办公室干事", "", "长期坚持", "纪检委员",
         None, "阶段性销号·长期坚持", "成效文字"],
        [None, 2, "立行立改的问题", "", "办公室干事", "", "立行立改", "纪检委员", None,
         "已销号", ""],
        [None, 3, "中文日期", "", "办公室干事", "", "2024年6月8日", "纪检委员", "长期坚持",
         "未启动", ""],
    ]  # fmt: skip
    return write_xlsx(
        path,
        rows,
        merges=[
            "A1:K1",
            "A4:A10",
            "B4:B6",
            "C4:C6",
            "G4:G6",
            "H4:H6",
            "I4:I6",
            "J4:J6",
            "K4:K6",
            "A11:A13",
        ],
    )


def test_a_messy_workbook_is_read_as_the_ledger_it_means(unit, tmp_path):
    path = messy_workbook(tmp_path / "messy.xlsx")

    plan = run_import(unit.inspection, path)

    assert plan.errors == []
    assert plan.sheet.header_row == 3
    assert "已忽略不认识的列：F列「备注」。" in plan.sheet.notes
    got = {
        (f.area.position, f.number): f
        for f in Finding.objects.filter(area__inspection=unit.inspection).select_related("area")
    }
    assert sorted(got) == [(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (2, 1), (2, 2), (2, 3)]
    first = got[(1, 1)]
    assert (first.statement, first.kind, first.deadline, first.status) == (
        "三条措施的问题",
        FindingKind.DEADLINE,
        date(2024, 1, 31),
        Status.IN_PROGRESS,
    )
    measures = list(first.measures.order_by("position").values_list("position", "text", "owner"))
    assert measures == [
        (1, "措施甲", unit.staff.pk),
        (2, "措施乙", unit.other_staff.pk),
        (3, "措施丙", unit.other_staff.pk),
    ]
    assert got[(1, 2)].deadline == date(2024, 2, 29)
    assert got[(1, 3)].deadline == date(2024, 3, 5)
    assert got[(1, 4)].deadline == date(2024, 4, 6)
    fifth = got[(1, 5)]
    assert (fifth.statement, fifth.deadline) == ("全角数字与空白", date(2024, 5, 7))
    assert (fifth.responsible_leader, fifth.responsible_person) == (unit.leader, unit.staff)
    assert (got[(2, 1)].kind, got[(2, 1)].deadline, got[(2, 1)].status) == (
        FindingKind.ONGOING,
        None,
        Status.SUBMITTED,
    )
    assert got[(2, 1)].result == "成效文字"
    assert (got[(2, 2)].kind, got[(2, 2)].status) == (FindingKind.IMMEDIATE, Status.SUBMITTED)
    assert (got[(2, 3)].kind, got[(2, 3)].deadline) == (FindingKind.ONGOING, date(2024, 6, 8))
    assert got[(2, 1)].responsible_leader == unit.other_leader


def test_the_same_messy_workbook_imported_twice_writes_nothing_the_second_time(unit, tmp_path):
    path = messy_workbook(tmp_path / "messy.xlsx")
    run_import(unit.inspection, path)
    before = history_counts()

    plan = run_import(unit.inspection, path)

    assert len(plan.unchanged) == 8 and not plan.to_create and not plan.to_update
    assert history_counts() == before


def test_formulas_are_read_as_their_cached_values_and_never_kept(unit, tmp_path):
    path = simple_ledger(tmp_path / "formula.xlsx", 2)
    put_formula(path, "C2", 'CONCATENATE("问","题")', "缓存的问题")

    plan = run_import(unit.inspection, path)

    assert plan.errors == []
    statements = set(Finding.objects.values_list("statement", flat=True))
    assert statements == {"缓存的问题", "问题2"}
    assert any("公式" in note for note in plan.sheet.notes)


# --- errors --------------------------------------------------------------------------


def test_each_bad_value_is_reported_with_row_column_value_and_a_chinese_message(unit, tmp_path):
    rows = [
        HEADER,
        ledger_row(1, "聚焦第1方面", "好的问题"),
        ledger_row(2, "聚焦第1方面", "未知的人", person="局长"),
        ledger_row(3, "聚焦第九方面", "未知的方面"),
        ledger_row(4, "聚焦第1方面", "坏日期", deadline="2024-13-45"),
        ledger_row(1, "聚焦第1方面", "重复序号"),
        ledger_row(5, "聚焦第1方面", "   "),
        ledger_row(6, "聚焦第1方面", "坏日期二", deadline="明年"),
        ledger_row("六", "聚焦第1方面", "坏序号"),
        ledger_row(7, "聚焦第1方面", "坏状态", status="完成了"),
        ledger_row(8, "聚焦第1方面", "没有时限", deadline=None),
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    before = history_counts()

    with pytest.raises(ImportRefused) as refused:
        run_import(unit.inspection, path)

    assert [str(e) for e in refused.value.plan.errors] == [
        "第4行 B列（问题方面）“聚焦第九方面”：本次巡察没有这个问题方面",
        "第5行 I列（整改时限）“2024-13-45”：无法识别的日期（例：2024-01-31）",
        "第6行 A列（序号）“1”：序号在同一问题方面里重复（第2行已有）",
        "第7行 C列（问题）：问题为空",
        "第8行 I列（整改时限）“明年”：无法识别的日期（例：2024-01-31）",
        "第9行 A列（序号）“六”：序号必须是正整数",
        "第11行 I列（整改时限）：限期整改必须填写整改时限",
    ]
    # An unknown status word is a warning, not an error.
    assert [str(w) for w in refused.value.plan.warnings] == [
        "第10行 K列（整改状态）“完成了”：不认识的整改状态（应为未启动、整改中、待销号、"
        "待主要负责人审核、已销号、阶段性销号·长期坚持），未导入状态",
    ]
    assert refused.value.plan.errors[0] == RowError(
        row=4,
        column="B",
        header="问题方面",
        value="聚焦第九方面",
        message="本次巡察没有这个问题方面",
    )
    # A name without an account refuses nothing: it is listed for the principal.
    assert refused.value.plan.unknown_people == {"局长": [3]}
    assert history_counts() == before
    assert not Finding.objects.exists()


def test_99_good_rows_and_1_bad_row_write_nothing_and_name_the_bad_row(unit, tmp_path):
    path = simple_ledger(tmp_path / "hundred.xlsx", 100, bad_row=57)

    with pytest.raises(ImportRefused) as refused:
        run_import(unit.inspection, path)

    assert [str(e) for e in refused.value.plan.errors] == [
        "第59行 I列（整改时限）“2024-13-45”：无法识别的日期（例：2024-01-31）"
    ]
    assert not Finding.objects.exists()
    assert not Measure.objects.exists()
    assert Finding.history.count() == 0


def test_new_areas_are_created_only_when_the_inspection_has_none(unit, tmp_path):
    path = simple_ledger(tmp_path / "areas.xlsx", 1, area="全新的方面")
    plan = plan_for(unit.inspection, path)
    assert [str(e) for e in plan.errors] == [
        "第2行 B列（问题方面）“全新的方面”：本次巡察没有这个问题方面"
    ]
    Area.objects.filter(inspection=unit.inspection).delete()
    plan = run_import(unit.inspection, path)
    assert [a.title for a in unit.inspection.areas.all()] == ["全新的方面"]


def test_a_file_without_the_header_row_is_refused(unit, tmp_path):
    from sheets.errors import LedgerFileError

    path = write_xlsx(tmp_path / "noheader.xlsx", [["甲", "乙"], [1, 2]])
    with pytest.raises(LedgerFileError) as error:
        read_ledger(path)
    assert error.value.message == (
        "在「整改台账」的前 30 行里找不到表头（至少要有 序号、问题方面、问题 三列），"
        "请使用台账模板。"
    )


# --- re-import -----------------------------------------------------------------------


def test_a_changed_row_is_updated_with_the_import_reason_and_the_rest_untouched(
    seeded, tmp_path, django_user_model
):
    path = tmp_path / "seed.xlsx"
    workbook = export_workbook(seeded)
    ws = workbook.active
    ws["C3"] = "改过的问题表述"  # row 3: the first finding
    ws["I3"] = "2024/6/30"
    ws["E4"] = "新增的措施"
    ws.delete_rows(19)  # the last finding goes missing from the file
    workbook.save(path)
    reopen_first_area(seeded)
    principal = django_user_model.objects.get(username="principal")
    first, second = Finding.objects.filter(area__inspection=seeded, area__position=1)[:2]
    last = Finding.objects.get(area__inspection=seeded, area__position=4)
    before = Finding.history.count()

    plan = run_import(seeded, path, by=principal)

    counts = plan.summary()["counts"]
    assert (counts["update"], counts["unchanged"], counts["missing"]) == (2, 14, 1)
    first.refresh_from_db()
    # a set deadline is not moved by an import (延期申请 only): reported, not imported
    assert (first.statement, first.deadline, first.version) == (
        "改过的问题表述",
        date(2024, 3, 31),
        2,
    )
    assert first.original_deadline == date(2024, 3, 31)
    changes = plan.summary()["update"][0]["changes"]
    assert [c["field"] for c in changes] == ["问题"]
    assert "第3行：整改时限与系统不同（系统为2024-03-31，表中为2024-06-30）" in plan.notes[0]
    assert Finding.history.count() == before + 2
    record = first.history.first()
    assert (record.history_change_reason, record.history_user) == ("导入：seed.xlsx", principal)
    assert list(second.measures.values_list("text", flat=True)) == ["新增的措施"]
    assert Finding.objects.filter(pk=last.pk).exists()  # listed, never deleted
    assert plan.summary()["missing"][0]["statement"] == last.statement


def test_the_status_in_the_file_does_not_override_the_sign_off_workflow(seeded, tmp_path):
    path = tmp_path / "seed.xlsx"
    workbook = export_workbook(seeded)
    workbook.active["K3"] = "整改中"
    workbook.save(path)

    plan = run_import(seeded, path)

    assert len(plan.unchanged) == 17
    assert plan.notes == [
        "第3行：整改状态与系统不同（系统为“已销号”），状态以系统中的销号流程为准，未导入。"
    ]
    assert not Finding.objects.filter(status=Status.IN_PROGRESS).exists()


# --- cost ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 40])
def test_applying_an_import_takes_the_same_queries_for_5_or_40_findings(unit, tmp_path, count):
    path = simple_ledger(tmp_path / "n.xlsx", count)
    sheet = read_ledger(path)
    with CaptureQueriesContext(connection) as queries:
        import_ledger(inspection=unit.inspection, sheet=sheet, filename="n.xlsx")
    assert Finding.objects.count() == count
    # savepoint, lock, people, areas, findings, measures, co-responsible; findings + their
    # history; measures + their history; release (rectify.bulk_history writes each table
    # in one statement, whatever the database's parameter limit)
    expected = QUERIES_FOR_A_NEW_IMPORT + _ids_taken_first(Finding, Measure)
    assert len(queries) == expected, "\n".join(q["sql"][:60] for q in queries)


QUERIES_FOR_A_NEW_IMPORT = 12


def test_rows_that_repeat_the_number_and_statement_are_measures_of_one_finding(unit, tmp_path):
    rows = [
        HEADER,
        ledger_row(1, "聚焦第1方面", "同一个问题", measure="措施一"),
        ledger_row(1, "聚焦第1方面", "同一个问题", measure="措施二", person="组织干事"),
        ledger_row(2, "聚焦第1方面", "另一个问题", measure="措施三"),
    ]
    path = write_xlsx(tmp_path / "repeated.xlsx", rows)

    plan = run_import(unit.inspection, path)

    assert plan.errors == [] and len(plan.to_create) == 2
    first = Finding.objects.get(number=1)
    assert list(first.measures.values_list("text", "owner")) == [
        ("措施一", unit.staff.pk),
        ("措施二", unit.other_staff.pk),
    ]


def test_a_file_without_the_kind_column_keeps_the_kind_of_existing_findings(unit, tmp_path):
    finding = unit.add_findings(
        1, kind=FindingKind.ONGOING, deadline=date(2024, 12, 31), responsible_department="办公室"
    )[0]
    header = [h for h in HEADER if h != "整改类型"]
    row = ledger_row(1, "聚焦第1方面", finding.statement, status="")
    del row[HEADER.index("整改类型")]
    path = write_xlsx(tmp_path / "nokind.xlsx", [header, row])

    plan = plan_for(unit.inspection, path)

    assert plan.errors == [] and len(plan.unchanged) == 1, [
        vars(c) for p in plan.to_update for c in p.changes
    ]


@pytest.mark.parametrize("count", [5, 40])
def test_updating_5_or_40_findings_takes_the_same_queries(unit, tmp_path, count):
    findings = unit.add_findings(count)
    rows = [HEADER] + [
        ledger_row(f.number, "聚焦第1方面", f"{f.statement}（改）", measure="措施",
                   deadline=f.deadline)
        for f in findings
    ]  # fmt: skip
    sheet = read_ledger(write_xlsx(tmp_path / "u.xlsx", rows))
    with CaptureQueriesContext(connection) as queries:
        plan = import_ledger(inspection=unit.inspection, sheet=sheet, filename="u.xlsx")
    assert len(plan.to_update) == count
    assert Finding.objects.filter(statement__endswith="（改）").count() == count
    # the reads (co-responsible too) and the lock; findings updated + history;
    # measures created + history (plus the findings' history rows in as many statements
    # as SQLite's parameter limit needs: a fixed number of rows per statement)
    extra = _extra_batches(count, Finding.history.model)
    assert len(queries) == 12 + extra + _ids_taken_first(Measure), [q["sql"][:80] for q in queries]


def _ids_taken_first(*models):
    """On PostgreSQL the new rows' ids come from their sequences first, one query a model,
    and the rows go in by COPY (rectify/bulk_history.py)."""
    return len(models) if connection.vendor == "postgresql" else 0


def _extra_batches(count, *models):
    """The INSERTs beyond one per table that the database's parameter limit needs for
    `count` rows of each model (SQLite: 999 parameters a statement; PostgreSQL: none)."""
    extra = 0
    for model in models:
        fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField)]
        size = max(connection.ops.bulk_batch_size(fields, [None] * count), 1)
        extra += -(-count // size) - 1
    return extra


def test_a_changed_kind_is_shown_with_its_chinese_labels(seeded, tmp_path):
    path = tmp_path / "seed.xlsx"
    workbook = export_workbook(seeded)
    workbook.active["I3"] = "立行立改"
    workbook.active["J3"] = "立行立改"
    workbook.save(path)
    reopen_first_area(seeded)

    plan = plan_for(seeded, path)

    # the kind changes; the deadline stays (moved only by an extension request)
    assert [vars(c) for c in plan.to_update[0].changes] == [
        {"field": "整改类型", "old": "限期整改", "new": "立行立改"},
    ]
    assert "整改时限与系统不同（系统为2024-03-31，表中为空）" in plan.notes[0]


def test_a_change_to_a_signed_off_finding_is_refused_until_it_is_reopened(seeded, tmp_path):
    path = tmp_path / "seed.xlsx"
    workbook = export_workbook(seeded)
    sheet = workbook.active
    header = [cell.value for cell in sheet[2]]
    result_column = header.index("整改成效") + 1
    sheet.cell(row=3, column=result_column).value = "改写的整改成效"
    workbook.save(path)
    before = history_counts()

    plan = plan_for(seeded, path)
    with pytest.raises(ImportRefused):
        run_import(seeded, path)

    [error] = plan.errors
    assert error.row == 3
    assert "已销号" in error.message and "整改成效" in error.message
    assert history_counts() == before
    assert not Finding.objects.filter(result="改写的整改成效").exists()


def test_a_done_status_in_the_sheet_creates_no_signed_off_finding(unit, tmp_path):
    rows = [HEADER] + [
        ledger_row(i, "聚焦第1方面", f"问题{i}", status=word)
        for i, word in enumerate(
            ["已完成", "已整改", "已销号", "阶段性销号·长期坚持", "正在推进"], 1
        )
    ]
    path = write_xlsx(tmp_path / "done.xlsx", rows)

    plan = run_import(unit.inspection, path)

    statuses = dict(Finding.objects.values_list("number", "status"))
    assert statuses == {1: Status.SUBMITTED, 2: Status.SUBMITTED, 3: Status.SUBMITTED,
                        4: Status.SUBMITTED, 5: Status.IN_PROGRESS}  # fmt: skip
    assert not Finding.objects.filter(signed_off_by__isnull=False).exists()
    reason = Finding.history.get(number=3).history_change_reason
    assert reason == "导入：done.xlsx；表中称“已销号”，导入为待销号，待领导核实"
    assert (
        "4 个新问题在表中标为已完成或已销号：导入为“待销号”，须由领导核实后销号，导入不会销号。"
        in (plan.summary()["notes"])
    )
    readings = {(r["word"], r["read_as"]) for r in plan.summary()["readings"]}
    assert readings == {("已完成", "待销号"), ("已整改", "待销号"), ("正在推进", "整改中")}


def test_an_unknown_status_word_is_kept_in_the_history_note_and_does_not_refuse(unit, tmp_path):
    path = write_xlsx(
        tmp_path / "words.xlsx",
        [HEADER, ledger_row(1, "聚焦第1方面", "问题1", status="快好了", kind="马上就改")],
    )

    plan = run_import(unit.inspection, path)

    finding = Finding.objects.get()
    assert (finding.status, finding.kind) == (Status.NOT_STARTED, FindingKind.IMMEDIATE)
    assert [w.value for w in plan.warnings] == ["快好了"]
    assert finding.history.get().history_change_reason == "导入：words.xlsx；整改状态“快好了”未识别"

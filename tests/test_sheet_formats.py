"""Real-looking ledgers in every format a unit has: each imports as the ledger it means,
a second import writes nothing, and export → import changes nothing."""

from datetime import date

import pytest
from python_calamine import CalamineWorkbook

from findings.models import Area, Finding, FindingKind, Measure, Status
from sheets.apply import import_ledger
from sheets.export import export_workbook
from sheets.reader import read_ledger

from .fixtures_formats import WRITERS

FORMATS = list(WRITERS)


def history_counts():
    return (Area.history.count(), Finding.history.count(), Measure.history.count())


def run_import(inspection, path):
    return import_ledger(inspection=inspection, sheet=read_ledger(path), filename=path.name)


@pytest.fixture(params=FORMATS)
def ledger(request, tmp_path):
    name = request.param
    return WRITERS[name](tmp_path / f"台账.{name}")


def findings_by_key():
    return {
        (f.area.position, f.number): f
        for f in Finding.objects.select_related("area").prefetch_related("co_responsible")
    }


def test_each_format_reads_back_with_calamine_as_written(tmp_path):
    for name in ("xlsx", "xls", "ods"):
        path = WRITERS[name](tmp_path / f"l.{name}")
        with open(path, "rb") as f:
            workbook = CalamineWorkbook.from_filelike(f)
        assert workbook.sheet_names == ["填表说明", "整改台账"], name
        rows = workbook.get_sheet_by_name("整改台账").to_python(skip_empty_area=False)
        assert rows[2][:3] == ["序号", "问题类别", "存在问题"], name


def test_a_real_looking_ledger_imports_as_the_ledger_it_means(unit, ledger):
    plan = run_import(unit.inspection, ledger)

    assert plan.errors == [] and plan.sheet.header_row == 3
    got = findings_by_key()
    assert sorted(got) == [(1, 1), (1, 2), (2, 3), (2, 4)]
    first = got[(1, 1)]
    assert (first.statement, first.detail, first.responsible_department) == (
        "学习制度不健全", "学习计划不具体", "办公室"
    )  # fmt: skip
    assert (first.responsible_leader, first.responsible_person) == (unit.leader, unit.staff)
    assert list(first.co_responsible.all()) == [unit.other_staff]
    assert (first.kind, first.deadline, first.status) == (
        FindingKind.DEADLINE, date(2024, 3, 31), Status.IN_PROGRESS
    )  # fmt: skip
    assert [(m.text, m.owner, m.owner_text) for m in first.measures.order_by("position")] == [
        ("修订学习制度", unit.staff, ""),
        ("制定年度计划", unit.other_staff, ""),
        ("每月交流研讨", None, "档案员"),
    ]
    second = got[(1, 2)]  # full-width number, padded names, a date as text, 已完成
    assert (second.responsible_leader, second.responsible_person) == (unit.leader, unit.staff)
    assert (second.deadline, second.status) == (date(2024, 4, 30), Status.SUBMITTED)
    assert second.result == "已建立台账并每月更新"
    third = got[(2, 3)]  # the first name has no account: kept as text
    assert (third.responsible_person, third.responsible_person_text) == (None, "新来的干事")
    assert list(third.co_responsible.all()) == [unit.staff]
    assert third.deadline == date(2024, 5, 31)
    fourth = got[(2, 4)]
    assert (fourth.kind, fourth.deadline, fourth.status) == (
        FindingKind.ONGOING, None, Status.NOT_STARTED
    )  # fmt: skip
    assert not Finding.objects.filter(status=Status.SIGNED_OFF).exists()
    assert plan.unknown_people == {"档案员": [6], "新来的干事": [8]}
    notes = plan.summary()["notes"]
    assert "台账在工作表「整改台账」，已跳过前面没有表头的工作表「填表说明」。" in notes or (
        ledger.suffix == ".csv"
    )
    assert "I列「完成期限」按「整改时限」读取。" in notes
    assert "已忽略不认识的列：M列「备注」。" in notes
    readings = {(r["word"], r["read_as"]) for r in plan.summary()["readings"]}
    assert readings == {("正在推进", "整改中"), ("已完成", "待销号"), ("持续推进", "整改中"),
                        ("未开始", "未启动")}  # fmt: skip


def test_a_real_looking_ledger_imported_again_writes_nothing(unit, ledger):
    run_import(unit.inspection, ledger)
    before = history_counts()

    plan = run_import(unit.inspection, ledger)

    assert not plan.to_create and not plan.to_update and len(plan.unchanged) == 4
    assert history_counts() == before


def test_export_then_import_of_an_imported_ledger_changes_nothing(unit, ledger, tmp_path):
    run_import(unit.inspection, ledger)
    before = history_counts()
    exported = tmp_path / "exported.xlsx"
    export_workbook(unit.inspection).save(exported)

    plan = run_import(unit.inspection, exported)

    assert plan.errors == []
    assert not plan.to_create and not plan.to_update and len(plan.unchanged) == 4
    assert history_counts() == before

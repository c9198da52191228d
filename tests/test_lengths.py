"""Long typed values: kept whole where the column is text, refused with the cell where it is not.

On PostgreSQL a value longer than its varchar column fails the whole request; these
run on both databases (CI runs them on PostgreSQL too).
"""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from findings.models import Finding, Status
from sheets.apply import import_ledger
from sheets.errors import RowError
from sheets.planner import plan_import
from sheets.reader import read_ledger

from .fixtures_ledger import put_in_state
from .fixtures_sheet import HEADER, simple_ledger, write_xlsx


def action(client, finding, name, reason):
    url = reverse("ledger:take_action", args=[finding.area.inspection.code, finding.pk, name])
    # the version seen; a reopening is confirmed on its own page first (the second POST)
    return client.post(url, {"t-reason": reason, "t-version": finding.version, "confirmed": "1"})


def test_every_history_table_keeps_a_change_reason_of_any_length():
    historical = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    assert len(historical) >= 8
    for model in historical:
        field = model._meta.get_field("history_change_reason")
        assert field.get_internal_type() == "TextField", model.__name__


@pytest.mark.parametrize(
    "status, actor, name, prefix",
    [
        (Status.SUBMITTED, "leader", "return", "退回"),
        (Status.SIGNED_OFF, "principal", "reopen", "重新打开"),
    ],
)
def test_a_return_or_reopen_reason_of_300_characters_is_saved_whole(
    unit, status, actor, name, prefix
):
    finding = put_in_state(unit.add_findings(1)[0], status, submitter=unit.staff)
    reason = "群众反映问题仍然存在" * 30
    client = Client(raise_request_exception=False)
    client.force_login(getattr(unit, actor))

    assert action(client, finding, name, reason).status_code == 302

    finding.refresh_from_db()
    assert finding.status == Status.IN_PROGRESS
    assert finding.history.latest().history_change_reason == f"{prefix}：{reason}"
    assert finding.ledger_entries.latest("id").text == reason


def test_an_import_from_a_file_with_a_200_character_name_is_recorded_with_that_name(unit, tmp_path):
    path = simple_ledger(tmp_path / "台账.xlsx", 2)
    filename = "关于巡察整改落实情况的台账" * 15 + ".xlsx"

    import_ledger(
        inspection=unit.inspection, sheet=read_ledger(path), filename=filename, by=unit.staff
    )

    reasons = set(Finding.history.values_list("history_change_reason", flat=True))
    assert reasons == {f"导入：{filename}"}


def test_a_department_over_100_characters_is_refused_in_the_preview_naming_row_and_column(
    unit, tmp_path
):
    department = "办公室" * 34  # 102 characters
    row = [1, "聚焦第1方面", "问题1", "", "措施1", "副书记", "办公室干事", department,
           "2024-12-31", "限期整改", "未启动", ""]  # fmt: skip
    path = write_xlsx(tmp_path / "台账.xlsx", [HEADER, row])

    plan = plan_import(inspection=unit.inspection, sheet=read_ledger(path))

    assert plan.errors == [RowError(2, "H", "责任部门", department, "最多100个字，这里有102个")]
    assert not Finding.objects.exists()


def test_a_new_area_title_over_300_characters_is_refused_in_the_preview(db, tmp_path):
    from .conftest import make_unit

    unit = make_unit()
    unit.inspection.areas.all().delete()  # a first import creates the areas
    title = "聚焦" + "落实全面从严治党主体责任" * 25
    row = [1, title, "问题1", "", "措施1", "副书记", "办公室干事", "办公室",
           "2024-12-31", "限期整改", "未启动", ""]  # fmt: skip
    path = write_xlsx(tmp_path / "台账.xlsx", [HEADER, row])

    plan = plan_import(inspection=unit.inspection, sheet=read_ledger(path))

    assert [(e.row, e.column, e.header) for e in plan.errors] == [(2, "B", "问题方面")]
    assert plan.errors[0].message == f"最多300个字，这里有{len(title)}个"

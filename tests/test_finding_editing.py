"""The rules for editing a finding (findings.editing), followed by the ledger and the import.

The last tests switch one rule off and watch both the ledger's service and the import
stop refusing: they ask that one rule, not a copy of it.
"""

from datetime import date

import pytest
from django.db import IntegrityError

from findings import editing
from findings.models import Finding, FindingKind, Status
from ledger import services
from sheets.planner import plan_import
from sheets.reader import read_ledger

from .fixtures_ledger import put_in_state
from .fixtures_sheet import HEADER, ledger_row, simple_ledger, write_xlsx


def test_a_signed_off_finding_is_refused_with_the_way_out(unit):
    finding = unit.add_findings(1)[0]
    editing.refuse_if_signed_off(finding)
    for status in (Status.SIGNED_OFF, Status.ONGOING):
        finding.status = status
        with pytest.raises(editing.SignedOff, match="重新打开|reopen"):
            editing.refuse_if_signed_off(finding)


def test_a_finding_fixed_by_a_deadline_needs_one():
    with pytest.raises(editing.DeadlineMissing):
        editing.check_deadline(FindingKind.DEADLINE, None)
    editing.check_deadline(FindingKind.DEADLINE, date(2024, 12, 31))
    editing.check_deadline(FindingKind.IMMEDIATE, None)
    editing.check_deadline(FindingKind.ONGOING, None)


def test_a_form_opened_at_another_version_is_refused_with_both_versions(unit):
    finding = unit.add_findings(1)[0]
    finding.version = 3
    editing.check_version(finding, 3)
    editing.check_version(finding, None)  # no form, nothing to compare
    with pytest.raises(editing.StaleVersion) as refused:
        editing.check_version(finding, 2)
    assert (refused.value.opened_version, refused.value.current_version) == (2, 3)


def test_each_saved_edit_bumps_the_version_and_records_who_and_why(unit):
    finding = unit.add_findings(1)[0]
    editing.save_edit(finding, ["result"], reason="编辑整改信息", by=unit.staff)
    editing.save_edit(finding, [], reason="新增整改措施", by=unit.staff)
    finding.refresh_from_db()
    assert finding.version == 3
    record = finding.history.first()
    assert (record.history_change_reason, record.history_user) == ("新增整改措施", unit.staff)


def _signed_off(unit):
    return put_in_state(unit.add_findings(1)[0], Status.SIGNED_OFF, submitter=unit.staff)


def _edit(unit, finding, **changes):
    values = {"result": "改写的成效", "deadline": finding.deadline, "kind": finding.kind}
    services.update_finding(finding=finding, by=unit.principal, version=None, **values | changes)


def test_the_ledger_and_the_import_ask_the_one_signed_off_rule(unit, tmp_path, monkeypatch):
    finding = _signed_off(unit)
    sheet = read_ledger(simple_ledger(tmp_path / "台账.xlsx", 1))
    with pytest.raises(services.LedgerError, match="已销号|signed off"):
        _edit(unit, finding)
    assert "已销号" in plan_import(inspection=unit.inspection, sheet=sheet).errors[0].message

    monkeypatch.setattr(editing, "refuse_if_signed_off", lambda finding: None)
    assert plan_import(inspection=unit.inspection, sheet=sheet).errors == []
    _edit(unit, finding)
    assert Finding.objects.get(pk=finding.pk).result == "改写的成效"


def test_the_ledger_and_the_import_ask_the_one_deadline_rule(unit, tmp_path, monkeypatch):
    finding = unit.add_findings(1)[0]
    row = ledger_row(1, "聚焦第1方面", "问题1", deadline=None, kind="限期整改")
    sheet = read_ledger(write_xlsx(tmp_path / "台账.xlsx", [HEADER, row]))
    with pytest.raises(services.LedgerError):
        _edit(unit, finding, deadline=None)
    [error] = plan_import(inspection=unit.inspection, sheet=sheet).errors
    assert "限期整改必须填写整改时限" in error.message

    def the_rule_says_nothing(kind, deadline):
        return None

    monkeypatch.setattr(editing, "check_deadline", the_rule_says_nothing)
    assert plan_import(inspection=unit.inspection, sheet=sheet).errors == []
    # clearing a set deadline is also moving it (an extension request's business)
    with pytest.raises(editing.DeadlineLocked):
        _edit(unit, finding, deadline=None)
    monkeypatch.setattr(editing, "check_deadline_change", lambda finding, deadline: None)
    # the database's own constraint is the last line: the service's write fails there
    with pytest.raises(IntegrityError, match="findings_finding_deadline_required"):
        _edit(unit, finding, deadline=None)


def test_an_import_bumps_the_version_once_however_many_fields_it_changes(unit, tmp_path):
    findings = unit.add_findings(2)
    sheet = read_ledger(simple_ledger(tmp_path / "台账.xlsx", 2))
    plan = plan_import(inspection=unit.inspection, sheet=sheet)
    assert [p.finding.pk for p in plan.to_update] == [f.pk for f in findings]
    assert all(len(p.changes) > 1 for p in plan.to_update)
    assert [p.finding.version for p in plan.to_update] == [2, 2]
    assert all("version" in p.changed_fields for p in plan.to_update)

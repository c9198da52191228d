"""The sign-off workflow: the transition table in full, who may act, what each step writes."""

import pytest
from django.utils import timezone

from findings import workflow
from findings.models import Measure, Status
from ledger import services
from ledger.evidence import check_upload
from ledger.models import EntryKind, LedgerEntry

from .conftest import make_unit
from .fixtures_ledger import add_evidence, pdf, put_in_state

S = Status
PEOPLE = ["principal", "leader", "other_leader", "staff", "other_staff", "inspector"]
EDITORS = {"principal", "staff", "other_staff"}  # staff, the principal, the responsible person
SUBMITTERS = {"staff", "other_staff"}  # the responsible person (staff) or staff of the unit

# Written out independently of ledger.workflow.TRANSITIONS:
# (levels, from, action) → (to, who may). Everything not listed is refused.
EXPECTED = {}
for levels in (1, 2):
    EXPECTED[levels, S.NOT_STARTED, "start"] = (S.IN_PROGRESS, EDITORS)
    EXPECTED[levels, S.IN_PROGRESS, "submit"] = (S.SUBMITTED, SUBMITTERS)
    EXPECTED[levels, S.SUBMITTED, "return"] = (S.IN_PROGRESS, {"leader", "principal"})
    # 撤回: the submitter alone (staff submitted in these tests), before the leader acts
    EXPECTED[levels, S.SUBMITTED, "withdraw"] = (S.IN_PROGRESS, {"staff"})
    EXPECTED[levels, S.SIGNED_OFF, "reopen"] = (S.IN_PROGRESS, {"principal"})
    EXPECTED[levels, S.ONGOING, "reopen"] = (S.IN_PROGRESS, {"principal"})
EXPECTED[1, S.SUBMITTED, "sign_off"] = (S.SIGNED_OFF, {"leader", "principal"})
EXPECTED[1, S.SUBMITTED, "sign_off_ongoing"] = (S.ONGOING, {"leader", "principal"})
EXPECTED[2, S.SUBMITTED, "endorse"] = (S.ENDORSED, {"leader"})
EXPECTED[2, S.ENDORSED, "sign_off"] = (S.SIGNED_OFF, {"principal"})
EXPECTED[2, S.ENDORSED, "sign_off_ongoing"] = (S.ONGOING, {"principal"})
EXPECTED[2, S.ENDORSED, "return"] = (S.IN_PROGRESS, {"principal"})

ACTIONS = [
    "start",
    "submit",
    "endorse",
    "sign_off",
    "sign_off_ongoing",
    "return",
    "reopen",
    "withdraw",
]


def test_the_table_in_code_is_the_table_of_the_design():
    in_code = {}
    for levels in (1, 2):
        for t in workflow.TRANSITIONS:
            if levels in t.levels:
                in_code[levels, t.source, t.action] = t.target
    assert in_code == {key: target for key, (target, _) in EXPECTED.items()}
    assert set(workflow.ACTIONS) == set(ACTIONS)


@pytest.mark.parametrize("levels", [1, 2])
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_from_every_status_by_every_role(db, levels, status, action):
    unit = make_unit(signoff_levels=levels)
    target, allowed = EXPECTED.get((levels, status, action), (None, set()))
    for person in PEOPLE:
        finding = unit.add_findings(1)[0]
        finding = put_in_state(finding, status, submitter=unit.staff)
        entries = LedgerEntry.objects.count()
        user = getattr(unit, person)
        reason = "材料不全" if action in ("return", "reopen", "withdraw") else ""
        if person in allowed:
            entry = services.transition(finding=finding, by=user, action=action, reason=reason)
            finding.refresh_from_db()
            assert finding.status == target, (person, action)
            assert (entry.status_before, entry.status_after) == (status, target)
            assert entry.author == user
        else:
            error = services.NotPermitted if target is not None else services.LedgerError
            with pytest.raises(error):
                services.transition(finding=finding, by=user, action=action, reason=reason)
            finding.refresh_from_db()
            assert finding.status == status
            assert LedgerEntry.objects.count() == entries


def test_nobody_signs_off_what_they_submitted_themselves(unit):
    # The responsible leader is also the responsible person here, so may submit.
    finding = unit.add_findings(1, responsible_person=unit.leader)[0]
    finding.result = "已完成"
    finding.save()
    add_evidence(finding, unit.leader)
    services.transition(finding=finding, by=unit.leader, action="submit")
    for action in ("sign_off", "sign_off_ongoing"):
        with pytest.raises(services.NotPermitted, match="submitted themselves|自己提交"):
            services.transition(finding=finding, by=unit.leader, action=action)
    finding.refresh_from_db()
    assert finding.status == S.SUBMITTED
    services.transition(finding=finding, by=unit.principal, action="sign_off")
    finding.refresh_from_db()
    assert (finding.status, finding.signed_off_by) == (S.SIGNED_OFF, unit.principal)


def test_the_submitter_is_read_from_the_latest_submission(unit):
    finding = unit.add_findings(1, responsible_person=unit.principal)[0]
    finding.result = "已完成"
    finding.save()
    add_evidence(finding, unit.staff)
    services.transition(finding=finding, by=unit.staff, action="submit")
    services.transition(finding=finding, by=unit.leader, action="return", reason="补充材料")
    services.transition(finding=finding, by=unit.principal, action="submit")
    assert services.submitter_of(finding) == unit.principal
    with pytest.raises(services.NotPermitted):
        services.transition(finding=finding, by=unit.principal, action="sign_off")
    services.transition(finding=finding, by=unit.leader, action="sign_off")


def test_two_levels_the_leader_endorses_and_the_principal_signs_off(db):
    unit = make_unit(signoff_levels=2)
    finding = unit.add_findings(1)[0]
    finding.result = "已完成"
    finding.save()
    add_evidence(finding, unit.staff)
    services.transition(finding=finding, by=unit.staff, action="submit")
    with pytest.raises(services.LedgerError):
        services.transition(finding=finding, by=unit.leader, action="sign_off")
    with pytest.raises(services.LedgerError):
        services.transition(finding=finding, by=unit.principal, action="sign_off")
    services.transition(finding=finding, by=unit.leader, action="endorse")
    with pytest.raises(services.NotPermitted):
        services.transition(finding=finding, by=unit.leader, action="sign_off")
    services.transition(finding=finding, by=unit.principal, action="sign_off")
    finding.refresh_from_db()
    assert finding.status == S.SIGNED_OFF
    kinds = list(finding.ledger_entries.values_list("kind", flat=True))
    assert kinds == [
        EntryKind.START,
        EntryKind.PROGRESS,
        EntryKind.SUBMISSION,
        EntryKind.ENDORSEMENT,
        EntryKind.SIGN_OFF,
    ]


def test_submitting_needs_a_result_text_and_evidence(unit):
    finding = unit.add_findings(1)[0]
    services.transition(finding=finding, by=unit.staff, action="start")
    with pytest.raises(services.LedgerError, match="整改成效") as refused:
        services.transition(finding=finding, by=unit.staff, action="submit")
    assert "evidence" in str(refused.value) or "佐证" in str(refused.value)
    finding.refresh_from_db()
    finding.result = "已完成"
    finding.save()
    with pytest.raises(services.LedgerError):
        services.transition(finding=finding, by=unit.staff, action="submit")
    add_evidence(finding, unit.staff)
    services.transition(finding=finding, by=unit.staff, action="submit")
    finding.refresh_from_db()
    assert finding.status == S.SUBMITTED


@pytest.mark.parametrize("action", ["return", "reopen"])
def test_return_and_reopen_need_a_reason(unit, action):
    status = S.SUBMITTED if action == "return" else S.SIGNED_OFF
    finding = put_in_state(unit.add_findings(1)[0], status, submitter=unit.staff)
    with pytest.raises(services.LedgerError, match="reason|理由"):
        services.transition(finding=finding, by=unit.principal, action=action, reason="  ")
    finding.refresh_from_db()
    assert finding.status == status


def test_each_step_writes_history_with_a_reason_and_bumps_the_version(unit):
    finding = put_in_state(unit.add_findings(1)[0], S.SUBMITTED, submitter=unit.staff)
    version = finding.version
    services.transition(finding=finding, by=unit.leader, action="return", reason="材料不全")
    finding.refresh_from_db()
    assert finding.version == version + 1
    latest = finding.history.first()
    assert latest.history_change_reason == "退回：材料不全"
    assert latest.status == S.IN_PROGRESS
    entry = finding.ledger_entries.last()
    assert (entry.kind, entry.text, entry.author) == (EntryKind.RETURN, "材料不全", unit.leader)


def test_signing_off_records_who_and_when_and_reopening_clears_it(unit):
    finding = put_in_state(unit.add_findings(1)[0], S.SUBMITTED, submitter=unit.staff)
    services.transition(finding=finding, by=unit.leader, action="sign_off_ongoing")
    finding.refresh_from_db()
    assert finding.status == S.ONGOING
    assert finding.signed_off_by == unit.leader and finding.signed_off_at is not None
    services.transition(finding=finding, by=unit.principal, action="reopen", reason="群众反映")
    finding.refresh_from_db()
    assert finding.status == S.IN_PROGRESS
    assert finding.signed_off_by is None and finding.signed_off_at is None


def test_a_signed_off_finding_refuses_every_change_in_the_services(unit):
    finding = put_in_state(unit.add_findings(1)[0], S.SIGNED_OFF, submitter=unit.staff)
    own = Measure.objects.create(finding=finding, position=1, text="措施")
    today = timezone.localdate()
    writes = [
        lambda: services.add_progress(
            finding=finding, by=unit.staff, on_date=today, text="x", files=[check_upload(pdf())]
        ),
        lambda: services.update_finding(
            finding=finding,
            by=unit.staff,
            version=finding.version,
            result="改",
            deadline=finding.deadline,
            kind=finding.kind,
        ),
        lambda: services.add_measure(finding=finding, by=unit.staff, text="新措施"),
        lambda: services.update_measure(
            measure=own, by=unit.staff, version=finding.version, text="改", owner=None,
            deadline=None,
        ),
        lambda: services.complete_measure(measure=own, by=unit.staff, done_on=today),
        lambda: services.move_measure(measure=own, by=unit.staff, up=False),
        lambda: services.transition(finding=finding, by=unit.staff, action="start"),
        lambda: services.transition(finding=finding, by=unit.leader, action="return", reason="x"),
    ]  # fmt: skip
    before = (finding.history.count(), LedgerEntry.objects.count(), own.history.count())
    for write in writes:
        with pytest.raises(services.LedgerError, match="signed off|已销号"):
            write()
    assert (finding.history.count(), LedgerEntry.objects.count(), own.history.count()) == before

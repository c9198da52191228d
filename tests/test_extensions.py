"""Extension requests (延期申请): the table in full, who decides, and that a deadline moves
only through an approved request (not the edit form, not an import)."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from findings import workflow
from findings.models import ExtensionState, Finding, Status
from ledger import extensions, services
from ledger.models import EntryKind, ExtensionRequest, LedgerEntry, Notification
from sheets.planner import plan_import
from sheets.reader import read_ledger

from .fixtures_ledger import put_in_state
from .fixtures_sheet import HEADER, ledger_row, write_xlsx

X = ExtensionState
PEOPLE = ["principal", "leader", "other_leader", "staff", "other_staff", "inspector"]

# Written out independently of findings.workflow.EXTENSION_TRANSITIONS:
# (from, action) → (to, who may), for a request made by the unit's staff (办公室干事).
EXPECTED = {
    ("", "request"): (X.PENDING, {"staff", "other_staff"}),
    (X.PENDING, "approve"): (X.APPROVED, {"leader", "principal"}),
    (X.PENDING, "refuse"): (X.REFUSED, {"leader", "principal"}),
    (X.PENDING, "withdraw"): (X.WITHDRAWN, {"staff"}),
}
STATES = ["", *X.values]
ACTIONS = ["request", "approve", "refuse", "withdraw"]


def later(finding, days=30):
    return finding.deadline + timedelta(days=days)


def ask(finding, by, days=30, reason="需协调财政资金"):
    return extensions.extension_request(
        finding=finding, by=by, new_deadline=later(finding, days), reason=reason
    )


def request_in(unit, finding, state):
    """A request of the unit's staff for `finding`, brought to `state` ("": none)."""
    if state == "":
        return None
    request = ask(finding, unit.staff)
    if state == X.APPROVED:
        extensions.extension_approve(request=request, by=unit.leader)
    elif state == X.REFUSED:
        extensions.extension_refuse(request=request, by=unit.leader, reason="理由不足")
    elif state == X.WITHDRAWN:
        extensions.extension_withdraw(request=request, by=unit.staff)
    request.refresh_from_db()
    return request


def take(action, finding, request, by):
    if action == "request":
        return ask(Finding.objects.get(pk=finding.pk), by, days=60)
    step = {
        "approve": extensions.extension_approve,
        "refuse": lambda **kw: extensions.extension_refuse(reason="不同意", **kw),
        "withdraw": extensions.extension_withdraw,
    }[action]
    return step(request=request, by=by)


def test_the_extension_table_in_code_is_the_table_of_the_design():
    in_code = {(t.source, t.action): t.target for t in workflow.EXTENSION_TRANSITIONS}
    assert in_code == {key: target for key, (target, _who) in EXPECTED.items()}
    assert list(workflow.EXTENSION_ACTIONS) == ACTIONS
    refuse = workflow.extension_transition_for(X.PENDING, "refuse")
    assert refuse.needs_reason and workflow.extension_transition_for(X.PENDING, "request") is None


# A decision needs a request: from "" (none yet) only asking is a step to try.
STEPS = [(s, a) for s in STATES for a in ACTIONS if s or a == "request"]


@pytest.mark.parametrize(("state", "action"), STEPS)
def test_every_extension_step_from_every_state_by_every_role(unit, state, action):
    # "request" is a new request: from no request or a decided one; refused while one pends
    source = "" if action == "request" and state != X.PENDING else state
    target, allowed = EXPECTED.get((source, action), (None, set()))
    for person in PEOPLE:
        finding = unit.add_findings(1)[0]
        request = request_in(unit, finding, state)
        finding.refresh_from_db()
        deadline, entries = finding.deadline, LedgerEntry.objects.count()
        states = list(ExtensionRequest.objects.values_list("pk", "state"))
        user = getattr(unit, person)
        if person in allowed:
            done = take(action, finding, request, user)
            assert done.state == target, (state, action, person)
            assert LedgerEntry.objects.count() == entries + 1
        else:
            with pytest.raises(services.LedgerError):
                take(action, finding, request, user)
            finding.refresh_from_db()
            assert finding.deadline == deadline, (state, action, person)
            assert LedgerEntry.objects.count() == entries
            assert list(ExtensionRequest.objects.values_list("pk", "state")) == states


def test_an_approved_request_moves_the_deadline_and_keeps_the_original(unit):
    finding = unit.add_findings(1)[0]
    original = finding.deadline
    assert finding.original_deadline == original  # set at creation
    request = ask(finding, unit.staff)
    finding.refresh_from_db()
    assert finding.deadline == original  # asking changes nothing yet
    assert Notification.objects.filter(recipient=unit.leader, entry__finding=finding).exists()

    extensions.extension_approve(request=request, by=unit.leader, reason="同意")

    finding.refresh_from_db()
    assert (finding.deadline, finding.original_deadline) == (original + timedelta(30), original)
    assert (finding.extension_count, finding.is_extended) == (1, True)
    request.refresh_from_db()
    assert (request.state, request.decided_by, request.decision_reason) == (
        X.APPROVED,
        unit.leader,
        "同意",
    )
    kinds = list(
        LedgerEntry.objects.filter(finding=finding).values_list("kind", "author__username")
    )
    assert kinds == [
        (EntryKind.EXTENSION_REQUEST, unit.staff.username),
        (EntryKind.EXTENSION_APPROVAL, unit.leader.username),
    ]
    assert Notification.objects.filter(recipient=unit.staff, entry__kind="extension_approved")
    record = finding.history.first()
    assert record.history_user == unit.leader and record.history_change_reason.startswith("延期")
    # a second approved extension counts twice and still keeps the first date
    second = ask(finding, unit.staff, days=10)
    extensions.extension_approve(request=second, by=unit.principal)
    finding.refresh_from_db()
    assert (finding.extension_count, finding.original_deadline) == (2, original)


def test_a_refused_request_keeps_the_deadline_and_tells_the_requester(unit):
    finding = unit.add_findings(1)[0]
    request = ask(finding, unit.staff)
    with pytest.raises(services.LedgerError, match="reason|理由"):
        extensions.extension_refuse(request=request, by=unit.leader, reason=" ")
    extensions.extension_refuse(request=request, by=unit.leader, reason="可以按期完成")
    finding.refresh_from_db()
    assert (finding.deadline, finding.extension_count) == (finding.original_deadline, 0)
    note = Notification.objects.get(recipient=unit.staff, entry__kind="extension_refused")
    assert "可以按期完成" in note.entry.text


def test_nobody_decides_their_own_request(unit):
    # the leader is also the responsible person here, so may ask
    finding = unit.add_findings(1, responsible_person=unit.leader)[0]
    request = ask(finding, unit.leader)
    with pytest.raises(services.NotPermitted, match="own|自己"):
        extensions.extension_approve(request=request, by=unit.leader)
    extensions.extension_approve(request=request, by=unit.principal)


@pytest.mark.parametrize(
    ("days", "reason", "message"),
    [(0, "理由", "later|晚于"), (-5, "理由", "later|晚于"), (30, "  ", "reason|理由")],
)
def test_a_request_needs_a_later_date_and_a_reason(unit, days, reason, message):
    finding = unit.add_findings(1)[0]
    with pytest.raises(services.LedgerError, match=message):
        ask(finding, unit.staff, days=days, reason=reason)
    assert not ExtensionRequest.objects.exists()


def test_a_new_date_in_the_past_and_a_finding_without_deadline_are_refused(unit):
    overdue = unit.add_findings(1, deadline=timezone.localdate() - timedelta(days=30))[0]
    with pytest.raises(services.LedgerError, match="past|早于今天"):
        ask(overdue, unit.staff, days=10)
    ongoing = unit.add_findings(1, kind="ongoing", deadline=None)[0]
    with pytest.raises(services.LedgerError, match="no deadline|没有.*时限"):
        extensions.extension_request(
            finding=ongoing, by=unit.staff, new_deadline=timezone.localdate(), reason="理由"
        )


def test_a_signed_off_finding_takes_no_request(unit):
    finding = put_in_state(unit.add_findings(1)[0], Status.SIGNED_OFF, submitter=unit.staff)
    with pytest.raises(services.LedgerError, match="signed off|已销号"):
        ask(finding, unit.staff)


def test_the_database_keeps_one_pending_request_per_finding(unit):
    finding = unit.add_findings(1)[0]
    ask(finding, unit.staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExtensionRequest.objects.create(
            finding=finding,
            requested_by=unit.other_staff,
            deadline_before=finding.deadline,
            new_deadline=later(finding),
            reason="再次申请",
        )


# --- no other way moves a deadline -----------------------------------------------------


def test_the_edit_service_refuses_to_move_or_clear_a_set_deadline(unit):
    finding = unit.add_findings(1)[0]
    for deadline in (later(finding), finding.deadline - timedelta(days=3), None):
        with pytest.raises(services.LedgerError, match="延期|extension"):
            services.update_finding(
                finding=finding, by=unit.staff, version=None, result="x", kind=finding.kind,
                deadline=deadline,
            )  # fmt: skip
    assert Finding.objects.get(pk=finding.pk).deadline == finding.deadline


def test_the_edit_form_does_not_move_a_deadline(client, unit):
    finding = unit.add_findings(1)[0]
    client.force_login(unit.staff)
    url = reverse("ledger:edit_finding", args=[unit.inspection.code, finding.pk])
    data = {
        "edit-version": finding.version,
        "edit-result": "成效",
        "edit-kind": finding.kind,
        "edit-deadline": later(finding).isoformat(),
    }
    assert client.post(url, data).status_code == 302
    finding.refresh_from_db()
    assert (finding.result, finding.deadline) == ("成效", finding.original_deadline)


def test_an_import_sets_the_deadline_of_a_new_finding_and_does_not_move_a_set_one(unit, tmp_path):
    finding = unit.add_findings(1, deadline=date(2024, 3, 31))[0]
    rows = [
        HEADER,
        ledger_row(1, "聚焦第1方面", finding.statement, deadline=date(2024, 9, 30)),
        ledger_row(2, "聚焦第1方面", "新问题", deadline=date(2024, 5, 31)),
    ]
    sheet = read_ledger(write_xlsx(tmp_path / "台账.xlsx", rows))
    plan = plan_import(inspection=unit.inspection, sheet=sheet)
    assert plan.errors == []
    assert plan.notes[0].startswith(
        "第2行：整改时限与系统不同（系统为2024-03-31，表中为2024-09-30）"
    )
    assert all(c.field != "整改时限" for p in plan.to_update for c in p.changes)
    [new] = plan.to_create
    assert (new.finding.deadline, new.finding.original_deadline) == ((date(2024, 5, 31),) * 2)


# --- 按期 / 延期 where findings are shown --------------------------------------------------


@pytest.fixture
def extended(unit):
    """One finding extended once (its first deadline now past), one on time."""
    today = timezone.localdate()
    finding, on_time = unit.add_findings(2, deadline=today + timedelta(days=5))
    request = ask(finding, unit.staff, days=20)
    extensions.extension_approve(request=request, by=unit.leader)
    Finding.objects.filter(pk=finding.pk).update(original_deadline=today - timedelta(days=3))
    return Finding.objects.get(pk=finding.pk), on_time


def test_the_finding_page_shows_on_time_or_extended_with_the_original_date(client, unit, extended):
    finding, on_time = extended
    client.force_login(unit.inspector)
    page = client.get(reverse("findings:finding_detail", args=[unit.inspection.code, finding.pk]))
    html = page.content.decode()
    assert "延期 ×1" in html and f"原定 {finding.original_deadline:%Y-%m-%d}" in html
    assert "需协调财政资金" in html  # the request and its decision are listed
    page = client.get(reverse("findings:finding_detail", args=[unit.inspection.code, on_time.pk]))
    assert 'id="deadline-standing">按期' in page.content.decode()


def test_the_ledger_list_marks_and_filters_extended_findings(client, unit, extended):
    finding, on_time = extended
    client.force_login(unit.inspector)
    url = reverse("findings:inspection_detail", args=[unit.inspection.code])
    assert "延期 ×1" in client.get(url).content.decode()
    response = client.get(url, {"extended": "1"})
    assert [f.pk for f in response.context["findings"]] == [finding.pk]


def test_my_work_filters_extended_findings(client, unit, extended):
    finding, on_time = extended
    client.force_login(unit.staff)
    work = client.get(reverse("ledger:my_work"), {"only": "extended"}).context["work"]
    assert [f.pk for f in work.to_update] == [finding.pk]
    work = client.get(reverse("ledger:my_work")).context["work"]
    assert {f.pk for f in work.to_update} == {finding.pk, on_time.pk}


def test_the_dashboard_counts_overdue_by_the_current_deadline_and_lists_extended(
    client, unit, extended
):
    finding, on_time = extended
    client.force_login(unit.principal)
    board = client.get(reverse("ledger:dashboard", args=[unit.inspection.code])).context["board"]
    # past its original date but within its extended one: not overdue, and listed as extended
    assert board.overdue == []
    assert [f.pk for f in board.extended] == [finding.pk]


def test_my_work_lists_the_requests_awaiting_my_decision_until_decided(client, unit):
    finding = unit.add_findings(1)[0]
    request = ask(finding, unit.staff)
    client.force_login(unit.leader)
    work = client.get(reverse("ledger:my_work")).context["work"]
    assert [x.pk for x in work.extensions_to_decide] == [request.pk]
    assert "需协调财政资金" in client.get(reverse("ledger:my_work")).content.decode()
    client.force_login(unit.staff)  # the requester decides nothing
    assert client.get(reverse("ledger:my_work")).context["work"].extensions_to_decide == []
    extensions.extension_withdraw(request=request, by=unit.staff)
    assert Notification.objects.filter(recipient=unit.leader, entry__kind="extension_withdrawn")
    client.force_login(unit.leader)
    assert client.get(reverse("ledger:my_work")).context["work"].extensions_to_decide == []

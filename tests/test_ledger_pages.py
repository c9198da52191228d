"""The finding's working page, 我的工作, the dashboard, notifications and reminders."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from findings.access import Access
from findings.models import Finding, FindingKind, Measure, Status
from ledger import selectors, services
from ledger.models import EntryKind, LedgerEntry, Notification, ReminderSent

from .fixtures_ledger import add_evidence, put_in_state


def finding_url(finding):
    return reverse("findings:finding_detail", args=[finding.area.inspection.code, finding.pk])


def ledger_url(name, finding, *args):
    return reverse(f"ledger:{name}", args=[finding.area.inspection.code, finding.pk, *args])


def edit_data(finding, result, version=None):
    return {
        "edit-version": version or finding.version,
        "edit-result": result,
        "edit-kind": finding.kind,
        "edit-deadline": finding.deadline.isoformat(),
    }


@pytest.fixture
def finding(unit):
    return unit.add_findings(1)[0]


# --- lost updates ------------------------------------------------------------------------------


def test_a_stale_form_is_refused_showing_the_first_change_and_keeping_the_second(unit, finding):
    first, second = Client(), Client()
    first.force_login(unit.staff)
    second.force_login(unit.principal)
    # both open the page at the same version
    opened = [c.get(finding_url(finding)).context["workspace"] for c in (first, second)]
    versions = [ws.forms["edit"].initial["version"] for ws in opened]
    assert versions[0] == versions[1] == finding.version

    response = first.post(ledger_url("edit_finding", finding), edit_data(finding, "第一人的成效"))
    assert response.status_code == 302
    response = second.post(
        ledger_url("edit_finding", finding),
        edit_data(finding, "第二人的成效", version=versions[1]),
    )

    assert response.status_code == 409
    finding.refresh_from_db()
    assert finding.result == "第一人的成效"  # the first save stands
    workspace = response.context["workspace"]
    [change] = [c for c in workspace.conflict if c.new == "第一人的成效"]
    assert change.who == unit.staff
    form = workspace.forms["edit"]
    assert form.data["edit-result"] == "第二人的成效"  # the second's input is kept
    assert form.data["edit-version"] == str(finding.version)  # ready to save deliberately
    page = response.content.decode()
    assert "第一人的成效" in page and "第二人的成效" in page

    # saving again, knowingly, applies the second edit; history holds both
    response = second.post(ledger_url("edit_finding", finding), edit_data(finding, "第二人的成效"))
    assert response.status_code == 302
    results = list(finding.history.order_by("history_id").values_list("result", flat=True))
    assert "第一人的成效" in results and results[-1] == "第二人的成效"
    whos = {r.history_user for r in finding.history.exclude(result="")}
    assert {unit.staff, unit.principal} <= whos


def test_a_stale_measure_edit_is_refused_too(client, unit, finding):
    measure = services.add_measure(finding=finding, by=unit.staff, text="原措施")
    finding.refresh_from_db()
    opened = finding.version
    services.update_measure(
        measure=measure, by=unit.principal, version=opened, text="书记改的", owner=None,
        deadline=None,
    )  # fmt: skip
    client.force_login(unit.staff)
    response = client.post(
        ledger_url("edit_measure", finding, measure.pk),
        {f"m{measure.pk}-version": opened, f"m{measure.pk}-text": "干事改的"},
    )
    assert response.status_code == 409
    measure.refresh_from_db()
    assert measure.text == "书记改的"
    assert any(c.new == "书记改的" for c in response.context["workspace"].conflict)
    assert "干事改的" in response.content.decode()


# --- the working page --------------------------------------------------------------------------


def test_staff_edit_result_and_kind_but_a_set_deadline_is_not_in_the_form(client, unit, finding):
    client.force_login(unit.staff)
    deadline = finding.deadline
    page = client.get(finding_url(finding))
    assert "deadline" not in page.context["workspace"].forms["edit"].fields
    assert 'name="edit-deadline"' not in page.content.decode()
    response = client.post(
        ledger_url("edit_finding", finding),
        {
            "edit-version": finding.version,
            "edit-result": "建立制度3项",
            "edit-kind": FindingKind.ONGOING,
            "edit-deadline": "",  # not a field of the form: ignored
        },
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.result, finding.kind, finding.deadline) == ("建立制度3项", "ongoing", deadline)
    assert finding.history.first().history_change_reason == "编辑整改信息"


def test_a_finding_without_deadline_gets_its_first_one_in_the_form_and_keeps_it(client, unit):
    finding = unit.add_findings(1, kind=FindingKind.ONGOING, deadline=None)[0]
    assert finding.original_deadline is None
    client.force_login(unit.staff)
    data = {"edit-version": finding.version, "edit-result": "x", "edit-kind": "deadline"}
    response = client.post(ledger_url("edit_finding", finding), data | {"edit-deadline": ""})
    assert response.status_code == 400
    assert response.context["workspace"].forms["edit"].errors["deadline"]
    first = timezone.localdate() + timedelta(days=40)
    response = client.post(
        ledger_url("edit_finding", finding), data | {"edit-deadline": first.isoformat()}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.deadline, finding.original_deadline) == (first, first)
    # from now on it moves only by an extension request
    with pytest.raises(services.LedgerError, match="延期|extension"):
        services.update_finding(
            finding=finding, by=unit.staff, version=None, result="x", kind="deadline",
            deadline=first + timedelta(days=9),
        )  # fmt: skip


def test_measures_are_added_edited_reordered_and_completed(client, unit, finding):
    client.force_login(unit.staff)
    for text in ("学习文件", "建立制度", "开展检查"):
        client.post(ledger_url("add_measure", finding), {"new-version": 1, "new-text": text})
    first, second, third = Measure.objects.filter(finding=finding).order_by("position")
    assert [m.text for m in (first, second, third)] == ["学习文件", "建立制度", "开展检查"]
    finding.refresh_from_db()
    client.post(
        ledger_url("edit_measure", finding, second.pk),
        {
            f"m{second.pk}-version": finding.version,
            f"m{second.pk}-text": "建立完善制度",
            f"m{second.pk}-owner": unit.other_staff.pk,
            f"m{second.pk}-deadline": "2030-01-31",
        },
    )
    client.post(ledger_url("move_measure", finding, third.pk, "up"))
    client.post(ledger_url("complete_measure", finding, first.pk), {"done-done_on": "2024-07-01"})
    texts = list(
        Measure.objects.filter(finding=finding).order_by("position").values_list("text", flat=True)
    )
    assert texts == ["学习文件", "开展检查", "建立完善制度"]
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.owner == unit.other_staff and str(second.deadline) == "2030-01-31"
    assert str(first.done_on) == "2024-07-01"
    # the reorder shows in history as positions 2 ↔ 3, with no parking position
    positions = [r.position for r in third.history.order_by("history_id")]
    assert positions == [3, 2]


def test_a_signed_off_finding_is_read_only_in_the_views(client, unit, finding):
    finding = put_in_state(finding, Status.SIGNED_OFF, submitter=unit.staff)
    measure = Measure.objects.create(finding=finding, position=1, text="措施")
    client.force_login(unit.staff)
    page = client.get(finding_url(finding)).content.decode()
    assert 'class="notice readonly"' in page
    assert "progress-form" not in page and "edit-finding" not in page
    before = (finding.history.count(), LedgerEntry.objects.count(), measure.history.count())
    posts = [
        (ledger_url("add_progress", finding), {"progress-text": "x"}),
        (ledger_url("edit_finding", finding), edit_data(finding, "改")),
        (ledger_url("add_measure", finding), {"new-version": finding.version, "new-text": "x"}),
        (ledger_url("edit_measure", finding, measure.pk), {f"m{measure.pk}-version": 1}),
        (ledger_url("complete_measure", finding, measure.pk), {"done-done_on": "2024-01-01"}),
        (ledger_url("move_measure", finding, measure.pk, "up"), {}),
        (ledger_url("take_action", finding, "start"), {}),
    ]  # fmt: skip
    for url, data in posts:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, url
        messages = [str(m) for m in response.context["messages"]]
        assert any("已销号" in m or "signed off" in m for m in messages), url
    finding.refresh_from_db()
    assert finding.status == Status.SIGNED_OFF and finding.result == "已完成整改"
    assert (finding.history.count(), LedgerEntry.objects.count(), measure.history.count()) == before


def test_the_timeline_merges_entries_with_evidence_and_field_history_in_date_order(
    client, unit, finding
):
    finding.result = "初稿"
    finding._change_reason = "导入：台账.xlsx"
    finding.save()
    add_evidence(finding, unit.staff, name="会议记录.pdf")
    services.transition(finding=finding, by=unit.staff, action="submit")
    services.transition(finding=finding, by=unit.leader, action="return", reason="缺少照片")
    client.force_login(unit.inspector)
    response = client.get(finding_url(finding))
    access = Access.of(unit.inspector).to_finding(finding)
    timeline = selectors.finding_workspace(finding=finding, access=access).timeline
    assert [item.when for item in timeline] == sorted(item.when for item in timeline)
    kinds = [item.entry.kind for item in timeline if item.entry]
    assert kinds == ["start", "progress", "submission", "return"]
    assert any(item.change and item.change.reason == "导入：台账.xlsx" for item in timeline)
    # a step's status change is told once, by its entry; other changes say who made them
    status_label = str(Finding._meta.get_field("status").verbose_name)
    assert not any(item.change and item.change.field == status_label for item in timeline)
    assert all(
        item.who is not None
        for item in timeline
        if item.entry or item.change.reason != "导入：台账.xlsx"
    )
    page = response.content.decode()
    assert "会议记录.pdf" in page and "缺少照片" in page and "副书记" in page
    timeline_html = page[page.index('class="timeline"') :]
    assert timeline_html.index("会议记录.pdf") < timeline_html.index("缺少照片")


def test_the_finding_page_costs_the_same_queries_with_many_entries(client, unit, finding):
    client.force_login(unit.staff)
    add_evidence(finding, unit.staff)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(finding_url(finding)).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(8):
        add_evidence(finding, unit.staff, name=f"材料{i}.pdf")
        services.add_measure(finding=finding, by=unit.staff, text=f"措施{i}")
    assert count() == few


# --- 我的工作 ------------------------------------------------------------------------------------


def test_my_work_lists_each_finding_once_with_its_deadline_colour(client, unit):
    today = timezone.localdate()
    overdue, soon, later, far = unit.add_findings(4)
    for f, days in ((overdue, -1), (soon, 10), (later, 20), (far, 21)):
        f.deadline = today + timedelta(days=days)
        f.status = Status.IN_PROGRESS
        f.save()
    submitted = put_in_state(unit.add_findings(1)[0], Status.SUBMITTED, submitter=unit.staff)

    client.force_login(unit.staff)
    work = client.get(reverse("ledger:my_work")).context["work"]
    assert {f.pk: f.warning for f in work.to_update} == {
        overdue.pk: "overdue",
        soon.pk: "soon",
        later.pk: "later",
        far.pk: "",
    }
    # The submitted one waits for the leader; the staff follow its deadline only.
    assert [f.pk for f in work.deadlines] == []
    assert work.awaiting_sign_off == []

    client.force_login(unit.leader)
    response = client.get(reverse("ledger:my_work"))
    work = response.context["work"]
    assert [f.pk for f in work.awaiting_sign_off] == [submitted.pk]
    assert work.to_update == []
    # What the leader leads and is due within 20 days, once, not the one awaiting them.
    assert {f.pk: f.warning for f in work.deadlines} == {
        overdue.pk: "overdue",
        soon.pk: "soon",
        later.pk: "later",
    }
    page = response.content.decode()
    assert "due-overdue" in page and "due-soon" in page and "due-later" in page

    client.force_login(unit.other_leader)
    assert client.get(reverse("ledger:my_work")).context["work"].awaiting_sign_off == []


def test_two_level_items_wait_for_the_leader_then_the_principal(client, db):
    from .conftest import make_unit

    unit = make_unit(signoff_levels=2)
    finding = put_in_state(unit.add_findings(1)[0], Status.SUBMITTED, submitter=unit.staff)

    def waiting(user):
        client.force_login(user)
        return [
            f.pk for f in client.get(reverse("ledger:my_work")).context["work"].awaiting_sign_off
        ]

    assert (waiting(unit.leader), waiting(unit.principal)) == ([finding.pk], [])
    services.transition(finding=finding, by=unit.leader, action="endorse")
    assert (waiting(unit.leader), waiting(unit.principal)) == ([], [finding.pk])


def test_what_i_submitted_myself_does_not_wait_for_my_sign_off(client, unit):
    finding = put_in_state(
        unit.add_findings(1, responsible_person=unit.principal)[0],
        Status.SUBMITTED,
        submitter=unit.principal,
    )
    client.force_login(unit.principal)
    assert client.get(reverse("ledger:my_work")).context["work"].awaiting_sign_off == []
    client.force_login(unit.leader)
    work = client.get(reverse("ledger:my_work")).context["work"]
    assert [f.pk for f in work.awaiting_sign_off] == [finding.pk]


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _mixed_findings(unit, n):
    today = timezone.localdate()
    findings = unit.add_findings(n, area=unit.areas[n % 2])
    for i, f in enumerate(findings):
        f.deadline = today + timedelta(days=(i % 30) - 5)
        f.status = [Status.IN_PROGRESS, Status.SUBMITTED, Status.SIGNED_OFF][i % 3]
        f.save()
        if f.status == Status.SUBMITTED:
            LedgerEntry.objects.create(
                finding=f, kind=EntryKind.SUBMISSION, author=unit.staff, on_date=today,
                status_before=Status.IN_PROGRESS, status_after=Status.SUBMITTED,
            )  # fmt: skip
            Notification.objects.create(recipient=unit.leader, entry=f.ledger_entries.last())


@pytest.mark.parametrize("person", ["staff", "leader", "principal"])
def test_my_work_and_the_dashboard_cost_the_same_queries_for_5_and_50_findings(
    client, unit, person
):
    client.force_login(getattr(unit, person))
    urls = [reverse("ledger:my_work"), reverse("ledger:dashboard", args=[unit.inspection.code])]
    _mixed_findings(unit, 5)
    small = [_queries(client, url) for url in urls]
    _mixed_findings(unit, 45)
    large = [_queries(client, url) for url in urls]
    assert small == large


# --- the dashboard -------------------------------------------------------------------------------


def test_the_dashboard_counts_by_status_area_and_leader_with_an_svg_chart(client, unit):
    today = timezone.localdate()
    a, b, c = unit.add_findings(3)
    d = unit.add_findings(1, area=unit.areas[1], responsible_leader=unit.other_leader)[0]
    for f, status, days in (
        (a, Status.SIGNED_OFF, -3),
        (b, Status.ONGOING, -3),
        (c, Status.IN_PROGRESS, -1),
        (d, Status.NOT_STARTED, 5),
    ):
        f.status, f.deadline = status, today + timedelta(days=days)
        f.save()
    client.force_login(unit.inspector)
    response = client.get(reverse("ledger:dashboard", args=[unit.inspection.code]))
    board = response.context["board"]
    assert board.total == 4 and board.signed_off == 1
    assert board.completion_rate == 25.0  # ongoing sign-offs are not complete
    counts = {value: n for value, _, n, _ in board.by_status}
    assert counts["signed_off"] == counts["ongoing"] == counts["in_progress"] == 1
    assert [(area.position, total) for area, _, total in board.by_area] == [(1, 3), (2, 1)]
    assert [f.pk for f in board.overdue] == [c.pk]
    rows = {str(r["leader"]): (r["total"], r["signed_off"], r["overdue"]) for r in board.by_leader}
    assert rows == {"副书记": (3, 1, 1), "纪检委员": (1, 0, 0)}
    page = response.content.decode()
    assert "<svg" in page and "<rect" in page and "25.0%" in page
    assert "style=" not in page and "<script" not in page


# --- notifications and reminders -----------------------------------------------------------------


@pytest.fixture
def emails(unit):
    for person in ("principal", "leader", "other_leader", "staff"):
        user = getattr(unit, person)
        user.email = f"{person}@example.org"
        user.save()


def test_submit_notifies_the_leader_and_return_and_sign_off_the_submitter(
    unit, emails, mailoutbox, django_capture_on_commit_callbacks
):
    finding = unit.add_findings(1)[0]
    finding.result = "已完成"
    finding.save()
    add_evidence(finding, unit.staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(finding=finding, by=unit.staff, action="submit")
    assert [m.to for m in mailoutbox] == [["leader@example.org"]]
    assert "待销号" in mailoutbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(finding=finding, by=unit.leader, action="return", reason="缺照片")
    assert mailoutbox[-1].to == ["staff@example.org"] and "缺照片" in mailoutbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(finding=finding, by=unit.staff, action="submit")
        services.transition(finding=finding, by=unit.leader, action="sign_off")
    assert mailoutbox[-1].to == ["staff@example.org"] and "已销号" in mailoutbox[-1].subject
    kinds = list(
        Notification.objects.order_by("id").values_list("recipient__username", "entry__kind")
    )
    assert kinds == [
        ("u-leader", "submission"),
        ("u-staff", "return"),
        ("u-leader", "submission"),
        ("u-staff", "sign_off"),
    ]


def test_at_two_levels_endorsing_notifies_the_principal(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    from .conftest import make_unit

    unit = make_unit(signoff_levels=2)
    unit.principal.email = "principal@example.org"
    unit.principal.save()
    finding = put_in_state(unit.add_findings(1)[0], Status.SUBMITTED, submitter=unit.staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(finding=finding, by=unit.leader, action="endorse")
    assert [m.to for m in mailoutbox] == [["principal@example.org"]]


def test_no_email_is_sent_when_the_transaction_rolls_back(unit, emails, mailoutbox):
    finding = put_in_state(unit.add_findings(1)[0], Status.IN_PROGRESS, submitter=unit.staff)
    # the test's own transaction never commits: on_commit callbacks do not run
    services.transition(finding=finding, by=unit.staff, action="submit")
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=unit.leader).count() == 1


def test_notifications_show_on_my_work_until_read(client, unit):
    finding = put_in_state(unit.add_findings(1)[0], Status.IN_PROGRESS, submitter=unit.staff)
    services.transition(finding=finding, by=unit.staff, action="submit")
    client.force_login(unit.leader)
    page = client.get(reverse("ledger:my_work")).content.decode()
    assert "办公室干事" in page and finding.statement in page
    assert len(client.get(reverse("ledger:my_work")).context["work"].notifications) == 1
    client.post(reverse("ledger:notifications_read"))
    assert client.get(reverse("ledger:my_work")).context["work"].notifications == []


def test_send_reminders_sends_one_email_per_person_once_a_day(unit, emails, mailoutbox):
    today = timezone.localdate()
    overdue, soon, _far = unit.add_findings(3)
    overdue.deadline, soon.deadline = today - timedelta(days=2), today + timedelta(days=3)
    overdue.save()
    soon.save()
    submitted = put_in_state(unit.add_findings(1)[0], Status.SUBMITTED, submitter=unit.staff)
    submitted.deadline = today - timedelta(days=1)
    submitted.save()

    call_command("send_reminders")

    by_person = {m.to[0]: m for m in mailoutbox}
    assert sorted(by_person) == ["leader@example.org", "principal@example.org", "staff@example.org"]
    staff_mail = by_person["staff@example.org"].body
    assert "已逾期（1项）" in staff_mail and "即将到期（1项）" in staff_mail
    assert overdue.statement in staff_mail and "待您销号" not in staff_mail
    assert submitted.statement not in staff_mail  # submitted: no longer the staff's to do
    assert "待您销号（1项）" in by_person["leader@example.org"].body
    assert ReminderSent.objects.count() == 3

    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert len(mailoutbox) == 3  # nothing new the same day
    assert "0 sent, 3 already sent today" in out.getvalue()


def test_an_action_not_possible_in_this_state_is_explained_and_changes_nothing(
    client, unit, finding
):
    client.force_login(unit.leader)
    before = (finding.history.count(), LedgerEntry.objects.count())
    response = client.post(ledger_url("take_action", finding, "sign_off"), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["问题处于“未启动”状态，不能执行“销号（已完成）”。"]
    assert (finding.history.count(), LedgerEntry.objects.count()) == before


def test_people_land_on_my_work_after_login_and_find_it_in_the_menu(client, unit):
    from .conftest import PASSWORD

    response = client.post(reverse("login"), {"username": "u-staff", "password": PASSWORD})
    assert response.url == reverse("home")
    assert client.get(response.url).url == reverse("ledger:my_work")  # staff: their items
    page = client.get(reverse("findings:inspection_detail", args=[unit.inspection.code]))
    html = page.content.decode()
    assert f'href="{reverse("ledger:my_work")}"' in html
    assert f'href="{reverse("ledger:dashboard", args=[unit.inspection.code])}"' in html

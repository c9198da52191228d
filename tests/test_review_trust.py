"""What a reviewer signs off can be trusted: a submitted finding is frozen by every path
(views, services, import), the submitter may withdraw it, a sign-off over a newer
version is refused showing what changed, irreversible steps are confirmed first, and a
returned finding says so where it is shown."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding, Measure, SentBack, Status
from ledger import services
from ledger.evidence import check_upload
from ledger.models import EntryKind, LedgerEntry, Notification
from sheets.planner import plan_import
from sheets.reader import read_ledger

from .fixtures_ledger import add_evidence, pdf, put_in_state
from .fixtures_sheet import HEADER, ledger_row, write_xlsx


@pytest.fixture
def submitted(unit):
    """A finding with result text, evidence and a measure, submitted by the staff."""
    finding = unit.add_findings(1)[0]
    services.add_measure(finding=finding, by=unit.staff, text="建立制度")
    finding.refresh_from_db()
    services.update_finding(
        finding=finding,
        by=unit.staff,
        version=finding.version,
        result="已建立制度",
        kind="deadline",
    )
    add_evidence(finding, unit.staff)
    services.transition(finding=Finding.objects.get(pk=finding.pk), by=unit.staff, action="submit")
    return Finding.objects.get(pk=finding.pk)


def url(name, finding, *args):
    return reverse(f"ledger:{name}", args=[finding.area.inspection.code, finding.pk, *args])


def finding_url(finding):
    return reverse("findings:finding_detail", args=[finding.area.inspection.code, finding.pk])


def state_of(finding):
    finding = Finding.objects.get(pk=finding.pk)
    measures = list(Measure.objects.filter(finding=finding).values_list("text", "done_on"))
    return (
        finding.result,
        finding.version,
        measures,
        LedgerEntry.objects.filter(finding=finding).count(),
    )


# --- frozen while awaiting sign-off --------------------------------------------------------


def _writes(finding, by):
    measure = finding.measures.first()
    today = timezone.localdate()
    return {
        "update_finding": lambda: services.update_finding(
            finding=finding, by=by, version=None, result="改了", kind=finding.kind
        ),
        "add_measure": lambda: services.add_measure(finding=finding, by=by, text="新措施"),
        "update_measure": lambda: services.update_measure(
            measure=measure, by=by, version=None, text="改了", owner=None, deadline=None
        ),
        "complete_measure": lambda: services.complete_measure(
            measure=measure, by=by, done_on=today
        ),
        "move_measure": lambda: services.move_measure(measure=measure, by=by, up=False),
        "add_progress": lambda: services.add_progress(
            finding=finding, by=by, on_date=today, text="补充", files=[check_upload(pdf())]
        ),
    }


@pytest.mark.parametrize("levels_status", [(1, Status.SUBMITTED), (2, Status.ENDORSED)])
@pytest.mark.parametrize(
    "write",
    [
        "update_finding",
        "add_measure",
        "update_measure",
        "complete_measure",
        "move_measure",
        "add_progress",
    ],
)
def test_a_frozen_finding_refuses_every_write_of_the_services(unit, levels_status, write):
    levels, status = levels_status
    unit.inspection.signoff_levels = levels
    unit.inspection.save()
    finding = put_in_state(unit.add_findings(1)[0], status, submitter=unit.staff)
    Measure.objects.create(finding=finding, position=1, text="措施一")
    Measure.objects.create(finding=finding, position=2, text="措施二")
    before = state_of(finding)
    for person in (unit.staff, unit.principal):
        with pytest.raises(services.LedgerError, match="awaits sign-off|等待销号"):
            _writes(finding, person)[write]()
    assert state_of(finding) == before


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("add_progress", {"progress-on_date": "2024-05-01", "progress-text": "补充"}),
        ("edit_finding", {"edit-version": 0, "edit-result": "改了", "edit-kind": "deadline"}),
        ("add_measure", {"new-version": 0, "new-text": "新措施"}),
    ],
)
def test_a_frozen_finding_refuses_edits_through_the_views(client, unit, submitted, name, data):
    client.force_login(unit.staff)
    data = {k: (submitted.version if v == 0 else v) for k, v in data.items()}
    before = state_of(submitted)
    response = client.post(url(name, submitted), data, follow=True)
    assert "等待销号" in response.content.decode()
    assert state_of(submitted) == before


def test_measure_views_of_a_frozen_finding_change_nothing(client, unit, submitted):
    client.force_login(unit.staff)
    measure = submitted.measures.get()
    before = state_of(submitted)
    for name, args, data in [
        ("edit_measure", [measure.pk], {f"m{measure.pk}-version": submitted.version,
                                        f"m{measure.pk}-text": "改了"}),
        ("complete_measure", [measure.pk], {"done-done_on": "2024-05-01"}),
        ("move_measure", [measure.pk, "down"], {}),
    ]:  # fmt: skip
        assert client.post(url(name, submitted, *args), data).status_code == 302
    assert state_of(submitted) == before


def test_the_frozen_page_has_no_edit_forms_and_says_why(client, unit, submitted):
    client.force_login(unit.staff)
    response = client.get(finding_url(submitted))
    page = response.content.decode()
    assert 'id="frozen"' in page
    assert 'id="edit-finding"' not in page and 'id="progress-form"' not in page
    assert response.context["workspace"].may_edit is False


def test_an_import_refuses_to_change_the_result_or_measures_of_a_frozen_finding(
    unit, submitted, tmp_path
):
    rows = [
        HEADER,
        ledger_row(1, "聚焦第1方面", submitted.statement, result="导入改的成效",
                   measure="建立制度", deadline=submitted.deadline),
    ]  # fmt: skip
    plan = plan_import(
        inspection=unit.inspection, sheet=read_ledger(write_xlsx(tmp_path / "a.xlsx", rows))
    )
    [error] = plan.errors
    assert "待销号" in error.message and "整改成效" in error.message and error.row == 2
    assert plan.to_update == []
    # the statement is not frozen (it is the inspection's text, not the unit's claim)
    rows[1] = ledger_row(1, "聚焦第1方面", "改过的表述", result="已建立制度", measure="建立制度",
                         deadline=submitted.deadline)  # fmt: skip
    plan = plan_import(
        inspection=unit.inspection, sheet=read_ledger(write_xlsx(tmp_path / "b.xlsx", rows))
    )
    assert plan.errors == [] and len(plan.to_update) == 1


# --- withdraw (撤回) ---------------------------------------------------------------------


def test_the_submitter_withdraws_with_a_reason_and_can_edit_again(client, unit, submitted):
    client.force_login(unit.staff)
    page = client.get(finding_url(submitted)).context["workspace"]
    assert [t.action for t in page.actions] == ["withdraw"]
    refused = client.post(url("take_action", submitted, "withdraw"), {"t-reason": " "})
    assert refused.status_code == 302
    assert Finding.objects.get(pk=submitted.pk).status == Status.SUBMITTED
    client.post(url("take_action", submitted, "withdraw"), {"t-reason": "补充照片"})
    finding = Finding.objects.get(pk=submitted.pk)
    assert (finding.status, finding.sent_back) == (Status.IN_PROGRESS, SentBack.NO)
    entry = LedgerEntry.objects.filter(finding=finding).last()
    assert (entry.kind, entry.author, entry.text) == (EntryKind.WITHDRAWAL, unit.staff, "补充照片")
    assert Notification.objects.filter(recipient=unit.leader, entry=entry).exists()
    services.update_finding(
        finding=finding, by=unit.staff, version=finding.version, result="补充后", kind="deadline"
    )


def test_nobody_else_withdraws_a_submission(unit, submitted):
    for person in (unit.other_staff, unit.leader, unit.principal):
        with pytest.raises(services.LedgerError):
            services.transition(finding=submitted, by=person, action="withdraw", reason="x")
    assert Finding.objects.get(pk=submitted.pk).status == Status.SUBMITTED


# --- sign-off of the version seen ------------------------------------------------------------


def test_a_sign_off_over_a_newer_version_is_refused_and_shows_what_changed(client, unit, submitted):
    client.force_login(unit.leader)
    seen = client.get(finding_url(submitted)).context["finding"].version
    # meanwhile the staff withdraws, changes the result and submits again
    services.transition(finding=submitted, by=unit.staff, action="withdraw", reason="改成效")
    finding = Finding.objects.get(pk=submitted.pk)
    services.update_finding(
        finding=finding, by=unit.staff, version=finding.version, result="另一段成效",
        kind="deadline",
    )  # fmt: skip
    services.transition(finding=finding, by=unit.staff, action="submit")
    before = state_of(finding)

    response = client.post(
        url("take_action", finding, "sign_off"), {"t-version": seen, "confirmed": "1"}
    )

    assert response.status_code == 409
    assert state_of(finding) == before  # nothing written
    assert Finding.objects.get(pk=finding.pk).status == Status.SUBMITTED
    changes = response.context["workspace"].conflict
    [result] = [c for c in changes if c.new == "另一段成效"]
    assert (result.old, result.who) == ("已建立制度", unit.staff)
    assert "另一段成效" in response.content.decode()


def test_the_service_refuses_a_stale_sign_off_too(unit, submitted):
    with pytest.raises(services.StaleVersion):
        services.transition(
            finding=submitted, by=unit.leader, action="sign_off", version=submitted.version - 1
        )
    services.transition(
        finding=submitted, by=unit.leader, action="sign_off", version=submitted.version
    )


def test_a_review_without_the_version_seen_is_refused(client, unit, submitted):
    client.force_login(unit.leader)
    before = state_of(submitted)
    response = client.post(url("take_action", submitted, "sign_off"), {"confirmed": "1"})
    assert response.status_code == 302
    assert state_of(submitted) == before


# --- confirmation first ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "status", "action", "who", "extra"),
    [
        (1, Status.SUBMITTED, "sign_off", "leader", {}),
        (1, Status.SUBMITTED, "sign_off_ongoing", "leader", {}),
        (2, Status.SUBMITTED, "endorse", "leader", {}),
        (1, Status.SIGNED_OFF, "reopen", "principal", {"t-reason": "群众反映"}),
    ],
)
def test_irreversible_steps_ask_first_and_only_the_second_post_writes(
    client, unit, levels, status, action, who, extra
):
    unit.inspection.signoff_levels = levels
    unit.inspection.save()
    finding = put_in_state(unit.add_findings(1)[0], status, submitter=unit.staff)
    client.force_login(getattr(unit, who))
    data = {"t-version": finding.version, **extra}
    before = state_of(finding)

    first = client.post(url("take_action", finding, action), data)

    assert first.status_code == 200
    assert state_of(finding) == before
    page = first.content.decode()
    assert 'name="confirmed" value="1"' in page and finding.statement in page
    assert f'name="t-version" value="{finding.version}"' in page

    second = client.post(url("take_action", finding, action), data | {"confirmed": "1"})

    assert second.status_code == 302
    assert Finding.objects.get(pk=finding.pk).status != status
    assert LedgerEntry.objects.filter(finding=finding).count() == before[3] + 1


def test_a_confirmation_is_not_offered_to_who_may_not_take_the_step(client, unit, submitted):
    client.force_login(unit.other_leader)
    response = client.post(url("take_action", submitted, "sign_off"), {"t-version": 1})
    assert response.status_code == 403


# --- returned and reopened --------------------------------------------------------------------


def test_a_returned_finding_shows_the_banner_marker_and_filters_until_resubmitted(
    client, unit, submitted
):
    services.transition(finding=submitted, by=unit.leader, action="return", reason="缺少照片")
    finding = Finding.objects.get(pk=submitted.pk)
    assert finding.sent_back == SentBack.RETURNED
    other = unit.add_findings(1)[0]
    client.force_login(unit.staff)

    page = client.get(finding_url(finding)).content.decode()
    banner = page[page.index('id="sent-back"') :][:600]
    assert "已退回" in banner and "缺少照片" in banner and "副书记" in banner

    ledger = reverse("findings:inspection_detail", args=[unit.inspection.code])
    assert "marker-returned" in client.get(ledger).content.decode()
    listed = client.get(ledger, {"returned": "1"}).context["findings"]
    assert [f.pk for f in listed] == [finding.pk]
    work = client.get(reverse("ledger:my_work"), {"only": "returned"}).context["work"]
    assert [f.pk for f in work.to_update] == [finding.pk]
    assert other.pk not in [f.pk for f in work.to_update]

    services.transition(finding=finding, by=unit.staff, action="submit")
    finding.refresh_from_db()
    assert finding.sent_back == SentBack.NO
    assert 'id="sent-back"' not in client.get(finding_url(finding)).content.decode()
    assert list(client.get(ledger, {"returned": "1"}).context["findings"]) == []


def test_a_reopened_finding_shows_who_reopened_it_and_why(client, unit):
    finding = put_in_state(unit.add_findings(1)[0], Status.SIGNED_OFF, submitter=unit.staff)
    services.transition(finding=finding, by=unit.principal, action="reopen", reason="群众反映")
    client.force_login(unit.inspector)
    page = client.get(finding_url(finding)).content.decode()
    banner = page[page.index('id="sent-back"') :][:600]
    assert "已重新打开" in banner and "群众反映" in banner and "书记" in banner
    assert Finding.objects.get(pk=finding.pk).sent_back == SentBack.REOPENED


def test_the_ledger_list_with_markers_costs_the_same_queries_for_more_findings(client, unit):
    client.force_login(unit.staff)
    ledger = reverse("findings:inspection_detail", args=[unit.inspection.code])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(ledger, {"returned": "on"}).status_code == 200
        return len(ctx.captured_queries)

    for finding in unit.add_findings(2, deadline=timezone.localdate() + timedelta(days=3)):
        Finding.objects.filter(pk=finding.pk).update(
            status=Status.IN_PROGRESS, sent_back="returned"
        )
    few = count()
    for finding in unit.add_findings(6):
        Finding.objects.filter(pk=finding.pk).update(
            status=Status.IN_PROGRESS, sent_back="returned"
        )
    assert count() == few

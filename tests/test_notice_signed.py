"""The notice is backed by sign-offs: the text as signed off, as of the notice's date."""

import importlib
from datetime import date, datetime, time, timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding, FindingKind, Status
from ledger import services as ledger_services
from reports import printing
from reports.chinese import chinese_date
from reports.document import build_document, counts_sentence, default_blocks, ledger_areas
from reports.models import Audience, NoticeBlock, UnsignedRule
from reports.selectors import notice_counts, notice_of

from .fixtures_ledger import put_in_state

pytestmark = pytest.mark.django_db


def paragraphs(unit, **notice_fields):
    notice = notice_of(unit.inspection)
    for name, value in notice_fields.items():
        setattr(notice, name, value)
    return build_document(notice).paragraphs()


def at(days_ago):
    """A moment at noon `days_ago` days ago (local time)."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(12)))


def save_at(finding, moment, **fields):
    """Write the finding as if at `moment`: its history record carries that date."""
    for name, value in fields.items():
        setattr(finding, name, value)
    finding._history_date = moment
    finding.save()


@pytest.mark.parametrize("action", ["sign_off", "sign_off_ongoing"])
def test_each_kind_of_sign_off_freezes_the_result_text(unit, action):
    finding = put_in_state(unit.add_findings(1)[0], Status.SUBMITTED, submitter=unit.staff)
    ledger_services.transition(finding=finding, by=unit.leader, action=action)
    finding.refresh_from_db()
    assert finding.signed_result == "已完成整改" == finding.result
    record = finding.history.latest("history_id")
    assert record.signed_result == "已完成整改"


def test_the_migration_freezes_the_text_of_findings_already_signed_off(unit):
    signed = unit.add_findings(1, status=Status.SIGNED_OFF, result="已整改。")[0]
    ongoing = unit.add_findings(1, status=Status.ONGOING, result="长期坚持。")[0]
    open_ = unit.add_findings(1, status=Status.IN_PROGRESS, result="进行中。")[0]
    migration = importlib.import_module("findings.migrations.0010_finding_signed_result_withheld")
    migration.freeze_signed_results(apps, None)
    values = dict(Finding.objects.values_list("pk", "signed_result"))
    assert values == {signed.pk: "已整改。", ongoing.pk: "长期坚持。", open_.pk: ""}


def test_text_edited_after_the_sign_off_prints_as_signed_and_is_flagged(unit, client):
    finding = unit.add_signed_off(1, result="已整改。")[0]
    finding.result = "已整改，并建立长效机制。"  # written past the sign-off (the admin)
    finding.save()
    printed = paragraphs(unit)
    assert "已整改。" in printed and "已整改，并建立长效机制。" not in printed
    client.force_login(unit.principal)
    preview = client.get(reverse("reports:notice_preview", args=[unit.inspection.code]))
    assert 'class="draft-flag flag-edited"' in preview.content.decode()


@pytest.mark.parametrize("status", [Status.NOT_STARTED, Status.IN_PROGRESS, Status.SUBMITTED])
def test_a_finding_not_signed_off_prints_as_in_progress_with_its_deadline(unit, status):
    unit.add_findings(1, status=status, result="自称已完成。", deadline=date(2024, 6, 30))
    printed = paragraphs(unit)
    assert "正在整改中，整改时限为2024年6月30日。" in printed
    assert "自称已完成。" not in printed


def test_without_a_deadline_the_in_progress_sentence_says_so(unit):
    unit.add_findings(1, kind=FindingKind.ONGOING, deadline=None)
    unit.add_findings(1, kind=FindingKind.IMMEDIATE, deadline=None)
    printed = paragraphs(unit)
    assert "正在整改中，长期坚持。" in printed and "正在整改中。" in printed


def test_the_principal_may_choose_to_leave_unsigned_findings_out(unit):
    unit.add_signed_off(1, result="已整改。")
    unit.add_findings(1, result="自称已完成。")
    unit.add_findings(1, area=unit.areas[1], result="另一方面。")
    printed = paragraphs(unit, unsigned_rule=UnsignedRule.OMIT)
    assert "1.问题1" in printed and "已整改。" in printed
    assert not [p for p in printed if "问题2" in p or "正在整改中" in p or "另一方面" in p]
    # the area whose only finding is left out is left out too; the numbering stays whole
    assert not [p for p in printed if p.startswith("（二）")]


def test_a_returned_or_reopened_finding_no_longer_prints_its_old_text(unit):
    finding = unit.add_signed_off(1, result="已整改。")[0]
    finding.status = Status.IN_PROGRESS  # reopened: the old signed text stays frozen
    finding.save()
    printed = paragraphs(unit)
    assert "已整改。" not in printed and any(p.startswith("正在整改中") for p in printed)


def test_the_text_prints_only_while_signed_off_as_of_the_notices_date(unit):
    finding = Finding(area=unit.areas[0], number=1, statement="问题1", kind=FindingKind.IMMEDIATE)
    save_at(finding, at(10), status=Status.IN_PROGRESS, result="进行中。")
    save_at(finding, at(5), status=Status.SIGNED_OFF, result="已整改。", signed_result="已整改。")
    save_at(finding, at(2), status=Status.IN_PROGRESS, result="重新整改。")  # reopened

    def printed_on(days_ago):
        return paragraphs(unit, dated=timezone.localdate() - timedelta(days=days_ago))

    assert "已整改。" in printed_on(3)
    assert "已整改。" not in printed_on(7) and "正在整改中。" in printed_on(7)
    assert "已整改。" not in printed_on(1) and "正在整改中。" in printed_on(1)


def test_counts_as_of_a_past_date_are_the_statuses_of_that_date(unit):
    a, b, c = (
        Finding(area=unit.areas[0], number=n, statement=f"问题{n}", kind=FindingKind.IMMEDIATE)
        for n in (1, 2, 3)
    )
    for finding in (a, b, c):
        save_at(finding, at(20), status=Status.IN_PROGRESS)
    save_at(a, at(10), status=Status.SIGNED_OFF, signed_result="x", result="x")
    save_at(b, at(10), status=Status.ONGOING, signed_result="y", result="y")
    # after the date: c signed off, a reopened, a finding added
    save_at(c, at(3), status=Status.SIGNED_OFF, signed_result="z", result="z")
    save_at(a, at(3), status=Status.IN_PROGRESS)
    unit.add_findings(1, status=Status.SIGNED_OFF)
    day = timezone.localdate() - timedelta(days=5)
    sentence = counts_sentence(notice_counts(inspection=unit.inspection, as_of=day), day)
    assert sentence == (
        f"截至{chinese_date(day)}，2个方面3个问题，已完成整改1个，阶段性完成、长期坚持1个，"
        "正在整改1个，整改完成率33.3%。"
    )
    today = counts_sentence(
        notice_counts(inspection=unit.inspection, as_of=timezone.localdate()), timezone.localdate()
    )
    assert "4个问题，已完成整改2个" in today


@pytest.mark.parametrize("count", [3, 30])
def test_the_statuses_of_a_past_date_take_one_query_for_any_number_of_findings(
    unit, count, django_assert_num_queries
):
    unit.add_findings(count)
    areas = ledger_areas(unit.inspection)
    with django_assert_num_queries(1):
        statuses = printing.statuses_as_of(areas, date(2024, 1, 1))
    assert statuses == []  # none existed then
    with django_assert_num_queries(1):
        statuses = printing.statuses_as_of(areas, timezone.localdate() - timedelta(days=1))
    with django_assert_num_queries(0):
        assert len(printing.statuses_as_of(areas, timezone.localdate())) == count


def test_a_withheld_finding_prints_only_in_the_internal_version_and_is_still_counted(unit):
    unit.add_signed_off(1, result="公开的成效。")
    unit.add_signed_off(1, result="涉密的成效。", withheld_reason="state_secret")
    notice = notice_of(unit.inspection)
    counts = NoticeBlock(
        kind="counts", as_of=timezone.localdate(), style="ongoing_open", precision=1
    )
    blocks = [*default_blocks(notice), counts]
    public = build_document(notice, blocks=blocks, audience=Audience.PUBLIC).paragraphs()
    internal = build_document(notice, blocks=blocks, audience=Audience.INTERNAL).paragraphs()
    assert "涉密的成效。" not in public and "2.问题2" not in public
    assert "涉密的成效。" in internal and "2.问题2" in internal
    counts = [p for p in public if p.startswith("截至")]
    assert "2个问题，已完成整改2个" in counts[0]


def test_the_principal_chooses_the_rule_in_the_draft_and_a_bad_value_is_refused(unit, client):
    from .test_notice_publish import edit_data

    url = reverse("reports:notice_edit", args=[unit.inspection.code])
    client.force_login(unit.principal)
    form = client.get(url).content.decode()
    assert 'name="unsigned_rule" value="in_progress"' in form and 'value="omit"' in form
    refused = client.post(url, edit_data(0, unsigned_rule="print_anyway"))
    assert refused.status_code == 200 and not notice_of(unit.inspection).pk
    assert client.post(url, edit_data(0, unsigned_rule="omit")).status_code == 302
    notice = notice_of(unit.inspection)
    assert notice.unsigned_rule == UnsignedRule.OMIT
    assert notice.history.latest("history_id").unsigned_rule == UnsignedRule.OMIT

"""Issue 12 in Chromium: a deadline moves only by an approved extension request, a
submission can be withdrawn and is frozen meanwhile, the leader signs off after
confirming what they saw."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding, Status
from ledger.models import EntryKind, ExtensionRequest

from .conftest import login
from .fixtures_ledger import PDF
from .test_browser_ledger import act, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ask_for_extension(page, new_deadline, reason):
    page.click("#extension-form >> xpath=.. >> summary")
    page.fill("#extension-form input[name=x-new_deadline]", new_deadline.isoformat())
    page.fill("#extension-form textarea[name=x-reason]", reason)
    page.click("#extension-form button[type=submit]")
    page.wait_for_load_state()


def decide(page, action, reason=""):
    form = page.locator(f"form[action$='/{action}/']")
    if reason:
        form.locator("textarea[name=d-reason]").fill(reason)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_extension_refused_then_approved_withdraw_and_resubmit_then_confirmed_sign_off(
    page, unit, tmp_path
):
    finding = unit.add_findings(1)[0]
    original = finding.deadline
    url = reverse("findings:finding_detail", args=[unit.inspection.code, finding.pk])
    evidence = tmp_path / "会议记录.pdf"
    evidence.write_bytes(PDF)
    first_ask, second_ask = original + timedelta(days=60), original + timedelta(days=30)

    # staff: the deadline is not in the edit form; asks for an extension
    login(page, unit.staff.username)
    page.goto(url)
    assert page.locator("#edit-finding input[name=edit-deadline]").count() == 0
    assert page.locator("#deadline-standing").inner_text() == "按期"
    ask_for_extension(page, first_ask, "需协调财政资金")
    assert "已提交延期申请" in page.content()
    logout(page)

    # the leader refuses with a reason
    login(page, unit.leader.username)
    page.goto(url)
    decide(page, "refuse", "可以按期完成")
    assert page.locator("#finding-deadline").inner_text().startswith(f"{original:%Y-%m-%d}")
    logout(page)

    # staff asks again, for less; the leader approves
    login(page, unit.staff.username)
    page.goto(url)
    assert "可以按期完成" in page.locator("#extensions").inner_text()
    ask_for_extension(page, second_ask, "资金已落实，需一个月施工")
    logout(page)
    login(page, unit.leader.username)
    page.goto(url)
    decide(page, "approve")
    assert page.locator("#finding-deadline").inner_text().startswith(f"{second_ask:%Y-%m-%d}")
    assert page.locator("#deadline-standing").inner_text() == "延期 ×1"
    logout(page)

    # staff: result and evidence, submit, withdraw (frozen meanwhile), change, resubmit
    login(page, unit.staff.username)
    page.goto(url)
    page.click("#edit-finding >> xpath=.. >> summary")
    page.fill("#edit-finding textarea[name=edit-result]", "组织专题学习2次。")
    page.click("#edit-finding button[type=submit]")
    page.fill("#progress-form textarea[name=progress-text]", "召开专题会议")
    page.set_input_files("#progress-form input[type=file]", str(evidence))
    page.click("#progress-form button[type=submit]")
    act(page, "submit")
    assert page.locator("#frozen").count() == 1
    assert page.locator("#edit-finding").count() == 0
    act(page, "withdraw", reason="补充建立制度的情况")
    assert page.locator("#finding-status").inner_text() == "整改中"
    page.click("#edit-finding >> xpath=.. >> summary")
    page.fill("#edit-finding textarea[name=edit-result]", "组织专题学习2次，建立制度1项。")
    page.click("#edit-finding button[type=submit]")
    act(page, "submit")
    logout(page)

    # the leader signs off from 我的工作's list, confirming on the next page
    login(page, unit.leader.username)
    page.click(f"#awaiting-sign-off a:has-text('{finding.statement}')")
    act(page, "sign_off")
    assert page.locator("#confirm-title").inner_text() == "销号（已完成）"
    assert "组织专题学习2次，建立制度1项。" in page.locator(".confirm-details").inner_text()
    assert Finding.objects.get(pk=finding.pk).status == Status.SUBMITTED  # not yet
    page.click("#confirm-button")
    page.wait_for_load_state()
    assert page.locator("#finding-status").inner_text() == "已销号"

    finding.refresh_from_db()
    assert (finding.deadline, finding.original_deadline, finding.extension_count) == (
        second_ask,
        original,
        1,
    )
    assert list(ExtensionRequest.objects.values_list("state", flat=True)) == [
        "refused",
        "approved",
    ]
    kinds = list(finding.ledger_entries.values_list("kind", flat=True))
    assert kinds[:4] == [
        EntryKind.EXTENSION_REQUEST,
        EntryKind.EXTENSION_REFUSAL,
        EntryKind.EXTENSION_REQUEST,
        EntryKind.EXTENSION_APPROVAL,
    ]
    assert kinds[-4:] == [
        EntryKind.SUBMISSION,
        EntryKind.WITHDRAWAL,
        EntryKind.SUBMISSION,
        EntryKind.SIGN_OFF,
    ]
    assert timezone.localdate() <= second_ask

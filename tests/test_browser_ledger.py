"""Staff and their leader work a finding through to 已销号 in Chromium."""

import re

import pytest
from django.urls import reverse

from findings.models import Status
from ledger.models import EntryKind

from .conftest import login
from .fixtures_ledger import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page):
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_load_state()


def act(page, action, reason=None):
    form = page.locator(f"form[action$='/actions/{action}/']")
    if reason:
        form.locator("textarea[name=t-reason]").fill(reason)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_staff_submit_the_leader_returns_staff_resubmit_the_leader_signs_off(page, unit, tmp_path):
    finding = unit.add_findings(1)[0]
    url = reverse("findings:finding_detail", args=[unit.inspection.code, finding.pk])
    evidence = tmp_path / "会议记录.pdf"
    evidence.write_bytes(PDF)

    # staff: lands on 我的工作, opens the finding, writes the result, adds progress with a file
    login(page, unit.staff.username)
    assert page.locator("h1").inner_text() == "我的工作"
    page.click(f"#to-update a:has-text('{finding.statement}')")
    page.click("#edit-finding >> xpath=.. >> summary")
    page.fill("#edit-finding textarea[name=edit-result]", "组织专题学习2次，建立制度1项。")
    page.click("#edit-finding button[type=submit]")
    page.fill("#progress-form textarea[name=progress-text]", "召开专题会议，形成会议记录")
    page.set_input_files("#progress-form input[type=file]", str(evidence))
    page.click("#progress-form button[type=submit]")
    assert page.locator(".timeline a:has-text('会议记录.pdf')").count() == 1
    act(page, "submit")
    assert page.locator("#finding-status").inner_text() == "待销号"
    logout(page)

    # the leader: sees it waiting, returns it with a reason
    login(page, unit.leader.username)
    page.click(f"#awaiting-sign-off a:has-text('{finding.statement}')")
    act(page, "return", reason="缺少会议照片")
    assert page.locator("#finding-status").inner_text() == "整改中"
    logout(page)

    # staff: resubmit
    login(page, unit.staff.username)
    page.goto(url)
    act(page, "submit")
    logout(page)

    # the leader: signs off, after confirming on a page of its own
    login(page, unit.leader.username)
    page.goto(url)
    act(page, "sign_off")
    page.click("#confirm-button")
    page.wait_for_load_state()
    assert page.locator("#finding-status").inner_text() == "已销号"
    assert page.locator("#progress-form").count() == 0  # read-only now

    entries = page.locator(".timeline-entry")
    texts = [entries.nth(i).inner_text() for i in range(entries.count())]
    expected = [
        ("开始整改", "办公室干事"),
        ("整改进展", "办公室干事"),
        ("提交销号", "办公室干事"),
        ("退回", "副书记"),
        ("提交销号", "办公室干事"),
        ("已销号", "副书记"),
    ]
    assert len(texts) == len(expected)
    for text, (what, who) in zip(texts, expected, strict=True):
        assert what in text and who in text
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)
    assert "缺少会议照片" in texts[3]
    finding.refresh_from_db()
    assert finding.status == Status.SIGNED_OFF
    assert list(finding.ledger_entries.values_list("kind", flat=True)) == [
        EntryKind.START,
        EntryKind.PROGRESS,
        EntryKind.SUBMISSION,
        EntryKind.RETURN,
        EntryKind.SUBMISSION,
        EntryKind.SIGN_OFF,
    ]

"""督办 in Chromium: the office issues it, the principal acknowledges and replies, the
office closes it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from oversight.models import OrderState, StepKind, SupervisionOrder

from .conftest import login
from .fixtures_ledger import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page):
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_load_state()


def step(page, action, text=None):
    form = page.locator(f"#step-{action}")
    if text:
        form.locator("textarea[name=text]").fill(text)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_the_office_issues_the_principal_acknowledges_and_replies_the_office_closes(
    page, unit, district, tmp_path
):
    finding = unit.add_findings(1)[0]
    evidence = tmp_path / "整改说明.pdf"
    evidence.write_bytes(PDF)
    deadline = (timezone.localdate() + timedelta(days=7)).isoformat()

    # 巡察办主任: from the unit's 督办 page, issues one on the finding
    login(page, district.director.username)
    page.goto(reverse("oversight:unit_orders", args=[unit.inspection.code]))
    page.click("#issue-order")
    page.select_option("#order-form select[name=finding]", str(finding.pk))
    page.fill("#order-form textarea[name=text]", "请于期限内报告整改滞后原因")
    page.fill("#order-form input[name=reply_deadline]", deadline)
    page.click("#order-form button[type=submit]")
    assert page.locator("#order-state").inner_text() == "已下发，待签收"
    logout(page)

    # 书记 (the principal): finds it under 督办, acknowledges, replies with a file
    login(page, unit.principal.username)
    page.click("nav.mainnav a:has-text('督办')")
    page.click("#my-orders a")
    step(page, "acknowledge")
    assert page.locator("#order-state").inner_text() == "已签收，待回复"
    page.fill("#step-reply textarea[name=text]", "已召开专题会议，明确整改时限")
    page.set_input_files("#step-reply input[type=file]", str(evidence))
    step(page, "reply")
    assert page.locator("#order-state").inner_text() == "已回复，待办结"
    assert page.locator("#order-steps a:has-text('整改说明.pdf')").count() == 1
    assert page.locator("#step-close").count() == 0
    logout(page)

    # 巡察办主任: reads the reply and closes the order
    login(page, district.director.username)
    order = SupervisionOrder.objects.get()
    page.goto(reverse("oversight:order_detail", args=[order.public_id]))
    assert "已召开专题会议" in page.locator("#order-steps").inner_text()
    step(page, "close")
    assert page.locator("#order-state").inner_text() == "已办结"
    assert page.locator("#order-actions").count() == 0

    order.refresh_from_db()
    assert order.state == OrderState.CLOSED
    assert list(order.steps.values_list("kind", flat=True)) == [
        StepKind.ISSUE,
        StepKind.ACKNOWLEDGE,
        StepKind.REPLY,
        StepKind.CLOSE,
    ]

"""The principal publishes after confirming the unsigned findings; the public page shows
the version, its date and the PDF's SHA-256; the stable address follows the versions."""

import hashlib
import re

import pytest

from findings.models import Finding, Status, User
from reports import demo as reports_demo
from reports.models import Notice, NoticeVersion

from .conftest import PASSWORD, login
from .fixtures_notice import sign_notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def publish_confirmed(page, code):
    page.goto(f"/inspections/{code}/notice/")
    page.click("button:has-text('发布此草稿')")
    return page.locator(".confirm")


def test_the_principal_publishes_after_confirming_and_the_public_verifies_the_file(
    page, seeded, browser, live_server
):
    reports_demo.load_notice()
    principal = User.objects.get(username="principal")
    principal.set_password(PASSWORD)
    principal.save()
    reopened = Finding.objects.filter(area__inspection=seeded).order_by("pk").first()
    reopened.status = Status.IN_PROGRESS  # reopened: its signed text must not print
    reopened.save()
    login(page, "principal")

    confirm = publish_confirmed(page, seeded.code)
    assert "公布文本未经销号的问题（1个）" in confirm.inner_text()
    assert reopened.statement[:20] in confirm.inner_text()
    page.click("#confirm-button")
    assert "通报第1版已发布" in page.locator(".publish-done").inner_text()
    first = NoticeVersion.objects.get()
    assert reopened.signed_result not in first.paragraphs

    public = browser.new_context(base_url=live_server.url)  # nobody logged in
    reader = public.new_page()
    stable = f"/notices/current/{Notice.objects.get().public_id}/"
    reader.goto(stable)
    assert reader.url.endswith(f"/notices/{first.public_id}/")
    status = reader.locator("aside.notice-status")
    assert status.locator(".notice-version-number").inner_text() == "1"
    assert re.fullmatch(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", status.locator(".notice-published-at").inner_text()
    )
    shown = status.locator(".notice-pdf-sha256").inner_text()
    pdf_href = reader.get_by_role("link", name="下载PDF版").get_attribute("href")
    pdf = public.request.get(f"/notices/{first.public_id}/{pdf_href}").body()
    assert hashlib.sha256(pdf).hexdigest() == shown == first.pdf_sha256
    assert reader.locator(".notice-newer").count() == 0

    sign_notice(Notice.objects.get(), "共青团石家庄市新华区委员会", None)
    publish_confirmed(page, seeded.code)
    page.click("#confirm-button")
    assert "通报第2版已发布" in page.locator(".publish-done").inner_text()
    second = NoticeVersion.objects.get(number=2)

    reader.goto(stable)
    assert reader.url.endswith(f"/notices/{second.public_id}/")
    reader.goto(f"/notices/{first.public_id}/")
    assert "此通报已有较新版本" in reader.locator(".notice-newer").inner_text()
    reader.click(".notice-newer a")
    assert reader.url.endswith(f"/notices/{second.public_id}/")
    public.close()

"""The principal edits the notice in a browser, previews and publishes it; the public reads it."""

import re

import pytest

from findings.models import User
from reports import demo as reports_demo

from .conftest import PASSWORD, login
from .fixtures_notice import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_TEXT = "深入学习贯彻党的二十大精神，每季度召开一次整改回头看专题会议，巩固整改成果。"


def test_the_principal_edits_a_next_step_previews_publishes_and_the_public_reads_it(
    page, seeded, browser, live_server
):
    reports_demo.load_notice()
    principal = User.objects.get(username="principal")
    principal.set_password(PASSWORD)
    principal.save()
    login(page, "principal")

    page.goto(f"/inspections/{seeded.code}/")
    page.click("nav.actions >> text=通报")
    page.click("text=编辑草稿")
    # The third block is section 三; its first paragraph is the lead, the second 一是….
    page.locator("li.block-item").nth(2).locator("a:has-text('编辑')").click()
    page.fill("textarea[name=paragraphs-1-text]", NEW_TEXT)
    page.click("button:has-text('保存')")
    assert page.url.endswith("/notice/edit/")
    page.click("button:has-text('保存并预览')")
    assert page.url.endswith("/notice/preview/")
    assert page.locator("p.step").first.inner_text() == f"一是进一步提高政治站位。{NEW_TEXT}"
    assert page.locator(".draft-mark").is_visible()

    page.goto(f"/inspections/{seeded.code}/notice/")
    page.click("button:has-text('发布此草稿')")
    page.click("#confirm-button")  # every finding prints as signed off: nothing listed
    # Published by the task queue (immediate in tests): the job page shows the result.
    assert "通报第1版已发布" in page.locator(".publish-done").inner_text()
    page.click("a:has-text('返回通报')")
    html_href = page.locator("table.versions a:has-text('HTML')").first.get_attribute("href")
    assert re.fullmatch(r"/notices/[0-9a-f-]{36}/", html_href)

    public = browser.new_context(base_url=live_server.url)  # nobody logged in
    reader = public.new_page()
    refused = []
    reader.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else 0)
    reader.goto(html_href)
    assert "/accounts/login/" not in reader.url
    assert NEW_TEXT in reader.locator("article.notice").inner_text()
    # The page's own <style> applies (its hash is allowed) and the policy refused nothing.
    notice = reader.locator("article.notice")
    assert "FandolFang" in notice.evaluate("e => getComputedStyle(e).fontFamily")
    assert not refused, refused
    assert reader.locator(".draft-mark").count() == 0
    pdf_href = reader.get_by_role("link", name="下载PDF版").get_attribute("href")
    response = public.request.get(html_href + pdf_href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert NEW_TEXT in re.sub(r"\s+", "", pdf_text(response.body()))
    public.close()

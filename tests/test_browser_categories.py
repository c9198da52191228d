"""问题分类 in Chromium: 督办 staff keep the office's list and file a finding from their
read-only view of it; the principal files it again on the finding page."""

import pytest
from django.urls import reverse

from findings.models import Finding, ProblemCategory

from .conftest import login
from .test_browser_supervision import logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_keeps_its_categories_and_files_a_finding_the_principal_refiles_it(
    page, unit, district
):
    finding = unit.add_findings(1)[0]

    # 巡察办主任: from 督办 to the office's categories; adds one, moves it up, retires another
    login(page, district.director.username)
    page.goto(reverse("oversight:office_home"))
    page.click(f"#office-{district.office.pk} a:has-text('问题分类')")
    page.fill("#add-category input[name=name]", "形式主义官僚主义")
    page.click("#add-category button[type=submit]")
    assert "已新增问题分类。" in page.locator(".messages").inner_text()
    new = ProblemCategory.objects.get(office=district.office, name="形式主义官僚主义")
    page.click(f"#category-{new.pk} button[title='上移']")
    page.click(f"#category-{district.categories[0].pk} button:has-text('停用')")
    rows = page.locator("#categories tbody tr td:nth-child(2)").all_inner_texts()
    assert rows == ["政治建设", "全面从严治党", "选人用人", "形式主义官僚主义", "作风建设"]
    assert "停用问题分类：政治建设" in page.locator("#category-history").inner_text()

    # on the unit's finding page, read-only for the office but for its category
    page.goto(reverse("findings:finding_detail", args=[unit.inspection.code, finding.pk]))
    assert page.locator("#edit-finding").count() == 0
    options = page.locator("#category-form select option").all_inner_texts()
    assert "政治建设" not in options and "形式主义官僚主义" in options
    page.select_option("#category-form select", label="形式主义官僚主义")
    page.click("#category-form button[type=submit]")
    assert page.locator("#finding-category-name").inner_text() == "形式主义官僚主义"
    logout(page)

    # 书记 (the principal) files it under another category; the history shows both
    login(page, unit.principal.username)
    page.goto(reverse("findings:finding_detail", args=[unit.inspection.code, finding.pk]))
    page.select_option("#category-form select", label="选人用人")
    page.click("#category-form button[type=submit]")
    assert page.locator("#finding-category-name").inner_text() == "选人用人"
    assert Finding.objects.get(pk=finding.pk).category.name == "选人用人"
    changes = page.locator("li.timeline-change").all_inner_texts()
    assert any("设置问题分类：形式主义官僚主义" in c and "巡察办主任" in c for c in changes)
    assert any("问题分类: 形式主义官僚主义 → 选人用人" in c for c in changes), changes

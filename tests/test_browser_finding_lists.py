"""Search and filter the ledger in Chromium: type words, tick options, read the counts,
follow a dashboard number to its list, page on."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding, Measure, Status

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_search_and_filter_the_ledger_and_the_url_keeps_it(page, unit):
    today = timezone.localdate()
    meeting, assets, late, other = unit.add_findings(4)
    Finding.objects.filter(pk=meeting.pk).update(statement="三重一大事项会议记录内容不完整")
    Measure.objects.create(finding=assets, position=1, text="开展固定资产清查盘点")
    Finding.objects.filter(pk=late.pk).update(
        statement="党费收缴不规范", deadline=today - timedelta(days=3), status=Status.IN_PROGRESS
    )
    Finding.objects.filter(pk=other.pk).update(
        statement="档案管理不规范", responsible_person=unit.other_staff
    )
    login(page, unit.staff.username)
    page.goto(reverse("findings:inspection_detail", args=[unit.inspection.code]))
    assert page.locator("table.findings tbody tr").count() == 4

    # a substring of a measure's text finds its finding
    page.fill("input[name=q]", "资产清查")
    page.click("#filters button[type=submit]")
    rows = page.locator("table.findings tbody tr")
    assert rows.count() == 1 and "问题2" in rows.inner_text()
    assert "q=%E8%B5%84%E4%BA%A7%E6%B8%85%E6%9F%A5" in page.url

    # the counts are those of the search's result
    assert page.locator("#facet-overdue .count").inner_text() == "0"

    # filters: 逾期, then the responsible person; counts beside each option
    page.fill("input[name=q]", "")
    page.click("#filters button[type=submit]")
    overdue = page.locator("#facet-overdue label.option")
    assert overdue.locator(".count").inner_text() == "1"
    overdue.locator("input").check()
    page.click("#filters button[type=submit]")
    rows = page.locator("table.findings tbody tr")
    assert rows.count() == 1 and "党费收缴不规范" in rows.inner_text()
    assert "warn-overdue" in rows.get_attribute("class")
    assert "overdue=1" in page.url

    page.locator("#facet-overdue input").uncheck()
    page.click("#filters button[type=submit]")
    person = page.locator("#facet-person label.option", has_text="组织干事")
    assert person.locator(".count").inner_text() == "1"
    person.locator("input").check()
    page.click("#filters button[type=submit]")
    assert page.locator("table.findings tbody tr").inner_text().count("档案管理不规范") == 1
    page.reload()  # the URL holds the whole filter
    assert page.locator(f"#facet-person input[value='{unit.other_staff.pk}']").is_checked()
    page.click("text=清除")
    assert page.locator("table.findings tbody tr").count() == 4


def test_a_dashboard_number_opens_its_list_and_long_lists_page(page, unit):
    today = timezone.localdate()
    unit.add_findings(60, deadline=today - timedelta(days=1))
    login(page, unit.principal.username)
    page.goto(reverse("ledger:dashboard", args=[unit.inspection.code]))
    page.click("#kpi-overdue")
    assert page.locator("#result-count").inner_text() == "符合条件的问题共 60 个。"
    assert page.locator("table.findings tbody tr").count() == 50
    page.click(".pagination a[rel=next]")
    assert page.locator("table.findings tbody tr").count() == 10
    assert "overdue=1" in page.url and "page=2" in page.url

"""A person logs in with a browser and reads the ledger."""

import pytest

from findings.models import Finding

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_logs_in_and_reads_the_seed_ledger(page, seeded):
    from findings.models import User

    staff = User.objects.get(username="staff1")
    staff.set_password("test-pass-123")
    staff.save()
    login(page, "staff1")
    page.click("text=团区委 · 区委第二巡察组 · 常规巡察 · 2023")
    assert page.locator("section.area").count() == 4
    assert page.locator("table.findings tbody tr").count() == 17
    page.check("input[name=area][value='4']")
    page.click("button:has-text('搜索筛选')")
    assert page.locator("table.findings tbody tr").count() == 1
    finding = Finding.objects.get(area__position=4, area__inspection=seeded)
    page.click(f"text={finding.statement}")
    assert page.locator("h1").inner_text().startswith("1. 落实巡察整改不彻底")
    assert "已销号" in page.content()
    page.click("button:has-text('退出')")
    assert "/accounts/login/" in page.url

"""A staff member imports a workbook with the browser: an error, a fix, the ledger."""

import pytest

from findings.models import Finding

from .conftest import login
from .fixtures_sheet import simple_ledger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_fixes_an_error_and_imports_the_workbook(page, unit, tmp_path):
    bad = simple_ledger(tmp_path / "台账-初稿.xlsx", 4, bad_row=1, bad_deadline="2024年13月1日")
    good = simple_ledger(tmp_path / "台账-改正.xlsx", 4)
    login(page, unit.staff.username)
    page.goto(f"/inspections/{unit.inspection.code}/")
    page.click("nav.actions >> text=从 Excel 导入")

    page.set_input_files("input[name=file]", str(bad))
    page.click("button:has-text('上传并检查')")

    assert page.locator("h1").inner_text() == "台账导入：台账-初稿.xlsx"
    rows = page.locator("table.errors tbody tr")
    assert rows.count() == 1
    assert rows.inner_text().split("\t") == [
        "3",
        "I（整改时限）",
        "2024年13月1日",
        "无法识别的日期（例：2024-01-31）",
    ]
    assert page.locator("button:has-text('确认导入')").count() == 0

    page.set_input_files("input[name=file]", str(good))
    page.click("button:has-text('上传并检查')")
    assert page.locator("table.errors").count() == 0
    assert page.locator(".count-create strong").inner_text() == "4"
    page.click("button:has-text('确认导入')")

    assert "新建 4 个问题" in page.locator(".import-done").inner_text()
    page.click("text=打开台账")
    assert page.locator("table.findings tbody tr").count() == 4
    assert page.locator("table.findings").first.inner_text().count("办公室干事") == 4
    assert Finding.objects.filter(area__inspection=unit.inspection).count() == 4

"""In Chromium: the principal sets up an inspection with its areas and a new member, who
logs in with the temporary password, chooses their own and sees the inspection
(issue 15.9)."""

import pytest

from findings.models import Inspection

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHOSEN = "Zhenggai-taizhang-2025!"


def logout(page):
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_load_state()


def test_the_principal_sets_up_an_inspection_and_a_member_who_logs_in_and_sees_it(page, unit):
    login(page, unit.principal.username)
    assert page.locator("h1").inner_text() == "首页概况"
    page.click("a.unit-setup-link")
    assert page.locator("h1").inner_text() == "单位设置 · 测试单位"

    # a new inspection with three areas
    page.click("#new-inspection")
    form = page.locator("#inspection-form")
    form.locator("[name=authority]").fill("区委")
    form.locator("[name=group]").fill("区委第三巡察组")
    form.locator("[name=kind]").select_option(label="专项巡察")
    form.locator("[name=onsite_start]").fill("2025-03-01")
    form.locator("[name=onsite_end]").fill("2025-04-30")
    form.locator("[name=feedback_date]").fill("2025-06-01")
    form.locator("[name=areas]").fill("聚焦政治监督方面\n聚焦作风建设方面\n聚焦整改落实方面")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    title = "测试单位 · 区委第三巡察组 · 专项巡察 · 2025"
    assert page.locator("h1").inner_text() == title
    assert page.locator(".area-list > li").count() == 3

    # the last area moves to the top, then a fourth is added
    page.locator("#area-3 button[value=up]").click()
    page.wait_for_load_state()
    page.locator("#area-2 button[value=up]").click()
    page.wait_for_load_state()
    page.fill("#add-area input[name=new-title]", "聚焦选人用人方面")
    page.click("#add-area button[value=add_area]")
    page.wait_for_load_state()
    inspection = Inspection.objects.get(group="区委第三巡察组")
    assert list(inspection.areas.order_by("position").values_list("title", flat=True)) == [
        "聚焦整改落实方面",
        "聚焦政治监督方面",
        "聚焦作风建设方面",
        "聚焦选人用人方面",
    ]

    # a new member of the unit, with a temporary password to hand over
    page.click("text=单位设置")
    member = page.locator("#member-form")
    member.locator("[name=display_name]").fill("新任干事")
    member.locator("[name=username]").fill("xinren")
    member.locator("[name=job_title]").fill("办公室干事")
    member.locator("[name=role]").select_option("staff")
    member.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "成员已新增"
    temporary = page.locator("#temporary-password code").inner_text()
    assert len(temporary) >= 12
    logout(page)

    # the member's first login: their own password, then the inspection is theirs to see
    login(page, "xinren", temporary)
    assert "/accounts/password/" in page.url
    page.fill("input[name=old_password]", temporary)
    page.fill("input[name=new_password1]", CHOSEN)
    page.fill("input[name=new_password2]", CHOSEN)
    page.click("#password-change-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "我的工作"
    assert page.locator(f"a:has-text('{title}')").count() >= 1
    page.click(f"a:has-text('{title}')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == title
    assert page.locator("section.area").count() == 0  # no findings yet: the ledger is empty
    assert "本次巡察尚未录入问题。" in page.content()

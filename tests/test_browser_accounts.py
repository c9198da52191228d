"""In Chromium: a temporary password from the administrator, changed at the next login;
setting up the authenticator app and logging in with its code."""

import base64

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

from findings.models import User

from .conftest import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEMPORARY = "Linshi-mima-2024"
CHOSEN = "Zhenggai-taizhang-2024!"


def logout(page):
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_load_state()


def test_the_administrator_sets_a_temporary_password_that_staff_change_at_login(page, unit):
    User.objects.create_superuser("root", password=CHOSEN, display_name="系统管理员")
    login(page, "root", CHOSEN)
    page.goto(reverse("admin:auth_user_password_change", args=[unit.staff.pk]))
    page.fill("#id_password1", TEMPORARY)
    page.fill("#id_password2", TEMPORARY)
    page.click("input[name=set-password]")
    page.wait_for_load_state()
    page.goto(reverse("ledger:my_work"))
    logout(page)

    login(page, unit.staff.username, TEMPORARY)
    assert "/accounts/password/" in page.url
    assert (
        "系统管理员或本单位主要负责人设置的临时密码"
        in page.locator("#password-temporary").inner_text()
    )
    # Another page leads back here until the password is changed.
    page.goto(reverse("findings:inspection_list"))
    assert "/accounts/password/" in page.url
    page.fill("input[name=old_password]", TEMPORARY)
    page.fill("input[name=new_password1]", "zhenggaitaizhang")
    page.fill("input[name=new_password2]", "zhenggaitaizhang")
    page.click("#password-change-form button[type=submit]")
    page.wait_for_load_state()
    assert "密码至少要包含大写字母、小写字母、数字、符号中的 3 类。" in page.content()
    page.fill("input[name=old_password]", TEMPORARY)
    page.fill("input[name=new_password1]", CHOSEN)
    page.fill("input[name=new_password2]", CHOSEN)
    page.click("#password-change-form button[type=submit]")
    page.wait_for_load_state()
    assert "密码已修改。" in page.content()
    assert page.url.endswith(reverse("findings:inspection_list"))
    page.click("#account-link")
    assert page.locator("h1").inner_text() == "我的账户"
    logout(page)
    login(page, unit.staff.username, CHOSEN)
    assert page.locator("h1").inner_text() == "我的工作"


def test_the_principal_sets_up_the_authenticator_and_logs_in_with_its_code(page, unit):
    login(page, unit.principal.username, PASSWORD)
    page.click("#account-link")
    page.click("text=启用两步验证")
    assert page.locator("figure.qr svg").is_visible()
    secret = page.locator("#otp-secret").inner_text().replace(" ", "")
    totp = TOTP(base64.b32decode(secret))
    page.fill("input[name=code]", f"{totp.token():06d}")
    page.click("#otp-setup-form button[type=submit]")
    page.wait_for_load_state()
    assert "已启用两步验证。" in page.content()
    assert page.locator("#new-recovery-codes li").count() == 10
    logout(page)

    login(page, unit.principal.username, PASSWORD)
    assert "/accounts/two-factor/verify/" in page.url
    totp.time += 30  # the set-up code is used up: the app's next one
    page.fill("input[name=code]", f"{totp.token():06d}")
    page.click("#otp-verify-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "首页概况"  # the principal's landing page

"""The second factor: an authenticator app (TOTP) with recovery codes, required by role."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import RECOVERY_CODE_COUNT

from .conftest import PASSWORD

SETUP = reverse("accounts:otp_setup")
VERIFY = reverse("accounts:otp_verify")
WORK = reverse("ledger:my_work")


def _code(key, steps_ahead=0):
    """The code the person's app shows now (or that many 30-second steps later)."""
    totp = TOTP(bytes.fromhex(key) if isinstance(key, str) else key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def _log_in(client, user, password=PASSWORD):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def _enrol(client):
    """Set up the authenticator from the set-up page; returns the recovery codes shown."""
    page = client.get(SETUP)
    assert page.status_code == 200
    key = client.session["_accounts_totp_setup_key"]
    response = client.post(SETUP, {"code": _code(key)})
    assert response.status_code == 302 and response.url == reverse("accounts:account")
    account = client.get(response.url).text
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", account)


@pytest.fixture
def enrolled(unit):
    """The principal with an authenticator and recovery codes, logged out."""
    client = Client()
    client.force_login(unit.principal)
    codes = _enrol(client)
    assert len(codes) == RECOVERY_CODE_COUNT
    return TOTPDevice.objects.get(user=unit.principal), codes


def test_the_set_up_page_shows_the_qr_code_as_svg_without_script(client, unit):
    client.force_login(unit.staff)
    page = client.get(SETUP).text
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'class="segno"' in svg and "<path" in svg
    assert "<script" not in page.lower() and "style=" not in svg and "data:" not in page
    key = client.session["_accounts_totp_setup_key"]
    device = TOTPDevice(user=unit.staff, key=key)
    secret = re.search(r'<code id="otp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert "otpauth://totp/" in device.config_url
    assert secret.replace(" ", "") in device.config_url
    assert "请输入应用当前为本账户显示的 6 位数字。" in page
    # Nothing is stored until the code is confirmed; the key stays the same meanwhile.
    assert not TOTPDevice.objects.exists()
    client.get(SETUP)
    assert client.session["_accounts_totp_setup_key"] == key


def test_enrolment_refuses_a_wrong_code_and_stores_nothing(client, unit):
    client.force_login(unit.staff)
    client.get(SETUP)
    key = client.session["_accounts_totp_setup_key"]
    wrong = f"{(int(_code(key)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert "验证码不正确：请输入验证器应用当前为本账户显示的 6 位数字。" in response.text
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()


def test_a_code_typed_in_full_width_digits_is_read_as_its_digits(client, unit):
    client.force_login(unit.staff)
    client.get(SETUP)
    code = _code(client.session["_accounts_totp_setup_key"])
    full_width = "".join(chr(ord(digit) + 0xFEE0) for digit in code)  # 1 → １
    assert client.post(SETUP, {"code": full_width}).status_code == 302
    assert TOTPDevice.objects.filter(user=unit.staff, confirmed=True).exists()


@pytest.mark.parametrize("typed", ["²²²²²²", "١٢٣٤٥٦", "𐩀𐩁𐩂𐩃𐩀𐩁"])
def test_digits_of_other_kinds_are_refused_as_a_wrong_code(client, unit, typed):
    client.force_login(unit.staff)
    client.get(SETUP)
    response = client.post(SETUP, {"code": typed})
    assert response.status_code == 200
    assert "验证码不正确" in response.text
    assert not TOTPDevice.objects.exists()


def test_enrolment_shows_the_recovery_codes_once(client, unit):
    client.force_login(unit.staff)
    codes = _enrol(client)
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)
    again = client.get(reverse("accounts:account")).text
    assert not any(code in again for code in codes)
    assert "还剩 10 个恢复码。" in again


def test_login_with_an_authenticator_asks_for_the_code(enrolled, unit):
    device, _codes = enrolled
    client = Client()
    response = _log_in(client, unit.principal)
    assert response.status_code == 302
    # Logged in by password, but every page leads to the code until it is given.
    gated = client.get(WORK)
    assert gated.status_code == 302 and gated.url == f"{VERIFY}?next=%2Fwork%2F"
    assert client.get(reverse("findings:inspection_list")).status_code == 302
    page = client.get(gated.url).text
    assert "请输入验证器应用显示的 6 位验证码，或输入一个恢复码。" in page
    done = client.post(VERIFY, {"code": _code(device.key, 1), "next": WORK})
    assert done.status_code == 302 and done.url == WORK
    assert client.get(WORK).status_code == 200
    assert client.get(VERIFY).status_code == 302  # nothing more to verify


def test_a_wrong_code_is_refused_and_the_next_tries_are_slowed(enrolled, unit):
    device, _codes = enrolled
    client = Client()
    _log_in(client, unit.principal)
    wrong = f"{(int(_code(device.key, 1)) + 500_000) % 1_000_000:06d}"
    refused = client.post(VERIFY, {"code": wrong})
    assert refused.status_code == 200 and "验证码不正确。" in refused.text
    assert client.get(WORK).status_code == 302
    # Right after a failure even the right code waits (django-otp doubles the wait).
    slowed = client.post(VERIFY, {"code": _code(device.key, 1)})
    assert "验证码错误次数过多，请 1 秒后再试。" in slowed.text
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    assert client.post(VERIFY, {"code": _code(device.key, 1)}).status_code == 302
    assert client.get(WORK).status_code == 200


def test_the_code_used_to_set_up_cannot_be_used_to_log_in(enrolled, unit):
    device, _codes = enrolled
    client = Client()
    _log_in(client, unit.principal)
    assert "验证码不正确。" in client.post(VERIFY, {"code": _code(device.key)}).text


def test_a_recovery_code_works_once(enrolled, unit):
    _device, codes = enrolled
    client = Client()
    _log_in(client, unit.principal)
    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)
    assert "已使用一个恢复码，还剩 9 个。" in response.text
    assert client.get(WORK).status_code == 200
    client.logout()
    _log_in(client, unit.principal)
    assert "验证码不正确。" in client.post(VERIFY, {"code": codes[0]}).text
    assert client.get(WORK).status_code == 302
    StaticDevice.objects.update(throttling_failure_timestamp=None)
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(enrolled, unit):
    device, codes = enrolled
    client = Client()
    _log_in(client, unit.principal)
    client.post(VERIFY, {"code": _code(device.key, 1)})
    response = client.post(reverse("accounts:recovery_codes"), follow=True)
    assert "已生成新的恢复码，原来的恢复码不再有效。" in response.text
    fresh = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.text)
    assert len(fresh) == RECOVERY_CODE_COUNT and not set(fresh) & set(codes)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(fresh)


def test_a_required_role_is_sent_to_set_up_after_login_and_cannot_skip_it(client, unit, settings):
    settings.OTP_REQUIRED_ROLES = ["principal", "office", "admin"]
    _log_in(client, unit.principal)
    for url in [WORK, reverse("accounts:account"), VERIFY, "/admin/"]:
        gated = client.get(url)
        assert gated.status_code == 302 and gated.url.startswith(SETUP), url
    page = client.get(SETUP).text
    assert "您的角色要求启用两步验证，请先完成设置再继续。" in page
    # A wrong code does not let them through either.
    client.post(SETUP, {"code": "000000"})
    assert client.get(WORK).status_code == 302
    _enrol(client)
    assert client.get(WORK).status_code == 200


def test_roles_outside_the_setting_may_log_in_without_a_second_factor(client, unit, settings):
    settings.OTP_REQUIRED_ROLES = ["principal", "office", "admin"]
    _log_in(client, unit.staff)
    assert client.get(WORK).status_code == 200
    assert "未启用：登录时只需输入密码。" in client.get(reverse("accounts:account")).text


def test_administrators_count_as_the_admin_role(client, unit, settings):
    from findings.models import User

    settings.OTP_REQUIRED_ROLES = ["admin"]
    root = User.objects.create_superuser("root", password=PASSWORD, display_name="系统管理员")
    _log_in(client, root)
    assert client.get("/admin/").url.startswith(SETUP)
    client.logout()
    _log_in(client, unit.principal)
    assert client.get(WORK).status_code == 200


def test_a_password_to_change_comes_after_the_code_and_before_set_up(client, unit, settings):
    from findings.models import User

    settings.OTP_REQUIRED_ROLES = ["principal"]
    User.objects.filter(pk=unit.principal.pk).update(must_change_password=True)
    _log_in(client, unit.principal)
    assert client.get(WORK).url.startswith(reverse("accounts:password_change"))
    new = "Zhenggai-taizhang-2024!"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    client.post(reverse("accounts:password_change"), data)
    assert client.get(WORK).url.startswith(SETUP)


def test_the_admin_lists_devices_to_remove_a_lost_phone_but_never_shows_keys(enrolled, unit):
    from findings.models import User

    device, codes = enrolled
    root = User.objects.create_superuser("root", password=PASSWORD, display_name="系统管理员")
    admin = Client()
    admin.force_login(root)
    pages = [
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        reverse("admin:otp_static_staticdevice_changelist"),
        reverse("admin:otp_static_staticdevice_change", args=[StaticDevice.objects.get().pk]),
    ]
    for url in pages:
        page = admin.get(url)
        assert page.status_code == 200, url
        assert device.key not in page.text and not any(code in page.text for code in codes)
    delete = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 302
    # Without an authenticator the login asks for the password only.
    client = Client()
    _log_in(client, unit.principal)
    assert client.get(WORK).status_code == 200


def test_moving_to_another_phone_asks_for_the_password_and_replaces_the_old_one(enrolled, unit):
    old, codes = enrolled
    client = Client()
    _log_in(client, unit.principal)
    client.post(VERIFY, {"code": _code(old.key, 1)})
    page = client.get(SETUP).text
    assert "确认新手机后，原来绑定的手机随即失效，并生成新的恢复码。" in page
    key = client.session["_accounts_totp_setup_key"]
    refused = client.post(SETUP, {"code": _code(key), "password": "not-my-password"})
    assert "密码不正确。" in refused.text
    assert list(TOTPDevice.objects.values_list("key", flat=True)) == [old.key]
    response = client.post(SETUP, {"code": _code(key), "password": PASSWORD})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.values_list("key", flat=True)) == [key]
    assert not StaticToken.objects.filter(token__in=codes).exists()


def test_office_members_count_as_the_office_role(client, unit, district, settings):
    settings.OTP_REQUIRED_ROLES = ["office"]
    office_home = reverse("oversight:office_home")
    for person in (district.director, district.clerk):
        client.logout()
        _log_in(client, person)
        for url in [WORK, office_home]:
            gated = client.get(url)
            assert gated.status_code == 302 and gated.url.startswith(SETUP), (person, url)
    _enrol(client)
    assert client.get(office_home).status_code == 200
    # A member of the unit only, not of the office, logs in with the password alone.
    client.logout()
    _log_in(client, unit.principal)
    assert client.get(WORK).status_code == 200


def test_one_office_role_can_be_required_alone(client, district, settings):
    settings.OTP_REQUIRED_ROLES = ["office:supervisor"]
    _log_in(client, district.director)
    assert client.get(WORK).url.startswith(SETUP)
    client.logout()
    _log_in(client, district.clerk)
    assert client.get(WORK).status_code == 200


def test_an_enrolled_office_member_gives_the_code_before_the_dashboard(client, district, settings):
    settings.OTP_REQUIRED_ROLES = ["office"]
    client.force_login(district.director)
    _enrol(client)
    device = TOTPDevice.objects.get(user=district.director)
    client.logout()
    _log_in(client, district.director)
    dashboard = reverse("oversight:round_dashboard", args=[district.office.pk, district.round.pk])
    assert client.get(dashboard).url.startswith(VERIFY)
    client.post(VERIFY, {"code": _code(device.key, 1)})
    assert client.get(dashboard).status_code == 200

"""Login throttling, password rules and session expiry."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from rectify import sessions

from .conftest import PASSWORD, login


@pytest.fixture
def throttled(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)


def _log_in(client, username, password, address="10.0.0.7"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_five_failures_lock_the_account_on_that_computer_for_30_minutes(client, unit, throttled):
    for _ in range(4):
        response = _log_in(client, unit.staff.username, "wrong")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.text
    locked = _log_in(client, unit.staff.username, "wrong")
    assert locked.status_code == 429
    assert "登录失败次数过多，该账号在本机已被锁定 30 分钟" in locked.text
    # Now even the right password is refused, and nobody is logged in.
    again = _log_in(client, unit.staff.username, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another person on that computer, and the same person elsewhere, can still log in.
    assert _log_in(client, unit.leader.username, PASSWORD).status_code == 302
    client.logout()
    assert _log_in(client, unit.staff.username, PASSWORD, address="10.0.0.8").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, unit, throttled):
    for _ in range(5):
        _log_in(client, unit.staff.username, "wrong")
    assert _log_in(client, unit.staff.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert _log_in(client, unit.staff.username, PASSWORD).status_code == 302


def test_a_successful_login_clears_earlier_failures(client, unit, throttled):
    for _ in range(4):
        _log_in(client, unit.staff.username, "wrong")
    assert _log_in(client, unit.staff.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _log_in(client, unit.staff.username, "wrong").status_code == 200


def test_behind_the_proxy_the_forwarded_address_is_the_one_locked(
    client, unit, throttled, settings
):
    settings.BEHIND_PROXY = True
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": unit.staff.username, "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            headers={"X-Forwarded-For": "10.0.0.7"},
        )
    assert AccessAttempt.objects.get().ip_address == "10.0.0.7"


@pytest.mark.browser
def test_logging_in_through_the_form_works_with_throttling_on(page, unit, throttled):
    login(page, unit.staff.username)
    assert page.url.endswith(reverse(settings.LOGIN_REDIRECT_URL))


@pytest.mark.parametrize("weak", ["12345678", "password123", "u-staff1", "short"])
def test_the_password_change_form_refuses_a_weak_password(unit, weak):
    form = PasswordChangeForm(
        unit.staff, {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak}
    )
    assert not form.is_valid()
    assert "new_password2" in form.errors


def test_the_password_change_form_accepts_a_strong_password(unit):
    strong = "Zhenggai-taizhang-2024!"
    form = PasswordChangeForm(
        unit.staff, {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong}
    )
    assert form.is_valid(), form.errors


def _session(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_ends_after_eight_hours_without_a_request(client, unit, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    client.force_login(unit.staff)
    page = reverse("findings:inspection_list")
    assert client.get(page).status_code == 200
    expiry = _session(client).expire_date
    assert abs(expiry - (timezone.now() + timedelta(hours=8))) < timedelta(minutes=1)
    Session.objects.filter(pk=_session(client).pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_renews_the_session_at_most_once_a_minute(client, unit):
    client.force_login(unit.staff)
    page = reverse("findings:inspection_list")
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.filter(pk=_session(client).pk).update(expire_date=soon)
    client.get(page)
    assert _session(client).expire_date == soon  # logged in less than a minute ago
    session = client.session
    session[sessions.KEY] -= sessions.RENEW_EVERY
    session.save()
    Session.objects.filter(pk=session.session_key).update(expire_date=soon)
    client.get(page)
    renewed = _session(client).expire_date
    assert abs(renewed - (timezone.now() + timedelta(hours=8))) < timedelta(minutes=1)


def test_spraying_many_usernames_from_one_address_locks_that_address(
    client, unit, throttled, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    # Four guesses at each of five usernames, under the per-username limit every time:
    # the twentieth failure from the address locks it.
    usernames = [unit.staff.username, unit.leader.username, unit.principal.username,
                 unit.other_staff.username, "no-such-user"]  # fmt: skip
    responses = [
        _log_in(client, username, f"guess-{n}") for username in usernames for n in range(4)
    ]
    assert [r.status_code for r in responses] == [200] * 19 + [429]
    locked = responses[-1]
    assert "本网络地址登录失败次数过多，已暂停从该地址登录 30 分钟" in locked.text

    # From that address even a right password of an untried username is refused ...
    assert _log_in(client, unit.other_leader.username, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # ... and from another address it works.
    assert (
        _log_in(client, unit.other_leader.username, PASSWORD, address="10.0.0.8").status_code == 302
    )
    client.logout()
    # After the cool-off the address may log in again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert _log_in(client, unit.other_leader.username, PASSWORD).status_code == 302


def test_the_address_limit_is_the_setting_login_address_failure_limit():
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 20
    assert settings.AXES_HANDLER == "rectify.security.AddressLimitHandler"

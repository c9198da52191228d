"""A person changes their own password; an administrator sets a temporary one; the policy."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordHistory
from findings.models import User

from .conftest import PASSWORD

STRONG = "Zhenggai-taizhang-2024!"
CHANGE = reverse("accounts:password_change")


def _change(client, old, new, confirm=None, **extra):
    data = {"old_password": old, "new_password1": new, "new_password2": confirm or new}
    return client.post(CHANGE, data | extra)


def _can_log_in(username, password):
    return Client().login(username=username, password=password)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password=STRONG, display_name="系统管理员")


def test_the_header_links_to_the_account_page_which_links_to_the_password_change(client, unit):
    client.force_login(unit.staff)
    work = client.get(reverse("ledger:my_work")).text
    assert f'href="{reverse("accounts:account")}"' in work and "我的账户" in work
    account = client.get(reverse("accounts:account")).text
    assert f'href="{CHANGE}"' in account and "修改密码" in account
    page = client.get(CHANGE).text
    assert "旧密码" in page and "新密码" in page
    assert "密码至少要包含大写字母、小写字母、数字、符号中的 3 类。" in page


def test_a_user_changes_their_own_password(client, unit):
    client.force_login(unit.staff)
    response = _change(client, PASSWORD, STRONG)
    assert response.status_code == 302
    assert response.url == reverse("home")  # which sends staff on to 我的工作
    assert "密码已修改。" in client.get(response.url, follow=True).text
    assert _can_log_in(unit.staff.username, STRONG)
    assert not _can_log_in(unit.staff.username, PASSWORD)
    record = unit.staff.history.first()
    assert record.history_change_reason == "修改本人密码"
    assert record.history_user == unit.staff


def test_a_wrong_old_password_is_refused_in_chinese_and_changes_nothing(client, unit):
    client.force_login(unit.staff)
    before = User.objects.get(pk=unit.staff.pk).password
    response = _change(client, "not-my-password", STRONG)
    assert response.status_code == 200
    assert "你的旧密码不正确。请重新输入。" in response.text
    assert User.objects.get(pk=unit.staff.pk).password == before
    assert _can_log_in(unit.staff.username, PASSWORD)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Ab1-x", "密码太短：至少要有 10 个字符。"),
        ("4815162342108", "密码只包含数字。"),
        ("Password123", "这个密码太常见了。"),
        ("zhenggaitaizhang", "密码至少要包含大写字母、小写字母、数字、符号中的 3 类。"),
        ("U-Staff-2024", "密码跟 用户名 太相似了。"),
    ],
)
def test_a_weak_password_is_refused_with_the_policy_s_chinese_message(client, unit, new, message):
    client.force_login(unit.staff)
    response = _change(client, PASSWORD, new)
    assert response.status_code == 200
    assert message in response.text
    assert _can_log_in(unit.staff.username, PASSWORD)


def test_the_two_new_passwords_must_match(client, unit):
    client.force_login(unit.staff)
    response = _change(client, PASSWORD, STRONG, confirm=STRONG + "x")
    assert "输入的两个密码不一致。" in response.text


def test_changing_the_password_ends_the_user_s_other_sessions_but_not_this_one(unit):
    here, elsewhere, colleague = Client(), Client(), Client()
    for client, user in [(here, unit.staff), (elsewhere, unit.staff), (colleague, unit.leader)]:
        client.force_login(user)
        assert client.get(reverse("ledger:my_work")).status_code == 200
    assert _change(here, PASSWORD, STRONG).status_code == 302
    assert here.get(reverse("ledger:my_work")).status_code == 200
    ended = elsewhere.get(reverse("ledger:my_work"))
    assert ended.status_code == 302 and ended.url.startswith(reverse("login"))
    assert colleague.get(reverse("ledger:my_work")).status_code == 200


def _admin_sets_password(client, user, password):
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    data = {"password1": password, "password2": password, "usable_password": "true"}
    return client.post(url, data)


def test_a_password_an_administrator_sets_is_temporary_until_the_user_changes_it(
    client, unit, superuser
):
    admin = Client()
    admin.force_login(superuser)
    temporary = "Linshi-mima-2024"
    assert _admin_sets_password(admin, unit.staff, temporary).status_code == 302
    assert User.objects.get(pk=unit.staff.pk).must_change_password
    # The login works, and then every page leads to the password change until it is done.
    response = client.post(
        reverse("login"), {"username": unit.staff.username, "password": temporary}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(CHANGE)
    assert (
        "系统管理员或本单位主要负责人设置的临时密码，请先设置您自己的密码再继续。" in response.text
    )
    for url in [reverse("ledger:my_work"), reverse("findings:inspection_list"), "/admin/"]:
        gated = client.get(url)
        assert gated.status_code == 302
        assert gated.url == f"{CHANGE}?next={url.replace('/', '%2F')}"
    assert client.post(reverse("set_language"), {"language": "zh-hans"}).status_code == 302
    # The temporary password itself does not count as a new one.
    assert "这个密码以前用过" in _change(client, temporary, temporary).text
    done = _change(client, temporary, STRONG, next=reverse("findings:inspection_list"))
    assert done.url == reverse("findings:inspection_list")
    assert client.get(reverse("ledger:my_work")).status_code == 200
    assert not User.objects.get(pk=unit.staff.pk).must_change_password


def test_a_user_with_a_temporary_password_can_still_log_out(client, unit):
    User.objects.filter(pk=unit.staff.pk).update(must_change_password=True)
    client.force_login(unit.staff)
    assert client.get(reverse("ledger:my_work")).status_code == 302
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_an_account_the_administrator_creates_starts_with_a_temporary_password(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:findings_user_add"),
        {
            "username": "new-staff",
            "display_name": "办公室干事",
            "password1": "Linshi-mima-2024",
            "password2": "Linshi-mima-2024",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.text
    assert User.objects.get(username="new-staff").must_change_password


def test_an_administrator_changes_their_own_password_on_the_account_page(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:auth_user_password_change", args=[superuser.pk]))
    assert response.status_code == 302 and response.url == CHANGE
    assert _admin_sets_password(client, superuser, "Linshi-mima-2024").url == CHANGE
    assert not User.objects.get(pk=superuser.pk).must_change_password


def test_the_minimum_length_follows_the_setting(client, unit, settings):
    settings.PASSWORD_MIN_LENGTH = 16
    client.force_login(unit.staff)
    assert "至少要有 16 个字符" in _change(client, PASSWORD, "Zhenggai-2024!").text
    settings.PASSWORD_MIN_LENGTH = 12
    assert _change(client, PASSWORD, "Zhenggai-2024!").status_code == 302


def test_the_required_character_classes_follow_the_setting(client, unit, settings):
    settings.PASSWORD_MIN_CLASSES = 4
    client.force_login(unit.staff)
    refused = _change(client, PASSWORD, "Zhenggaitaizhang2024")
    assert "密码至少要包含大写字母、小写字母、数字、符号中的 4 类。" in refused.text
    assert _change(client, PASSWORD, "Zhenggaitaizhang2024!").status_code == 302


def test_none_of_the_last_n_passwords_may_be_used_again(client, unit, settings):
    settings.PASSWORD_HISTORY_COUNT = 3
    client.force_login(unit.staff)
    assert _change(client, PASSWORD, "First-password-1").status_code == 302
    assert _change(client, "First-password-1", "Second-password-2").status_code == 302
    for old in [PASSWORD, "First-password-1", "Second-password-2"]:
        refused = _change(client, "Second-password-2", old)
        assert "这个密码以前用过：新密码不能与最近 3 次使用的密码相同。" in refused.text
    # Only the last N hashes are kept, never a password itself.
    assert _change(client, "Second-password-2", "Third-password-3").status_code == 302
    kept = list(PasswordHistory.objects.filter(user=unit.staff).values_list("password", flat=True))
    assert len(kept) == 3
    assert all(h.startswith("md5$") and "password" not in h for h in kept)
    settings.PASSWORD_HISTORY_COUNT = 2
    assert _change(client, "Third-password-3", "First-password-1").status_code == 302


def test_a_password_older_than_the_maximum_age_must_be_changed(client, unit, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=unit.staff.pk).update(
        password_changed_at=timezone.now() - timedelta(days=90, minutes=1)
    )
    client.force_login(unit.staff)
    gated = client.get(reverse("ledger:my_work"))
    assert gated.status_code == 302 and gated.url.startswith(CHANGE)
    assert "您的密码已超过有效期，请先设置新密码再继续。" in client.get(gated.url).text
    settings.PASSWORD_MAX_AGE_DAYS = 0
    assert client.get(reverse("ledger:my_work")).status_code == 200
    settings.PASSWORD_MAX_AGE_DAYS = 90
    assert _change(client, PASSWORD, STRONG).status_code == 302
    assert client.get(reverse("ledger:my_work")).status_code == 200


def test_a_password_younger_than_the_maximum_age_is_kept(client, unit, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=unit.staff.pk).update(
        password_changed_at=timezone.now() - timedelta(days=89)
    )
    client.force_login(unit.staff)
    assert client.get(reverse("ledger:my_work")).status_code == 200


def test_the_account_page_makes_the_same_queries_for_everyone(
    client, unit, django_assert_num_queries
):
    for user in [unit.staff, unit.principal]:
        client.force_login(user)
        # session, user, authenticator, recovery codes, unread notifications (header)
        with django_assert_num_queries(5):
            assert client.get(reverse("accounts:account")).status_code == 200

"""三员分立: the system, security and audit administrators, none doing another's work."""

import csv
import io

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from findings import demo
from findings.models import AdminRole, Membership, Organisation, User
from rectify.models import LoginRecord

from .conftest import PASSWORD


def _models_on_index(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return {
        f"{app['app_label']}.{model['object_name']}"
        for app in response.context["app_list"]
        for model in app["models"]
    }


def test_each_administrator_sees_only_their_part_of_the_admin(client, administrators):
    assert _models_on_index(client, administrators["sysadmin"]) == {
        "findings.User",
        "findings.Organisation",
        "findings.Membership",
        "findings.Inspection",
        "findings.Area",
        "findings.Office",
        "findings.Round",
        "findings.OfficeMembership",
        "findings.ProblemCategory",
    }
    assert _models_on_index(client, administrators["secadmin"]) == {
        "axes.AccessAttempt",
        "axes.AccessFailureLog",
        "otp_totp.TOTPDevice",
        "otp_static.StaticDevice",
    }
    assert _models_on_index(client, administrators["auditor"]) == {"rectify.LoginRecord"}


def test_the_index_links_the_audit_trail_and_the_policy_for_their_administrators(
    client, administrators
):
    trail, policy = reverse("admin:audit_trail"), reverse("admin:security_policy")
    for username, links in [
        ("sysadmin", set()),
        ("secadmin", {policy}),
        ("auditor", {trail}),
    ]:
        client.force_login(administrators[username])
        page = client.get(reverse("admin:index")).text
        assert {url for url in (trail, policy) if f'href="{url}"' in page} == links, username


@pytest.fixture
def history(unit, administrators):
    organisation = Organisation.objects.get(pk=unit.organisation.pk)
    organisation.phone = "0311-87654321"
    organisation._history_user = administrators["sysadmin"]
    organisation._change_reason = "更新联系电话"
    organisation.save()
    return organisation


def test_the_audit_trail_lists_every_table_newest_first_and_filters(
    client, administrators, history
):
    client.force_login(administrators["auditor"])
    url = reverse("admin:audit_trail")
    page = client.get(url)
    assert page.status_code == 200
    rows = page.context["rows"]
    assert rows[0]["history_change_reason"] == "更新联系电话"
    assert rows[0]["username"] == "sysadmin"
    assert {row["model"] for row in rows} >= {
        "findings.HistoricalOrganisation",
        "findings.HistoricalUser",
        "findings.HistoricalMembership",
        "findings.HistoricalInspection",
    }
    filtered = client.get(url, {"username": "sysadmin"}).context["rows"]
    assert [row["history_change_reason"] for row in filtered] == ["更新联系电话"]
    by_table = client.get(url, {"model": "findings.HistoricalMembership"}).context["rows"]
    assert {row["model"] for row in by_table} == {"findings.HistoricalMembership"}


def test_the_audit_trail_takes_as_many_queries_for_many_records_as_for_few(
    client, administrators, history, django_assert_num_queries
):
    client.force_login(administrators["auditor"])
    url = reverse("admin:audit_trail")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(30):
        history.phone = f"0311-{number:08d}"
        history.save()
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(url).context["rows"]) > 30


def test_a_bad_filter_says_what_is_wrong_and_lists_nothing(client, administrators, history):
    client.force_login(administrators["auditor"])
    page = client.get(reverse("admin:audit_trail"), {"since": "2024-06-01", "until": "2024-05-01"})
    assert page.status_code == 200
    assert page.context["rows"] == []
    assert "结束日期早于开始日期" in page.text


def test_the_audit_trail_exports_as_csv_and_xlsx(client, administrators, history):
    client.force_login(administrators["auditor"])
    query = {"username": "sysadmin"}
    response = client.get(reverse("admin:audit_trail_export", args=["csv"]), query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["时间", "数据表", "对象编号", "操作", "操作人", "变更原因"]
    assert [row[2:] for row in rows[1:]] == [[str(history.pk), "修改", "sysadmin", "更新联系电话"]]
    response = client.get(reverse("admin:audit_trail_export", args=["xlsx"]), query)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [cell.value for cell in sheet[2]][3:] == ["修改", "sysadmin", "更新联系电话"]


def test_login_records_export_with_the_changelist_filters(client, administrators, unit):
    client.post(reverse("login"), {"username": unit.staff.username, "password": "wrong"})
    client.post(reverse("login"), {"username": "=HYPERLINK(1)", "password": "wrong"})
    client.force_login(administrators["auditor"])
    url = reverse("admin:rectify_loginrecord_export", args=["csv"])
    response = client.get(url, {"kind__exact": "failed", "q": "HYPERLINK"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["时间", "类型", "用户名", "地址", "浏览器"]
    assert [row[1:3] for row in rows[1:]] == [["登录失败", "'=HYPERLINK(1)"]]
    bad = client.get(url, {"no_such_field": "x"})
    assert bad.status_code == 400


def test_the_audit_administrator_changes_and_deletes_nothing(client, administrators, history, unit):
    client.force_login(administrators["auditor"])
    record = LoginRecord.objects.create(kind="failed", username="x")
    before = (
        Organisation.objects.get(pk=history.pk).phone,
        User.objects.count(),
        LoginRecord.objects.count(),
        history.history.count(),
    )
    posts = [
        (reverse("admin:findings_user_add"), {"username": "new", "display_name": "新人"}),
        (
            reverse("admin:findings_organisation_change", args=[history.pk]),
            {"name": history.name, "phone": "110"},
        ),
        (reverse("admin:rectify_loginrecord_delete", args=[record.pk]), {"post": "yes"}),
        (
            reverse(
                "admin:findings_organisation_simple_history",
                args=[history.pk, history.history.earliest().pk],
            ),
            {"name": history.name, "phone": "0311-12345678"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    after = (
        Organisation.objects.get(pk=history.pk).phone,
        User.objects.count(),
        LoginRecord.objects.count(),
        history.history.count(),
    )
    assert after == before
    # Reading the history of an object is theirs.
    url = reverse("admin:findings_organisation_history", args=[history.pk])
    assert client.get(url).status_code == 200


def test_the_security_administrator_cannot_edit_accounts(client, administrators, unit):
    client.force_login(administrators["secadmin"])
    staff = unit.staff
    for url, data in [
        (reverse("admin:findings_user_change", args=[staff.pk]), {"is_active": ""}),
        (
            reverse("admin:auth_user_password_change", args=[staff.pk]),
            {"password1": "Hijack-pass-987", "password2": "Hijack-pass-987"},
        ),
        (reverse("admin:findings_user_add"), {"username": "new"}),
    ]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    staff.refresh_from_db()
    assert staff.is_active and staff.check_password(PASSWORD)


def test_the_security_administrator_unlocks_a_locked_login(client, administrators, unit):
    attempt = AccessAttempt.objects.create(
        username=unit.staff.username,
        ip_address="10.0.0.7",
        failures_since_start=5,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
    )
    client.force_login(administrators["sysadmin"])
    url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    client.force_login(administrators["secadmin"])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert client.get(reverse("admin:security_policy")).status_code == 200


def test_the_system_administrator_cannot_read_the_audit_trail_or_delete_history(
    client, administrators, history
):
    client.force_login(administrators["sysadmin"])
    for url in [
        reverse("admin:audit_trail"),
        reverse("admin:audit_trail_export", args=["csv"]),
        reverse("admin:rectify_loginrecord_changelist"),
        reverse("admin:findings_organisation_history", args=[history.pk]),
        reverse(
            "admin:findings_organisation_simple_history",
            args=[history.pk, history.history.earliest().pk],
        ),
    ]:
        assert client.get(url).status_code == 403, url
    # Their own work: accounts and units.
    assert client.get(reverse("admin:findings_user_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:findings_organisation_change", args=[history.pk])).status_code
        == 200
    )
    count = history.history.count()
    url = reverse("admin:findings_organisation_delete", args=[history.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert history.history.count() == count


def test_the_system_administrator_manages_ordinary_accounts_only(client, administrators, unit):
    sysadmin, auditor = administrators["sysadmin"], administrators["auditor"]
    client.force_login(sysadmin)
    added = client.post(
        reverse("admin:findings_user_add"),
        {
            "username": "office-clerk",
            "display_name": "办公室干事",
            "password1": "Clerk-pass-2024x",
            "password2": "Clerk-pass-2024x",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert added.status_code == 302
    clerk = User.objects.get(username="office-clerk")
    # The form has no privilege field: posting one changes nothing.
    change = reverse("admin:findings_user_change", args=[clerk.pk])
    form = client.get(change)
    assert 'name="is_superuser"' not in form.text and 'name="admin_role"' not in form.text
    saved = client.post(
        change,
        {
            "username": "office-clerk",
            "display_name": "办公室干事",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "admin_role": "audit",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "08:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert saved.status_code == 302
    clerk.refresh_from_db()
    assert (clerk.is_superuser, clerk.is_staff, clerk.admin_role) == (False, False, "")
    # Another administrator's account is not theirs: no change, no new password.
    for url in [
        reverse("admin:findings_user_change", args=[auditor.pk]),
        reverse("admin:auth_user_password_change", args=[auditor.pk]),
    ]:
        assert (
            client.post(
                url, {"password1": "Taken-over-123", "password2": "Taken-over-123"}
            ).status_code
            == 403
        )
    auditor.refresh_from_db()
    assert auditor.check_password(PASSWORD)
    # Nor can they give themselves (or another administrator) a role in a unit.
    response = client.post(
        reverse("admin:findings_membership_add"),
        {"user": sysadmin.pk, "organisation": unit.organisation.pk, "role": "principal"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Membership.objects.filter(user=sysadmin).exists()


def test_only_administrators_and_superusers_enter_the_admin(client, unit):
    staff_only = unit.staff
    staff_only.is_staff = True
    staff_only.save()
    client.force_login(staff_only)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_the_deployer_sets_an_administrator_role_on_the_server(unit):
    call_command("set_admin_role", unit.other_staff.username, AdminRole.SECURITY)
    user = User.objects.get(pk=unit.other_staff.pk)
    assert (user.admin_role, user.is_staff) == (AdminRole.SECURITY, True)
    assert user.history.latest().history_change_reason == "设置管理员角色：安全管理员"
    call_command("set_admin_role", user.username, "none")
    user.refresh_from_db()
    assert (user.admin_role, user.is_staff) == ("", False)
    superuser = User.objects.create_superuser("root", password="x", display_name="超级用户")
    with pytest.raises(CommandError, match="superuser"):
        call_command("set_admin_role", superuser.username, AdminRole.AUDIT)


def test_the_demo_has_three_administrators_and_no_superuser(db):
    demo.load_seed()
    assert not User.objects.filter(is_superuser=True).exists()
    assert dict(User.objects.exclude(admin_role="").values_list("username", "admin_role")) == {
        "sysadmin": "system",
        "secadmin": "security",
        "auditor": "audit",
    }

"""The Django admin × the administrators (三员分立), and people who are none of them.

Every admin URL × anonymous, a principal and each administrator, against the rights
written out in ADMIN_RIGHTS; an admin URL without an entry fails. The world and the
no-change snapshot are test_url_matrix's.
"""

import pytest
from django.db import transaction
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from findings.models import User

from .fixtures_url_world import _snapshot, build_world
from .test_url_matrix import ADMINISTRATORS


@pytest.fixture
def world(unit, outsider, administrators, district, other_district, tmp_path):
    return build_world(unit, outsider, administrators, district, other_district, tmp_path)


@pytest.mark.parametrize("person", ["anonymous", "principal", "inspector"])
def test_the_admin_is_for_administrators_only(client, unit, person):
    """The admin namespace, left out of the matrix, refuses everyone but admin staff."""
    from django.contrib import admin

    if person != "anonymous":
        client.force_login(getattr(unit, person))
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url


# The Django admin × the administrators (三员分立), and people who are none of them.
#
# What each administrator may do with each admin model, written out here rather than
# read from rectify.admin_roles: a = add, v = view, c = change, d = delete.

ADMIN_PEOPLE = ["anonymous", "principal", *ADMINISTRATORS]
ADMIN_RIGHTS = {
    "findings.user": {"sysadmin": "avc"},
    "findings.organisation": {"sysadmin": "avc"},
    "findings.membership": {"sysadmin": "avcd"},
    "findings.inspection": {"sysadmin": "avc"},
    "findings.area": {"sysadmin": "avc"},
    "findings.finding": {},
    "findings.measure": {},
    "ledger.ledgerentry": {},
    "ledger.evidence": {},
    "ledger.notification": {},
    "ledger.remindersent": {},
    "reports.notice": {},
    "reports.noticeversion": {},
    "reports.noticewithdrawal": {},
    "auth.group": {},
    "axes.accessattempt": {"secadmin": "vd"},
    "axes.accessfailurelog": {"secadmin": "v"},
    "axes.accesslog": {},
    "rectify.loginrecord": {"auditor": "v"},
    "otp_totp.totpdevice": {"secadmin": "vd"},
    "otp_static.staticdevice": {"secadmin": "vd"},
}
# History pages of the models with a history: the audit administrator's.
HISTORY_READERS = {"auditor"}
# The administrator's own session and password, and the framework's helpers.
ADMIN_FRAMEWORK = {"login", "logout", "password_change", "password_change_done", "jsi18n"}
ADMIN_FRAMEWORK |= {"view_on_site"}


def _admin_objects(w):
    """label → one stored object of that model (created where the world has none)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from findings.models import Area, Inspection, Membership
    from ledger.models import LedgerEntry, Notification, ReminderSent
    from rectify.models import LoginRecord
    from reports.models import Notice, NoticeVersion, NoticeWithdrawal

    now = timezone.now()
    attempt = {"ip_address": "10.0.0.7", "username": "u-staff", "user_agent": "浏览器"}
    entry = LedgerEntry.objects.filter(finding=w.finding).first()
    return {
        "findings.user": w.unit.staff,
        "findings.organisation": w.unit.organisation,
        "findings.membership": Membership.objects.filter(user=w.unit.staff).first(),
        "findings.inspection": Inspection.objects.get(pk=w.unit.inspection.pk),
        "findings.area": Area.objects.filter(inspection=w.unit.inspection).first(),
        "findings.finding": w.finding,
        "findings.measure": w.measure,
        "ledger.ledgerentry": entry,
        "ledger.evidence": w.evidence,
        "ledger.notification": Notification.objects.first()
        or Notification.objects.create(recipient=w.unit.leader, entry=entry),
        "ledger.remindersent": ReminderSent.objects.create(
            recipient=w.unit.staff, sent_on=timezone.localdate(), body="提醒"
        ),
        "reports.notice": Notice.objects.get(inspection=w.unit.inspection),
        "reports.noticeversion": NoticeVersion.objects.get(pk=w.version.pk),
        "reports.noticewithdrawal": NoticeWithdrawal.objects.create(
            version=w.version, reason="发布有误", withdrawn_at=now, withdrawn_by=w.unit.principal
        ),
        "auth.group": Group.objects.create(name="旧分组"),
        "axes.accessattempt": AccessAttempt.objects.create(
            **attempt, attempt_time=now, failures_since_start=5, get_data="", post_data=""
        ),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**attempt, attempt_time=now),
        "axes.accesslog": AccessLog.objects.create(**attempt, attempt_time=now),
        "rectify.loginrecord": LoginRecord.objects.create(kind="failed", username="u-staff"),
        "otp_totp.totpdevice": TOTPDevice.objects.create(user=w.unit.staff, name="手机"),
        "otp_static.staticdevice": StaticDevice.objects.create(user=w.unit.staff, name="恢复码"),
    }


class AdminRow:
    """One admin request: who may, what they get, what the others get."""

    def __init__(self, name, method, url, data, allowed, *, accepted=200, refused=403):
        self.name, self.method, self.url, self.data = name, method, url, data
        self.allowed, self.accepted, self.refused = allowed, accepted, refused

    def expected(self, person):
        if person not in ADMINISTRATORS:
            return 302  # to the admin login
        return self.accepted if person in self.allowed else self.refused


def admin_matrix(w):
    """An AdminRow for every admin URL (GET, and POST where the URL takes one)."""
    from django.contrib import admin

    objects = _admin_objects(w)
    rows = []

    def add(*args, **kwargs):
        rows.append(AdminRow(*args, **kwargs))

    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        rights = ADMIN_RIGHTS[label]
        may = {right: {p for p, letters in rights.items() if right in letters} for right in "avcd"}
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        obj = objects[label]
        viewers = may["v"] | may["c"]
        add(f"{prefix}_changelist", "get", reverse(f"{prefix}_changelist"), None, viewers)
        add(f"{prefix}_add", "get", reverse(f"{prefix}_add"), None, may["a"])
        # An empty form: the form again with its errors for whoever may add, else 403.
        add(f"{prefix}_add", "post", reverse(f"{prefix}_add"), {}, may["a"])
        change = reverse(f"{prefix}_change", args=[obj.pk])
        add(f"{prefix}_change", "get", change, None, viewers)
        add(f"{prefix}_change", "post", change, {}, may["c"])
        delete = reverse(f"{prefix}_delete", args=[obj.pk])
        add(f"{prefix}_delete", "get", delete, None, may["d"])
        add(f"{prefix}_delete", "post", delete, {"post": "yes"}, may["d"], accepted=302)
        if hasattr(model_admin, "history_form_view"):  # simple-history: the audit trail
            history = reverse(f"{prefix}_history", args=[obj.pk])
            add(f"{prefix}_history", "get", history, None, HISTORY_READERS)
            past = reverse(f"{prefix}_simple_history", args=[obj.pk, obj.history.earliest().pk])
            add(f"{prefix}_simple_history", "get", past, None, HISTORY_READERS)
            add(f"{prefix}_simple_history", "post", past, {}, set())
        else:  # Django's own list of admin actions on the object
            add(
                f"{prefix}_history",
                "get",
                reverse(f"{prefix}_history", args=[obj.pk]),
                None,
                viewers,
            )

    # A second factor's key and QR code are never shown (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    device = objects["otp_totp.totpdevice"]
    for view in ("config", "qrcode"):
        url = reverse(f"admin:otp_totp_totpdevice_{view}", args=[device.pk])
        add(f"admin:otp_totp_totpdevice_{view}", "get", url, None, set())
    # Someone else's password: an ordinary account's, and a superuser's.
    staff = w.unit.staff
    root = User.objects.create_superuser(
        "root", password="Root-pass-2024x", display_name="超级用户"
    )
    password = {"password1": "Taken-over-987", "password2": "Taken-over-987"}
    for user in (staff, root):
        url = reverse("admin:auth_user_password_change", args=[user.pk])
        owner = {"sysadmin"} if user == staff else set()
        add("admin:auth_user_password_change", "get", url, None, owner)
        add("admin:auth_user_password_change", "post", url, password, owner, accepted=302)
    add("admin:index", "get", reverse("admin:index"), None, set(ADMINISTRATORS))
    for app_label in ["findings", "axes", "rectify", "ledger", "reports", "auth", "otp_totp"]:
        holders = {
            p
            for label, rights in ADMIN_RIGHTS.items()
            if label.startswith(f"{app_label}.")
            for p in rights
        }
        url = reverse("admin:app_list", args=[app_label])
        add("admin:app_list", "get", url, None, holders, refused=404)
    trail = reverse("admin:audit_trail")
    add("admin:audit_trail", "get", trail, None, {"auditor"})
    for fmt in ("csv", "xlsx"):
        url = reverse("admin:audit_trail_export", args=[fmt])
        add("admin:audit_trail_export", "get", url, None, {"auditor"})
        url = reverse("admin:rectify_loginrecord_export", args=[fmt])
        add("admin:rectify_loginrecord_export", "get", url, None, {"auditor"})
    add("admin:security_policy", "get", reverse("admin:security_policy"), None, {"secadmin"})
    # The user picker of a membership lists accounts: the system administrator's only.
    picker = reverse("admin:autocomplete") + (
        "?app_label=findings&model_name=membership&field_name=user&term=u"
    )
    add("admin:autocomplete", "get", picker, None, {"sysadmin"})
    return rows


def admin_url_names():
    resolver = next(
        p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "admin"
    )

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif pattern.name:
                yield f"admin:{pattern.name}"

    return set(walk(resolver.url_patterns))


def test_every_admin_url_has_an_entry_in_the_admin_matrix(world):
    covered = {row.name for row in admin_matrix(world)}
    framework = {f"admin:{name}" for name in ADMIN_FRAMEWORK}
    assert admin_url_names() - covered - framework == set()


@pytest.mark.parametrize("person", ADMIN_PEOPLE)
def test_every_admin_url_answers_each_administrator_as_expected(client, world, person):
    failures = []
    for row in admin_matrix(world):
        world.login_as(client, person)
        with transaction.atomic():
            before = _snapshot(world) if row.method == "post" else None
            response = getattr(client, row.method)(row.url, row.data or {})
            changed = row.method == "post" and _snapshot(world) != before
            transaction.set_rollback(True)
        where = f"{row.name} {row.method} {row.url} as {person}"
        if response.status_code != row.expected(person):
            failures.append(f"{where}: {response.status_code}, expected {row.expected(person)}")
        elif person not in ADMINISTRATORS and not response.url.startswith(reverse("admin:login")):
            failures.append(f"{where}: sent to {response.url}, not to the admin login")
        if changed and not (row.method == "post" and person in row.allowed):
            failures.append(f"{where}: changed the database")
    assert failures == []

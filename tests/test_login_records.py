"""Every login, logout and failed login is recorded; records are kept six months."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from rectify.append_only import AppendOnlyError
from rectify.models import LoginKind, LoginRecord

from .conftest import PASSWORD

BROWSER = "Mozilla/5.0 (Windows NT 10.0) 测试浏览器"


def _log_in(client, username, password):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.7",
        HTTP_USER_AGENT=BROWSER,
    )


def test_a_login_and_a_logout_are_recorded_with_address_and_browser(client, unit):
    assert _log_in(client, unit.staff.username, PASSWORD).status_code == 302
    client.post(reverse("logout"), REMOTE_ADDR="10.0.0.7", HTTP_USER_AGENT=BROWSER)
    records = list(LoginRecord.objects.order_by("id"))
    assert [(r.kind, r.user, r.username, r.address, r.user_agent) for r in records] == [
        (LoginKind.LOGIN, unit.staff, unit.staff.username, "10.0.0.7", BROWSER),
        (LoginKind.LOGOUT, unit.staff, unit.staff.username, "10.0.0.7", BROWSER),
    ]


def test_a_failed_login_is_recorded_with_the_username_typed(client, unit):
    _log_in(client, unit.staff.username, "wrong")
    _log_in(client, "nobody-by-that-name", "wrong")
    records = list(LoginRecord.objects.order_by("id"))
    assert [(r.kind, r.user, r.username) for r in records] == [
        (LoginKind.FAILED, unit.staff, unit.staff.username),
        (LoginKind.FAILED, None, "nobody-by-that-name"),
    ]


def test_a_locked_out_login_is_recorded_as_failed(client, unit, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        _log_in(client, unit.staff.username, "wrong")
    assert _log_in(client, unit.staff.username, PASSWORD).status_code == 429
    kinds = list(LoginRecord.objects.values_list("kind", flat=True))
    assert kinds == [LoginKind.FAILED] * 4


def test_an_address_that_is_not_one_is_not_stored(client, unit, settings):
    settings.BEHIND_PROXY = True
    client.post(
        reverse("login"),
        {"username": unit.staff.username, "password": "wrong"},
        HTTP_X_FORWARDED_FOR="not-an-address",
    )
    assert LoginRecord.objects.get().address is None


@pytest.fixture
def record(unit, client):
    _log_in(client, unit.staff.username, "wrong")
    return LoginRecord.objects.get()


def test_a_login_record_cannot_be_changed_or_deleted_while_kept(record):
    record.username = "someone else"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        LoginRecord.objects.get(pk=record.pk).delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        LoginRecord.objects.all().delete()
    assert LoginRecord.objects.get().username == "u-staff"


def _recorded(days_ago, username="u-staff"):
    # Written old at once: a stored record is never changed (not even its time).
    return LoginRecord.objects.create(
        kind=LoginKind.FAILED, username=username, at=timezone.now() - timedelta(days=days_ago)
    )


@pytest.mark.parametrize("days", [0, 30, 182])
def test_pruning_refuses_to_delete_records_younger_than_six_months(db, days):
    _recorded(200)
    with pytest.raises(CommandError, match="at least 183 days"):
        call_command("prune_login_records", "--older-than-days", str(days))
    assert LoginRecord.objects.count() == 1


def test_pruning_deletes_only_records_older_than_asked(db, capsys):
    oldest, middle, recent = _recorded(400), _recorded(250), _recorded(0)
    call_command("prune_login_records", "--older-than-days", "300")
    assert "Deleted 1 login records" in capsys.readouterr().out
    assert set(LoginRecord.objects.all()) == {middle, recent}
    assert not LoginRecord.objects.filter(pk=oldest.pk).exists()

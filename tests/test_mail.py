"""Email built from typed text: one-line subjects, and a failed email never fails the request."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from findings.models import Status
from ledger.models import LedgerEntry, ReminderSent
from ledger.reminders import send_reminders
from rectify.mail import subject_line

from .fixtures_ledger import put_in_state


def action_url(finding, action):
    return reverse("ledger:take_action", args=[finding.area.inspection.code, finding.pk, action])


@pytest.fixture
def leader_email(unit):
    unit.leader.email = "leader@example.org"
    unit.leader.save()


@pytest.mark.django_db(transaction=True)
def test_a_statement_with_a_line_break_is_submitted_and_mailed_with_a_one_line_subject(
    unit, leader_email, settings
):
    # Alt+Enter in Excel: the statement carries a line break into the email subject;
    # the view really commits here, so the email goes out inside the request.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    finding = unit.add_findings(1)[0]
    finding.statement = "第一行\r\n第二行\n第三行"
    finding = put_in_state(finding, Status.IN_PROGRESS, submitter=unit.staff)
    client = Client(raise_request_exception=False)
    client.force_login(unit.staff)

    response = client.post(action_url(finding, "submit"))

    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == Status.SUBMITTED
    assert [m.to for m in mail.outbox] == [["leader@example.org"]]
    assert (
        mail.outbox[0].subject
        == "【待销号】测试单位 · 区委第一巡察组 · 常规巡察 · 2024 1.1 第一行 第二行 第三行"
    )
    assert "第一行\r\n第二行\n第三行" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_failure_after_the_commit_is_logged_and_the_user_sees_success(
    unit, leader_email, settings, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: refused
    settings.EMAIL_TIMEOUT = 2
    finding = put_in_state(unit.add_findings(1)[0], Status.IN_PROGRESS, submitter=unit.staff)
    client = Client(raise_request_exception=False)
    client.force_login(unit.staff)

    response = client.post(action_url(finding, "submit"), follow=True)

    assert response.status_code == 200
    assert "已提交销号" in response.content.decode()
    assert LedgerEntry.objects.filter(finding=finding, kind="submission").count() == 1
    assert "could not email leader@example.org" in caplog.text


def test_subjects_are_one_line_without_control_characters_and_cut_with_an_ellipsis():
    assert subject_line("甲\n乙\r\n丙\t丁\u2028戊\x00己\x0b庚") == "甲 乙 丙 丁 戊 己 庚"
    assert subject_line("  多个   空格  ") == "多个 空格"
    long = subject_line("问" * 500)
    assert len(long) == 120 and long.endswith("…")


def test_a_reminder_that_cannot_be_sent_is_logged_not_recorded_and_the_others_still_go(
    unit, caplog, monkeypatch
):
    today = timezone.localdate()
    for person in ("staff", "leader"):
        user = getattr(unit, person)
        user.email = f"{person}@example.org"
        user.save()
    finding = unit.add_findings(1)[0]
    finding.deadline = today - timedelta(days=1)
    finding.save()
    sent_to = []

    def flaky_send(subject, body, from_email, recipients):
        if recipients == ["staff@example.org"]:
            raise ValueError("the mail backend refused the message")
        sent_to.extend(recipients)

    monkeypatch.setattr("rectify.mail.send_mail", flaky_send)

    counts = send_reminders(today=today)

    assert counts["failed"] == 1 and counts["sent"] == 1
    assert sent_to == ["leader@example.org"]
    assert list(ReminderSent.objects.values_list("recipient__username", flat=True)) == ["u-leader"]
    assert "could not email staff@example.org" in caplog.text

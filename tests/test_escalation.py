"""三色 escalation through the daily reminders: who hears of an open finding at each
threshold, one digest per person per day, in the app and by email."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ledger.models import ReminderSent
from ledger.reminders import send_reminders
from ledger.selectors import reminders


def _due_in(unit, days, statement):
    finding = unit.add_findings(1, deadline=timezone.localdate() + timedelta(days=days))[0]
    finding.statement = statement
    finding.save()
    return finding


def _heard(today=None):
    """{person's display name: sorted statements they hear of}."""
    return {
        str(r.user): sorted(f.statement for f in r.overdue + r.due_soon)
        for r in reminders(today or timezone.localdate())
    }


@pytest.mark.parametrize(
    ("days", "who"),
    [
        (25, set()),
        (20, {"办公室干事"}),
        (15, {"办公室干事"}),
        (10, {"办公室干事", "副书记"}),
        (0, {"办公室干事", "副书记"}),
        (-1, {"办公室干事", "副书记", "书记", "巡察办主任"}),
    ],
)
def test_each_threshold_adds_its_recipients(unit, district, days, who):
    _due_in(unit, days, "问题甲")
    assert {name for name, statements in _heard().items() if "问题甲" in statements} == who


def test_the_offices_read_only_members_and_other_offices_hear_nothing(
    unit, district, other_district
):
    _due_in(unit, -3, "逾期问题")
    heard = _heard()
    assert "巡察办干事" not in heard  # district.clerk: oversight only
    assert all(r.user != other_district.director for r in reminders(timezone.localdate()))


def test_thresholds_are_the_offices_own(unit, district):
    district.office.green_days, district.office.yellow_days = 30, 5
    district.office.save()
    _due_in(unit, 28, "二十八天")
    _due_in(unit, 8, "八天")
    _due_in(unit, 4, "四天")
    heard = _heard()
    assert heard["办公室干事"] == ["二十八天", "八天", "四天"]
    assert heard["副书记"] == ["四天"]


def test_a_unit_outside_any_round_keeps_its_own_rule(unit, settings):
    settings.REMINDER_DUE_SOON_DAYS = 10
    _due_in(unit, 15, "十五天")
    _due_in(unit, -2, "逾期")
    heard = _heard()
    assert heard["办公室干事"] == ["逾期"]
    assert heard["副书记"] == ["逾期"]
    assert "书记" not in heard


def test_one_digest_per_person_per_day_by_email_and_in_the_app(client, unit, district):
    unit.staff.email = "staff@example.org"
    unit.staff.save()
    district.director.email = "office@example.org"
    district.director.save()
    _due_in(unit, -2, "逾期问题")
    _due_in(unit, 5, "五天后到期")
    today = timezone.localdate()

    counts = send_reminders(today=today)
    # the leader and the principal have no email address
    assert counts == {"sent": 2, "already": 0, "no_email": 2, "failed": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["office@example.org", "staff@example.org"]
    office_mail = next(m for m in mail.outbox if m.to == ["office@example.org"]).body
    assert "已逾期（1项）" in office_mail and "五天后到期" not in office_mail

    # the principal has no email address: the digest waits on 我的工作
    client.force_login(unit.principal)
    digest = client.get(reverse("ledger:my_work")).context["work"].digest
    assert "逾期问题" in digest.body

    again = send_reminders(today=today)
    assert again == {"sent": 0, "already": 4, "no_email": 0, "failed": 0}
    assert len(mail.outbox) == 2
    assert ReminderSent.objects.count() == 4

    send_reminders(today=today + timedelta(days=1))
    assert ReminderSent.objects.count() == 8

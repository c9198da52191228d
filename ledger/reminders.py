"""The daily reminder email: one per person, at most once a day."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from rectify.mail import send_logged

from .models import ReminderSent
from .selectors import reminders


def _line(finding):
    url = settings.SITE_URL.rstrip("/") + reverse(
        "findings:finding_detail", args=[finding.area.inspection.code, finding.pk]
    )
    deadline = f"{finding.deadline:%Y-%m-%d}" if finding.deadline else finding.get_kind_display()
    return (
        f"- {finding.area.inspection.title} {finding.area.position}.{finding.number} "
        f"{finding.statement[:60]}（整改时限：{deadline}，{finding.get_status_display()}）\n  {url}"
    )


def reminder_body(reminder):
    sections = [
        ("已逾期", reminder.overdue),
        ("即将到期", reminder.due_soon),
        ("待您销号", reminder.awaiting),
    ]
    parts = [f"{reminder.user}，您好："]
    for title, findings in sections:
        if findings:
            parts.append(f"{title}（{len(findings)}项）：\n" + "\n".join(map(_line, findings)))
    return "\n\n".join(parts)


def send_reminders(*, today):
    """Today's digests: kept for 我的工作 and emailed to those with an address; returns
    counts: sent (by email), already (done today), no_email (in the app only), failed.

    A reminder that could not be emailed is not recorded, so the next run tries it again.
    """
    counts = {"sent": 0, "already": 0, "no_email": 0, "failed": 0}
    already = set(ReminderSent.objects.filter(sent_on=today).values_list("recipient_id", flat=True))
    for reminder in reminders(today):
        user = reminder.user
        if user.pk in already:
            counts["already"] += 1
            continue
        body = reminder_body(reminder)
        sent = True
        try:
            with transaction.atomic():
                # Recorded first: a concurrent run that loses the race sends nothing.
                ReminderSent.objects.create(recipient=user, sent_on=today, body=body)
                if user.email:
                    sent = send_logged(
                        subject=f"整改提醒（{today:%Y-%m-%d}）",
                        body=body,
                        address=user.email,
                        about=f"the reminders of {today:%Y-%m-%d}",
                    )
                    if not sent:
                        transaction.set_rollback(True)
        except IntegrityError:
            counts["already"] += 1
            continue
        if not user.email:
            counts["no_email"] += 1
        else:
            counts["sent" if sent else "failed"] += 1
    return counts

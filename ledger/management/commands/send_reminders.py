from django.core.management.base import BaseCommand
from django.utils import timezone

from ledger import reminders


class Command(BaseCommand):
    help = (
        "Email each person their overdue and due-soon findings and the findings awaiting "
        "their sign-off; once a day (a second run the same day sends nothing new)."
    )

    def handle(self, *args, **options):
        counts = reminders.send_reminders(today=timezone.localdate())
        self.stdout.write(
            "Reminders: {sent} sent, {already} already sent today, "
            "{no_email} people without an email address, {failed} failed (see the log; "
            "the next run tries them again).".format(**counts)
        )

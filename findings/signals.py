"""Signals of the findings layer, for the apps above it.

`co_responsible_added` is sent (inside the writing transaction) by whatever makes people
co-responsible on findings: `added` is {finding id: {user id}} of the people newly
named, `by` who did it (None: the system). The ledger tells those people
(ledger.services.co_responsible_notify); findings itself imports no app above it.
"""

from django.dispatch import Signal
from django.utils import timezone

co_responsible_added = Signal()


def record_last_login(sender, user, **kwargs):
    type(user).objects.filter(pk=user.pk).update(last_login=timezone.now())

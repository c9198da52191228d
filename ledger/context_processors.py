"""The unread-notifications count in the header of every page (one query, only when a
template shows it: the header of base.html, for a logged-in user)."""

from functools import cache

from .models import Notification


def unread_notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def count():
        # served by the partial index ledger_notification_unread_idx
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {"unread_notifications": count}

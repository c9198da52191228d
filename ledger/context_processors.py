"""The unread-notifications count in the header of every page (one query, only when a
template shows it: the header of base.html, for a logged-in user)."""

from functools import cache

from .models import Notification


def unread_notifications(request):
    # Lazy through and through: a page that never shows the count (the 503 page, while the
    # database is away) must not even load the user.
    @cache
    def count():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        # served by the partial index ledger_notification_unread_idx
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {"unread_notifications": count}

"""Login records: every login, logout and failed login, kept with the audit trail."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Kept at least six months (等保 2.0: logs kept no less than 6 months); the database
# trigger (migration 0002) refuses to delete a younger record.
KEPT_DAYS = 183


class LoginKind(models.TextChoices):
    LOGIN = "login", _("logged in")
    LOGOUT = "logout", _("logged out")
    FAILED = "failed", _("failed login")


class LoginRecord(models.Model):
    """One login event; written once by rectify.services.record_login, never changed."""

    KEPT_DAYS = KEPT_DAYS

    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=10, choices=LoginKind.choices)
    # The account, when the username names one; the username as typed in any case.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="login_records",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("login record")
        verbose_name_plural = _("login records")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=LoginKind.values), name="rectify_loginrecord_kind_valid"
            ),
        ]
        indexes = [
            # the audit administrator's list, newest first; pruning by age
            models.Index(fields=["-at"], name="rectify_loginrecord_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} · {self.get_kind_display()} · {self.username}"

    @staticmethod
    def deletable_before():
        """Records older than this may be pruned; younger ones never."""
        return timezone.now() - timedelta(days=KEPT_DAYS)

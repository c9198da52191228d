"""The password hashes a person used before, for the reuse rule (PASSWORD_HISTORY_COUNT)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PasswordHistory(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="password_history",
        verbose_name=_("user"),
    )
    # The hash, exactly as User.password stored it; never the password itself.
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        ordering = ["-created_at", "-id"]
        # Serves the reuse check: the latest N of one user.
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_pwhistory_latest")]

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"

"""The password hashes a person used before, for the reuse rule (PASSWORD_HISTORY_COUNT),
and the first-login links of people created without a password."""

import uuid

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


class FirstLoginLink(models.Model):
    """The way in of a person created without a password (a name in an imported ledger).

    The link carries this row's id, signed (accounts.services.first_login_url); it works
    until `expires_at`, once: setting the password uses it (`used_at`), and a newer link
    for the same person replaces it. The principal sees and copies it; it is emailed
    where the person has an address.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="first_login_links",
        verbose_name=_("user"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("first-login link")
        verbose_name_plural = _("first-login links")
        ordering = ["-created_at"]
        # Serves the check that a link is the person's latest.
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_firstlogin_latest")]

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"

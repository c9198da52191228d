"""Writes on a person's own account: password, second factor, recovery codes."""

import unicodedata
from math import ceil

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import VerifyNotAllowed
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rectify.posted import as_number

from .models import PasswordHistory

RECOVERY_CODE_COUNT = 10
TOTP_DIGITS = 6


class AccountError(Exception):
    """A refused change, with the message to show."""


def password_history_record(*, user):
    """Keep the hash the user has just been saved with; drop what the rule no longer needs."""
    keep = settings.PASSWORD_HISTORY_COUNT
    if user is None or user.pk is None or not user.has_usable_password():
        return
    with transaction.atomic():
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = user.password_history.order_by("-created_at", "-id").values_list("pk", flat=True)[
            max(keep, 1) :
        ]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def password_change(*, user, password):
    """The user chooses a new password (already validated): it is no longer temporary.

    Every other session of the user ends, since the session hash follows the password;
    the caller keeps the current one with update_session_auth_hash.
    """
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.must_change_password = False
        locked._change_reason = "修改本人密码"
        locked.save()
    user.password = locked.password
    user.password_changed_at = locked.password_changed_at
    user.must_change_password = False
    return locked


def new_totp_key():
    return TOTPDevice._meta.get_field("key").default()


def _new_recovery_codes(device):
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _position in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def otp_enrol(*, user, key, token):
    """Bind the authenticator app that shows `token` for `key`; new recovery codes.

    Replaces an earlier authenticator. Returns the device and the recovery codes, to
    be shown once (django-otp's static plugin stores them as they are, like the key).
    """
    totp = TOTP(bytes.fromhex(key), digits=TOTP_DIGITS)
    token = _clean(token)
    number = as_number(token)
    if number is None or not totp.verify(number, tolerance=1):
        raise AccountError(
            _("The code is not correct: enter the 6 digits the app shows now for this account.")
        )
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=user.pk)
        TOTPDevice.objects.filter(user=user).delete()
        # last_t: the code just typed cannot be used again to log in.
        device = TOTPDevice.objects.create(
            user=user, name=_("Authenticator app"), key=key, confirmed=True, last_t=totp.t()
        )
        static, _created = StaticDevice.objects.get_or_create(
            user=user, defaults={"name": _("Recovery codes"), "confirmed": True}
        )
        codes = _new_recovery_codes(static)
    return device, codes


def recovery_codes_regenerate(*, user):
    """New recovery codes for a user with an authenticator; the old ones stop working."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=user.pk)
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise AccountError(_("Set up the authenticator app first."))
        static, _created = StaticDevice.objects.get_or_create(
            user=user, defaults={"name": _("Recovery codes"), "confirmed": True}
        )
        return _new_recovery_codes(static)


def _clean(token):
    """The code as typed, without spaces, in lower case; full-width characters (a Chinese
    input method's) read as the ASCII ones they stand for (NFKC)."""
    return "".join(unicodedata.normalize("NFKC", token or "").split()).lower()


def second_factor_verify(*, user, token):
    """The device that accepts `token`: six digits from the app, or a recovery code.

    A recovery code is used up. Failures are counted per device (django-otp's throttle:
    each one doubles the wait), and are kept even though the request is refused.
    """
    token = _clean(token)
    is_totp = len(token) == TOTP_DIGITS and as_number(token) is not None
    model = TOTPDevice if is_totp else StaticDevice
    refusal = None
    with transaction.atomic():
        device = model.objects.devices_for_user(user).select_for_update().first()
        if device is None or not token:
            refusal = _("The code is not correct.")
        else:
            allowed, extra = device.verify_is_allowed()
            if not allowed:
                refusal = _throttle_message(extra)
            elif not device.verify_token(token):
                refusal = _("The code is not correct.")
    if refusal:
        raise AccountError(refusal)
    return device


def _throttle_message(extra):
    if extra.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS and extra.get("locked_until"):
        seconds = max(1, ceil((extra["locked_until"] - timezone.now()).total_seconds()))
        return _("Too many wrong codes: try again in %(seconds)d seconds.") % {"seconds": seconds}
    return _("Too many wrong codes: try again later.")

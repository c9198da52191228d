"""Password policy validators; each reads its setting when a password is checked.

Listed in AUTH_PASSWORD_VALIDATORS, so every form that sets a password (the change
page, the admin's forms, createsuperuser) applies them.
"""

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the length from PASSWORD_MIN_LENGTH."""

    def __init__(self):
        pass

    @property
    def min_length(self):
        return settings.PASSWORD_MIN_LENGTH

    def get_error_message(self):
        # Django's own message has no Chinese translation (its catalogue lags its msgid).
        return ngettext(
            "This password is too short: it must have at least %(min_length)d character.",
            "This password is too short: it must have at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


def character_classes(password):
    """How many of upper case, lower case, digits and symbols the password contains."""
    found = set()
    for char in password:
        if "A" <= char <= "Z":
            found.add("upper")
        elif "a" <= char <= "z":
            found.add("lower")
        elif char.isdigit():
            found.add("digit")
        else:
            found.add("symbol")
    return len(found)


class CharacterClassesValidator:
    """At least PASSWORD_MIN_CLASSES of: upper case, lower case, digits, symbols."""

    def validate(self, password, user=None):
        required = settings.PASSWORD_MIN_CLASSES
        if character_classes(password) < required:
            raise ValidationError(
                ngettext(
                    "The password must contain at least %(count)d of these: upper-case "
                    "letters, lower-case letters, digits, symbols.",
                    "The password must contain at least %(count)d of these: upper-case "
                    "letters, lower-case letters, digits, symbols.",
                    required,
                )
                % {"count": required},
                code="password_too_few_classes",
            )

    def get_help_text(self):
        required = settings.PASSWORD_MIN_CLASSES
        return ngettext(
            "Your password must contain at least %(count)d of these: upper-case letters, "
            "lower-case letters, digits, symbols.",
            "Your password must contain at least %(count)d of these: upper-case letters, "
            "lower-case letters, digits, symbols.",
            required,
        ) % {"count": required}


class PasswordHistoryValidator:
    """Not one of the person's last PASSWORD_HISTORY_COUNT passwords (the current included).

    Each new password's hash is kept in accounts.PasswordHistory by `password_changed`,
    which Django calls once the user with the new password has been saved.
    """

    def validate(self, password, user=None):
        count = settings.PASSWORD_HISTORY_COUNT
        if not count or user is None or user.pk is None:
            return
        hashes = list(
            user.password_history.order_by("-created_at", "-id").values_list("password", flat=True)[
                :count
            ]
        )
        # A password set before the history was kept is still the current one.
        if user.password and user.password not in hashes:
            hashes = [user.password, *hashes][:count]
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                ngettext(
                    "This password was used before: choose one that differs from your "
                    "last password.",
                    "This password was used before: choose one that differs from your "
                    "last %(count)d passwords.",
                    count,
                )
                % {"count": count},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        from .services import password_history_record

        password_history_record(user=user)

    def get_help_text(self):
        count = settings.PASSWORD_HISTORY_COUNT
        if not count:
            return ""
        return ngettext(
            "Your password cannot be your last password.",
            "Your password cannot be one of your last %(count)d passwords.",
            count,
        ) % {"count": count}

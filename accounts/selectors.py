"""Reads about a person's own account."""

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

ADMIN_ROLE = "admin"


def account_roles(user):
    """The roles a user holds: their membership roles, and "admin" for administrators
    (the three of 三员分立, staff, superusers)."""
    roles = set(user.memberships.values_list("role", flat=True))
    if user.is_staff or user.is_superuser or user.admin_role:
        roles.add(ADMIN_ROLE)
    return roles


def otp_required(user):
    """Whether OTP_REQUIRED_ROLES makes a second factor compulsory for this user."""
    required = set(settings.OTP_REQUIRED_ROLES)
    return bool(required) and bool(account_roles(user) & required)


def authenticator_for(user):
    """The user's confirmed authenticator app, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()

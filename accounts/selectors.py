"""Reads about a person's own account."""

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from findings.models import OfficeMembership

ADMIN_ROLE = "admin"
# Every member of an inspection office; "office:<role>" names one office role.
OFFICE_ROLE = "office"


def account_roles(user):
    """The roles a user holds: their membership roles; "office" and "office:supervisor"
    or "office:oversight" for members of an inspection office; "admin" for
    administrators (the three of 三员分立, staff, superusers)."""
    roles = set(user.memberships.values_list("role", flat=True))
    office_roles = set(OfficeMembership.objects.filter(user=user).values_list("role", flat=True))
    if office_roles:
        roles |= {OFFICE_ROLE, *(f"{OFFICE_ROLE}:{role}" for role in office_roles)}
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

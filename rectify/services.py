"""Writes of the project app: login records."""

import ipaddress

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import LoginRecord
from .security import client_ip

USER_AGENT_LENGTH = LoginRecord._meta.get_field("user_agent").max_length
USERNAME_LENGTH = LoginRecord._meta.get_field("username").max_length


@transaction.atomic
def record_login(*, kind, request, user=None, username=""):
    """Append one login record: who (account and/or username typed), from where, when."""
    if user is None and username:
        user = get_user_model().objects.filter(username=username[:USERNAME_LENGTH]).first()
    meta = request.META if request is not None else {}
    return LoginRecord.objects.create(
        kind=kind,
        user=user,
        username=(user.get_username() if user is not None else username)[:USERNAME_LENGTH],
        address=_address(request),
        user_agent=meta.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
    )


def _address(request):
    address = client_ip(request) if request is not None else None
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None  # a proxy sending something else than an address: not stored

"""Login, logout and failed login → a login record (rectify.services.record_login)."""

from .models import LoginKind
from .services import record_login


def on_logged_in(sender, request, user, **kwargs):
    record_login(kind=LoginKind.LOGIN, request=request, user=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:  # logging out without being logged in is no event
        record_login(kind=LoginKind.LOGOUT, request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username") or ""
    record_login(kind=LoginKind.FAILED, request=request, username=str(username))

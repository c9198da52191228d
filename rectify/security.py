"""Login throttling helpers for django-axes (see AXES_* in settings)."""

from math import ceil

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


def client_ip(request):
    """The address to throttle: the client's, also behind the reverse proxy.

    Behind the proxy REMOTE_ADDR is the proxy itself; the proxy appends the address it
    saw to X-Forwarded-For, so the last entry is the one that can be trusted.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, saying the account is locked and for how long."""
    cool_off = get_cool_off(request)
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {
        "form": form,
        "locked_out": True,
        "lockout_minutes": ceil(cool_off.total_seconds() / 60) if cool_off else None,
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    return render(
        request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )

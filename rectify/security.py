"""Login throttling helpers for django-axes (see AXES_* in settings)."""

from math import ceil

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone


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


def address_failures(request):
    """Failed logins from the request's address within the cool-off, over every username."""
    attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
    cool_off = get_cool_off(request)
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class AddressLimitHandler(AxesDatabaseHandler):
    """django-axes' database handler that also locks an address across usernames.

    Axes compares one failure limit with the worst of its lockout parameters, so it
    cannot lock (username, address) after 5 failures and the address alone after a
    higher number. Password spraying (a few guesses at many usernames) is stopped here:
    once LOGIN_ADDRESS_FAILURE_LIMIT failures came from one address, that address counts
    as locked for every username, until the cool-off has passed since its last failure.
    """

    def get_failures(self, request, credentials=None):
        failures = super().get_failures(request, credentials)
        if address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            request.rectify_address_locked = True
            return max(failures, get_failure_limit(request, credentials))
        return failures


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, saying the account is locked and for how long."""
    cool_off = get_cool_off(request)
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {
        "form": form,
        "locked_out": True,
        "address_locked": getattr(request, "rectify_address_locked", False),
        "lockout_minutes": ceil(cool_off.total_seconds() / 60) if cool_off else None,
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    return render(
        request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )

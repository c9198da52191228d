from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import gate, members, selectors, services
from .forms import CodeForm, ReplaceAuthenticatorForm

SETUP_KEY = "_accounts_totp_setup_key"
NEW_CODES_KEY = "_accounts_new_recovery_codes"


def _next_or_home(request):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


@login_required
def account(request):
    user = request.user
    context = {
        "authenticator": selectors.authenticator_for(user),
        "codes_left": selectors.recovery_codes_left(user),
        "otp_required": selectors.otp_required(user),
        # Recovery codes are shown once, on the page right after they were made.
        "new_codes": request.session.pop(NEW_CODES_KEY, None),
    }
    return render(request, "accounts/account.html", context)


@login_required
def password_change(request):
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(user=user, password=form.cleaned_data["new_password1"])
        # This session goes on; every other session of the user ends with the old hash.
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect(_next_or_home(request))
    context = {
        "form": form,
        "forced": user.password_change_required(),
        "temporary": user.must_change_password,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "accounts/password_change.html", context)


def _setup_device(request):
    """The authenticator being set up: its key lives in the session until confirmed."""
    key = request.session.get(SETUP_KEY)
    if not key:
        key = request.session[SETUP_KEY] = services.new_totp_key()
    return TOTPDevice(user=request.user, key=key)


@login_required
def otp_setup(request):
    device = _setup_device(request)
    replacing = selectors.authenticator_for(request.user) is not None
    if replacing:
        form = ReplaceAuthenticatorForm(request.POST or None, user=request.user)
    else:
        form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed, codes = services.otp_enrol(
                user=request.user, key=device.key, token=form.cleaned_data["code"]
            )
        except services.AccountError as error:
            form.add_error("code", str(error))
        else:
            otp_login(request, confirmed)
            request.session.pop(SETUP_KEY)
            request.session[NEW_CODES_KEY] = codes
            gate.finish_second_factor(request)
            messages.success(request, _("Two-step verification is on."))
            return redirect("accounts:account")
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr_svg": mark_safe(qr.svg_inline(scale=4, border=4, light="#fff", title=_("QR code"))),
        "secret": " ".join(_group(device)),
        "replacing": replacing,
        "required": gate.pending_step(request) == gate.ENROL,
    }
    return render(request, "accounts/otp_setup.html", context)


def _group(device):
    secret = b32encode(device.bin_key).decode()
    return [secret[i : i + 4] for i in range(0, len(secret), 4)]


@login_required
def otp_verify(request):
    if gate.pending_step(request) != gate.VERIFY:
        return redirect(_next_or_home(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_verify(
                user=request.user, token=form.cleaned_data["code"]
            )
        except services.AccountError as error:
            form.add_error("code", str(error))
        else:
            request.session.cycle_key()
            otp_login(request, device)
            gate.finish_second_factor(request)
            if isinstance(device, StaticDevice):
                left = selectors.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    _("You used a recovery code: %(left)d left.") % {"left": left},
                )
            return redirect(_next_or_home(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "accounts/otp_verify.html", context)


@login_required
@require_POST
def recovery_codes(request):
    try:
        codes = services.recovery_codes_regenerate(user=request.user)
    except services.AccountError as error:
        raise Http404(str(error)) from error
    request.session[NEW_CODES_KEY] = codes
    messages.success(request, _("New recovery codes: the earlier ones no longer work."))
    return redirect("accounts:account")


def first_login(request, token):
    """A person added without a password chooses one through their link (no login)."""
    link = members.first_login_link_for(token)
    state = "invalid"
    if link is not None:
        state = members.link_state(link, replaced=members.is_replaced(link))
    form = None
    if state == "valid":
        form = SetPasswordForm(link.user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                members.first_login_complete(link=link, password=form.cleaned_data["new_password1"])
            except members.MemberError as error:
                state, form = "refused", None
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("Your password is set. Log in with your login name and it.")
                )
                return redirect(settings.LOGIN_URL)
    context = {
        "state": state,
        "form": form,
        "person": link.user if link is not None else None,
        "message": members.STATE_MESSAGES[state]() if state in members.STATE_MESSAGES else "",
    }
    status = 200 if state in ("valid", "refused") else 410 if link is not None else 404
    return render(request, "accounts/first_login.html", context, status=status)

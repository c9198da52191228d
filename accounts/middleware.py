from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from . import gate

# Always reachable, whatever is pending: leaving, and choosing the language.
OPEN_URL_NAMES = ["logout", "set_language"]


class AccountGateMiddleware:
    """Send a logged-in user to the step they owe before any other page.

    In order: the second factor (their authenticator is set up), a new password (an
    administrator set a temporary one, or it is older than PASSWORD_MAX_AGE_DAYS), the
    authenticator set-up (their role requires one). The page of the step itself and
    OPEN_URL_NAMES stay reachable; static files are served before this runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        target = self.pending(request)
        if target and request.path != target:
            if request.path in {reverse(name) for name in OPEN_URL_NAMES}:
                return self.get_response(request)
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return redirect(f"{target}?{query}" if query else target)
        return self.get_response(request)

    @staticmethod
    def pending(request):
        user = request.user
        if not user.is_authenticated:
            return None
        step = gate.pending_step(request)
        if step == gate.VERIFY:
            return reverse("accounts:otp_verify")
        if user.password_change_required():
            return reverse("accounts:password_change")
        if step == gate.ENROL:
            return reverse("accounts:otp_setup")
        return None

"""What a person must do before using the app, kept in the session from login on.

At login (every way of logging in sends user_logged_in) the session records whether
the user must give a second factor (they have an authenticator) or set one up (their
role requires it and they have none). AccountGateMiddleware then sends them to that
page, and to the password change page while their password is temporary or too old,
for every request until it is done.
"""

from .selectors import authenticator_for, otp_required

SESSION_KEY = "_accounts_second_factor"
VERIFY = "verify"
ENROL = "enrol"


def start_second_factor(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if authenticator_for(user) is not None:
        request.session[SESSION_KEY] = VERIFY
    elif otp_required(user):
        request.session[SESSION_KEY] = ENROL
    else:
        request.session.pop(SESSION_KEY, None)


def pending_step(request):
    return request.session.get(SESSION_KEY)


def finish_second_factor(request):
    request.session.pop(SESSION_KEY, None)

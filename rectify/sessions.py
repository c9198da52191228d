"""Sessions end after SESSION_COOKIE_AGE seconds without a request.

Django's SESSION_SAVE_EVERY_REQUEST would write the session on every request; this
renews it at most once every RENEW_EVERY seconds instead, which ends a session at most
that much earlier and keeps page views free of session writes.
"""

import time

RENEW_EVERY = 60
KEY = "_rectify_renewed"


def mark_renewed(sender, request, user, **kwargs):
    """At login: the session has just been written with a fresh expiry."""
    request.session[KEY] = int(time.time())


class RenewSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only existing sessions (a cookie came in and was not flushed by a logout);
        # `accessed` avoids loading one that the request never needed. Like Django's
        # SessionMiddleware, leave the session alone after a server error (the database
        # may be away).
        if (
            session is not None
            and session.session_key
            and session.accessed
            and response.status_code < 500
        ):
            now = int(time.time())
            if not session.is_empty() and now - session.get(KEY, 0) >= RENEW_EVERY:
                session[KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        return response

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views import defaults

logger = logging.getLogger(__name__)


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose another language with the language switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on
    many office machines is English even where everyone reads Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class PrivateNoStoreMiddleware:
    """No cache may keep what a signed-in person was shown: pages, exports, evidence files.

    Every response to a request carrying a session cookie gets `Cache-Control: no-store`
    (and Django's other never-cache headers), so a shared proxy or the browser's cache on
    an office computer keeps no copy. Decided from the cookie, not from request.user: it
    needs no database, so it holds for the 503 page too. Static files (whitenoise) and
    the public notice for visitors without a session stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            add_never_cache_headers(response)
        return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with a plain error page when the database cannot be reached.

    The request's transaction (if any) has been rolled back by then, so nothing it
    started is left half-written; the next request reconnects
    (CONN_HEALTH_CHECKS drops the broken connection first).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return _unavailable(request, exception)


def _unavailable(request, exception):
    logger.error("Database unavailable: %s", exception, exc_info=exception)
    response = render(request, "503.html", status=503)
    response["Retry-After"] = "30"
    return response


def server_error(request):
    """handler500: the 503 page when the error is the database being away, else the 500 page.

    DatabaseUnavailableMiddleware sees only what the view raises; a middleware that reads
    the database (the session, the user, the account gate) raises before or after the
    view, and Django turns that into this handler's response.
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return _unavailable(request, exception)
    return defaults.server_error(request)

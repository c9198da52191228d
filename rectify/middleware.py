import logging

from django.db import InterfaceError, OperationalError
from django.shortcuts import render

logger = logging.getLogger(__name__)


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
        logger.error("Database unavailable: %s", exception, exc_info=exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"
        return response

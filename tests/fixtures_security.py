"""Loaded for every test run (by the root conftest.py).

When DEBUG is off, as in the tests, the settings default to production security. The
test client and the live server speak plain HTTP, so the HTTPS-only settings are off
here, for the whole session: the live server reads them once, when it starts. django-
axes is off because `client.login()` authenticates without a request, which axes
refuses; tests/test_security_login.py turns it back on.
"""

import pytest
from django.conf import settings


@pytest.fixture(autouse=True, scope="session")
def _plain_http():
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def _no_login_throttling(settings):
    settings.AXES_ENABLED = False

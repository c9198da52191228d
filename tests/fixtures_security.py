"""Loaded for every test run (pyproject: `-p tests.fixtures_security`).

When DEBUG is off, as in the tests, the settings default to production security. The
test client and the live server speak plain HTTP, so the HTTPS-only settings are off
(HTTPS=0, set here before Django reads its settings: the live server's middleware reads
them once, when it starts). django-axes is off because `client.login()` authenticates
without a request, which axes refuses; tests/test_security_login.py turns it back on.
"""

import os

import pytest

os.environ.setdefault("HTTPS", "0")


@pytest.fixture(autouse=True)
def _no_login_throttling(settings):
    settings.AXES_ENABLED = False

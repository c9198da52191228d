"""Root conftest: loaded first, however the tests are started.

`make test`, a plain `pytest` and a single test file all come through here, so the
translations are compiled here, before Django loads any catalogue: the `.mo` files are
build output (ignored by git) and a stale or missing one would show English where the
tests expect Chinese. Compiling here rather than committing the `.mo` files keeps
binary build output out of the history and out of merges.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

# Fixtures every test needs, whatever folder it is in (see the module's docstring).
pytest_plugins = ["tests.fixtures_security", "tests.fixtures_storage"]

ROOT = Path(__file__).resolve().parent


def _stale_catalogues():
    for po in sorted(ROOT.glob("*/locale/*/LC_MESSAGES/*.po")) + sorted(
        ROOT.glob("locale/*/LC_MESSAGES/*.po")
    ):
        if ".venv" in po.parts:
            continue
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            yield po, mo


def pytest_configure(config):
    stale = list(_stale_catalogues())
    if not stale:
        return
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise pytest.UsageError("msgfmt (Debian package gettext) is missing: run `make setup`.")
    for po, mo in stale:
        subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], check=True)
    # pytest-django has set Django up already; drop any catalogue read before this:
    # Django's (through the signal) and the gettext module's own cache of .mo files by
    # path, which would otherwise keep serving a catalogue read before it was compiled.
    import gettext

    from django.test.signals import setting_changed

    gettext._translations.clear()

    setting_changed.send(sender=None, setting="LOCALE_PATHS", value=None, enter=False)

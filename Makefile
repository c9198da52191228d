# The two commands: `make run` serves the app with the demo data, `make test` runs every test.
# Both set up everything first: Debian packages (fonts, Chromium), the virtualenv, translations.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
MANAGE := DEBUG=$${DEBUG:-1} $(PY) manage.py
# CJK fonts and HarfBuzz subsetting for WeasyPrint, Chromium for browser tests,
# poppler for PDF checks, gettext for translations.
DEBIAN_PACKAGES := fonts-noto-cjk fonts-arphic-ukai fonts-lxgw-wenkai libharfbuzz-subset0 \
	libpango-1.0-0 libpangoft2-1.0-0 chromium poppler-utils gettext
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup debian-packages messages

run: setup
	$(MANAGE) prepare_database
	$(MANAGE) migrate --no-input
	$(MANAGE) load_demo --with-work
	@echo "Rectify is at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) prepare_database
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run
	SECRET_KEY=$${SECRET_KEY:-insecure-test-key} $(PY) -m pytest $(PYTEST_ARGS)

setup: debian-packages $(STAMP) messages

debian-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# pyproject.toml keeps the ranges; constraints.txt pins the exact versions that passed.
$(STAMP): pyproject.toml constraints.txt
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

messages: $(STAMP)
	@DEBUG=1 $(PY) manage.py compilemessages -v0 --ignore=.venv

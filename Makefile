# The two commands: `make run` serves the app with the demo data (and its task worker),
# `make test` runs every test.
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
# The free 仿宋, 黑体, 楷体 and 宋体 faces (Fandol, GPL with the font exception) live in
# texlive-lang-chinese; only its OpenType files are extracted, TeX itself is not installed.
FANDOL_DIR := /usr/local/share/fonts/fandol
FANDOL_FACES := FandolFang-Regular FandolHei-Regular FandolHei-Bold FandolKai-Regular \
	FandolSong-Regular FandolSong-Bold
FANDOL_PACKAGE := texlive-lang-chinese
FANDOL_PATH := usr/share/texlive/texmf-dist/fonts/opentype/public/fandol

.PHONY: run test setup debian-packages fonts messages

run: setup
	$(MANAGE) prepare_database
	$(MANAGE) migrate --no-input
	$(MANAGE) load_demo --with-work
	@echo "Rectify is at http://127.0.0.1:$(PORT)/ with a task worker beside it (Ctrl-C stops both)"
	@# The worker runs imports, publishing and large exports; it stops with the server,
	@# on Ctrl-C or SIGTERM to the process group, or when the server exits.
	@$(MANAGE) db_worker --no-reload --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) prepare_database
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run
	SECRET_KEY=$${SECRET_KEY:-insecure-test-key} $(PY) -m pytest $(PYTEST_ARGS)

setup: debian-packages fonts $(STAMP) messages

debian-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

fonts: $(FANDOL_FACES:%=$(FANDOL_DIR)/%.otf)

$(FANDOL_FACES:%=$(FANDOL_DIR)/%.otf) &:
	@echo "Extracting the Fandol faces from $(FANDOL_PACKAGE) into $(FANDOL_DIR)"
	@tmp=$$(mktemp -d) && chmod 755 $$tmp && cd $$tmp && \
	{ apt-get download -qq $(FANDOL_PACKAGE) 2>/dev/null || \
		{ $(SUDO) apt-get update -qq && apt-get download -qq $(FANDOL_PACKAGE); }; } && \
	dpkg-deb -x $(FANDOL_PACKAGE)_*.deb root && \
	$(SUDO) install -d $(FANDOL_DIR) && \
	$(SUDO) install -m 644 $(FANDOL_FACES:%=root/$(FANDOL_PATH)/%.otf) $(FANDOL_DIR)/ && \
	cd / && rm -rf $$tmp && fc-cache -f $(FANDOL_DIR)

# pyproject.toml keeps the ranges; constraints.txt pins the exact versions that passed.
$(STAMP): pyproject.toml constraints.txt
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

messages: $(STAMP)
	@DEBUG=1 $(PY) manage.py compilemessages -v0 --ignore=.venv

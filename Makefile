# Two entry points, each doing its own set-up on a fresh Debian/Ubuntu machine:
#   make run    system packages, .venv with briefing and the Coqui extra (torch), the Coqui
#               models when there is internet (else espeak-ng speaks), then render examples/
#   make test   the same set-up plus the dev extra, then ruff (lint, format check) and pytest
# Both are idempotent: a stamp file per set-up, redone only when pyproject.toml or the
# constraints change. Every pip install takes .ci/constraints.txt: the exact versions CI tested,
# so a fresh clone next month installs what passed here (`make constraints` rewrites it from
# the current .venv after an upgrade has passed the tests).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SYSTEM_PACKAGES := espeak-ng ffmpeg
OUTPUT := output
CONSTRAINTS := .ci/constraints.txt
PIP := $(BIN)/pip install -q -c $(CONSTRAINTS)
# The listening page's browser tests: Debian's Chromium and its driver, axe-core from npm into a
# git-ignored folder (tests/publish/test_page_browser.py reads it from there).
AXE_VERSION := 4.14.1
AXE := .tools/node_modules/axe-core/axe.min.js
# The talking book's accessibility check (tests/publish/test_epub_ace.py): DAISY Ace's Puppeteer runner
# (`ace-puppeteer`) in a folder of its own under .tools, so that neither npm install touches the
# other's tree. No browser is downloaded (Puppeteer's Chrome, Electron): the test runs it on
# Debian's Chromium, the one the listening page's browser tests use.
ACE_VERSION := 1.4.6
ACE := .tools/ace/node_modules/@daisy/ace/bin/ace-puppeteer.js

.PHONY: run test lint format docs sysdeps testdeps diskcheck bench clean constraints

run: sysdeps $(VENV)/.stamp-run
	@# Once per machine; offline it says why and the voices fall back to espeak-ng.
	$(BIN)/briefing voices --download || true
	$(BIN)/briefing speak examples/marche-lyon.md -o $(OUTPUT)/marche-lyon.mp3
	$(BIN)/briefing speak examples/orage-bretagne.txt -o $(OUTPUT)/orage-bretagne.mp3
	$(BIN)/briefing speak examples/marche-lyon.md examples/orage-bretagne.txt --title "Briefing d'exemple" --epub -o $(OUTPUT)/briefing-exemple.mp3

test: sysdeps testdeps $(VENV)/.stamp-test $(AXE) $(ACE) lint
	$(BIN)/python -m pytest

# ruff, configured in pyproject.toml: the lint rules and the formatting, checked before the tests.
lint: $(VENV)/.stamp-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Rewrites the tree in the house format and fixes what ruff can fix by itself.
format: $(VENV)/.stamp-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The documentation site (MkDocs, Material theme) into site/. `make test` builds it too, with the
# same --strict, in tests/test_docs.py: a broken link or a page missing from the nav fails.
docs: $(VENV)/.stamp-test
	$(BIN)/python -m mkdocs build --strict --site-dir site

# apt-get only for what is missing, so a second call costs a few `command -v`. g++ and the
# Python headers build pyworld (derived voices), which has no wheel for every Python.
sysdeps:
	@missing=""; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || missing="$$missing ffmpeg"; \
	command -v g++ >/dev/null || missing="$$missing g++"; \
	$(PYTHON) -c "import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
		|| missing="$$missing python3-dev"; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "installing$$missing"; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

# Only for `make test`: a headless browser and npm (for axe-core), when missing.
testdeps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/bin/chromedriver ] || missing="$$missing chromium-driver"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v epubcheck >/dev/null || missing="$$missing epubcheck"; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "installing$$missing"; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

$(AXE): | testdeps
	npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)

$(ACE): | testdeps
	PUPPETEER_SKIP_DOWNLOAD=1 ELECTRON_SKIP_BINARY_DOWNLOAD=1 \
		npm install --prefix .tools/ace --no-save --no-audit --no-fund --loglevel=error @daisy/ace@$(ACE_VERSION)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch's CUDA build with coqui-tts fills about 8.6 GB of .venv, and pip unpacks through the
# temporary folder: when torch is not there yet, stop at once with a clear line if the disk cannot
# hold it, rather than with an OSError deep into the install (CI once failed so, on a disk filled
# by old clones).
NEED_GB := 10
NEED_TMP_GB := 4
diskcheck:
	@compgen -G '$(VENV)/lib/python3*/site-packages/torch' >/dev/null && exit 0; \
	free=$$(df -Pk . | awk 'NR==2 {print int($$4 / 1048576)}'); \
	if [ "$$free" -lt $(NEED_GB) ]; then \
		echo "error: $$free GB free on the disk of $$(pwd); the set-up needs $(NEED_GB) GB (torch and coqui-tts)" >&2; \
		exit 2; \
	fi; \
	tmp=$${TMPDIR:-/tmp}; free=$$(df -Pk "$$tmp" | awk 'NR==2 {print int($$4 / 1048576)}'); \
	if [ "$$free" -lt $(NEED_TMP_GB) ]; then \
		echo "error: $$free GB free in $$tmp, where pip unpacks; it needs $(NEED_TMP_GB) GB (set TMPDIR elsewhere)" >&2; \
		exit 2; \
	fi

# torch first and pinned, so that coqui-tts cannot pull another build of it.
$(VENV)/.stamp-run: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	@$(MAKE) --no-print-directory diskcheck
	$(PIP) torch==2.9.1 torchaudio==2.9.1
	$(PIP) -e '.[coqui]'
	touch $@

$(VENV)/.stamp-test: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	@$(MAKE) --no-print-directory diskcheck
	$(PIP) torch==2.9.1 torchaudio==2.9.1
	$(PIP) -e '.[dev,coqui,ray,c2pa]'
	touch $@ $(VENV)/.stamp-run

# After upgrading a dependency in .venv and passing `make test`: record the tested versions.
constraints:
	(echo "# The versions make run and make test install: what CI tested (regenerate with make constraints)."; \
	 $(BIN)/pip freeze --exclude-editable | grep -v -i '^briefing') > $(CONSTRAINTS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .tools

# odekake — one-command set-up. `make demo` runs the main job on the embedded
# sample; `make test` runs the test suite. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
DEMO_INSTANCE ?= instance/demo
PORT ?= 8000
# Browser tests need Debian's chromium; installed only when such tests exist.
BROWSER_TESTS := $(wildcard tests/webapp/browser/test_*.py)

.PHONY: install install-bench chromium fonts test screenshots demo demo-plan serve bench lint clean

$(STAMP): setup.cfg pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) fonts $(if $(BROWSER_TESTS),chromium)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,bench]'
	touch $(BENCH_STAMP)

install-bench: $(BENCH_STAMP)

chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

# The printed stop sheet (PDF, WeasyPrint) needs a Japanese font; installed only when none is present.
fonts:
	@fc-list :lang=ja family 2>/dev/null | grep -q . || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq fontconfig fonts-ipaexfont-gothic; }

test: install
	$(BIN)/python -m pytest -q

# Run the browser tests and refresh the README's pictures in docs/screenshots/ (all of them land in build/screenshots/).
screenshots: install
	ODEKAKE_DOCS_SCREENSHOTS=1 $(BIN)/python -m pytest -q -m browser tests/webapp/browser

demo: install
	$(BIN)/odekake --instance $(DEMO_INSTANCE) demo --port $(PORT)

# serves the pages and runs planning jobs (embedded huey consumer); `odekake worker` runs jobs alone
serve: install
	$(BIN)/odekake --instance $(DEMO_INSTANCE) serve --port $(PORT)

bench: install-bench
	$(BIN)/python -m benchmarks all

lint: install
	$(BIN)/ruff check routing scheduler webapp tests benchmarks

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis

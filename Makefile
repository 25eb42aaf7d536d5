# On a fresh machine `make test` and `make demo` are all it takes: each target installs what it
# needs first (a Python venv from requirements.txt, Node packages from package-lock.json) and
# re-installs only when those files change.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

# Stamps record that an install finished; they are newer than its inputs until those change.
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: setup lint format typecheck test fuzz demo bench clean

setup: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): requirements.txt handler/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# npm prints errors only: the mock's "engines" asks for Node 22, and it runs fine on Node 20.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { \
		echo "npm not found: install Node.js 20 or newer with npm (Debian: apt-get install nodejs npm)" >&2; \
		exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(PY_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(PY_STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

typecheck: $(PY_STAMP)
	$(PY) -m mypy

test: setup lint typecheck
	HYPOTHESIS_PROFILE=ci $(PY) -m pytest $(PYTEST_ARGS)

fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -m fuzz $(PYTEST_ARGS)

demo: setup
	$(PY) -m tools.demo

bench: setup
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .mypy_cache .hypothesis

# riverbed — two commands do everything: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export AWS_REQUEST_CHECKSUM_CALCULATION ?= when_required
export AWS_RESPONSE_CHECKSUM_VALIDATION ?= when_required

.PHONY: demo test lint typecheck ui sync uv bench clean

uv:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
		$(PYTHON) -m pip install --quiet --disable-pip-version-check uv

sync: uv
	@$(UV) sync --locked --quiet

## demo: the whole pipeline, offline, on the bundled corpus served on 127.0.0.1
demo: sync
	$(UV) run --locked riverbed demo

## test: lint + format + type gates, then the whole suite
test: sync lint typecheck
	$(UV) run --locked pytest

lint: sync
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

typecheck: sync
	$(UV) run --locked mypy

## ui: Dagster webserver + daemon on this project
ui: sync
	$(UV) run --locked riverbed ui

bench: sync
	$(UV) run --locked python benchmarks/run_all.py

clean:
	rm -rf .riverbed .pytest_cache .mypy_cache .ruff_cache

# riverbed — two commands do everything: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export AWS_REQUEST_CHECKSUM_CALCULATION ?= when_required
export AWS_RESPONSE_CHECKSUM_VALIDATION ?= when_required

.PHONY: demo test lint typecheck ui sync uv bench clean ai-env

uv:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
		$(PYTHON) -m pip install --quiet --disable-pip-version-check uv

## Bytecode compiled once at install, riverbed's own too: where PYTHONDONTWRITEBYTECODE is set
## (this CI's machines) every process otherwise compiles every module it imports from source —
## `import dagster` 2 s instead of 0.7 s, `riverbed query` 1.0 s instead of 0.6 s.
sync: uv
	@$(UV) sync --locked --quiet --compile-bytecode
	@$(UV) run --locked --quiet python -m compileall -q -j 0 src

## demo: the whole pipeline, offline, on the bundled corpus served on 127.0.0.1
demo: sync
	$(UV) run --locked riverbed demo

## test: lint + format + type gates, the ai extra's environment, then the whole suite
## (two pytest-xdist workers, one test module per worker at a time: module fixtures such as a
## Celery cluster or an S3 demo run once; TEST_WORKERS=0 runs it in one process)
TEST_WORKERS ?= 2
test: sync lint typecheck ai-env
	$(UV) run --locked pytest -n $(TEST_WORKERS) --dist loadfile

lint: sync
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

typecheck: sync
	$(UV) run --locked mypy

## ui: Dagster webserver + daemon on this project
ui: sync
	$(UV) run --locked riverbed ui

## ai-env: .venv-ai, riverbed with the `ai` extra on torch's CPU wheel (tests/ai/ drive it).
## Apart from .venv, which `uv sync --locked` keeps exact. torch comes from the folder
## PIP_FIND_LINKS names (a plain resolve of the lock would fetch the multi-GB CUDA build);
## everything else is pinned to uv.lock. Rebuilt from scratch when pyproject.toml or uv.lock
## change, otherwise a no-op.
AI_VENV := .venv-ai
AI_PY := $(AI_VENV)/bin/python
AI_STAMP := $(AI_VENV)/.built
TORCH_CPU := 2.13.0+cpu

ai-env: $(AI_STAMP)

$(AI_STAMP): pyproject.toml uv.lock | uv
	@set -euo pipefail; \
	if [ -z "$${PIP_FIND_LINKS:-}" ]; then \
		echo "ai-env: PIP_FIND_LINKS is unset: point it at a folder holding torch-$(TORCH_CPU)-*.whl" >&2; \
		exit 1; \
	fi; \
	echo "ai-env: building $(AI_VENV) (torch $(TORCH_CPU) from $$PIP_FIND_LINKS, the rest from uv.lock)"; \
	$(UV) venv $(AI_VENV) --python 3.11 --clear --quiet; \
	$(PYTHON) -m pip --python $(AI_PY) install --quiet --no-index --no-deps "torch==$(TORCH_CPU)" || { \
		echo "ai-env: no torch $(TORCH_CPU) wheel for this Python in $$PIP_FIND_LINKS;" \
			"refusing to fall back to the CUDA build" >&2; \
		exit 1; \
	}; \
	{ $(UV) export --locked --extra ai --no-dev --no-hashes --no-emit-project --no-header \
		--no-annotate --quiet | grep -v -E '^(torch|triton)==|^(nvidia|cuda)-'; \
		echo "torch==$(TORCH_CPU)"; } > $(AI_VENV)/constraints.txt; \
	$(UV) pip install --python $(AI_PY) --quiet -e '.[ai]' -c $(AI_VENV)/constraints.txt; \
	installed=$$($(UV) pip freeze --python $(AI_PY) --quiet); \
	if grep -q -i -E '^(nvidia|cuda)-|^triton==' <<<"$$installed"; then \
		echo "ai-env: CUDA packages were installed:" $$(grep -i -E '^(nvidia|cuda)-|^triton==' <<<"$$installed") >&2; \
		exit 1; \
	fi; \
	grep -q -x 'torch==$(TORCH_CPU)' <<<"$$installed" || { \
		echo "ai-env: expected torch==$(TORCH_CPU), got:" $$(grep '^torch' <<<"$$installed") >&2; \
		exit 1; \
	}; \
	touch $@

bench: sync
	$(UV) run --locked python benchmarks/run_all.py

clean:
	rm -rf .riverbed .pytest_cache .mypy_cache .ruff_cache

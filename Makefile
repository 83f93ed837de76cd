# The two commands of the README: `make run` and `make test`.
#   make run [PORT=8080] [HOST=127.0.0.1]   the demo, with the runtime dependencies only
#   make test                               ruff, mypy, the suite; installs the dev tools
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# one stamp per install, so `make run` never pulls the dev tools and `make test` adds them
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# PORT and HOST count only when given to make (make run PORT=8080), not when they happen to
# be in the environment for something else; LEADFLOW_PORT / LEADFLOW_HOST work as usual.
DEMO_ARGS := $(if $(filter command line,$(origin HOST)),--host $(HOST)) \
             $(if $(filter command line,$(origin PORT)),--port $(PORT))

.PHONY: run test lint typecheck bench bench-full clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## run: set up, create a SQLite database with the example org and demo items, and serve
run: $(RUN_STAMP)
	$(BIN)/leadflow demo $(strip $(DEMO_ARGS))

## test: lint, type-check, then the whole suite on SQLite and a throwaway PostgreSQL
test: $(DEV_STAMP) lint typecheck
	scripts/with-postgres $(BIN)/pytest -q

lint: $(DEV_STAMP)
	$(BIN)/ruff check engine api cli console workflows tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

## bench: quick benchmarks (full sizes: make bench-full)
bench: $(DEV_STAMP)
	scripts/with-postgres $(BIN)/python -m bench --quick

bench-full: $(DEV_STAMP)
	scripts/with-postgres $(BIN)/python -m bench --full

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache .pytest_cache

# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck bench bench-full clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: set up, create a SQLite database with the example org and demo items, and serve
run: $(STAMP)
	$(BIN)/leadflow demo

## test: lint, type-check, then the whole suite on SQLite and a throwaway PostgreSQL
test: $(STAMP) lint typecheck
	scripts/with-postgres $(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check engine api cli console workflows tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

## bench: quick benchmarks (full sizes: make bench-full)
bench: $(STAMP)
	scripts/with-postgres $(BIN)/python -m bench --quick

bench-full: $(STAMP)
	scripts/with-postgres $(BIN)/python -m bench --full

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache .pytest_cache

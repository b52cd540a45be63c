# One command to run the service, one to run every check. Both create ./.venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test system-deps lint typecheck unit quick bench clean

# The service, then the LINE emulator (./emulator, a dependency of the service) editable
# over the copy the first step installed, so that edits to either take effect at once.
$(STAMP): pyproject.toml emulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps -e ./emulator
	touch $(STAMP)

## run: start MOPH Connect on http://127.0.0.1:8000 (SQLite + built-in LINE emulator)
run: $(STAMP)
	$(BIN)/moph-connect serve

## test: lint, type-check and the whole test suite (SQLite and a throwaway PostgreSQL)
test: system-deps lint typecheck unit

## system-deps: the Debian packages the tests need (PostgreSQL, Chromium, Thai fonts, ...)
system-deps:
	scripts/system-deps

lint: $(STAMP)
	$(BIN)/ruff check src emulator tests benchmarks
	$(BIN)/ruff format --check src emulator tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/vulture

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

## quick: the suite without the slow (processes) and browser tests, for a local loop
quick: $(STAMP)
	$(BIN)/pytest -m "not slow and not browser"

## bench: the dispatcher benchmark (see BENCHMARKS.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/dispatch.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache

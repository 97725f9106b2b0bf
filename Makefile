# The two quick-start commands: `make demo` and `make test`. Both set up the venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= build/demo

.PHONY: setup demo test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/matcher demo --out $(DEMO_DIR)

lint: $(STAMP)
	$(BIN)/ruff check matcher api tests benchmarks scripts
	$(BIN)/ruff format --check matcher api tests benchmarks scripts
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

format: $(STAMP)
	$(BIN)/ruff check --fix matcher api tests benchmarks scripts
	$(BIN)/ruff format matcher api tests benchmarks scripts

bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH)

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache

# make          installs what is missing, then runs the demo pipeline against two sandbox accounts
# make test     runs every test (installs first when needed)
# make lint     ruff check, mypy, and the import contracts (layers, no cycles: pyproject.toml)
# make bench    performance benchmarks against the sandbox
# make readme   regenerate the README's settings tables from --about

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := demo
.PHONY: demo demo-fresh install test lint format bench readme clean

# The plugins and, as a distribution of its own, the sandbox (sandbox/pyproject.toml).
$(STAMP): pyproject.toml sandbox/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]' -e ./sandbox
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m zendesk_sandbox.demo

demo-fresh: $(STAMP)
	$(BIN)/python -m zendesk_sandbox.demo --fresh

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_tap.py
	$(BIN)/python benchmarks/bench_target.py
	$(BIN)/python benchmarks/bench_copies.py
	$(BIN)/python benchmarks/bench_copy.py --window 60
	$(BIN)/python benchmarks/bench_copy.py --idle
	$(BIN)/python benchmarks/bench_copy.py --bulk-user-import
	$(BIN)/python benchmarks/bench_copy_memory.py --quick
	$(BIN)/python benchmarks/bench_comments.py --quick
	$(BIN)/python benchmarks/bench_analytics.py
	$(BIN)/python benchmarks/bench_files.py

readme: $(STAMP)
	$(BIN)/python scripts/readme_settings.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache .demo

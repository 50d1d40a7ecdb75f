# Quick start: `make run` (the daemon on embedded defaults with demo feeds) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench validate generate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	mkdir -p var
	$(BIN)/monitor run --demo

test: $(STAMP)
	$(BIN)/python -m pytest

# Style and types (configured in pyproject.toml): ruff on everything, mypy strict on the domain.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	@for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

validate: $(STAMP)
	$(BIN)/monitor validate targets.yaml

# After editing targets.yaml: regenerate the dashboards and the Prometheus rules (tests fail when stale).
generate: $(STAMP)
	$(BIN)/monitor grafana
	$(BIN)/monitor rules

clean:
	rm -rf $(VENV) var build *.egg-info

# Quick start: `make run` (the daemon on embedded defaults with demo feeds) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test test-dates lint bench mutate validate generate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `make run` installs what the daemon needs; `make test` (and lint, bench) add the test extras.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(RUN_STAMP)
	mkdir -p var
	$(BIN)/monitor run --demo

test: $(STAMP)
	$(BIN)/python -m pytest

# The date-sensitive part of the suite (demo, daemon, mail, calendar, catalogue) again under libfaketime
# (Debian `faketime`) at dates that stress the calendar: year-end, Spring Festival, a leap day, National
# Day in a year with no published notice. No test may depend on the machine's date; this proves it.
DATES ?= 2026-12-28 2027-02-10 2028-02-29 2030-10-01
DATE_TESTS ?= tests/test_calendar.py tests/test_calendar_zone.py tests/test_catalogue.py tests/test_readings.py \
	tests/test_evaluate.py tests/test_evaluate_cli.py tests/test_demo_daemon_path.py tests/test_demo_server_process.py \
	tests/alerts tests/integration/test_daemon_mail.py
test-dates: $(STAMP)
	@command -v faketime >/dev/null || { echo "test-dates needs faketime (Debian package faketime)"; exit 1; }
	@for d in $(DATES); do echo "== tests at $$d"; \
	  faketime "$$d 10:00:00" $(BIN)/python -m pytest -q -p no:cacheprovider $(DATE_TESTS) \
	  || exit 1; done

# Style, types and the architecture contracts (all configured in pyproject.toml): ruff on everything,
# mypy (strict on the domain, the service, collectors and alerts), lint-imports (docs/contracts.md).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# the benchmarks add the bench extra (DuckDB, the anchor of bench/bench_collect.py)
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

# every bench/bench_*.py with its defaults, then the issue's scaled catalogue: the shipped targets.yaml
# copied 10 and 100 times (2,640 and 26,400 commitments) under `monitor run --demo`, feeds every 30 s,
# four rounds each: about 3.5 and 6.5 minutes, 10 in all, on the shared 2-core machine at load 10.
bench: $(BENCH_STAMP)
	@for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done
	$(BIN)/python bench/bench_scale.py --catalogue copies --copies 10,100

# Mutation testing ([tool.mutmut] in pyproject.toml, docs/mutation.md): the kill rate as one JSON line,
# saved for `make bench`. Everything takes hours on a small machine; MUTANTS narrows it to mutmut's
# names, e.g. make mutate MUTANTS='monitor.cases.* alerts.grouping.x_recipients*'.
MUTANTS ?=
mutate: $(STAMP)
	$(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/python bench/mutation_score.py $(MUTANTS)

validate: $(RUN_STAMP)
	$(BIN)/monitor validate targets.yaml

# After editing targets.yaml: regenerate the dashboards and the Prometheus rules (tests fail when stale).
generate: $(RUN_STAMP)
	$(BIN)/monitor grafana
	$(BIN)/monitor rules

clean:
	rm -rf $(VENV) var build *.egg-info

# Involve: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PLUGINS := $(wildcard plugins/*/pyproject.toml)
PYTEST_ARGS ?=

.PHONY: run test bench bench-panels bench-feedback lint install system-packages test-system-packages clean

$(BIN)/.installed: pyproject.toml $(PLUGINS)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
	  { echo "Involve needs Python 3.11 (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip==26.3
	$(BIN)/pip install -q -e ".[test]" $(foreach p,$(PLUGINS),-e $(dir $(p)))
	touch $@

install: $(BIN)/.installed

system-packages:
	@deploy/install-system-packages.sh

test-system-packages:
	@deploy/install-system-packages.sh --with-test-tools

## Set up (once) and run the whole platform: http://localhost:8000
run: install system-packages
	$(BIN)/involve up

## Set up (once) and run every test against real RabbitMQ and PostgreSQL
test: install test-system-packages
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS) tests
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS) tests_browser

## Benchmarks: print numbers and ratios (never pass/fail on time)
bench: install system-packages
	$(BIN)/python bench/bench_rpc.py

# The reference (sortition-algorithms, GPL, heavy) lives in its own venv, never in the platform's.
.venv-bench/bin/.installed:
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install -q sortition-algorithms==0.12.15
	touch $@

bench-panels: install .venv-bench/bin/.installed
	$(BIN)/python bench/bench_panels.py --reference-python .venv-bench/bin/python $(BENCH_ARGS)

# Published story -> alert recorded, with 10,000 subscriptions over 1,000 care services, beside
# the raw broker's publish -> consume rate in the same run. BENCH_ARGS="--stories 50" for a quick run.
bench-feedback: install system-packages
	$(BIN)/python bench/bench_feedback.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check services tests tests_browser bench plugins
	$(BIN)/involve plugins check

clean:
	rm -rf $(VENV) .venv-bench data

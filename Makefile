# Involve: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PLUGINS := $(wildcard plugins/*/pyproject.toml)
PYTEST_ARGS ?=

.PHONY: run test test-faults compose-test bench bench-panels bench-feedback bench-webhooks bench-reporting lint install system-packages test-system-packages clean

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

## The real docker-compose.yml built and run end to end, with one and then two replicas of each
## back-end service (starts a private Docker engine if none answers; see docs/operations.md)
compose-test:
	@deploy/install-system-packages.sh --with-compose-test
	deploy/testing/compose-test.sh

## Only the fault suite (also part of `make test`): broker, services, database and gateway
## killed under load; RabbitMQ cluster losing a node. Prints figures per fault.
test-faults: install test-system-packages
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS) tests/faults

## Benchmarks: print numbers and ratios (never pass/fail on time)
# Authenticated gateway read / bare Nameko echo (alternating rounds, one run), then the resident
# memory of an idle `involve up`. POSTGRES_URL=postgresql://... runs the services on PostgreSQL;
# BENCH_ARGS=--profile adds a py-spy profile of the gateway.
bench: install system-packages
	$(BIN)/python bench/bench_rpc.py $(BENCH_ARGS)

# The reference (sortition-algorithms, GPL, heavy) lives in its own venv, never in the platform's.
.venv-bench/bin/.installed:
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install -q sortition-algorithms==0.12.15
	touch $@

bench-panels: install .venv-bench/bin/.installed
	$(BIN)/python bench/bench_panels.py --reference-python .venv-bench/bin/python $(BENCH_ARGS)

# Published story -> alert recorded, with 10,000 subscriptions over 1,000 care services, beside
# the raw broker's publish -> consume rate in the same run, the old way (one identity call an
# email) and batched. BENCH_ARGS="--stories 50" for a quick run; POSTGRES_URL for PostgreSQL.
bench-feedback: install system-packages
	$(BIN)/python bench/bench_feedback.py $(BENCH_ARGS)

# 10,000 events to 100 webhook endpoints on a local receiver: deliveries per second beside the raw
# broker rate, p99 commit -> delivery received. BENCH_ARGS=--quick for 1,000 events.
bench-webhooks: install system-packages
	$(BIN)/python bench/bench_webhooks.py $(BENCH_ARGS)

# 1,000,000 realistic events across 50 organisations on SQLite and PostgreSQL: dashboard p95,
# rebuild throughput beside a bare insert of the same rows (ratio), ingest -> metric updated p99.
# BENCH_ARGS="--events 50000" for a quick run.
bench-reporting: install system-packages
	$(BIN)/python bench/bench_reporting.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check services tests tests_browser bench plugins examples
	$(BIN)/involve plugins check

clean:
	rm -rf $(VENV) .venv-bench data

# Developer and CI entry points. `make test` is the test command CI runs; `make demo` runs the
# operator against real connectors on the local stack.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install stack-up stack-down stack-status lint test unit demo demo-clean clean

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q pip==25.3

install: $(BIN)/pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'

stack-up: install
	$(BIN)/python -m tests.stack up

stack-down:
	$(BIN)/python -m tests.stack down

stack-status:
	$(BIN)/python -m tests.stack status

lint: install
	$(BIN)/ruff check operator tests demo benchmarks
	$(BIN)/ruff format --check operator tests demo benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: install
	$(BIN)/pytest tests/unit -q --cov=snapshot_operator --cov-report=term:skip-covered

test: lint stack-up
	$(BIN)/pytest -q -ra --cov=snapshot_operator --cov-report=term:skip-covered

clean: stack-down
	rm -rf $(VENV)

demo: stack-up
	$(BIN)/python -m demo

demo-clean:
	$(BIN)/python -m demo clean

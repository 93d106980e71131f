# Two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# `make run` installs what the server needs; `make test` adds the test tools on top.
STAMP      := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Test processes in parallel (pytest-xdist; WORKERS=0 runs the suite in this process). Twice the
# cores of a 2-core machine: the tests spend much of their time waiting on PostgreSQL, SMTP and
# server processes rather than computing. Idle workers steal queued tests from busy ones, so the
# few slow CLI and server-process tests do not leave one worker finishing alone.
WORKERS ?= 4

.PHONY: install install-test run test lint fmt typecheck migration bench schema contract clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)

run: install
	$(VENV)/bin/tenantry demo
	$(VENV)/bin/tenantry serve --host $(HOST) --port $(PORT)

test: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -n $(WORKERS) --dist worksteal

lint: install-test
	$(VENV)/bin/ruff check .

fmt: install-test
	$(VENV)/bin/ruff format .

typecheck: install-test
	$(VENV)/bin/mypy

# A new Alembic revision, numbered after the last, from the changes in persistence/tables.py.
migration: install-test
	@test -n "$(NAME)" || { echo 'usage: make migration NAME="what changed"' >&2; exit 2; }
	@path=$$($(PY) -m persistence.migrate "$(NAME)" | tail -n 1) && test -n "$$path" \
		&& $(VENV)/bin/ruff check --fix --quiet "$$path" && $(VENV)/bin/ruff format --quiet "$$path" \
		&& echo "wrote $$path; review it before committing"

bench: install-test
	$(PY) bench/run.py

schema: install
	$(VENV)/bin/tenantry export-schema --output schema.graphql

contract: install
	$(PY) ../shared/tools/contract-check schema.graphql

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

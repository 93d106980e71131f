# Two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test lint bench schema contract clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

install: $(STAMP)

run: install
	$(VENV)/bin/tenantry demo
	$(VENV)/bin/tenantry serve

test: install
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/run.py

schema: install
	$(VENV)/bin/tenantry export-schema --output schema.graphql

contract: install
	$(PY) ../shared/tools/contract-check schema.graphql

clean:
	rm -rf $(VENV) var .pytest_cache

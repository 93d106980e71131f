# Two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install browser run test lint bench schema contract clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

install: $(STAMP)

run: install
	$(VENV)/bin/tenantry demo
	$(VENV)/bin/tenantry serve

# The GraphiQL test drives Debian's chromium: installed here when missing and we may (root with
# apt-get); otherwise that test skips with the reason (fails when TENANTRY_REQUIRE_BROWSER=1).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium is not installed and cannot be installed here: browser tests will be skipped"

test: install browser
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

# Two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# `make run` installs what the server needs; `make test` adds the test tools on top.
STAMP      := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install install-test browser run test lint bench schema contract clean web-build web-test

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)

# The panel (web/): npm ci when the lock changes, a build when any source is newer than web/dist.
WEB_STAMP := web/node_modules/.ci-stamp
WEB_SRC   := schema.graphql $(shell find web/src web/scripts web/index.html web/*.ts web/tsconfig.json \
               -type f -not -path 'web/src/gql/*' 2>/dev/null)

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/index.html: $(WEB_STAMP) $(WEB_SRC)
	cd web && npm run --silent build

web-build: web/dist/index.html

web-test: install web-build
	cd web && npm run --silent test && npm run --silent e2e

run: install web-build
	$(VENV)/bin/tenantry demo
	$(VENV)/bin/tenantry serve --host $(HOST) --port $(PORT)

# The GraphiQL test drives Debian's chromium: installed here when missing and we may (root with
# apt-get); otherwise that test skips with the reason (fails when TENANTRY_REQUIRE_BROWSER=1).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium is not installed and cannot be installed here: browser tests will be skipped"

test: install-test browser
	$(VENV)/bin/ruff check .
	$(PY) -m pytest
	$(MAKE) --no-print-directory web-test

lint: install-test
	$(VENV)/bin/ruff check .

bench: install-test
	$(PY) bench/run.py

schema: install
	$(VENV)/bin/tenantry export-schema --output schema.graphql

contract: install
	$(PY) ../shared/tools/contract-check schema.graphql

clean:
	rm -rf $(VENV) var .pytest_cache web/node_modules web/dist

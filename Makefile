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

.PHONY: install install-test browser run test lint fmt typecheck migration bench bench-deps schema contract clean web-build web-test

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
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory web-test
	# Last, so that pytest's summary closes the output CI reads.
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

# The bench's load generator (wrk, from Debian: installed when missing and we may) and its Node peer
# (npm ci when the lock changes). `make bench ONLY=me,writes`, `make bench BENCH_QUICK=1`: see bench/README.md.
NODE_PEER_STAMP := bench/peers/node/node_modules/.ci-stamp

$(NODE_PEER_STAMP): bench/peers/node/package.json bench/peers/node/package-lock.json
	cd bench/peers/node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench-deps: $(NODE_PEER_STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& { apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; }; } \
		|| { echo "wrk is not installed and cannot be installed here (apt-get install wrk)" >&2; exit 2; }

bench: install-test bench-deps
	$(PY) bench/run.py $(if $(ONLY),--only $(ONLY)) $(if $(filter 1,$(BENCH_QUICK)),--quick)

schema: install
	$(VENV)/bin/tenantry export-schema --output schema.graphql

contract: install
	$(PY) ../shared/tools/contract-check schema.graphql

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
	$(MAKE) --no-print-directory web-test

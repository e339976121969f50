# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
HOST ?= 127.0.0.1

.PHONY: run test check lint bench validate install demo clean e2e-browser sdk-toolchains postgres-server

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/evalguard serve --host $(HOST) --port $(PORT)

test: $(STAMP) e2e-browser sdk-toolchains postgres-server
	$(BIN)/python -m pytest -q

# The browser tests (tests/e2e) drive Debian's chromium; install it when missing and possible
# (root + apt-get). Never fails the build: without chromium those tests skip with a loud reason.
e2e-browser:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium \
	  || ( [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	       && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ) \
	  || echo "e2e: chromium not installable, browser tests will be skipped"

# The client tests (tests/clients) build the Go module with Debian's Go toolchain and the
# TypeScript package with Node.js + npm (its devDependencies come from `npm ci`, run by the tests);
# install them when missing and possible (root + apt-get).
# Never fails the build: a missing toolchain makes its tests skip with a loud reason.
sdk-toolchains:
	@command -v go >/dev/null 2>&1 \
	  || ( [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	       && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go ) \
	  || echo "clients: Go not installable, the Go client and sample tests will be skipped"
	@command -v npm >/dev/null 2>&1 \
	  || ( [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	       && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm ) \
	  || echo "clients: Node.js/npm not installable, the TypeScript client and sample tests will be skipped"

# The PostgreSQL half of the suite (and `make bench`) starts a throwaway cluster from the server
# binaries (tests/pgserver.py); install them when missing and possible (root + apt-get). Never
# fails the build: without them those tests skip with one loud line.
postgres-server:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 \
	  || ( [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	       && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql ) \
	  || echo "postgres: server binaries not installable, PostgreSQL tests will be skipped"

# Static checks CI runs before the tests: lint, formatting, types, and the layering contracts.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python tools/check_layers.py

lint: check

bench: $(STAMP) postgres-server
	$(BIN)/python bench/run_all.py

# Interval coverage by seeded simulation (slow: ~1 h on 2 cores); prints the README's table.
validate: $(STAMP)
	$(BIN)/python bench/coverage.py --reps 400 --n-boot 1000

demo: $(STAMP)
	$(BIN)/evalguard demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

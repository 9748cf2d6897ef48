# kith — the two commands of the README, and their parts.
#   make demo     set up, build the demo city, serve the dashboard at http://127.0.0.1:8050
#   make test     set up everything the tests need and run the whole suite

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kith-installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test install test-deps browser-deps lint-deps benchmarks clean

demo: install
	$(BIN)/kith demo

test: install test-deps
	$(BIN)/python -m pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test-deps: browser-deps lint-deps

# Debian's Chromium and its driver, for the browser tests.
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; \
	fi

# Neo4j's Cypher linter (npm; the version is pinned in tools/cypher-lint/package-lock.json).
lint-deps: tools/cypher-lint/node_modules/.kith-installed

tools/cypher-lint/node_modules/.kith-installed: tools/cypher-lint/package.json tools/cypher-lint/package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	npm ci --prefix tools/cypher-lint --no-audit --no-fund --loglevel=error
	touch $@

benchmarks: install
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .kith .pytest_cache

# kith — the two commands of the README, and their parts.
#   make demo     set up, build the demo city, serve the dashboard at http://127.0.0.1:8050
#   make test     set up everything the tests need and run the whole suite (beside a fresh Neo4j engine)
#   make neo4j    run Neo4j Community 5.26 (from Maven Central) in the foreground, for kith on Neo4j without Docker

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kith-installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

NEO4J  := tools/neo4j

.PHONY: demo test install test-deps browser-deps lint-deps neo4j neo4j-engine benchmarks clean

demo: install
	$(BIN)/kith demo

test: install test-deps
	$(NEO4J)/run-with-neo4j $(BIN)/python -m pytest --durations=20

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test-deps: browser-deps lint-deps neo4j-engine

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

# Neo4j's engine and its launcher (tools/neo4j; Java 17 and Maven, installed here when missing).
# Rebuilt only when the pom or the launcher changes; without Java it is skipped, except under CI=true.
neo4j-engine: $(NEO4J)/lib/.kith-built

$(NEO4J)/lib/.kith-built: $(NEO4J)/pom.xml $(NEO4J)/src/main/java/kith/neo4j/Launcher.java
	@$(NEO4J)/build

# KITH_NEO4J_PORT (7687), KITH_NEO4J_PASSWORD (generated and printed when unset), data in KITH_HOME/neo4j.
neo4j: neo4j-engine
	@$(NEO4J)/serve

# Every benchmark, beside a fresh Neo4j engine (as for make test), so the Neo4j ones measure it.
benchmarks: install neo4j-engine
	$(NEO4J)/run-with-neo4j sh -c 'for script in benchmarks/*.py; do $(BIN)/python "$$script" || exit 1; done'

clean:
	rm -rf $(VENV) .kith .pytest_cache

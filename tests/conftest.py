"""Shared fixtures: settings in a temporary home, the small demo city; no skipped Neo4j test under CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kith.graph.memory import MemoryStore
from kith.ingest import demo_city
from kith.settings import KithSettings


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KithSettings:
    """Settings with a fresh KITH_HOME and no Neo4j (whatever the environment says)."""
    for name in ("KITH_NEO4J_URI", "KITH_PSEUDONYM_KEY", "KITH_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KITH_HOME", str(tmp_path / "kith-home"))
    return KithSettings(_env_file=None)


@pytest.fixture(scope="session")
def small_city() -> demo_city.City:
    """The ``small`` demo city, seed 7 (generated once per test session)."""
    return demo_city.generate("small", seed=7)


@pytest.fixture(scope="session")
def small_store(small_city: demo_city.City) -> MemoryStore:
    """A transient embedded store holding the small city; do not write to it."""
    store = MemoryStore()
    store.upsert_nodes(small_city.nodes)
    store.upsert_relationships(small_city.rels)
    store.mark_demo_city("small")  # the demo city as built: demo mode may serve it
    return store


@pytest.fixture(scope="module")
def small_city_home(tmp_path_factory: pytest.TempPathFactory, small_city: demo_city.City) -> Path:
    """A KITH_HOME whose embedded store holds the small city (one per test module)."""
    home = tmp_path_factory.mktemp("kith-home")
    with MemoryStore.open(home / "graph.msgpack") as store:
        store.upsert_nodes(small_city.nodes)
        store.upsert_relationships(small_city.rels)
    return home


# ------------------------------------------------------------------ Neo4j


#: The Neo4j of this run (``tools/neo4j/run-with-neo4j`` sets it), taken out of the environment so that
#: no test and no command a test runs uses it unless the test asks for it (:func:`neo4j_settings`).
NEO4J_ENV = {
    name: os.environ.pop(name)
    for name in ("KITH_NEO4J_URI", "KITH_NEO4J_USER", "KITH_NEO4J_PASSWORD", "KITH_NEO4J_DATABASE")
    if name in os.environ
}


def neo4j_skip_reason() -> str:
    """Why there is no Neo4j for this run (``tools/neo4j/run-with-neo4j`` says, when it ran the tests)."""
    why = os.environ.get("KITH_NEO4J_SKIP_REASON") or "KITH_NEO4J_URI is not set"
    return f"no Neo4j: {why} (make test starts one when Java 17 and Maven are present; or make neo4j)"


def neo4j_env() -> dict[str, str]:
    """The KITH_NEO4J_* variables of this run's Neo4j; skips the test when there is none."""
    if not NEO4J_ENV.get("KITH_NEO4J_URI"):
        pytest.skip(neo4j_skip_reason())
    return dict(NEO4J_ENV)


def neo4j_settings(**overrides: object) -> KithSettings:
    """Settings pointing at this run's Neo4j (and nothing else from the environment); skips without one."""
    env = neo4j_env()
    given = {
        "neo4j_uri": env["KITH_NEO4J_URI"],
        "neo4j_user": env.get("KITH_NEO4J_USER", "neo4j"),
        "neo4j_password": env.get("KITH_NEO4J_PASSWORD", ""),
        "neo4j_database": env.get("KITH_NEO4J_DATABASE", "neo4j"),
    }
    return KithSettings(_env_file=None, **{**given, **overrides})


def _is_neo4j_test(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return item.get_closest_marker("neo4j") is not None or (
        callspec is not None and "neo4j" in callspec.params.values()
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Under ``CI=true`` every Neo4j test runs: a skipped one is reported as failed."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") == "true" and _is_neo4j_test(item) and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true: a Neo4j test may not be skipped ({reason})"

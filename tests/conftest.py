"""Shared fixtures: settings in a temporary home, the small demo city."""

from __future__ import annotations

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
    return store


@pytest.fixture(scope="module")
def small_city_home(tmp_path_factory: pytest.TempPathFactory, small_city: demo_city.City) -> Path:
    """A KITH_HOME whose embedded store holds the small city (one per test module)."""
    home = tmp_path_factory.mktemp("kith-home")
    with MemoryStore.open(home / "graph.pickle") as store:
        store.upsert_nodes(small_city.nodes)
        store.upsert_relationships(small_city.rels)
    return home

"""A data provider over the small demo city, shared by the dashboard's unit tests."""

from __future__ import annotations

import pytest

from kith.dashboard.data import DashboardData
from kith.graph.memory import MemoryStore
from kith.settings import KithSettings


@pytest.fixture(scope="session")
def data(small_store: MemoryStore, tmp_path_factory: pytest.TempPathFactory) -> DashboardData:
    home = tmp_path_factory.mktemp("kith-home")
    return DashboardData(small_store, KithSettings(_env_file=None, home=home, neo4j_uri=None))

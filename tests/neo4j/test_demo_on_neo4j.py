"""Demo mode on Neo4j, which the dashboard reads live: once anything writes to the demo city, the very next
request answers that the demo has stopped, never a page of what was written."""

from __future__ import annotations

from pathlib import Path

from kith._cli_export import copy_graph
from kith.graph.memory import MemoryStore
from kith.graph.model import Agency
from kith.graph.neo4j_store import Neo4jStore
from tests.conftest import neo4j_settings


def test_the_request_after_a_write_to_the_demo_city_is_refused(
    tmp_path: Path, small_store: MemoryStore, neo4j_store: Neo4jStore
) -> None:
    from kith.dashboard.app import create_app
    from kith.dashboard.data import DashboardData

    copy_graph(small_store, neo4j_store)
    neo4j_store.mark_demo_city("small")
    settings = neo4j_settings(home=tmp_path / "home", demo=True)
    data = DashboardData.open(settings)
    data.check_every_s = 3600.0  # the revision is read again only after an hour: the mark must not wait for it
    app = create_app(settings, data=data, warm_up=False)
    client = app.server.test_client()
    assert client.get("/").status_code == 200  # the demo city, served without sign-in
    with Neo4jStore.from_settings(neo4j_settings()) as ingest:  # an ingest of real data, from the CLI
        ingest.upsert_nodes([Agency(id="real-1", name="A Real Agency")])
    refused = client.get("/")  # at once: not after the revision check's interval
    assert refused.status_code == 503 and "no longer the demo city" in refused.get_data(as_text=True)
    assert "A Real Agency" not in refused.get_data(as_text=True)

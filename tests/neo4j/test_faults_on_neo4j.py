"""Faults on a real Neo4j server: the engine is killed by its process id in the middle of an export or an
ingest, and goes away under a running dashboard. This module runs its own engine (``engine``), so stopping it leaves
the rest of the suite's alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from kith.graph.memory import MemoryStore
from kith.graph.neo4j_store import Neo4jStore
from tests.neo4j.conftest import Engine
from tests.neo4j.test_cli_on_neo4j import kith

#: How long kith tries a query again on a server gone away (30 s for users): these tests kill the server.
RETRY_S = 2


def _env(home: Path, engine: Engine) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    return kept | {"KITH_HOME": str(home), "KITH_NEO4J_RETRY_S": str(RETRY_S)} | engine.env()


def _killed_while_writing(engine: Engine, home: Path, *args: str) -> None:
    """Run ``kith ARGS`` on the engine (emptied first), kill the engine by its pid once the command has
    written something, and require one line naming Neo4j and no traceback."""
    with Neo4jStore.from_settings(engine.settings()) as store:
        store.clear()
        running = subprocess.Popen(
            [sys.executable, "-m", "kith.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(home, engine),
        )
        while sum(store.counts().values()) == 0:  # the command has begun writing
            assert running.poll() is None, running.communicate()
            time.sleep(0.05)
    engine.kill()
    killed = time.monotonic()
    _, stderr = running.communicate(timeout=300)
    assert time.monotonic() - killed < 25, "kith tried longer than KITH_NEO4J_RETRY_S (the default is 30 s)"
    assert running.returncode != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Neo4j" in lines[0] and "Traceback" not in stderr, stderr


def test_an_engine_killed_during_an_export_is_one_line_and_a_rerun_completes(
    engine: Engine, small_city_home: Path, small_store: MemoryStore
) -> None:
    _killed_while_writing(engine, small_city_home, "export", "--to", "neo4j", "--batch-size", "300")
    engine.start()
    done = kith("export", "--to", "neo4j", home=small_city_home, env=engine.env())
    assert done.returncode == 0, done.stderr
    with Neo4jStore.from_settings(engine.settings()) as store:
        assert store.counts() == small_store.counts()  # nothing lost, nothing doubled


def test_the_dashboard_shows_the_store_banner_and_answers_again_once_neo4j_is_back(
    engine: Engine, tmp_path: Path, small_store: MemoryStore
) -> None:
    from kith._cli_export import copy_graph
    from kith.dashboard import _security, ids
    from kith.dashboard.app import create_app
    from kith.dashboard.data import DashboardData
    from kith.trust.users import Users
    from tests.unit.test_dashboard_security import HASHER, PASSWORD, _client, _dependencies, _payload

    with Neo4jStore.from_settings(engine.settings()) as store:
        if store.counts() != small_store.counts():
            store.clear()
            copy_graph(small_store, store)
    users = Users(tmp_path, hasher=HASHER)
    users.add("pat", "planner", PASSWORD)
    users.add("ada", "admin", PASSWORD)  # who reads the callback map
    settings = engine.settings(home=tmp_path, demo=False, neo4j_retry_s=RETRY_S)
    data = DashboardData.open(settings)
    app = create_app(settings, data=data, warm_up=False)
    client = _client(app, "pat")
    map_callback = next(d for d in _dependencies(app) if ids.MAP_GRAPH in d["output"])

    def ask(need: str) -> str:
        response = client.post(
            "/_dash-update-component", json=_payload(map_callback, {ids.MAP_NEED: need, ids.MAP_LAYERS: ["sites"]})
        )
        assert response.status_code == 200, response.text
        assert "Traceback" not in response.text
        return response.text

    try:
        assert "cannot be reached" not in ask("food")
        engine.stop()
        answer = ask("dental")
        assert _security.STORE_BANNER in answer and "cannot be reached" in answer
        engine.start()
        answer = ask("housing")
        assert "cannot be reached" not in answer and ids.MAP_GRAPH in answer
    finally:
        data.close()


def _agencies_csv(path: Path, rows: int) -> Path:
    """A provider export: each agency on three rows (three sites and services), its phone differing on
    each, so the merged phones of an agency span rows, as in real exports."""
    from tests.unit.ingest.conftest import write_csv

    header = ["agency_id", "agency_name", "phone", "site_id", "lat", "lon", "zip", "service_name", "need"]
    return write_csv(
        path,
        header,
        (
            [
                f"A{i // 3}",
                f"Agency {i // 3}",
                f"617-555-{i % 3:04d}",
                f"S{i}",
                42.3 + (i % 100) / 1000,
                -71.1 + (i % 77) / 1000,
                "02139",
                f"Service {i}",
                ("food", "tutoring", "housing")[i % 3],
            ]
            for i in range(rows)
        ),
    )


def test_an_engine_killed_during_an_ingest_is_one_line_and_a_rerun_completes(engine: Engine, tmp_path: Path) -> None:
    """``kith ingest agencies`` into Neo4j, the engine killed by its pid while the rows are written: one
    line that names Neo4j, no traceback; the same ingest run again gives the graph of one clean ingest."""
    from kith.graph.model import Label, RelType
    from kith.ingest.agencies import ingest_agencies

    export = _agencies_csv(tmp_path / "agencies.csv", 1_500)
    expected = MemoryStore()
    ingest_agencies(export, expected, quarantine_dir=tmp_path / "q")
    home = tmp_path / "home"
    home.mkdir()
    _killed_while_writing(engine, home, "ingest", "agencies", str(export))
    engine.start()
    done = kith("ingest", "agencies", str(export), home=home, env=engine.env())
    assert done.returncode == 0, done.stderr
    with Neo4jStore.from_settings(engine.settings()) as store:
        assert store.counts() == expected.counts()  # nothing lost, nothing doubled
        assert store.nodes(Label.AGENCY) == expected.nodes(Label.AGENCY)  # phones merged once, not twice
        assert store.relationships(RelType.OFFERS) == expected.relationships(RelType.OFFERS)
        store.clear()

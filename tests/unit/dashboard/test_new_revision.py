"""The dashboard notices a new revision of the store (a ``kith ingest`` while it runs) and reads the
graph again; a demo dashboard never takes a graph that stopped being the demo city."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from kith.dashboard.app import create_app
from kith.graph.memory import GRAPH_FILE, MemoryStore
from kith.graph.model import Label
from kith.ingest import demo_city
from kith.settings import KithSettings
from kith.trust.users import Users

ROOT = Path(__file__).resolve().parents[3]
AGENCIES = (
    "agency_id,agency_name,site_id,lat,lon,zip,service_name,need,capacity\n"
    "R1,Revision One,RS1,42.36,-71.06,02139,Pantry,food,10\n"
    "R2,Revision Two,RS2,42.37,-71.07,02139,Pantry,food,10\n"
)


def _ingest(home: Path, tmp_path: Path) -> None:
    csv = tmp_path / "agencies.csv"
    csv.write_text(AGENCIES)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")} | {
        "KITH_HOME": str(home),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "kith.cli", "ingest", "agencies", str(csv)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def _requests_until(app, condition, timeout_s: float = 30.0) -> None:
    """Serve requests (as visitors would) until ``condition()`` holds."""
    client = app.server.test_client()
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the dashboard did not read the new revision"
        client.get("/login")
        time.sleep(0.05)


@pytest.fixture
def home(tmp_path: Path, small_city) -> Path:
    home = tmp_path / "home"
    with MemoryStore.open(home / GRAPH_FILE) as store:
        store.upsert_nodes(small_city.nodes)
        store.upsert_relationships(small_city.rels)
    return home


def test_a_cli_ingest_while_the_dashboard_runs_is_shown(home: Path, tmp_path: Path, monkeypatch) -> None:
    Users(home, hasher=PasswordHasher.from_parameters(CHEAPEST)).add("ada", "admin", "a long enough password")
    app = create_app(KithSettings(_env_file=None, home=home, neo4j_uri=None), warm_up=False)
    data = app.server.config["KITH_DATA"]
    monkeypatch.setattr(data, "check_every_s", 0.0)
    before = {a["id"] for a in data.agencies}
    report = data.gaps("food", "school")
    _ingest(home, tmp_path)
    _requests_until(app, lambda: {a["id"] for a in data.agencies} == before | {"R1", "R2"})
    assert data.gaps("food", "school") is not report  # the answers of the old graph are forgotten
    assert not data.notice_new_revision()  # once read, the same revision is not read again


def test_a_demo_dashboard_keeps_the_demo_city_when_an_ingest_writes_to_it(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    with MemoryStore.open(home / GRAPH_FILE) as store:
        demo_city.rebuild(store, "small", seed=7)
    app = create_app(KithSettings(_env_file=None, home=home, demo=True, neo4j_uri=None), warm_up=False)
    data = app.server.config["KITH_DATA"]
    monkeypatch.setattr(data, "check_every_s", 0.0)
    before = {a["id"] for a in data.agencies}
    revision = data._revision
    _ingest(home, tmp_path)  # the graph is no longer the demo city as built
    _requests_until(app, lambda: data._revision != revision and not data._reloading.locked())
    shown = data.store
    assert {a["id"] for a in data.agencies} == before and shown.demo_city() == "small"
    with MemoryStore.open(home / GRAPH_FILE) as store:  # `kith demo` again: the demo city, marked
        demo_city.rebuild(store, "small", seed=8)
    _requests_until(app, lambda: data.store is not shown)
    assert data.store.demo_city() == "small" and data.store.nodes(Label.AGENCY) != shown.nodes(Label.AGENCY)

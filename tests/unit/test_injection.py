"""Names that look like Cypher injection are data: stored, exported and shown literally, never run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from kith.graph import _cypher
from kith.graph.memory import MemoryStore
from kith.graph.model import Label
from kith.graph.neo4j_store import node_batches
from kith.ingest.agencies import ingest_agencies
from kith.ingest.nces import ingest_schools

INJECTION = "x'}) DETACH DELETE n //"
QUOTED_ID = "a'1\"}) MATCH (m) DETACH DELETE m //"


def _ingest(tmp_path: Path, store: MemoryStore) -> None:
    agencies = tmp_path / "agencies.csv"
    with open(agencies, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "agency_id",
                "agency_name",
                "site_id",
                "site_name",
                "lat",
                "lon",
                "zip",
                "service_name",
                "need",
                "capacity",
            ]
        )
        writer.writerow(
            [QUOTED_ID, INJECTION, "inj-site", INJECTION, 42.3626, -71.0843, "02139", INJECTION, "food", 25]
        )
    schools = tmp_path / "schools.csv"
    schools.write_text(
        f'id,name,lat,lon,level\ninj-school,"{INJECTION}",42.3601,-71.0942,elementary\n', encoding="utf-8"
    )
    for report in (ingest_agencies(agencies, store), ingest_schools(schools, store, fmt="csv")):
        assert report.loaded == report.rows_read == 1


def test_stored_literally_and_nothing_else_changes(tmp_path: Path, small_city) -> None:
    store = MemoryStore()
    store.upsert_nodes(small_city.nodes)
    store.upsert_relationships(small_city.rels)
    before = store.counts()
    _ingest(tmp_path, store)
    after = store.counts()
    assert after[Label.AGENCY.value] == before[Label.AGENCY.value] + 1
    assert after[Label.SCHOOL.value] == before[Label.SCHOOL.value] + 1
    assert all(after[k] >= before[k] for k in before)
    assert store.nodes(Label.AGENCY, ids=[QUOTED_ID])[0]["name"] == INJECTION
    assert store.nodes(Label.SCHOOL, ids=["inj-school"])[0]["name"] == INJECTION


def test_neo4j_gets_names_as_parameters_never_as_statement_text(tmp_path: Path) -> None:
    store = MemoryStore()
    _ingest(tmp_path, store)
    from kith.graph.model import Agency

    batches = list(node_batches([Agency(id=QUOTED_ID, name=INJECTION)], 10))
    ((statement, rows),) = batches
    assert rows[0]["id"] == QUOTED_ID and INJECTION in json.dumps(rows)
    text = _cypher.load(statement).text
    assert INJECTION not in text and QUOTED_ID not in text and "$rows" in text
    for name in _cypher.names():  # no statement is assembled from values: each is a fixed file
        assert "{" not in name and "'" not in name


def test_shown_literally_by_the_cli_and_the_dashboard(tmp_path: Path, small_city, monkeypatch, capsys) -> None:
    import sys

    from kith import cli
    from kith.dashboard.app import create_app
    from kith.dashboard.data import DashboardData
    from kith.dashboard.pages.find_help import search
    from kith.settings import KithSettings

    home = tmp_path / "home"
    store = MemoryStore.open(home / "graph.msgpack")
    store.upsert_nodes(small_city.nodes)
    store.upsert_relationships(small_city.rels)
    _ingest(tmp_path, store)
    store.mark_demo_city("small")  # a test's shortcut: served in demo mode, without sign-in
    store.close()

    monkeypatch.setenv("KITH_HOME", str(home))
    monkeypatch.delenv("KITH_NEO4J_URI", raising=False)
    monkeypatch.setattr(
        sys, "argv", ["kith", "nearby", "--near", "42.3626,-71.0843", "--radius-km", "0.5", "--format", "json"]
    )
    try:
        cli.main()
    except SystemExit as exc:
        assert exc.code in (0, None)
    rows = json.loads(capsys.readouterr().out)
    assert INJECTION in {r["agency_name"] for r in rows} and INJECTION in {r["service_name"] for r in rows}

    settings = KithSettings(_env_file=None, home=home, demo=True, neo4j_uri=None)
    data = DashboardData(MemoryStore.open(home / "graph.msgpack", readonly=True), settings)
    _, table, _, referral = search(data, "42.3626,-71.0843", None, None, None, None, 1)
    assert INJECTION in {r["agency"] for r in table}
    assert "x&#x27;}) DETACH DELETE n //" in referral or "x&#39;}) DETACH DELETE n //" in referral  # escaped HTML
    app = create_app(settings, data=data, warm_up=False)
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").json
    router = next(d for d in deps if "_pages_content" in d["output"])
    payload = {
        "output": router["output"],
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": i["id"], "property": i["property"], "value": "/find-help" if i["property"] == "pathname" else None}
            for i in router["inputs"]
        ],
        "state": [],
        "changedPropIds": [],
    }
    page = client.post("/_dash-update-component", json=payload)
    assert page.status_code == 200
    shown = json.dumps(page.json)
    assert json.dumps(INJECTION)[1:-1] in shown, [line for line in shown.split(",") if "DETACH" in line]

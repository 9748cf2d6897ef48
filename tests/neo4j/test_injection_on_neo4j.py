"""Names that look like Cypher are data on the real engine: they round-trip literally, and the graph is
intact afterwards."""

from __future__ import annotations

import csv
from pathlib import Path

from kith._cli_export import copy_graph
from kith.graph.memory import MemoryStore
from kith.graph.model import Agency, Label, NodeRef, PartnersWith, RelType, School
from kith.graph.neo4j_store import Neo4jStore
from kith.ingest.agencies import ingest_agencies
from kith.queries.nearby import find_nearby

NAMES = [
    "x'}) MATCH (n) DETACH DELETE n //",
    'a"}) MATCH (n) DETACH DELETE n //',
    "`}) MATCH (n) DETACH DELETE n //`",
    "{id: 'x'}}) MATCH (n) DETACH DELETE n //",
    "$rows ${x} \\' \\\" \\u0027 // /* */ ;",
]


def test_injected_names_round_trip_and_delete_nothing(
    tmp_path: Path, small_store: MemoryStore, neo4j_store: Neo4jStore
) -> None:
    copy_graph(small_store, neo4j_store)
    before = neo4j_store.counts()
    agencies = [Agency(id=name, name=name, website=name) for name in NAMES]
    schools = [School(id=f"school {name}", name=name, district=name) for name in NAMES]
    neo4j_store.upsert_nodes([*agencies, *schools])
    neo4j_store.upsert_relationships([PartnersWith(source=f"school {n}", target=n) for n in NAMES])

    path = tmp_path / "agencies.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
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
            ["inj-agency", NAMES[0], "inj-site", NAMES[2], 42.3626, -71.0843, "02139", NAMES[3], "food", 25]
        )
    report = ingest_agencies(path, neo4j_store)
    assert report.loaded == report.rows_read == 1

    after = neo4j_store.counts()
    grew = {Label.AGENCY.value: len(NAMES) + 1, Label.SCHOOL.value: len(NAMES), RelType.PARTNERS_WITH.value: len(NAMES)}
    for name, count in before.items():
        assert after[name] >= count + grew.get(name, 0), name
    assert {n["id"]: n["name"] for n in neo4j_store.nodes(Label.AGENCY, ids=NAMES)} == {n: n for n in NAMES}
    assert [n["website"] for n in neo4j_store.nodes(Label.AGENCY, where={"name": NAMES[1]})] == [NAMES[1]]
    assert {r["target"] for r in neo4j_store.relationships(RelType.PARTNERS_WITH, sources=[f"school {NAMES[4]}"])} == {
        NAMES[4]
    }
    assert neo4j_store.nodes(Label.AGENCY, ids=["inj-agency"])[0]["name"] == NAMES[0]
    found = find_nearby(neo4j_store, 42.3626, -71.0843, needs=["food"], radius_km=0.01)
    assert [(row.agency_name, row.service_name) for row in found] == [(NAMES[0], NAMES[3])]
    paths = neo4j_store.shortest_paths(NodeRef(Label.SCHOOL, f"school {NAMES[2]}"), [NodeRef(Label.AGENCY, NAMES[2])])
    assert [p.nodes[-1].id for p in paths] == [NAMES[2]]

    # Every node of the small city is still there, unchanged.
    for label in Label:
        kept = {n["id"]: n for n in neo4j_store.nodes(label)}
        assert all(kept[n["id"]] == n for n in small_store.nodes(label)), label

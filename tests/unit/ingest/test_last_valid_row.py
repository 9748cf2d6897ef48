"""A repeated id keeps its last VALID row: a later row that fails is quarantined with its own reason, the
earlier rows as replaced, and the id is not lost (agencies CSV and HSDS alike)."""

from __future__ import annotations

from pathlib import Path

from kith.graph.memory import MemoryStore
from kith.graph.model import Label
from kith.ingest.agencies import ingest_agencies
from kith.ingest.hsds import ingest_hsds
from tests.unit.ingest.conftest import write_csv


def test_agencies_keep_the_last_valid_row(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "agencies.csv",
        ["agency_id", "agency_name", "site_id", "lat", "lon"],
        [
            ["a1", "Harbor", "s1", "42.30", "-71.05"],
            ["a1", "Harbor", "s1", "42.31", "-71.05"],
            ["a1", "Harbor", "s1", "100", "-71.05"],
        ],
    )
    store = MemoryStore()
    report = ingest_agencies(path, store, quarantine_dir=tmp_path / "q")
    assert [n["id"] for n in store.nodes(Label.AGENCY)] == ["a1"]
    assert [(n["id"], n["lat"]) for n in store.nodes(Label.SITE)] == [("s1", 42.31)]
    assert report.table("agencies.csv").reasons["lat: Input should be less than or equal to 90"] == 1


def test_hsds_keeps_the_last_valid_row_of_each_entity(tmp_path: Path) -> None:
    folder = tmp_path / "hsds"
    folder.mkdir()
    write_csv(folder / "organizations.csv", ["id", "name"], [["o1", "First"], ["o1", "Second"], ["o1", ""]])
    write_csv(
        folder / "services.csv",
        ["id", "organization_id", "name"],
        [["s1", "o1", "Food Pantry"], ["s1", "o1", "Food Pantry (weekly)"], ["s1", "o1", ""]],
    )
    write_csv(
        folder / "locations.csv",
        ["id", "organization_id", "name", "latitude", "longitude"],
        [
            ["l1", "o1", "Center", "42.30", "-71.05"],
            ["l1", "o1", "Center", "42.31", "-71.05"],
            ["l1", "o1", "Center", "100", "-71.05"],
        ],
    )
    write_csv(folder / "service_at_location.csv", ["id", "service_id", "location_id"], [["x1", "s1", "l1"]])
    store = MemoryStore()
    report = ingest_hsds(folder, store, quarantine_dir=tmp_path / "q")
    assert [(n["id"], n["name"]) for n in store.nodes(Label.AGENCY)] == [("o1", "Second")]
    assert [(n["id"], n["name"]) for n in store.nodes(Label.SERVICE)] == [("s1", "Food Pantry (weekly)")]
    assert [(n["id"], n["lat"]) for n in store.nodes(Label.SITE)] == [("l1", 42.31)]
    for table, reason in (
        ("organizations.csv", "name: Field required"),
        ("services.csv", "name: Field required"),
        ("locations.csv", "latitude: Input should be less than or equal to 90"),
    ):
        t = report.table(table)
        assert (t.rows_read, t.loaded, t.quarantined) == (3, 1, 2), table
        assert t.reasons == {"id: duplicate id: a later row with the same id replaces this one": 1, reason: 1}

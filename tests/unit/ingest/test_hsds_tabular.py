"""HSDS 3 tabular packages: every dirty row is loaded or quarantined, with the reason, and the graph is right."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.model import Label, RelType
from kith.ingest.hsds import ingest_hsds
from kith.ingest.report import IngestReport
from tests.unit.ingest.conftest import hsds3_package, write_csv

EXPECTED = {  # table: (read, loaded, quarantined, reasons)
    "organizations.csv": (
        4,
        2,
        2,
        {"id: duplicate id: a later row with the same id replaces this one": 1, "name: Field required": 1},
    ),
    "services.csv": (6, 4, 2, {"status: the service is inactive: not offered": 1, "name: Field required": 1}),
    "locations.csv": (
        5,
        3,
        2,
        {
            "latitude: Input should be less than or equal to 90": 1,
            "latitude,longitude: coordinates (0, 0) are a placeholder, not a place": 1,
        },
    ),
    "addresses.csv": (2, 1, 1, {"location_id: points to no location": 1}),
    "service_at_location.csv": (
        6,
        3,
        3,
        {
            "service_id: its service was not loaded (see that row)": 1,
            "location_id: its location was not loaded (see that row)": 1,
            "service_id: points to no service": 1,
        },
    ),
    "schedules.csv": (2, 2, 0, {}),
    "languages.csv": (3, 2, 1, {"service_id: points to no service": 1}),
    "service_capacity.csv": (2, 1, 1, {"maximum: must be a whole number, 0 or more": 1}),
    "taxonomy_terms.csv": (3, 3, 0, {}),
    "attributes.csv": (5, 4, 1, {"taxonomy_term_id: points to no taxonomy term": 1}),
}


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return hsds3_package(tmp_path / "hsds")


def _ingest(path: Path, store: MemoryStore, tmp_path: Path, **kw) -> IngestReport:
    return ingest_hsds(path, store, quarantine_dir=tmp_path / "quarantine", **kw)


def test_every_table_counts_exactly_with_reasons(package: Path, store: MemoryStore, tmp_path: Path) -> None:
    report = _ingest(package, store, tmp_path)
    assert report.format == "hsds3-csv"
    got = {t.table: (t.rows_read, t.loaded, t.quarantined, t.reasons) for t in report.tables}
    assert got == EXPECTED
    assert all(t.loaded + t.quarantined == t.rows_read for t in report.tables)
    assert report.unmapped_terms == {"Community Gardens": 1}
    assert any("contacts.csv" in note for note in report.notes)


def test_caveats_of_loaded_rows(package: Path, store: MemoryStore, tmp_path: Path) -> None:
    report = _ingest(package, store, tmp_path)
    assert report.table("services.csv").flags == {
        "organization_id points to no organization: kept with a placeholder agency": 1,
        "its organization was quarantined: kept with a placeholder agency": 1,
        "no organization_id: kept with a placeholder agency": 1,
    }
    assert report.table("locations.csv").flags == {
        "no coordinates: placed at the ZIP centroid": 1,
        "no coordinates and no address or ZIP to geocode: stored without a place": 1,
    }


def test_the_resulting_graph(package: Path, store: MemoryStore, tmp_path: Path) -> None:
    _ingest(package, store, tmp_path)
    counts = store.counts()
    assert (counts["Agency"], counts["Service"], counts["Site"]) == (5, 4, 3)
    assert (counts["OFFERS"], counts["DELIVERED_AT"], counts["ADDRESSES"]) == (4, 3, 2)
    agencies = {a["id"]: a for a in store.nodes(Label.AGENCY)}
    assert agencies["o1"]["name"] == "Northside Family Center"  # trailing space gone
    assert agencies["o2"]["name"] == "Harbor Youth Services"  # the last duplicate row won
    assert {k for k, a in agencies.items() if a.get("placeholder")} == {"o9", "o3", "unknown-org-of-s6"}
    offers = {(r["source"], r["target"]) for r in store.relationships(RelType.OFFERS)}
    assert offers == {("o1", "s1"), ("o9", "s2"), ("o3", "s4"), ("unknown-org-of-s6", "s6")}
    s1, s2, s4 = (store.nodes(Label.SERVICE, ids=[i])[0] for i in ("s1", "s2", "s4"))
    assert s1["hours"] == "Mon, Wed 9:00am–5:00pm"  # free-text times kept as given
    assert s2["hours"] == "After school, by appointment"
    assert s1["description"] == "Groceries every week,\nno questions asked"
    assert (s1["capacity"], s1["cost"], s1["languages"]) == (40, "free", ["es", "ht"])
    assert (s2["min_age"], s2["max_age"], "capacity" not in s2) == (6, 14, True)
    assert s4["cost"] == "sliding"
    needs = {(r["source"], r["target"]) for r in store.relationships(RelType.ADDRESSES)}
    assert needs == {("s1", "food"), ("s2", "tutoring")}
    sites = {s["id"]: s for s in store.nodes(Label.SITE)}
    assert set(sites) == {"l1", "l2", "l5"}
    assert sites["l2"]["geocode_precision"] == "zip" and sites["l2"]["zip"] == "02139"
    assert sites["l2"]["lat"] == pytest.approx(42.36, abs=0.02)
    assert "lat" not in sites["l5"] and "geocode_precision" not in sites["l1"]
    delivered = {(r["source"], r["target"]) for r in store.relationships(RelType.DELIVERED_AT)}
    assert delivered == {("s1", "l1"), ("s2", "l2"), ("s6", "l5")}


def test_quarantine_file_lists_file_row_field_reason(package: Path, store: MemoryStore, tmp_path: Path) -> None:
    report = _ingest(package, store, tmp_path)
    path = Path(report.quarantine_file)
    assert path.parent == tmp_path / "quarantine" and path.name.startswith("hsds-")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(len(v[3]) and sum(v[3].values()) for v in EXPECTED.values())
    assert {
        "file": "locations.csv",
        "row": "4",
        "field": "latitude",
        "reason": "Input should be less than or equal to 90",
    } in rows
    assert {
        "file": "organizations.csv",
        "row": "3",
        "field": "id",
        "reason": "duplicate id: a later row with the same id replaces this one",
    } in rows


def test_zip_package_reads_the_same(package: Path, store: MemoryStore, tmp_path: Path) -> None:
    archive = tmp_path / "hsds.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in package.iterdir():
            zf.write(file, f"export/{file.name}")
    report = _ingest(archive, store, tmp_path)
    assert {t.table: (t.rows_read, t.loaded, t.quarantined, t.reasons) for t in report.tables} == EXPECTED


def test_twice_changes_nothing_and_a_changed_file_updates(package: Path, tmp_path: Path) -> None:
    store = MemoryStore()
    _ingest(package, store, tmp_path)
    before = (store.counts(), store.nodes(Label.SERVICE), store.nodes(Label.SITE))
    _ingest(package, store, tmp_path)
    assert (store.counts(), store.nodes(Label.SERVICE), store.nodes(Label.SITE)) == before
    write_csv(
        package / "organizations.csv",
        ["id", "name", "website"],
        [
            ["o1", "Northside Family Center", "https://north.example.org"],
            ["o2", "Harbor Youth Services", "https://harbor.example.org"],
            ["o9", "Eastside Tutors", ""],
        ],
    )
    _ingest(package, store, tmp_path)
    agency = store.nodes(Label.AGENCY, ids=["o9"])[0]
    assert (agency["name"], agency["placeholder"]) == ("Eastside Tutors", False)  # the placeholder is filled in
    assert store.counts()["Agency"] == 5


def test_dry_run_writes_nothing(package: Path, store: MemoryStore, tmp_path: Path) -> None:
    report = _ingest(package, store, tmp_path, dry_run=True)
    assert report.dry_run and report.written == {}
    assert sum(store.counts().values()) == 0
    assert report.table("services.csv").loaded == 4


def test_report_json_has_one_object_per_table(package: Path, store: MemoryStore, tmp_path: Path) -> None:
    report = _ingest(package, store, tmp_path)
    report.write_json(tmp_path / "report.json")
    data = json.loads((tmp_path / "report.json").read_text())
    tables = {t["table"]: t for t in data["tables"]}
    assert set(tables) == set(EXPECTED)
    assert tables["services.csv"]["reasons"] == EXPECTED["services.csv"][3]
    assert all(t["loaded"] + t["quarantined"] == t["rows_read"] for t in tables.values())


def test_a_folder_without_hsds_tables_is_an_input_error(tmp_path: Path, store: MemoryStore) -> None:
    from kith.graph.errors import InputError

    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no HSDS tables"):
        ingest_hsds(tmp_path / "empty", store)
    shutil.rmtree(tmp_path / "empty")

"""HSDS 3 JSON (as the API returns it) and HSDS 1 tabular packages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.model import Label, RelType
from kith.ingest._hsds_read import detect
from kith.ingest.hsds import ingest_hsds
from tests.unit.ingest.conftest import write_csv

ORG = {
    "id": "org-1",
    "name": "Harbor Youth Services",
    "website": "https://harbor.example.org",
    "phones": [{"id": "p1", "number": '"617-555-0100"', "extension": 12}],
}


def _service(sid: str, lat: float, *, org: dict | None = None) -> dict:
    location = {
        "id": f"loc-{sid}",
        "name": "Harbor Office",
        "latitude": lat,
        "longitude": -71.05,
        "addresses": [
            {
                "id": f"a-{sid}",
                "address_1": "1 Main St",
                "city": "Boston",
                "postal_code": "02108",
                "country": "US",
                "address_type": "physical",
            }
        ],
        "languages": [{"id": "lg", "name": "Portuguese"}],
    }
    return {
        "id": sid,
        "name": f"Service {sid}",
        "status": "active",
        "minimum_age": 12,
        "maximum_age": 18,
        "organization": org or ORG,
        "service_at_locations": [{"id": f"sal-{sid}", "location": location}],
        "schedules": [{"id": f"h-{sid}", "byday": "TU,TH", "opens_at": "15:00:00", "closes_at": "18:00:00"}],
        "attributes": [
            {
                "id": f"at-{sid}",
                "taxonomy_term": {
                    "id": "t-mh",
                    "code": "",
                    "name": "Mental Health Care",
                    "taxonomy": "Open Eligibility",
                },
            }
        ],
        "capacities": [{"id": f"c-{sid}", "maximum": 25}],
        "cost_options": [{"id": f"co-{sid}", "amount": 0}],
    }


def test_a_page_of_services_with_nested_objects(tmp_path: Path) -> None:
    page = {"total_items": 2, "contents": [_service("s1", 42.36), _service("s2", 100.0)]}
    (tmp_path / "services.json").write_text(json.dumps(page))
    store = MemoryStore()
    report = ingest_hsds(tmp_path / "services.json", store)
    assert report.format == "hsds3-json"
    got = {t.table: (t.rows_read, t.loaded, t.quarantined) for t in report.tables}
    assert got["services.json:services"] == (2, 2, 0)
    assert got["services.json:organizations"] == (2, 2, 0)  # the same organization twice: merged, not a duplicate
    assert got["services.json:locations"] == (2, 1, 1)  # latitude 100
    assert got["services.json:service_at_location"] == (2, 1, 1)
    assert report.table("services.json:locations").reasons == {"latitude: Input should be less than or equal to 90": 1}
    assert all(t.loaded + t.quarantined == t.rows_read for t in report.tables)
    service = store.nodes(Label.SERVICE, ids=["s1"])[0]
    assert (service["capacity"], service["cost"], service["min_age"]) == (25, "free", 12)
    assert service["languages"] == ["pt"] and service["hours"] == "Tue, Thu 15:00–18:00"
    assert store.nodes(Label.AGENCY)[0]["phone"] == "617-555-0100 ext. 12"
    assert {(r["source"], r["target"]) for r in store.relationships(RelType.ADDRESSES)} == {
        ("s1", "mental_health_counseling"),
        ("s2", "mental_health_counseling"),
    }
    assert {(r["source"], r["target"]) for r in store.relationships(RelType.DELIVERED_AT)} == {("s1", "loc-s1")}


def test_conflicting_repeats_in_json_keep_the_last(tmp_path: Path) -> None:
    other = {**ORG, "name": "Harbor Youth Services, Inc."}
    (tmp_path / "a.json").write_text(json.dumps([_service("s1", 42.36), _service("s2", 42.35, org=other)]))
    store = MemoryStore()
    report = ingest_hsds(tmp_path / "a.json", store)
    assert report.table("a.json:organizations").reasons == {
        "id: duplicate id: a later row with the same id replaces this one": 1
    }
    assert store.nodes(Label.AGENCY)[0]["name"] == "Harbor Youth Services, Inc."


def test_a_folder_of_json_files_and_files_that_are_not_hsds(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps(_service("s1", 42.36)))
    (tmp_path / "base.json").write_text(json.dumps({"version": "3.0", "openapi_url": "https://example.org"}))
    assert detect(tmp_path) == "hsds3-json"
    report = ingest_hsds(tmp_path, MemoryStore())
    assert report.table("one.json:services").loaded == 1
    assert any(note.startswith("base.json:") for note in report.notes)


def test_broken_json_is_an_input_error(tmp_path: Path) -> None:
    from kith.graph.errors import InputError

    (tmp_path / "bad.json").write_text('{"id": "s1", ')
    with pytest.raises(InputError, match="not valid JSON"):
        ingest_hsds(tmp_path / "bad.json", MemoryStore())


def hsds1_package(folder: Path) -> Path:
    folder.mkdir()
    write_csv(folder / "organizations.csv", ["id", "name", "url"], [["o1", "Sanctuary", "http://example.com"]])
    write_csv(
        folder / "services.csv",
        ["id", "organization_id", "name", "status", "fees", "taxonomy_ids"],
        [
            ["s1", "o1", "Never Homeless Helpline", "active", "", "t2"],
            ["s2", "o1", "Young Minds", "active", "$20 per session", ""],
            ["s3", "o1", "Food Safety", "defunct", "", ""],
        ],
    )
    write_csv(
        folder / "locations.csv",
        ["id", "organization_id", "name", "latitude", "longitude"],
        [
            ["l1", "o1", "Sanctuary on 5th Street", "", ""],
            ["l2", "o1", "4830 Highland Drive", "39.428192", "-119.897426"],
        ],
    )
    write_csv(
        folder / "services_at_location.csv",
        ["id", "service_id", "location_id"],
        [["x1", "s1", "l1"], ["x2", "s2", "l2"], ["x3", "s3", "l2"]],
    )
    write_csv(
        folder / "physical_addresses.csv",
        ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country"],
        [["p1", "l1", "Address 1", "New York City", "NY", "10001", "US"]],
    )
    write_csv(
        folder / "regular_schedules.csv",
        ["id", "service_id", "weekday", "opens_at", "closes_at"],
        [["r1", "s1", "1", "09:00:00", "17:00:00"], ["r2", "s1", "2", "09:00:00", "17:00:00"]],
    )
    write_csv(folder / "languages.csv", ["id", "service_id", "language"], [["g1", "s1", "English"]])
    write_csv(folder / "eligibility.csv", ["id", "service_id", "eligibility"], [["e1", "s1", "adult"]])
    write_csv(
        folder / "taxonomy.csv",
        ["id", "name", "parent_id", "vocabulary"],
        [["t1", "Emergency Shelter", "", "OE"], ["t2", "BH-1800", "", "AIRS"]],
    )
    write_csv(
        folder / "services_taxonomy.csv",
        ["id", "service_id", "taxonomy_id"],
        [["st1", "s1", "t1"], ["st2", "s2", "t9"]],
    )
    return folder


def test_hsds1_package(tmp_path: Path) -> None:
    package = hsds1_package(tmp_path / "v1")
    assert detect(package) == "hsds1-csv"
    store = MemoryStore()
    report = ingest_hsds(package, store)
    got = {t.table: (t.rows_read, t.loaded, t.quarantined) for t in report.tables}
    assert got == {
        "eligibility.csv": (1, 1, 0),
        "languages.csv": (1, 1, 0),
        "locations.csv": (2, 2, 0),
        "organizations.csv": (1, 1, 0),
        "physical_addresses.csv": (1, 1, 0),
        "regular_schedules.csv": (2, 2, 0),
        "services.csv": (3, 2, 1),
        "services_at_location.csv": (3, 2, 1),
        "services_taxonomy.csv": (2, 1, 1),
        "taxonomy.csv": (2, 2, 0),
    }
    assert report.table("services.csv").reasons == {"status: the service is defunct: not offered": 1}
    assert report.table("services_taxonomy.csv").reasons == {"taxonomy_id: points to no taxonomy term": 1}
    s1, s2 = store.nodes(Label.SERVICE)
    assert (s1["hours"], s1["languages"], s1["eligibility"]) == ("Mon, Tue 09:00–17:00", ["en"], "adult")
    assert s2["cost"] == "fee" and "hours" not in s2
    assert store.nodes(Label.AGENCY)[0]["website"] == "http://example.com"
    assert [r["target"] for r in store.relationships(RelType.ADDRESSES)] == ["housing"]  # name and AIRS code agree
    l1 = store.nodes(Label.SITE, ids=["l1"])[0]
    assert (l1["zip"], l1["geocode_precision"]) == ("10001", "zip")

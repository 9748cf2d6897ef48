"""Schools (NCES CCD/EDGE, plain CSV, GeoJSON) and the plain agencies CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kith.graph.errors import InputError
from kith.graph.memory import MemoryStore
from kith.graph.model import Label, RelType
from kith.ingest.agencies import ingest_agencies
from kith.ingest.nces import ingest_schools
from tests.unit.ingest.conftest import write_csv

NCES_HEADER = [
    "NCESSCH",
    "SCH_NAME",
    "LEAID",
    "LEA_NAME",
    "LATCOD",
    "LONCOD",
    "LZIP",
    "LEVEL",
    "SCH_TYPE_TEXT",
    "CHARTER_TEXT",
    "TITLEI_STATUS",
    "TOTAL",
    "TOTFRL",
]


def test_nces_directory_file(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ccd.csv",
        NCES_HEADER,
        [
            [
                "250327000436",
                "Tobin K-8",
                "2503270",
                "Boston",
                "42.3347",
                "-71.1009",
                "02120",
                "Elementary",
                "Regular School",
                "No",
                "SWELIGSWPROG",
                "400",
                "300",
            ],
            [
                "50327000437",
                "Excel High",
                "2503270",
                "Boston",
                "",
                "",
                "2127",
                "High",
                "Regular School",
                "Yes",
                "NOTTITLE1ELIG",
                "-9",
                "-1",
            ],  # leading zero lost in a spreadsheet; ZIP too; enrollment suppressed
            [
                "250327000438",
                "Horace Mann",
                "2503270",
                "Boston",
                "142.3",
                "-71.1",
                "02130",
                "Not reported",
                "Special Education School",
                "No",
                "",
                "120",
                "",
            ],
            [
                "2.50327E+11",
                "Mangled",
                "2503270",
                "Boston",
                "42.3",
                "-71.1",
                "02130",
                "Middle",
                "Regular School",
                "No",
                "",
                "",
                "",
            ],
            [
                "250327000436",
                "Tobin K-8 School",
                "2503270",
                "Boston",
                "42.3347",
                "-71.1009",
                "02120",
                "Elementary",
                "Alternative Education School",
                "No",
                "TGELGBNOPROG",
                "410",
                "",
            ],
        ],
        encoding="cp1252",
    )
    store = MemoryStore()
    report = ingest_schools(path, store)
    assert report.format == "nces"
    table = report.table("ccd.csv")
    assert (table.rows_read, table.loaded, table.quarantined) == (5, 2, 3)
    assert table.reasons == {
        "latcod: Input should be less than or equal to 90": 1,  # header names as keys: lower case
        "ncessch: a spreadsheet turned this id into a number (scientific notation); export the column as text": 1,
        "ncessch: duplicate id: a later row with the same id replaces this one": 1,
    }
    assert table.flags == {"no coordinates: placed at the ZIP centroid": 1}
    excel, tobin = store.nodes(Label.SCHOOL)  # by id
    assert excel["id"] == "050327000437" and excel["kind"] == "charter" and excel["title_i"] is False
    assert "enrollment" not in excel and excel["level"] == "high"
    assert excel["lat"] == pytest.approx(42.33, abs=0.05)  # ZIP 02127, South Boston
    assert (tobin["name"], tobin["kind"], tobin["enrollment"], tobin["title_i"]) == (
        "Tobin K-8 School",
        "alternative",
        410,
        False,
    )  # the later row won
    assert (tobin["district"], tobin["level"]) == ("Boston", "elementary")


def test_plain_schools_csv_and_unknown_values(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "schools.csv",
        ["id", "name", "lat", "lon", "level", "kind", "enrollment", "frl_pct"],
        [
            ["s1", "Hill School", "42.30", "-71.05", "middle", "charter", "350", "61.5"],
            ["s2", "Dale School", "0", "0", "K-8", "magnet", "", ""],
            ["s3", "Pine School", "42.31", "-71.06", "K-8", "", "", ""],
            ["s4", "Oak School", "42.32", "-71.07", "high", "", "-5", ""],
        ],
    )
    store = MemoryStore()
    report = ingest_schools(path, store)
    table = report.table("schools.csv")
    assert report.format == "csv" and (table.loaded, table.quarantined) == (2, 2)
    assert table.reasons == {
        "enrollment: Input should be greater than or equal to 0": 1,
        "lat,lon: coordinates (0, 0) are a placeholder, not a place": 1,
    }
    assert table.flags == {}  # K-8 is a span (NCES: primary), magnet a regular school's programme
    hill = store.nodes(Label.SCHOOL, ids=["s1"])[0]
    assert (hill["level"], hill["kind"], hill["frl_pct"]) == ("middle", "charter", 61.5)
    pine = store.nodes(Label.SCHOOL, ids=["s3"])[0]
    assert (pine["level"], pine["grade_low"], pine["grade_high"]) == ("elementary", "K", "8")


def test_geojson_points(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-71.08, 42.31]},
            "properties": {"NCESSCH": "250327000500", "SCH_NAME": "Point School", "LEVEL": "Middle"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[-71, 42], [-71, 43], [-70, 42]]]},
            "properties": {"NCESSCH": "250327000501", "SCH_NAME": "Area School"},
        },
        "not a feature",
    ]
    path = tmp_path / "schools.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    store = MemoryStore()
    report = ingest_schools(path, store)
    table = report.table("schools.geojson")
    assert (report.format, table.rows_read, table.loaded, table.quarantined) == ("geojson", 3, 1, 2)
    assert table.reasons == {"geometry: not a point": 1, "not a GeoJSON feature": 1}
    school = store.nodes(Label.SCHOOL)[0]
    assert (school["lat"], school["lon"], school["level"]) == (42.31, -71.08, "middle")


AGENCY_HEADER = [
    "agency_id",
    "agency_name",
    "site_id",
    "lat",
    "lon",
    "address",
    "zip",
    "service_name",
    "need",
    "capacity",
    "languages",
    "cost",
    "hours",
]


def test_agencies_csv(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "agencies.csv",
        AGENCY_HEADER,
        [
            [
                "a1",
                "Eastside Clinic",
                "site1",
                "42.35",
                "-71.06",
                "",
                "",
                "Dental Van",
                "dental",
                "30",
                "Spanish; Haitian Creole",
                "Free",
                "Tue 9:00am-noon",
            ],
            [
                "a1",
                "Eastside Clinic",
                "site1",
                "42.35",
                "-71.06",
                "",
                "",
                "Vision Checks",
                "Vision Care|eye exams",
                "",
                "",
                "sliding scale",
                "",
            ],
            ["a2", "New Coalition Partner", "", "", "", "", "", "", "", "", "", "", ""],  # agency only
            [
                "a3",
                "Westside Legal",
                "",
                "",
                "",
                "12 Elm St, Boston MA",
                "2108",
                "Legal Clinic",
                "legal;pro bono",
                "",
                "",
                "",
                "",
            ],
            ["a4", "", "", "", "", "", "", "", "", "", "", "", ""],
            ["a5", "Bad Site Org", "s5", "91", "-71", "", "", "Meals", "food", "-1", "", "", ""],
            [
                "a1",
                "Eastside Clinic",
                "site1",
                "42.35",
                "-71.06",
                "",
                "",
                "Dental Van",
                "dental",
                "35",
                "Spanish",
                "Free",
                "Tue 9:00am-noon",
            ],
        ],
    )
    store = MemoryStore()
    report = ingest_agencies(path, store)
    table = report.table("agencies.csv")
    assert (table.rows_read, table.loaded, table.quarantined) == (7, 5, 2)  # the repeat of a1's Dental Van is merged
    assert table.reasons == {
        "agency_name: Field required": 1,
        "lat: Input should be less than or equal to 90": 1,
        "capacity: Input should be greater than or equal to 0": 1,
    }
    assert report.unmapped_terms == {"pro bono": 1}
    assert table.flags == {
        "site without coordinates: at the ZIP centroid": 1,
        "a later row gives another capacity: the later value is kept": 1,
    }
    counts = store.counts()
    assert (counts["Agency"], counts["Service"], counts["Site"]) == (3, 3, 2)
    dental = store.nodes(Label.SERVICE, ids=["a1/dental-van"])[0]
    assert (dental["capacity"], dental["languages"], dental["cost"]) == (35, ["es", "ht"], "free")  # merged
    assert dental["hours"] == "Tue 9:00am-noon"
    assert store.nodes(Label.SERVICE, ids=["a1/vision-checks"])[0]["cost"] == "sliding"
    needs = {(r["source"], r["target"]) for r in store.relationships(RelType.ADDRESSES)}
    assert needs == {("a1/dental-van", "dental"), ("a1/vision-checks", "vision"), ("a3/legal-clinic", "legal")}
    legal_site = store.nodes(Label.SITE, ids=["a3/site/12-elm-st-boston-ma"])[0]
    assert (legal_site["zip"], legal_site["geocode_precision"]) == ("02108", "zip")
    assert {(r["source"], r["target"]) for r in store.relationships(RelType.DELIVERED_AT)} == {
        ("a1/dental-van", "site1"),
        ("a1/vision-checks", "site1"),
        ("a3/legal-clinic", "a3/site/12-elm-st-boston-ma"),
    }
    assert store.nodes(Label.AGENCY, ids=["a2"])[0]["name"] == "New Coalition Partner"


def test_agencies_csv_without_the_required_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "agencies.csv", ["name", "lat"], [["X", "42"]])
    with pytest.raises(InputError, match="missing column.*agency_id.*agency_name"):
        ingest_agencies(path, MemoryStore())

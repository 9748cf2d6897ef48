"""Exports kith knows no header of, loaded through a written column map; schools and agencies matched by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from kith.graph.errors import InputError
from kith.graph.memory import MemoryStore
from kith.graph.model import Label, RelType, School
from kith.ingest import _match, _places
from kith.ingest._colmap import load_map
from kith.ingest.agencies import ingest_agencies
from kith.ingest.programs import ingest_programs
from tests.unit.ingest.exports import (
    LEGACY_MAP,
    YOUTH_PROGRAMS_MAP,
    assert_nothing_lost,
    legacy_services_csv,
    youth_programs_export,
)


def _map(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text)
    return path


def test_a_legacy_flat_services_csv_through_a_map(tmp_path: Path) -> None:
    path = legacy_services_csv(tmp_path / "services.csv")
    with pytest.raises(InputError, match="agency_id"):
        ingest_agencies(path, MemoryStore())  # no header kith knows
    store = MemoryStore()
    report = ingest_agencies(
        path, store, column_map=load_map(_map(tmp_path, LEGACY_MAP)), quarantine_dir=tmp_path / "q"
    )
    assert_nothing_lost(report, tmp_path / "q")
    table = report.table("services.csv")
    assert (table.rows_read, table.loaded, table.quarantined) == (4, 3, 1)
    assert table.reasons == {f"lat,long: {_places.PROJECTED}": 1}
    agencies = {a["name"]: a for a in store.nodes(Label.AGENCY)}
    assert set(agencies) == {"Café Niño Food Bank", "Casa de Esperanza", "Youth Hub"}  # Mac Roman, CR-only
    assert agencies["Casa de Esperanza"]["kind"] == "nonprofit"
    needs = {(r["source"], r["target"]) for r in store.relationships(RelType.ADDRESSES)}
    casa = "agency-casa-de-esperanza/casa-de-esperanza"
    assert needs == {
        ("agency-cafe-nino-food-bank/cafe-nino-food-bank", "food"),
        (casa, "housing"),
        (casa, "medical"),
        ("agency-youth-hub/youth-hub", "after_school"),
    }
    site = next(s for s in store.nodes(Label.SITE) if s["address"] == "20 Valencia St")
    assert (site["lat"], site["lon"]) == (37.7702, -122.4202)


def test_a_map_that_does_not_fit_says_every_problem(tmp_path: Path) -> None:
    path = legacy_services_csv(tmp_path / "services.csv")
    bad = _map(
        tmp_path, "kind: agencies\ncolumns:\n  agency_name: Provider\n  colour: name\nneed_flags:\n  snacks: food\n"
    )
    with pytest.raises(InputError) as info:
        ingest_agencies(path, MemoryStore(), column_map=load_map(bad))
    message = str(info.value)
    assert "no column 'Provider'" in message and "'colour' is not a field" in message and "'snacks'" in message


def _schools() -> MemoryStore:
    store = MemoryStore()
    store.upsert_nodes(
        [
            School(id="s-hoover", name="Herbert Hoover Middle School"),
            School(id="s-garfield", name="Garfield Elementary School"),
            School(id="s-lincoln", name="Lincoln High School"),
            School(id="s-wash-e", name="Washington Elementary"),
            School(id="s-wash-m", name="Washington Middle School"),
        ]
    )
    return store


def test_a_programs_at_schools_export_through_a_map(tmp_path: Path) -> None:
    store = _schools()
    report = ingest_programs(
        youth_programs_export(tmp_path / "programs.csv"),
        store,
        column_map=load_map(_map(tmp_path, YOUTH_PROGRAMS_MAP)),
        quarantine_dir=tmp_path / "q",
    )
    assert_nothing_lost(report, tmp_path / "q")
    table = report.table("programs.csv")
    assert (table.rows_read, table.loaded, table.quarantined) == (5, 4, 1)
    (reason,) = table.reasons
    assert reason.startswith("site_school: no clear school by this name") and "Washington" in reason
    partners = {(r["source"], r["target"]): r.get("program") for r in store.relationships(RelType.PARTNERS_WITH)}
    assert partners == {
        ("s-hoover", "agency-bay-area-youth-alliance"): "Homework Club; Robotics",
        ("s-garfield", "agency-bay-area-youth-alliance"): "Homework Club",
        ("s-lincoln", "agency-mission-mentors"): "Big Buddies",
    }
    services = {s["id"] for s in store.nodes(Label.SERVICE)}
    assert services == {
        "agency-bay-area-youth-alliance/homework-club",
        "agency-bay-area-youth-alliance/robotics",
        "agency-mission-mentors/big-buddies",
    }
    delivered = {(r["source"], r["target"]) for r in store.relationships(RelType.DELIVERED_AT)}
    assert (
        "agency-bay-area-youth-alliance/homework-club",
        "agency-bay-area-youth-alliance/site/3801-third-st",
    ) in delivered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hoover, Herbert Middle School (6-8)", "s-hoover"),
        ("HERBERT HOOVER MS", "s-hoover"),
        ("Garfield Elem.", "s-garfield"),
        ("Lincoln H.S.", "s-lincoln"),
        ("Washington", None),
        ("Zebra Academy", None),
    ],
)
def test_matching_by_name(text: str, expected: str | None) -> None:
    matcher = _match.NameMatcher(((s["id"], s["name"]) for s in _schools().nodes(Label.SCHOOL)), "school")
    found, reason = matcher.match(text)
    assert found == expected
    if text == "Washington":
        assert "Washington Elementary" in reason and "Washington Middle School" in reason

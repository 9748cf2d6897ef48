"""A travel-time matrix loaded on the Load data page: checked as `kith gaps --travel` reads it (bounded
as every upload, problems named by row and field, audited), kept for the gap questions, and the Gaps page
then reaches by its minutes and says so."""

from __future__ import annotations

import base64
import stat

import pytest

from kith.dashboard import _upload
from kith.dashboard.data import DashboardData
from kith.dashboard.pages import gaps as gaps_page
from kith.dashboard.pages import load as load_page
from kith.graph.errors import AccessDenied
from kith.settings import KithSettings
from kith.trust.access import Role, Viewer
from kith.trust.audit import AuditLog
from tests.unit.queries.test_travel import river as _river_fixture

ADA = Viewer(name="ada", role=Role.ADMIN)
river = _river_fixture


def _url(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


def test_a_matrix_loaded_on_the_page_reverses_the_deserts_on_the_gaps_page(river, tmp_path) -> None:
    data = DashboardData(river, KithSettings(_env_file=None, home=tmp_path, neo4j_uri=None))
    rows, _, _, _, note = gaps_page.table(data, "dental", "school", "estimate")
    assert [r["area"] for r in rows if r["desert"] == "yes"] == ["Far"] and "Reach: straight-line distance" in note

    matrix = "origin,destination,minutes\nN,S,45\nF,S,12.5\n"
    status, _ = load_page.load(data, ADA, _url(matrix), "osrm.csv", "travel", ["dry-run"])
    assert status.startswith("Dry run of osrm.csv as a travel-time matrix: 2 (origin, destination) pairs")
    assert not _upload.travel_path(tmp_path).exists()

    status, _ = load_page.load(data, ADA, _url(matrix), "osrm.csv", "travel", [])
    assert "Travel measure in use on the Gaps page: travel matrix, 20 minutes (2 pairs" in status
    kept = _upload.travel_path(tmp_path)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert not any((tmp_path / "uploads").iterdir())  # the upload itself is gone
    rows, _, _, _, note = gaps_page.table(data, "dental", "school", "estimate")
    assert [r["area"] for r in rows if r["desert"] == "yes"] == ["Near"]  # 45 minutes across the river
    assert "Reach: travel matrix, 20 minutes" in note
    records = AuditLog(tmp_path).entries()
    assert [(r.get("kind"), r.get("outcome"), r.get("loaded")) for r in records if r.get("kind") == "travel"] == [
        ("travel", "dry_run", 2),
        ("travel", "loaded", 2),
    ]


def test_a_bad_matrix_is_refused_by_row_and_field(river, tmp_path) -> None:
    data = DashboardData(river, KithSettings(_env_file=None, home=tmp_path, neo4j_uri=None))
    bad = "origin,destination,minutes\nN,S,45\nF,S,soon\n"
    status, _ = load_page.load(data, ADA, _url(bad), "osrm.csv", "travel", [])
    assert status == (
        "Not loaded: the travel matrix osrm.csv has minutes that are not numbers >= 0 (field minutes, row(s) 3)"
    )
    assert not _upload.travel_path(tmp_path).exists()
    status, _ = load_page.load(data, ADA, _url("from,to\nN,S\n"), "osrm.csv", "travel", [])
    assert "no origin column" in status and "osrm.csv" in status
    status, _ = load_page.load(data, ADA, _url(bad), "osrm.json", "travel", [])
    assert status == "Not loaded: travel are loaded from .csv files, not .json."
    huge = "data:text/csv;base64," + "A" * (load_page.file_limit(data) * 4 // 3 + 100)
    status, _ = load_page.load(data, ADA, huge, "osrm.csv", "travel", [])
    assert status.startswith("Not loaded: the file is larger than the limit")


def test_the_matrix_can_be_removed_and_the_gaps_page_reaches_by_distance_again(river, tmp_path) -> None:
    data = DashboardData(river, KithSettings(_env_file=None, home=tmp_path, neo4j_uri=None))
    matrix = "origin,destination,minutes\nN,S,45\nF,S,12.5\n"
    load_page.load(data, ADA, _url(matrix), "osrm.csv", "travel", [])
    rows, *_ = gaps_page.table(data, "dental", "school", "estimate")
    assert [r["area"] for r in rows if r["desert"] == "yes"] == ["Near"]
    with pytest.raises(AccessDenied):
        load_page.remove_travel(data, Viewer(name="pat", role=Role.PLANNER))
    assert _upload.travel_path(tmp_path).exists()

    note, disabled = load_page.remove_travel(data, ADA)
    assert (
        note
        == "The travel-time matrix was removed. Travel measure in use on the Gaps page: straight-line distance, 5 km."
    )
    assert disabled and not _upload.travel_path(tmp_path).exists()
    rows, _, _, _, text = gaps_page.table(data, "dental", "school", "estimate")
    assert [r["area"] for r in rows if r["desert"] == "yes"] == ["Far"] and "Reach: straight-line distance" in text
    assert load_page.remove_travel(data, ADA) == (load_page.travel_note(data), True)  # twice: nothing to remove
    removed = [r for r in AuditLog(tmp_path).entries() if r["action"] == "travel_removed"]
    assert [(r["who"], r["outcome"]) for r in removed] == [("ada", "removed")]

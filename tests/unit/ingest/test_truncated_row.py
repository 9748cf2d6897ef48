"""A file that ends in the middle of its last row (a download or copy cut short) loads with a caveat on
that row, in every CSV source; a file that ends with a line break has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from kith.graph.memory import MemoryStore
from kith.ingest.agencies import ingest_agencies
from kith.ingest.hsds import ingest_hsds
from tests.unit.ingest.conftest import csv_text

CAVEAT = (
    "the last row (row 3) does not end with a line break: the file may have been cut short, so check "
    "that row's last values"
)
AGENCIES = csv_text(
    ["agency_id", "agency_name", "site_id", "lat", "lon"],
    [["a1", "Harbor", "s1", "42.3601", "-71.0589"], ["a2", "Eastside", "s2", "42.3555", "-71.0843"]],
)


@pytest.mark.parametrize("cut, flagged", [(len("0843\n"), True), (len("43\n"), True), (0, False), (1, True)])
def test_a_cut_last_row_has_a_caveat(tmp_path: Path, cut: int, flagged: bool) -> None:
    path = tmp_path / "agencies.csv"
    path.write_text(AGENCIES[: len(AGENCIES) - cut] if cut else AGENCIES, encoding="utf-8")
    report = ingest_agencies(path, MemoryStore(), quarantine_dir=tmp_path / "q")
    assert report.table("agencies.csv").loaded == 2
    assert (CAVEAT in report.table("agencies.csv").flags) is flagged


def test_a_cut_hsds_table_has_a_caveat(tmp_path: Path) -> None:
    folder = tmp_path / "hsds"
    folder.mkdir()
    (folder / "organizations.csv").write_text(
        csv_text(["id", "name"], [["o1", "North"], ["o2", "Harbor"]]), encoding="utf-8"
    )
    (folder / "locations.csv").write_text(
        csv_text(
            ["id", "organization_id", "latitude", "longitude"],
            [["l1", "o1", "42.3601", "-71.0589"], ["l2", "o2", "42.3555", "-71.0843"]],
        )[:-3],
        encoding="utf-8",
    )
    report = ingest_hsds(folder, MemoryStore(), quarantine_dir=tmp_path / "q")
    assert CAVEAT in report.table("locations.csv").flags
    assert not report.table("organizations.csv").flags

"""A zip holding two tables of one file name (``a/organizations.csv``, ``b/organizations.csv``): each is
counted on its own, under its path, and the quarantine file says which member each row came from."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from kith.graph.memory import MemoryStore
from kith.graph.model import Label
from kith.ingest.hsds import ingest_hsds
from tests.unit.ingest.conftest import csv_text


def test_two_tables_of_one_name_are_told_apart(tmp_path: Path) -> None:
    package = tmp_path / "two.zip"
    with zipfile.ZipFile(package, "w") as zf:
        zf.writestr("a/organizations.csv", csv_text(["id", "name"], [["o1", "North Center"], ["o2", ""]]))
        zf.writestr("b/organizations.csv", csv_text(["id", "name"], [["o3", ""], ["o4", "Harbor Youth"]]))
        zf.writestr("services.csv", csv_text(["id", "organization_id", "name"], [["s1", "o1", "Food Pantry"]]))
    store = MemoryStore()
    report = ingest_hsds(package, store, quarantine_dir=tmp_path / "q")
    got = {t.table: (t.rows_read, t.loaded, t.quarantined) for t in report.tables if "organizations" in t.table}
    assert got == {"a/organizations.csv": (2, 1, 1), "b/organizations.csv": (2, 1, 1)}
    assert {n["id"] for n in store.nodes(Label.AGENCY)} == {"o1", "o4"}
    with open(report.quarantine_file, encoding="utf-8", newline="") as f:
        rows = [(r["file"], r["row"]) for r in csv.DictReader(f) if "organizations" in r["file"]]
    assert sorted(rows) == [("a/organizations.csv", "3"), ("b/organizations.csv", "2")]

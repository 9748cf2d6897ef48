"""A large agencies CSV is read, merged and written a chunk of rows at a time (issue 14, item 9): what a chunk
leaves behind is the fields each node was given, never the rows; the graph, the report and the atomic save
are those of merging every row at once, whatever the chunk size and however the rows of one agency are spread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.model import Agency, Label, RelType, Site
from kith.ingest import _merge
from kith.ingest._load import PROGRESS_EVERY
from kith.ingest._merge import NOTHING_NEW
from kith.ingest.agencies import ingest_agencies
from kith.ingest.programs import ingest_programs
from tests.unit.ingest.conftest import AGENCY_HEADER, agency_rows, write_csv
from tests.unit.ingest.exports import provider_export

HEADER = ["agency_id", "agency_name", "phone", "parent_agency", "site_id", "lat", "lon", "service_name", "need"]
#: a1's rows are spread over the file: its phone first comes in its second row, a site moves, a row repeats
ROWS = [
    ["a1", "Harbor Services", "", "", "s1", "42.30", "-71.05", "Food Pantry", "food"],
    ["a2", "Bay Youth", "617-555-0101", "Harbor Services", "s2", "42.31", "-71.06", "Tutoring", "tutoring"],
    ["a1", "Harbor Services", "617-555-0102", "", "s1", "42.30", "-71.05", "Food Pantry", "food"],
    ["a3", "Cove Center", "617-555-0103", "United Way", "s3", "42.32", "-71.07", "Clothing", "clothing"],
    ["a2", "Bay Youth", "617-555-0101", "Harbor Services", "s2", "42.31", "-71.06", "Tutoring", "tutoring"],
    ["a1", "Harbor Services", "617-555-0104", "", "s1", "42.35", "-71.05", "Food Pantry", "food; housing"],
    ["a1", "Harbor Services", "617-555-0105", "", "s1", "100", "-71.05", "Food Pantry", "food"],  # latitude 100
    ["a4", "Inlet House", "", "United Way", "s4", "42.33", "-71.08", "Housing Help", "housing"],
    ["a1", "Harbor Services", "617-555-0102", "", "s1", "42.35", "-71.05", "Food Pantry", "food"],
]


def _prior() -> MemoryStore:
    """A graph an earlier ingest left: a1 with a phone and a website this file does not give."""
    store = MemoryStore()
    store.upsert_nodes([Agency(id="a1", name="Harbor", phone="000-000-0000", website="https://harbor.example.org")])
    store.upsert_nodes([Site(id="s1", name="Old site", lat=42.0, lon=-71.0)])
    return store


def _graph(store: MemoryStore) -> dict[str, Any]:
    return {
        **{label.value: store.nodes(label) for label in Label},
        **{t.value: store.relationships(t) for t in RelType},
    }


def _ingest(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, **options: Any) -> Any:
    monkeypatch.setattr(_merge, "CHUNK_ROWS", chunk)
    store = _prior()
    report = ingest_agencies(path, store, quarantine_dir=tmp_path / f"q{chunk}", **options)
    return _graph(store), report.model_dump(exclude={"quarantine_file"})


@pytest.mark.parametrize("chunk", [1, 2, 3, 5])
def test_any_chunk_size_gives_the_graph_and_report_of_one_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    path = write_csv(tmp_path / "agencies.csv", HEADER, ROWS)
    whole, whole_report = _ingest(path, tmp_path, monkeypatch, 10_000)
    assert _ingest(path, tmp_path, monkeypatch, chunk) == (whole, whole_report)
    # and that graph is the merge of every row on top of the earlier graph
    a1 = next(a for a in whole[Label.AGENCY.value] if a["id"] == "a1")
    assert a1["phone"] == "617-555-0102; 617-555-0104"  # this file's phones only (its merged fields replace)
    assert a1["website"] == "https://harbor.example.org"  # a field the file does not give is kept
    s1 = next(s for s in whole[Label.SITE.value] if s["id"] == "s1")
    assert (s1["name"], s1["lat"]) == ("Harbor Services", 42.35)  # the last valid row's place
    needs = {(r["source"], r["target"]) for r in whole[RelType.ADDRESSES.value]}
    assert {("a1/food-pantry", "food"), ("a1/food-pantry", "housing")} <= needs
    parents = {(r["source"], r["target"]) for r in whole[RelType.COLLABORATES_WITH.value]}
    assert parents == {("a2", "a1"), ("a3", "agency-united-way"), ("a4", "agency-united-way")}
    table = whole_report["tables"][0]
    assert (table["rows_read"], table["loaded"], table["quarantined"]) == (9, 8, 1)
    assert table["reasons"] == {"lat: Input should be less than or equal to 90": 1}
    assert table["flags"][NOTHING_NEW] == 2  # a2's repeat and a1's last row
    assert table["flags"]["a later row gives another lat: the later value is kept"] == 1
    assert whole_report["written"] == {"nodes": 5 + 4 + 4, "relationships": 4 + 4 + 5 + 3}


def test_a_dry_run_counts_the_same_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_csv(tmp_path / "agencies.csv", HEADER, ROWS)
    (_, whole), (_, chunked) = (_ingest(path, tmp_path, monkeypatch, n, dry_run=True) for n in (10_000, 2))
    assert chunked == whole
    assert any(note.startswith("dry run: ") and "nothing written" in note for note in whole["notes"])
    assert not list(tmp_path.glob("q*/*"))


def test_a_provider_export_merges_the_same_a_row_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The export of one row per provider × address × contact × code: parents, contacts and repeats."""
    path = provider_export(tmp_path / "providers.csv")
    assert _ingest(path, tmp_path, monkeypatch, 1) == _ingest(path, tmp_path, monkeypatch, 10_000)


class _Watched(MemoryStore):
    """The embedded store, noting how many rows the ingest had read when each batch of agencies came."""

    def __init__(self) -> None:
        super().__init__()
        self.read = 0
        self.agencies_at: list[int] = []

    def upsert_nodes(self, nodes: Any, *, batch_size: int = 10_000) -> int:
        nodes = list(nodes)
        if any(n.label is Label.AGENCY for n in nodes):
            self.agencies_at.append(self.read)
        return super().upsert_nodes(nodes, batch_size=batch_size)


def test_rows_are_written_as_the_file_is_read_not_after(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory grows with the chunk: the first chunk's agencies reach the store before the file is read."""
    rows = 4 * PROGRESS_EVERY
    path = write_csv(tmp_path / "agencies.csv", AGENCY_HEADER, agency_rows(rows, prefix="A", name="A", per_agency=2))
    monkeypatch.setattr(_merge, "CHUNK_ROWS", 1_000)
    store = _Watched()

    def progress(n: int) -> None:
        store.read += n

    report = ingest_agencies(path, store, progress=progress)
    assert store.read == rows and len(store.nodes(Label.AGENCY)) == rows // 2
    assert report.written == {"nodes": rows // 2 + 2 * rows, "relationships": 3 * rows}
    assert store.agencies_at[0] < PROGRESS_EVERY * 2  # the old ingest wrote only after the last row
    assert len(store.agencies_at) >= rows // 1_000


def test_a_programs_file_still_matches_schools_by_name_in_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Programs at schools share the agencies' rows: the school named by a near spelling is found (RapidFuzz),
    and the partnership ties its agency whatever chunk wrote the agency."""
    from kith.graph.model import School

    header = ["agency_name", "program_name", "school", "address", "zip"]
    rows = [
        ["Harbor Services", "Reading Buddies", "Herbert Hoover Middle School", "12 Main St", "02139"],
        ["Bay Youth", "Homework Club", "Hoover, Herbert Middle School (6-8)", "14 Main St", "02139"],
        ["Harbor Services", "Math Circle", "Lincoln Elem.", "12 Main St", "02139"],
        ["Harbor Services", "Reading Buddies", "Nowhere Academy", "12 Main St", "02139"],
    ]
    path = write_csv(tmp_path / "programs.csv", header, rows)
    results = []
    for chunk in (1, 10_000):
        monkeypatch.setattr(_merge, "CHUNK_ROWS", chunk)
        store = MemoryStore()
        store.upsert_nodes(
            [
                School(id="h1", name="Herbert Hoover Middle School", lat=42.3, lon=-71.1),
                School(id="l1", name="Lincoln Elementary School", lat=42.31, lon=-71.1),
            ]
        )
        report = ingest_programs(path, store)
        ties = {(r["source"], r["target"], r.get("program")) for r in store.relationships(RelType.PARTNERS_WITH)}
        results.append((ties, report.model_dump(), _graph(store)))
    assert results[0] == results[1]
    ties, report, _ = results[0]
    assert ties == {
        ("h1", "agency-harbor-services", "Reading Buddies"),
        ("h1", "agency-bay-youth", "Homework Club"),
        ("l1", "agency-harbor-services", "Math Circle"),
    }
    assert report["tables"][0]["quarantined"] == 1

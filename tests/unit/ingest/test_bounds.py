"""What one file may make kith do is bounded, with one clear line each, on the command line and the Load
data page alike: zip expansion, links out of the folder, devices, cell size, columns, JSON nesting; and a
large CSV is read as a stream."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import pytest

from kith.dashboard import _upload
from kith.graph.errors import InputError
from kith.graph.memory import MemoryStore
from kith.ingest._csv import MAX_CELL_CHARS, MAX_COLUMNS, open_csv
from kith.ingest.agencies import ingest_agencies
from kith.ingest.hsds import ingest_hsds
from kith.ingest.nces import ingest_schools
from tests.unit.ingest.conftest import hsds3_package, write_csv


def test_a_zip_that_unpacks_to_a_thousand_times_its_size_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("organizations.csv", "w") as member:
        member.write(b"id,name\n")
        for _ in range(40):
            member.write(b"0" * (1024 * 1024))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(InputError, match=r"bomb.zip unpacks to 40.0 MiB, .* times its size; kith refuses"):
        ingest_hsds(bomb, MemoryStore(), quarantine_dir=tmp_path / "q")


def test_a_link_out_of_the_hsds_folder_is_not_followed(tmp_path: Path) -> None:
    package = hsds3_package(tmp_path / "hsds")
    outside = write_csv(tmp_path / "secret.csv", ["id", "name"], [["o9", "Outside Org"]])
    (package / "organizations.csv").unlink()
    (package / "organizations.csv").symlink_to(outside)
    with pytest.raises(InputError, match="organizations.csv links to a file outside .*does not follow links"):
        ingest_hsds(package, MemoryStore(), quarantine_dir=tmp_path / "q")


def test_a_link_inside_the_folder_is_read(tmp_path: Path) -> None:
    package = hsds3_package(tmp_path / "hsds")
    (package / "organizations.csv").rename(package / "orgs-2024.txt")
    (package / "organizations.csv").symlink_to(package / "orgs-2024.txt")
    report = ingest_hsds(package, MemoryStore(), quarantine_dir=tmp_path / "q")
    assert report.table("organizations.csv").rows_read == 4


@pytest.mark.parametrize("ingest", [ingest_agencies, ingest_schools], ids=["agencies", "schools"])
def test_a_device_is_not_a_file(tmp_path: Path, ingest) -> None:  # type: ignore[no-untyped-def]
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="is not a regular file"):
        ingest(link, MemoryStore(), quarantine_dir=tmp_path / "q")


def test_a_device_linked_into_an_hsds_folder_is_refused(tmp_path: Path) -> None:
    package = hsds3_package(tmp_path / "hsds")
    (package / "services.csv").unlink()
    (package / "services.csv").symlink_to("/dev/zero")
    with pytest.raises(InputError, match="services.csv links to a file outside"):
        ingest_hsds(package, MemoryStore(), quarantine_dir=tmp_path / "q")


def test_a_cell_over_the_limit_names_its_row(tmp_path: Path) -> None:
    path = tmp_path / "agencies.csv"
    path.write_text(f"agency_id,agency_name\na1,Harbor\na2,{'x' * (MAX_CELL_CHARS + 10)}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"agencies.csv, row 3: a cell is longer than 1,048,576 characters"):
        ingest_agencies(path, MemoryStore(), quarantine_dir=tmp_path / "q")


def test_too_many_columns_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "agencies.csv"
    path.write_text(",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"the header has 10,001 columns; kith reads at most 10,000"):
        ingest_agencies(path, MemoryStore(), quarantine_dir=tmp_path / "q")


def _deep(levels: int) -> bytes:
    return ('{"services": ' + "[" * levels + "]" * levels + "}").encode()


@pytest.mark.parametrize("levels", [100, 100_000])
def test_deeply_nested_json_is_one_line_on_the_command_line_and_the_load_page(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(_deep(levels))
    with pytest.raises(InputError, match="deep.json: JSON nested deeper than 64 levels"):
        ingest_hsds(path, MemoryStore(), quarantine_dir=tmp_path / "q")
    with pytest.raises(_upload.UploadRefused, match="JSON nested deeper than 64 levels"):
        _upload.check(_deep(levels), "deep.json", "hsds", max_bytes=10**7)


def test_a_large_csv_is_read_as_a_stream(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("agency_id,agency_name,eligibility\n")
        for i in range(100_000):
            f.write(f"a{i},Agency {i},{'families with children in school ' * 3}\n")
    assert path.stat().st_size > 10_000_000
    tracemalloc.start()
    try:
        with path.open("rb") as f:
            n = sum(1 for _ in open_csv(f, path.name))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 100_000
    assert peak < 6_000_000, f"reading a {path.stat().st_size:,} byte file took {peak:,} bytes"

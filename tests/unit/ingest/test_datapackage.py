"""HSDS data packages as published: datapackage.json anywhere, folder or zip, HSDS 1.0 to 3.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.model import Label, RelType
from kith.ingest._hsds_read import detect
from kith.ingest.hsds import ingest_hsds
from tests.unit.ingest.conftest import hsds3_package
from tests.unit.ingest.exports import assert_nothing_lost, hsds1_211_package, zip_folder


@pytest.mark.parametrize("version", ["1.0", "1.1", "2.0"])
def test_a_211_package_with_its_tables_under_data(tmp_path: Path, version: str) -> None:
    package = hsds1_211_package(tmp_path / "bay-211", version=version)
    assert detect(package) == "hsds1-csv"
    store = MemoryStore()
    report = ingest_hsds(package, store, quarantine_dir=tmp_path / "q")
    assert_nothing_lost(report, tmp_path / "q")
    assert report.table("services.csv").loaded == 6
    assert report.table("services_at_location.csv").reasons == {"service_id: points to no service": 1}
    assert len(store.nodes(Label.SERVICE)) == 6 and len(store.relationships(RelType.DELIVERED_AT)) == 6
    site = store.nodes(Label.SITE, ids=["l1"])[0]
    assert (site["lat"], site["lon"]) == (37.751, -122.41)


@pytest.mark.parametrize("inside", ["", "bay-211/"])
def test_a_zip_of_the_package_or_of_its_folder(tmp_path: Path, inside: str) -> None:
    archive = zip_folder(hsds1_211_package(tmp_path / "bay-211"), tmp_path / "bay-211.zip", inside=inside)
    assert detect(archive) == "hsds1-csv"
    report = ingest_hsds(archive, MemoryStore(), quarantine_dir=tmp_path / "q")
    assert_nothing_lost(report, tmp_path / "q")
    assert report.table("services.csv").loaded == 6


def test_the_folder_above_a_package_and_the_descriptor_itself(tmp_path: Path) -> None:
    hsds1_211_package(tmp_path / "download" / "bay-211")
    assert detect(tmp_path / "download") == "hsds1-csv"
    assert detect(tmp_path / "download" / "bay-211" / "datapackage.json") == "hsds1-csv"
    assert ingest_hsds(tmp_path / "download", MemoryStore()).table("services.csv").loaded == 6


@pytest.mark.parametrize("version", ["3.0", "3.1.0", "v3.1"])
def test_an_hsds3_package_is_tabular_never_json(tmp_path: Path, version: str) -> None:
    folder = hsds3_package(tmp_path / "hsds3")
    (folder / "datapackage.json").write_text(json.dumps({"profile": "tabular-data-package", "version": version}))
    (folder / "notes.json").write_text("{}")  # a stray JSON file beside the tables
    assert detect(folder) == "hsds3-csv"
    assert ingest_hsds(folder, MemoryStore()).table("services.csv").loaded == 4


def test_a_publishers_own_version_is_left_to_the_table_names(tmp_path: Path) -> None:
    package = hsds1_211_package(tmp_path / "bay-211", version="2024.05")
    assert detect(package) == "hsds1-csv"


def test_a_folder_of_json_beside_a_package_in_a_subfolder_stays_json(tmp_path: Path) -> None:
    hsds1_211_package(tmp_path / "examples" / "csv")
    (tmp_path / "examples" / "service.json").write_text(
        json.dumps({"id": "s1", "name": "Pantry", "status": "active", "organization": {"id": "o1", "name": "Org"}})
    )
    assert detect(tmp_path / "examples") == "hsds3-json"
    assert detect(tmp_path / "examples" / "csv") == "hsds1-csv"

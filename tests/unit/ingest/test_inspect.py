"""``kith ingest inspect``: kind, encoding, headers, samples (never a student's), and a proposed map that loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.model import Label
from kith.ingest.agencies import ingest_agencies
from kith.ingest.inspect import inspect_file, load_map, save_map, saved_map
from kith.ingest.nces import ingest_schools
from tests.unit.ingest.conftest import write_csv
from tests.unit.ingest.exports import (
    assert_nothing_lost,
    city_schools_csv,
    county_school_layer,
    legacy_services_csv,
    provider_export,
)
from tests.unit.ingest.test_cli_ingest import kith


def _graph(store: MemoryStore) -> dict:
    return {
        label: sorted(map(str, store.nodes(label))) for label in (Label.AGENCY, Label.SITE, Label.SERVICE, Label.SCHOOL)
    }


def test_the_provider_export_loads_with_the_proposed_map_unedited(tmp_path: Path) -> None:
    path = provider_export(tmp_path / "providers.csv")
    found = inspect_file(path)
    assert (found.kind, found.encoding, found.line_endings, found.rows) == ("agencies", "cp1252", "CRLF", 13)
    assert found.samples["provider_name"] == ["Familias Unidas Café", "Bayview Youth Works", "Mission Legal Aid"]
    mapped, plain = MemoryStore(), MemoryStore()
    report = ingest_agencies(path, mapped, column_map=found.column_map(), quarantine_dir=tmp_path / "q")
    assert_nothing_lost(report, tmp_path / "q")
    ingest_agencies(path, plain)
    assert _graph(mapped) == _graph(plain) and len(mapped.nodes(Label.SERVICE)) == 3
    assert report.table("providers.csv").reasons == {"zip: String should match pattern '^\\d{5}$'": 1}


@pytest.mark.parametrize("layer", ["geojson", "csv"])
def test_the_school_layers_load_with_the_proposed_map_unedited(tmp_path: Path, layer: str) -> None:
    path = (
        county_school_layer(tmp_path / "schools.geojson")
        if layer == "geojson"
        else city_schools_csv(tmp_path / "schools.csv")
    )
    found = inspect_file(path)
    assert found.kind == "schools"
    mapped, plain = MemoryStore(), MemoryStore()
    report = ingest_schools(path, mapped, column_map=found.column_map(), quarantine_dir=tmp_path / "q")
    assert_nothing_lost(report, tmp_path / "q")
    ingest_schools(path, plain)
    assert _graph(mapped) == _graph(plain) and len(mapped.nodes(Label.SCHOOL)) == 4
    assert {s.get("enrollment") or s.get("grade_low") for s in mapped.nodes(Label.SCHOOL)} - {None}


def test_flags_and_a_name_column_are_proposed_from_the_values(tmp_path: Path) -> None:
    found = inspect_file(legacy_services_csv(tmp_path / "services.csv"))
    assert (found.encoding, found.line_endings) == ("mac_roman", "CR")
    assert found.proposed["need_flags"] == {"food": "food", "housing": "shelter", "medical": "health"}
    assert found.proposed["columns"]["agency_name"] == "name"
    assert any("youth" in note for note in found.notes)


def test_a_students_file_shows_no_value(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "sis.csv",
        ["Student Number", "Last Name", "Home Address", "Grade"],
        [["S-4471", "Maria", "1 Elm St", "3"]],
    )
    found = inspect_file(path)
    assert found.kind == "students" and found.samples == {}
    assert found.filled == {"student_number": 1, "last_name": 1, "home_address": 1, "grade": 1}
    result = kith("ingest", "inspect", str(path), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "S-4471" not in result.stdout and "Maria" not in result.stdout and "1 Elm St" not in result.stdout
    assert "student_number" in result.stdout


def test_maps_are_saved_for_a_header_and_offered_again(tmp_path: Path) -> None:
    found = inspect_file(provider_export(tmp_path / "providers.csv"))
    save_map(tmp_path / "maps", found.headers, found.column_map())
    assert saved_map(tmp_path / "maps", "agencies", found.headers) == found.column_map().__class__(
        **{**found.column_map().__dict__, "source": str(next((tmp_path / "maps").glob("*.yaml")))}
    )
    assert saved_map(tmp_path / "maps", "agencies", ["other"]) is None


def test_inspect_writes_a_map_that_ingest_takes(tmp_path: Path) -> None:
    path = legacy_services_csv(tmp_path / "services.csv")
    result = kith("ingest", "inspect", str(path), "--write-map", str(tmp_path / "map.yaml"), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "mac_roman, CR line endings, 4 rows" in result.stdout
    assert load_map(tmp_path / "map.yaml").need_flags["food"] == "food"
    loaded = kith("ingest", "agencies", str(path), "--map", str(tmp_path / "map.yaml"), home=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "4 rows read: 3 loaded, 1 quarantined." in loaded.stdout

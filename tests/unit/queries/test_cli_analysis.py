"""``kith gaps``, ``kith deserts`` and ``kith network`` as users run them: a subprocess on a saved small city."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from kith.graph.model import RelType
from kith.queries.gaps import service_gaps
from tests.unit.test_cli import kith


@pytest.fixture(scope="module")
def home(small_city_home: Path) -> Path:
    return small_city_home


def test_gaps_json_is_the_report_of_the_python_api(home: Path, small_store) -> None:
    result = kith("gaps", "--need", "food", "--by", "school", "--decay", "step", "--format", "json", home=home)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    expected = service_gaps(small_store, "food", by="school", decay="step")
    assert payload["rows"] == json.loads(json.dumps(expected.table()))
    assert payload["rule_text"] == expected.rule_text and payload["decay"].startswith("step")


def test_gaps_what_if_reports_before_and_after(home: Path, small_store) -> None:
    service = small_store.relationships(RelType.ADDRESSES, targets=["food"])[0]["source"]
    result = kith(
        "gaps",
        "--need",
        "food",
        "--by",
        "school",
        "--add-site",
        "42.347186,-71.070372,40",
        "--add-capacity",
        f"{service}:5",
        "--format",
        "csv",
        home=home,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {"accessibility_before", "desert_before"} <= set(rows[0])
    assert any(r["desert_before"] == "True" and r["desert"] == "False" for r in rows)
    table = kith("gaps", "--need", "food", "--by", "school", "--add-site", "42.347186,-71.070372,40", home=home)
    assert "What-if (add a site at 42.3472,-71.0704 with capacity 40): deserts 1 -> 0" in table.stdout


def test_deserts_state_the_rule_and_export_geojson(home: Path) -> None:
    result = kith(
        "deserts", "--need", "dental", "--rule", "below-ratio", "--threshold", "2", "--format", "geojson", home=home
    )
    assert result.returncode == 0, result.stderr
    geo = json.loads(result.stdout)
    assert geo["features"] and geo["properties"]["rule_text"].startswith("below-ratio: accessibility < 2 ")
    assert all(f["properties"]["desert"] for f in geo["features"])
    assert all(f["properties"]["desert_rule"] for f in geo["features"])


def test_network_json_and_csv(home: Path) -> None:
    result = kith("network", "--format", "json", home=home)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["organisations"] == 50 and payload["seed"] == 0
    assert {"brokers", "isolates", "communities", "suggestions", "single_points_of_failure"} <= set(payload)
    csv_out = kith("network", "--format", "csv", "--section", "suggestions", home=home)
    assert csv_out.returncode == 0, csv_out.stderr
    rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert rows and {"school_id", "agency_id", "needs", "students"} <= set(rows[0])


def test_bad_options_are_one_line_errors(home: Path) -> None:
    for args in (["gaps", "--need", "unicorns"], ["gaps", "--need", "food", "--add-capacity", "nocolon"]):
        result = kith(*args, home=home)
        assert result.returncode == 1 and result.stderr.startswith("kith: error:"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["gaps", "deserts", "network"])
def test_help(home: Path, command: str) -> None:
    assert "Usage:" in kith(command, "--help", home=home).stdout

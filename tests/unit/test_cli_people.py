"""The command line as a social worker and a planner meet it: need codes to look up, names instead
of ids, "did you mean" for a slip, tables that read in an 80-column terminal, and open-now in the
district's time zone. One small demo city for the module."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.test_cli import kith

NARROW = {"COLUMNS": "80"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("kith-cli-people")
    built = kith("demo", "--size", "small", "--no-serve", home=home)
    assert built.returncode == 0, built.stderr
    return home


def test_needs_lists_every_code_with_its_name_and_domain(home: Path) -> None:
    listed = kith("needs", "--format", "json", home=home)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {"code": "food", "name": "Food assistance", "domain": "family"} in rows
    assert len(rows) == 30
    health = json.loads(kith("needs", "--domain", "health", "--format", "json", home=home).stdout)
    assert {r["domain"] for r in health} == {"health"} and any(r["code"] == "dental" for r in health)


@pytest.mark.parametrize(
    "command",
    [
        ["gaps", "--need", "fod"],
        ["path", "Adams Elementary School", "need:fod"],
    ],
)
def test_a_wrong_need_code_names_the_closest_codes_not_a_file(home: Path, command: list[str]) -> None:
    result = kith(*command, home=home)
    assert result.returncode == 1
    assert "did you mean food?" in result.stderr
    assert "needs.csv" not in result.stderr and "kith needs" in result.stderr


def test_path_and_nearby_take_a_schools_unique_name(home: Path) -> None:
    by_name = kith("path", "Adams Elementary School", "need:food", "--format", "json", home=home)
    assert by_name.returncode == 0, by_name.stderr
    paths = json.loads(by_name.stdout)
    assert paths and paths[0]["nodes"][0].startswith("School:")
    near = kith("nearby", "--near", "adams elementary school", "--format", "json", home=home)
    assert near.returncode == 0, near.stderr
    assert json.loads(near.stdout)


def test_a_misspelt_name_or_id_says_what_it_might_be(home: Path) -> None:
    typo = kith("path", "Adams Elementry School", "need:food", home=home)
    assert typo.returncode == 1 and "did you mean Adams Elementary School" in typo.stderr
    schools = json.loads(kith("path", "Adams Elementary School", "need:food", "--format", "json", home=home).stdout)
    school_id = schools[0]["nodes"][0].split(":", 1)[1]
    wrong = kith("path", f"school:{school_id}x", "need:food", home=home)
    assert wrong.returncode == 1 and f"did you mean school:{school_id}" in wrong.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["nearby", "--near", "02119", "--need", "food"],
        ["gaps", "--need", "food", "--by", "zip", "--limit", "8"],
        ["path", "Adams Elementary School", "need:food"],
    ],
)
def test_tables_have_human_headers_and_fit_80_columns(home: Path, command: list[str]) -> None:
    result = kith(*command, home=home, env=NARROW)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    headers = " ".join(line for line in lines if "┃" in line)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", headers), headers  # no raw field names
    assert not re.search(r"\d\.\d{4}", result.stdout)  # no four-decimal distances or ratios


def test_gaps_limit_keeps_the_first_areas_and_the_totals(home: Path) -> None:
    every = json.loads(kith("gaps", "--need", "food", "--format", "json", home=home).stdout)
    some = json.loads(kith("gaps", "--need", "food", "--format", "json", "--limit", "3", home=home).stdout)
    assert [r["area_id"] for r in some["rows"]] == [r["area_id"] for r in every["rows"][:3]]
    assert some["students"] == every["students"] and some["areas"] == every["areas"]


def test_open_now_reads_the_clock_in_kith_timezone_and_says_so(home: Path) -> None:
    result = kith("nearby", "--near", "02119", "--open-now", home=home, env={"KITH_TIMEZONE": "America/New_York"})
    assert result.returncode == 0, result.stderr
    assert re.search(r"Open now: \w{3} \d{4}-\d\d-\d\d \d\d:\d\d in America/New_York", result.stderr)
    default = kith("nearby", "--near", "02119", "--open-now", home=home)
    assert "this machine's time zone" in default.stderr and "KITH_TIMEZONE" in default.stderr
    wrong = kith("nearby", "--near", "02119", "--open-now", home=home, env={"KITH_TIMEZONE": "Mars/Olympus"})
    assert wrong.returncode == 1 and "not a time zone" in wrong.stderr

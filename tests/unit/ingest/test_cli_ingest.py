"""``kith ingest``, run as users run it (the installed entry point in a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.ingest.conftest import hsds3_package, write_csv


def kith(*args: str, home: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environ.update({"KITH_HOME": str(home), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "kith.cli", *args], capture_output=True, text=True, env=environ, timeout=120, cwd=home
    )


def test_ingest_hsds_prints_the_report_and_writes_json(tmp_path: Path) -> None:
    package = hsds3_package(tmp_path / "hsds")
    result = kith("ingest", "hsds", str(package), "--report", str(tmp_path / "report.json"), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "services.csv" in result.stdout and "38 rows read: 25 loaded, 13 quarantined." in result.stdout
    assert "Community Gardens (1)" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert {t["table"]: t["quarantined"] for t in report["tables"]}["locations.csv"] == 2
    quarantined = list((tmp_path / "quarantine").glob("hsds-*.csv"))
    assert len(quarantined) == 1
    stats = json.loads(kith("stats", "--format", "json", home=tmp_path).stdout)
    assert (stats["Agency"], stats["Service"], stats["Site"]) == (5, 4, 3)
    again = kith("ingest", "hsds", str(package), home=tmp_path)
    assert again.returncode == 0
    assert json.loads(kith("stats", "--format", "json", home=tmp_path).stdout) == stats  # idempotent


def test_dry_run_leaves_the_graph_alone(tmp_path: Path) -> None:
    package = hsds3_package(tmp_path / "hsds")
    result = kith("ingest", "hsds", str(package), "--dry-run", home=tmp_path)
    assert result.returncode == 0 and "dry run" in result.stdout
    assert not (tmp_path / "graph.msgpack").exists()


def test_students_without_a_key_are_refused_in_one_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sis.csv", ["student_id", "first_name", "school_id"], [["S-4471", "Maria", "x"]])
    result = kith("ingest", "students", str(path), home=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("kith: error: student files need a pseudonym key")
    assert "KITH_PSEUDONYM_KEY" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    ok = kith("ingest", "students", str(path), home=tmp_path, env={"KITH_PSEUDONYM_KEY": "k" * 32})
    assert ok.returncode == 0, ok.stderr
    assert "S-4471" not in ok.stdout + ok.stderr and "Maria" not in ok.stdout + ok.stderr


@pytest.mark.parametrize("command", ["hsds", "schools", "agencies", "programs", "students", "relations"])
def test_every_ingest_command_has_help(tmp_path: Path, command: str) -> None:
    result = kith("ingest", command, "--help", home=tmp_path)
    assert result.returncode == 0 and "--dry-run" in result.stdout and "--report" in result.stdout

"""The command line, run as users run it (a subprocess of the installed entry point)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kith.graph.model import Label, RelType
from tests._serve import serving


def kith(*args: str, home: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environ.update({"KITH_HOME": str(home), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "kith.cli", *args], capture_output=True, text=True, env=environ, timeout=300
    )


def test_demo_then_stats_json_counts_everything(tmp_path: Path) -> None:
    built = kith("demo", "--size", "small", "--no-serve", home=tmp_path)
    assert built.returncode == 0, built.stderr
    stats = kith("stats", "--format", "json", home=tmp_path)
    assert stats.returncode == 0, stats.stderr
    counts = json.loads(stats.stdout)
    assert set(counts) == {x.value for x in (*Label, *RelType)}
    # each number says what it counts: services and the sites they are delivered at are not one count
    assert f"{counts['Service']:,} services at {counts['Site']:,} sites" in built.stderr, built.stderr
    assert all(counts[name] for name in counts if name != Label.AREA_COUNT.value), counts  # the city has no surveys


@pytest.mark.parametrize("command", [[], ["demo"], ["serve"], ["stats"]])
def test_every_command_has_help(tmp_path: Path, command: list[str]) -> None:
    result = kith(*command, "--help", home=tmp_path)
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_errors_are_one_line_without_traceback_unless_debug(tmp_path: Path) -> None:
    (tmp_path / "graph.msgpack").write_bytes(b"garbage")
    plain = kith("stats", home=tmp_path)
    assert plain.returncode == 1
    assert plain.stderr.strip().startswith("kith: error: cannot read the graph")
    assert len(plain.stderr.strip().splitlines()) == 1
    debug = kith("--debug", "stats", home=tmp_path)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_serve_answers_on_a_production_server(tmp_path: Path) -> None:
    import urllib.request

    assert kith("demo", "--size", "small", "--no-serve", home=tmp_path).returncode == 0
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environ.update({"KITH_HOME": str(tmp_path), "KITH_DEMO": "true"})
    with serving([sys.executable, "-m", "kith.cli"], env=environ) as (url, server):
        with urllib.request.urlopen(f"{url}/", timeout=5) as response:
            body, headers = response.read().decode(), response.headers
    assert "kith" in body and headers["Server"] == "kith"  # waitress, not the development server
    assert headers["X-Frame-Options"] == "DENY"
    assert server.stderr is not None and "development server" not in server.stderr.read()


def test_stats_suppresses_small_student_counts_but_not_organisations(tmp_path: Path) -> None:
    from kith.graph.memory import MemoryStore
    from kith.graph.model import EnrolledIn, School, Student

    with MemoryStore.open(tmp_path / "graph.msgpack") as store:
        store.upsert_nodes([School(id="s1", name="Lincoln"), *(Student(id=f"p{i}") for i in range(3))])
        store.upsert_relationships(EnrolledIn(source=f"p{i}", target="s1") for i in range(3))
    counts = json.loads(kith("stats", "--format", "json", home=tmp_path).stdout)
    assert counts["Student"] == "<10" and counts["ENROLLED_IN"] == "<10"
    assert counts["School"] == 1 and counts["Family"] == 0

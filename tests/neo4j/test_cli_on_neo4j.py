"""The command line on Neo4j as a user runs it: build the small demo city, export it to Neo4j, and ask
the same questions of both stores; every answer is printed the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kith.graph.neo4j_store import Neo4jStore
from tests.conftest import neo4j_settings


def kith(*args: str, home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environ |= {"KITH_HOME": str(home), "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "kith.cli", *args], capture_output=True, text=True, env=environ, timeout=600
    )


QUESTIONS = [
    ("stats",),
    ("nearby", "--near", "school:sch-0001", "--need", "food", "--radius-km", "8", "--limit", "15"),
    ("nearby", "--near", "school:sch-0002", "--format", "json", "--limit", "25"),
    ("path", "school:sch-0001", "need:food", "--k", "3"),
    ("path", "school:sch-0002", "agency:agy-00003", "--k", "3"),
    ("gaps", "--need", "food"),
    ("gaps", "--need", "tutoring", "--format", "json"),
]


@pytest.fixture
def exported(tmp_path: Path, neo4j_store: Neo4jStore, neo4j_kith_env: dict[str, str]) -> Path:
    """A KITH_HOME whose embedded graph (the small demo city) is also in this run's Neo4j."""
    home = tmp_path / "home"
    built = kith("demo", "--size", "small", "--no-serve", home=home)
    assert built.returncode == 0, built.stderr
    done = kith("export", "--to", "neo4j", home=home, env=neo4j_kith_env)
    assert done.returncode == 0, done.stderr
    return home


def test_every_command_prints_the_same_on_neo4j(exported: Path, neo4j_kith_env: dict[str, str]) -> None:
    with Neo4jStore.from_settings(neo4j_settings()) as store:
        assert sum(store.counts().values()) > 5_000
    for question in QUESTIONS:
        embedded = kith(*question, home=exported)
        on_neo4j = kith(*question, home=exported, env=neo4j_kith_env)
        assert embedded.returncode == 0, (question, embedded.stderr)
        assert on_neo4j.returncode == 0, (question, on_neo4j.stderr)
        assert embedded.stdout.strip(), question
        assert on_neo4j.stdout == embedded.stdout, question

"""Tests on this run's real Neo4j engine (``make test`` starts it; see ``tools/neo4j``).

Every test here is marked ``neo4j``: without an engine it is skipped with the
reason, and under ``CI=true`` that skip fails the run. Each test gets the
database empty and leaves it empty (``neo4j_store``); tests that stop and start
an engine run their own (``engine``), never the one the rest of the suite uses.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kith.graph.store import GraphStore
from kith.settings import KithSettings
from tests.conftest import neo4j_env

LAUNCHER = Path(__file__).resolve().parents[2] / "tools" / "neo4j" / "launch"
#: Seconds an engine may take to start on a busy 2-core machine.
START_TIMEOUT_S = 300


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.neo4j)


@pytest.fixture
def neo4j_store() -> Iterator[GraphStore]:
    """This run's Neo4j, empty; emptied again afterwards."""
    from tests.contract._neo4j import empty_neo4j_store

    yield from empty_neo4j_store()


@pytest.fixture
def neo4j_kith_env() -> dict[str, str]:
    """The KITH_NEO4J_* variables a ``kith`` subprocess needs to use this run's Neo4j."""
    return neo4j_env()


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Engine:
    """A Neo4j engine of this test's own, started and stopped by its process id."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = unused_port()
        self.password = "engine-" + os.urandom(8).hex()
        self.process: subprocess.Popen[str] | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            "KITH_NEO4J_URI": self.uri,
            "KITH_NEO4J_USER": "neo4j",
            "KITH_NEO4J_PASSWORD": self.password,
            "KITH_NEO4J_DATABASE": "neo4j",
        }

    def settings(self, **overrides: object) -> KithSettings:
        return KithSettings(_env_file=None, neo4j_uri=self.uri, neo4j_password=self.password, **overrides)

    def start(self) -> None:
        assert self.process is None
        env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")} | {
            "KITH_NEO4J_PASSWORD": self.password
        }
        with open(self.home / "launcher.log", "a") as log:
            self.process = subprocess.Popen(
                [str(LAUNCHER), str(self.home / "data"), str(self.port)],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=env,
            )
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as waiting:  # the launcher prints its one line once Bolt answers
            waiting.register(self.process.stdout, selectors.EVENT_READ)
            line = self.process.stdout.readline() if waiting.select(timeout=START_TIMEOUT_S) else "(nothing)"
        if line.strip() != f"KITH_NEO4J_URI={self.uri}":
            self.kill()
            pytest.fail(f"the test's Neo4j engine did not start: {line!r}, see {self.home / 'launcher.log'}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None:
            self.process.send_signal(sig)
            self.process.wait(timeout=120)
            self.process = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A Neo4j engine for this module alone (its tests may stop and start it); stopped afterwards."""
    neo4j_env()  # only where this run has an engine: the same Java and build start this one
    started = Engine(tmp_path_factory.mktemp("engine"))
    started.start()
    try:
        yield started
    finally:
        started.stop()

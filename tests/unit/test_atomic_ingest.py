"""An ingest is all or nothing on the embedded store: staged in memory, saved once, only on success.

Each runs the real command line in a subprocess against a real store file, and interrupts it where
an operator's ingest can fail: a quarantine file that cannot be written, Ctrl-C half-way, a full disk.
Every time the previous graph stays, and the error says what was and was not written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kith.graph.memory import GRAPH_FILE, MemoryStore
from kith.graph.model import Label, RelType
from kith.ingest import demo_city
from tests.unit.ingest.conftest import AGENCY_HEADER, agency_rows, write_csv

ROOT = Path(__file__).resolve().parents[2]
ROWS = 20_000
NOTHING_WRITTEN = "nothing was written: the graph is as it was before this command"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    return env | {"KITH_HOME": str(home), "COLUMNS": "200", "PYTHONPATH": str(ROOT)}


#: Runs ``kith`` after ``sys.argv[1]`` (Python) has prepared the fault: the CLI exactly as installed.
_WITH_FAULT = """
import sys
exec(sys.argv[1])
sys.argv = ["kith", *sys.argv[2:]]
from kith.cli import main
main()
"""


def _kith(*args: str, home: Path, fault: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _WITH_FAULT, textwrap.dedent(fault), *args],
        capture_output=True,
        text=True,
        env=_env(home),
        timeout=300,
        cwd=home,
    )


@pytest.fixture(scope="module")
def agencies_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Agencies, sites and services, with one bad row (so there is a quarantine file to write)."""
    rows = agency_rows(ROWS, prefix="N", name="New Agency", per_agency=2)
    rows.append(["BAD", "Bad Agency", "BS", 100, 0, "02139", "Bad", "food", 10])  # latitude 100
    return write_csv(tmp_path_factory.mktemp("input") / "agencies.csv", AGENCY_HEADER, rows)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    with MemoryStore.open(tmp_path / GRAPH_FILE) as store:
        demo_city.build(store, "small", seed=7)
    return tmp_path


def _graph(home: Path) -> tuple[dict[str, int], bytes]:
    with MemoryStore.open(home / GRAPH_FILE, readonly=True) as store:
        return store.counts(), (home / GRAPH_FILE).read_bytes()


def test_a_failed_quarantine_write_leaves_the_previous_graph(home: Path, agencies_csv: Path) -> None:
    before = _graph(home)
    (home / "quarantine").write_text("a file where the quarantine folder should be")
    result = _kith("ingest", "agencies", str(agencies_csv), home=home)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kith: error: ") and lines[0].endswith(NOTHING_WRITTEN), lines
    assert _graph(home) == before  # not one of the new agencies


@pytest.mark.parametrize(
    ("signal_name", "code", "said"), [("SIGINT", 130, "Aborted."), ("SIGTERM", 143, "Stopped (SIGTERM).")]
)
def test_a_signal_half_way_through_an_ingest_leaves_the_previous_graph(
    home: Path, agencies_csv: Path, signal_name: str, code: int, said: str
) -> None:
    """SIGINT when half of the services' OFFERS are written (the state the issue found after a Ctrl-C), and
    SIGTERM there (a service manager stopping a scheduled ingest, ``kill PID``), taken as Ctrl-C is: one line
    that says so and what was written, exit 128 + the signal, and the graph as it was."""
    before = _graph(home)
    fault = f"""
        import os, signal
        from kith.graph.memory import MemoryStore
        real = MemoryStore._upsert_relationships
        def interrupted(self, rels):
            def half_then_signal():
                for i, rel in enumerate(rels):
                    if i == 5_000:
                        os.kill(os.getpid(), signal.{signal_name})
                    yield rel
            return real(self, half_then_signal())
        MemoryStore._upsert_relationships = interrupted
    """
    result = _kith("ingest", "agencies", str(agencies_csv), home=home, fault=fault)
    assert result.returncode == code, result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"{said} {NOTHING_WRITTEN}"
    assert _graph(home) == before


def test_sigint_at_any_moment_leaves_the_previous_graph_or_the_whole_ingest(home: Path, agencies_csv: Path) -> None:
    """A real Ctrl-C from outside, at moments spread over the ingest: never a part of it."""
    before, _ = _graph(home)
    whole = {
        **before,
        Label.AGENCY.value: before[Label.AGENCY.value] + ROWS // 2,
        RelType.OFFERS.value: before[RelType.OFFERS.value] + ROWS,
    }
    outcomes = set()
    for delay in (0.5, 1.5, 3.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "kith.cli", "ingest", "agencies", str(agencies_csv)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(home),
        )
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=300)
        counts, _ = _graph(home)
        if process.returncode == 130:
            assert err.strip().splitlines()[-1] in ("Aborted.", f"Aborted. {NOTHING_WRITTEN}"), err
        assert counts in (before, whole), (delay, process.returncode, err)
        outcomes.add(counts == whole)
        if counts == whole:
            break
    assert outcomes


def test_a_full_disk_at_save_leaves_the_previous_graph(home: Path, agencies_csv: Path) -> None:
    before = _graph(home)
    fault = """
        import errno
        from kith.graph.memory import MemoryStore
        def full(self, f):
            f.write(b"x" * 100_000)
            raise OSError(errno.ENOSPC, "No space left on device")
        MemoryStore._write = full
    """
    result = _kith("ingest", "agencies", str(agencies_csv), home=home, fault=fault)
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("kith: error: cannot save the graph to ") and "No space left on device" in line
    assert line.endswith(NOTHING_WRITTEN)
    assert _graph(home) == before
    assert not list(home.glob(GRAPH_FILE + ".*.tmp"))


def test_an_upload_whose_quarantine_write_fails_leaves_the_previous_graph(home: Path, agencies_csv: Path) -> None:
    """The Load data page runs the same ingest: all or nothing there too."""
    from kith.dashboard import _upload
    from kith.settings import KithSettings

    before = _graph(home)
    (home / "quarantine").write_text("a file where the quarantine folder should be")
    settings = KithSettings(_env_file=None, home=home, neo4j_uri=None)
    with pytest.raises(OSError):
        _upload.run("agencies", agencies_csv, settings, dry_run=False, reader=None)
    assert _graph(home) == before
    MemoryStore.open(home / GRAPH_FILE).close()  # the writer's lock was released

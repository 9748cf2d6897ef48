"""Faults: a killed ingest, two writers at once, and bad student rows never leak a student value.

Each runs the real command line in subprocesses, as an operator would, against a real store file.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.model import Label
from kith.ingest import demo_city
from tests.unit.ingest.conftest import AGENCY_HEADER, agency_rows, write_csv

AGENCY_ROWS = 30_000
KEY = "a-test-pseudonym-key-0123456789"


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    return env | {"KITH_HOME": str(home), "COLUMNS": "200", **extra}


def _kith(*args: str, home: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kith.cli", *args], capture_output=True, text=True, env=_env(home, **extra), timeout=300
    )


def _start(*args: str, home: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kith.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(home),
    )


@pytest.fixture(scope="module")
def agencies_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough agency rows that an ingest takes a few seconds."""
    rows = agency_rows(AGENCY_ROWS, prefix="F", name="Fault Agency", per_agency=4)
    return write_csv(tmp_path_factory.mktemp("input") / "agencies.csv", AGENCY_HEADER, rows)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A KITH_HOME holding the small demo city."""
    store = MemoryStore.open(tmp_path / "graph.msgpack")
    demo_city.build(store, "small", seed=7)
    store.close()
    return tmp_path


def _counts(home: Path) -> dict[str, int]:
    store = MemoryStore.open(home / "graph.msgpack", readonly=True)
    try:
        return store.counts()
    finally:
        store.close()


def _wait_for_writer_lock(home: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    """Return once ``process`` holds the store's writer lock."""
    lock_path = home / "graph.msgpack.lock"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if lock_path.exists():
            with open(lock_path, "a+") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(lock, fcntl.LOCK_UN)
                except BlockingIOError:
                    return
        time.sleep(0.05)
    raise AssertionError("the ingest never took the writer lock")


def test_a_killed_ingest_leaves_the_previous_graph(home: Path, agencies_csv: Path) -> None:
    before = _counts(home)
    # Killed while reading and upserting.
    process = _start("ingest", "agencies", str(agencies_csv), home=home)
    _wait_for_writer_lock(home, process)  # taken before the file is read: the work has only begun
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    assert _counts(home) == before
    # Killed while saving: the moment the temporary file appears.
    process = _start("ingest", "agencies", str(agencies_csv), home=home)
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if any(home.glob("graph.msgpack.*.tmp")):
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    process.communicate()
    after_kill = _counts(home)  # loads: either the old graph, or (had the rename won the race) the new one
    assert after_kill == before or after_kill[Label.AGENCY.value] == before[Label.AGENCY.value] + AGENCY_ROWS // 4
    # The dead writer's lock went with it: the next ingest runs and completes.
    done = _kith("ingest", "agencies", str(agencies_csv), home=home)
    assert done.returncode == 0, done.stderr
    assert _counts(home)[Label.AGENCY.value] == before[Label.AGENCY.value] + AGENCY_ROWS // 4


_HOLD = """
import sys
from kith.graph.memory import MemoryStore
store = MemoryStore.open(sys.argv[1])
print("locked", flush=True)
sys.stdin.readline()
store.close()
"""


def test_a_second_writer_is_told_to_wait(home: Path, tmp_path_factory) -> None:
    """One process writes (holds the writer's lock); a second `kith ingest` is refused with one clear
    line and writes nothing; readers go on; once the first is done, the second runs."""
    before = _counts(home)
    schools = tmp_path_factory.mktemp("schools") / "schools.csv"
    schools.write_text("id,name,lat,lon,level\nX1,Extra School,42.35,-71.06,elementary\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(home / "graph.msgpack")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(home),
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        second = _kith("ingest", "schools", str(schools), home=home)
        reader = _kith("stats", "--format", "json", home=home)
    finally:
        holder.communicate("done\n", timeout=60)
    assert second.returncode == 1
    assert second.stderr.strip().splitlines() == [
        f"kith: error: another kith process is writing to {home / 'graph.msgpack'}; wait for it to finish and try again"
    ]
    assert reader.returncode == 0 and json.loads(reader.stdout) == before
    assert _counts(home) == before  # the refused writer wrote nothing
    retry = _kith("ingest", "schools", str(schools), home=home)
    assert retry.returncode == 0 and _counts(home)[Label.SCHOOL.value] == before[Label.SCHOOL.value] + 1


def test_readers_during_an_ingest_see_a_whole_graph(home: Path, agencies_csv: Path) -> None:
    before = _counts(home)
    writer = _start("ingest", "agencies", str(agencies_csv), home=home)
    seen = []
    try:
        _wait_for_writer_lock(home, writer)
        while writer.poll() is None and len(seen) < 3:
            seen.append(_counts(home))  # a reader in this process, while the other writes and saves
    finally:
        _, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    after = _counts(home)
    assert after[Label.AGENCY.value] == before[Label.AGENCY.value] + AGENCY_ROWS // 4
    assert seen and all(counts in (before, after) for counts in seen)  # never a half-written graph


#: Values of real-looking students that must never appear anywhere kith writes or prints.
SECRETS = ("Zelda Quixote-Marchbanks", "SASID9988776655", "HH-77331", "1313 Mockingbird Lane", "Q-Grade-Zelda")


def test_bad_student_rows_leak_no_student_value(home: Path, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("sis")
    school = MemoryStore.open(home / "graph.msgpack", readonly=True).nodes(Label.SCHOOL)[0]["id"]
    sis = folder / "students.csv"
    with open(sis, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "student_id",
                "student_name",
                "school_id",
                "grade",
                "household_id",
                "home_address",
                "zip",
                "language",
                "needs",
                "tier",
            ]
        )
        writer.writerow(
            [
                "SASID9988776655",
                "Zelda Quixote-Marchbanks",
                school,
                "5",
                "HH-77331",
                "1313 Mockingbird Lane, Boston MA 02139",
                "02139",
                "es",
                "food;tutoring",
                "2",
            ]
        )
        writer.writerow(
            [
                "SASID9988776655",
                "Zelda Quixote-Marchbanks",
                school,
                "Q-Grade-Zelda",
                "HH-77331",
                "1313 Mockingbird Lane",
                "99999",
                "es",
                "Zelda Quixote-Marchbanks",
                "SASID9988776655",
            ]
        )
        writer.writerow(
            [
                "SASID9988776655",
                "Zelda Quixote-Marchbanks",
                "HH-77331",
                "5",
                "HH-77331",
                "1313 Mockingbird Lane",
                "not a zip",
                "es",
                "food",
                "7",
            ]
        )
        writer.writerow(
            [
                "",
                "Zelda Quixote-Marchbanks",
                school,
                "5",
                "HH-77331",
                "1313 Mockingbird Lane",
                "02139",
                "es",
                "food",
                "1",
            ]
        )
    report = folder / "report.json"
    outputs = []
    for args in (["--debug", "ingest", "students", str(sis), "--report", str(report)],):
        result = _kith(*args, home=home, KITH_PSEUDONYM_KEY=KEY)
        assert result.returncode == 0, result.stderr
        outputs += [result.stdout, result.stderr]
    no_key = _kith("ingest", "students", str(sis), home=home)
    assert no_key.returncode == 1 and "KITH_PSEUDONYM_KEY" in no_key.stderr
    outputs += [no_key.stdout, no_key.stderr]
    typed_raw_id = _kith("--debug", "path", "student:SASID9988776655", "need:food", home=home)
    assert typed_raw_id.returncode == 1 and "pseudonymous id" in typed_raw_id.stderr
    outputs += [typed_raw_id.stdout, typed_raw_id.stderr]
    from kith.ingest.sis import pseudonym

    student = pseudonym(KEY, "student", "SASID9988776655")
    seen = _kith("path", f"student:{student}", "need:food", "--format", "json", home=home)
    assert seen.returncode == 0, seen.stderr
    outputs += [seen.stdout, seen.stderr]
    audit = [json.loads(line) for line in (home / "audit.jsonl").read_text().splitlines()]
    assert [(a["action"], a.get("student") or a.get("source")) for a in audit] == [
        ("view_student", student),
        ("export", f"student:{student}"),
    ]  # the view, then its JSON file
    quarantined = list((home / "quarantine").glob("*"))
    assert quarantined, "bad rows were quarantined"
    written = [p.read_text(encoding="utf-8", errors="replace") for p in [*quarantined, report]]
    written += [p.read_text(encoding="utf-8", errors="replace") for p in home.glob("*.jsonl")]
    graph = (home / "graph.msgpack").read_bytes()
    for secret in SECRETS:
        for text in outputs + written:
            assert secret not in text, (secret, text[:2000])
        assert secret.encode() not in graph
    loaded = json.loads(report.read_text())
    assert sum(t["loaded"] + t["quarantined"] for t in loaded["tables"]) == sum(
        t["rows_read"] for t in loaded["tables"]
    )

"""An engine never outlives what started it: killed from outside (the Python process that started the
launcher, even by SIGKILL; ``run-with-neo4j`` by SIGTERM or SIGINT; or the command it runs), the Java
engine stops too.

Each test starts an engine of its own and kills around it by process id; none touches the suite's engine.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import neo4j_env
from tests.neo4j.conftest import LAUNCHER, START_TIMEOUT_S, unused_port

RUN_WITH_NEO4J = LAUNCHER.parent / "run-with-neo4j"
#: Seconds an engine may take to stop once its parent is gone (a clean shutdown, on a busy machine).
STOP_TIMEOUT_S = 30


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _gone_within(pid: int, timeout_s: float) -> float | None:
    """Seconds until the process ended, or None when it still runs after ``timeout_s``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if not _alive(pid):
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def _line(stream: IO[str], pattern: str, timeout_s: float = START_TIMEOUT_S) -> re.Match[str]:
    """The first line of ``stream`` that matches ``pattern`` (waiting at most ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    seen = []
    with selectors.DefaultSelector() as waiting:
        waiting.register(stream, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0 and waiting.select(timeout=left):
            line = stream.readline()
            if not line:
                break
            seen.append(line)
            if found := re.search(pattern, line):
                return found
    pytest.fail(f"no line matching {pattern!r} within {timeout_s} s; saw {''.join(seen)!r}")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}


def _kill_if_alive(*pids: int) -> None:
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_an_engine_stops_when_the_python_process_that_started_it_is_killed(tmp_path: Path) -> None:
    neo4j_env()  # only where this run has an engine: the same Java and build start this one
    parent_code = (
        "import subprocess, sys, time\n"
        "engine = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, text=True)\n"
        "print(engine.pid, engine.stdout.readline().strip(), flush=True)\n"
        "time.sleep(3600)\n"
    )
    with open(tmp_path / "launcher.log", "w") as log:
        parent = subprocess.Popen(
            [sys.executable, "-c", parent_code, str(LAUNCHER), str(tmp_path / "data"), str(unused_port())],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=_env() | {"KITH_NEO4J_PASSWORD": "orphan-" + os.urandom(8).hex()},
        )
    assert parent.stdout is not None
    engine_pid = 0
    try:
        engine_pid = int(_line(parent.stdout, r"^(\d+) KITH_NEO4J_URI=bolt://").group(1))
        assert _alive(engine_pid)
        parent.kill()  # SIGKILL: the parent cleans nothing up
        parent.wait(timeout=60)
        took = _gone_within(engine_pid, STOP_TIMEOUT_S)
        assert took is not None, f"the engine (pid {engine_pid}) still runs {STOP_TIMEOUT_S} s after its parent died"
    finally:
        _kill_if_alive(parent.pid, *([engine_pid] if engine_pid else []))


def _run_with_neo4j(tmp_path: Path) -> tuple[subprocess.Popen[str], int, int]:
    """``run-with-neo4j`` running a Python command that waits; with the engine's pid and the command's."""
    command = "import os, time; print(os.getpid(), os.environ['KITH_NEO4J_URI'], flush=True); time.sleep(3600)"
    runner = subprocess.Popen(
        [str(RUN_WITH_NEO4J), sys.executable, "-c", command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env() | {"TMPDIR": str(tmp_path)},
    )
    assert runner.stdout is not None and runner.stderr is not None
    try:
        engine_pid = int(_line(runner.stderr, r"Neo4j engine ready on .* \(pid (\d+)\)").group(1))
        command_pid = int(_line(runner.stdout, r"^(\d+) bolt://127\.0\.0\.1:\d+$", timeout_s=120).group(1))
    except BaseException:
        runner.kill()
        raise
    assert _alive(engine_pid) and _alive(command_pid)
    return runner, engine_pid, command_pid


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_with_neo4j_signalled_stops_its_command_and_its_engine(tmp_path: Path, sig: signal.Signals) -> None:
    neo4j_env()
    runner, engine_pid, command_pid = _run_with_neo4j(tmp_path)
    try:
        runner.send_signal(sig)
        assert runner.wait(timeout=STOP_TIMEOUT_S + 30) == 128 + sig
        assert _gone_within(command_pid, STOP_TIMEOUT_S) is not None, "the command still runs"
        assert _gone_within(engine_pid, STOP_TIMEOUT_S) is not None, "the engine still runs"
        assert not list(tmp_path.glob("kith-neo4j.*")), "the engine's temporary data directory is left behind"
    finally:
        _kill_if_alive(runner.pid, command_pid, engine_pid)


def test_the_engine_stops_when_the_command_of_run_with_neo4j_is_killed(tmp_path: Path) -> None:
    neo4j_env()
    runner, engine_pid, command_pid = _run_with_neo4j(tmp_path)
    try:
        os.kill(command_pid, signal.SIGKILL)  # as when pytest is killed under `make test`
        assert runner.wait(timeout=STOP_TIMEOUT_S + 30) == 128 + signal.SIGKILL
        assert _gone_within(engine_pid, STOP_TIMEOUT_S) is not None, "the engine still runs after its command died"
    finally:
        _kill_if_alive(runner.pid, command_pid, engine_pid)

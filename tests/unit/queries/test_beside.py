"""The second process of whole-state analyses: its answers are the ones this process would give."""

from __future__ import annotations

import math
import subprocess

import pytest

from kith.queries._beside import Beside
from kith.trust.suppression import suppress, suppress_lines


def test_jobs_run_in_a_second_process_one_after_another(caplog) -> None:
    values = {"a": 3, "b": 40, "c": 50, "all": 93}
    with caplog.at_level("DEBUG", logger="kith.queries._beside"), Beside.start() as beside:
        assert beside.parallel
        first = beside.run(suppress_lines, values, [(["a", "b", "c"], "all")], 10)
        second = beside.run(suppress, 4, 3)
        assert second() == 4 and first() == suppress_lines(values, [(["a", "b", "c"], "all")], 10)
    assert not caplog.records, "both answers came from the second process"


def test_a_job_that_fails_there_runs_here_and_fails_with_its_own_error(caplog) -> None:
    with caplog.at_level("DEBUG", logger="kith.queries._beside"), Beside.start() as beside:
        failing = beside.run(suppress, -1)
        with pytest.raises(ValueError, match="cannot be negative"):
            failing()
        assert beside.run(suppress, 12)() == 12, "the process answers the next job"
    assert [r.getMessage() for r in caplog.records] == [
        "suppress failed in the second process (ValueError): it runs here"
    ]


def test_functions_outside_kith_queries_run_here() -> None:
    with Beside.start() as beside:
        assert beside.run(math.hypot, 3, 4)() == 5


def test_without_a_second_process_everything_runs_here(monkeypatch) -> None:
    def no_process(*args, **kwargs):
        raise OSError("no more processes")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    with Beside.start() as beside:
        assert not beside.parallel
        assert beside.run(suppress, 3, 10)() == "<10"
    with Beside.start(wanted=False) as beside:
        assert not beside.parallel


def test_a_second_process_that_died_leaves_the_work_here(caplog) -> None:
    with caplog.at_level("DEBUG", logger="kith.queries._beside"), Beside.start() as beside:
        beside._child.kill()
        beside._child.wait()
        assert beside.run(suppress, 3, 10)() == "<10"
    assert len(caplog.records) == 1 and "runs here" in caplog.records[0].getMessage()


def test_one_core_means_no_second_process(monkeypatch) -> None:
    from kith.queries import _beside

    monkeypatch.setattr(_beside, "_cores", lambda: 1)
    with Beside.start() as beside:
        assert not beside.parallel
        assert beside.run(suppress, 0, 10)() == 0


def test_leaving_on_an_error_stops_the_second_process_and_its_pending_jobs_quietly(monkeypatch) -> None:
    import threading

    crashed = []
    monkeypatch.setattr(threading, "excepthook", crashed.append)
    with pytest.raises(RuntimeError, match="the caller failed"), Beside.start() as beside:
        child = beside._child
        pending = [beside.run(suppress_lines, {"a": 3, "all": 3}, [(["a"], "all")], 10) for _ in range(3)]
        raise RuntimeError("the caller failed")
    assert child.poll() is not None, "the second process has ended"
    assert [p() for p in pending] == [{"a": "<10", "all": "<10"}] * 3, "the answers are still right"
    assert not crashed

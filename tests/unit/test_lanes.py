"""``graph/_lanes.py``: batches written on several workers at once, each kind on one worker in order."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from kith.graph._lanes import write_in_lanes

WAIT_S = 30


class Recorder:
    """Opens lanes that record (thread, name, rows) of every write; ``hold`` may make a write wait."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str, list[Any]]] = []
        self.opened: list[str] = []
        self.closed: list[str] = []
        self.hold: dict[str, threading.Event] = {}
        self.lock = threading.Lock()

    @contextlib.contextmanager
    def lane(self) -> Iterator[Any]:
        me = threading.current_thread().name
        self.opened.append(me)

        def write(name: str, rows: list[Any]) -> None:
            if name in self.hold:
                assert self.hold[name].wait(WAIT_S), f"{name} waited in vain"
            with self.lock:
                self.writes.append((me, name, rows))

        try:
            yield write
        finally:
            self.closed.append(me)

    def threads_of(self, prefix: str) -> set[str]:
        return {thread for thread, name, _ in self.writes if name.startswith(prefix)}


def test_each_kinds_batches_go_to_one_worker_in_order_and_every_batch_is_written() -> None:
    rec = Recorder()
    batches = [("a", f"a{i}", [i] * 3) for i in range(20)] + [("b", f"b{i}", [i]) for i in range(20)]
    write_in_lanes(batches, rec.lane, lanes=2)
    assert sorted(name for _, name, _ in rec.writes) == sorted(name for _, name, _ in batches)
    assert len(rec.threads_of("a")) == len(rec.threads_of("b")) == 1
    assert rec.threads_of("a") != rec.threads_of("b")  # the second kind went to the idle worker
    assert [name for _, name, _ in rec.writes if name.startswith("a")] == [f"a{i}" for i in range(20)]
    assert sorted(rec.opened) == sorted(rec.closed) and len(rec.opened) == 2  # each lane closed its session


def test_two_kinds_are_written_at_once() -> None:
    rec = Recorder()
    b_written = threading.Event()
    rec.hold["a0"] = b_written  # a0 waits until b0 is written: one worker after the other would time out

    @contextlib.contextmanager
    def lane() -> Iterator[Any]:
        with rec.lane() as write:

            def signalling(name: str, rows: list[Any]) -> None:
                write(name, rows)
                if name == "b0":
                    b_written.set()

            yield signalling

    write_in_lanes([("a", "a0", [1]), ("b", "b0", [1])], lane, lanes=2)
    assert [name for _, name, _ in rec.writes] == ["b0", "a0"]


def test_a_new_kind_goes_to_the_worker_given_the_fewest_rows() -> None:
    rec = Recorder()
    batches = [("big", "big0", [0] * 100), ("small", "small0", [0]), ("third", "third0", [0] * 5)]
    write_in_lanes(batches, rec.lane, lanes=2)
    assert rec.threads_of("third") == rec.threads_of("small") != rec.threads_of("big")


def test_a_writers_error_stops_the_others_and_is_raised_to_the_caller() -> None:
    rec = Recorder()
    made: list[int] = []

    @contextlib.contextmanager
    def lane() -> Iterator[Any]:
        with rec.lane() as write:

            def failing(name: str, rows: list[Any]) -> None:
                if name == "a3":
                    raise RuntimeError("the server went away")
                write(name, rows)

            yield failing

    def batches() -> Iterator[tuple[str, str, list[Any]]]:
        for i in range(10_000):
            made.append(i)
            yield ("a" if i % 2 else "b"), f"{'a' if i % 2 else 'b'}{i // 2}", [i]

    with pytest.raises(RuntimeError, match="the server went away"):
        write_in_lanes(batches(), lane, lanes=2)
    assert len(made) < 10_000  # the caller stopped making batches
    assert "a3" not in [name for _, name, _ in rec.writes]
    assert sorted(rec.opened) == sorted(rec.closed)
    assert not [t for t in threading.enumerate() if t.name.startswith("kith-write-")]


def test_an_error_making_the_batches_is_raised_after_the_workers_stop() -> None:
    rec = Recorder()

    def batches() -> Iterator[tuple[str, str, list[Any]]]:
        yield "a", "a0", [0]
        raise ValueError("row 2 is bad")

    with pytest.raises(ValueError, match="row 2 is bad"):
        write_in_lanes(batches(), rec.lane, lanes=2)
    assert sorted(rec.opened) == sorted(rec.closed) and len(rec.opened) == 2
    assert not [t for t in threading.enumerate() if t.name.startswith("kith-write-")]


def test_a_lane_that_cannot_open_fails_the_write() -> None:
    @contextlib.contextmanager
    def lane() -> Iterator[Any]:
        raise ConnectionError("no session")
        yield

    with pytest.raises(ConnectionError, match="no session"):
        write_in_lanes(iter([("a", "a0", [0])] * 50), lane, lanes=2)


def test_at_least_one_lane() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        write_in_lanes([], Recorder().lane, lanes=0)

"""Write batches on several sessions at once, every batch of one kind on the same one, in order.

A Neo4j server runs each transaction on one thread: a client that sends one
batch at a time leaves the server's other cores idle, and the batch it makes
next waits for the one being written. Here the caller makes the batches (read,
validated, turned into parameters) and hands them over; ``lanes`` workers,
each with its own session, write them. Every batch of one kind (a label, a
relationship type) goes to the same worker, so two batches of one type never
run at once (they would lock the same nodes and could deadlock); a kind's first
batch goes to the worker that was given the fewest rows so far.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Hashable, Iterable
from contextlib import AbstractContextManager
from typing import Any

#: A worker's writer: called with each (statement name, rows) of its batches.
Write = Callable[[str, list[Any]], object]

_END = object()
#: Seconds between two looks at whether the other side has stopped, while waiting on a queue.
_POLL_S = 0.1


def write_in_lanes(
    batches: Iterable[tuple[Hashable, str, list[Any]]],
    open_lane: Callable[[], AbstractContextManager[Write]],
    *,
    lanes: int = 2,
    depth: int = 2,
) -> None:
    """Write each (kind, name, rows) of ``batches`` through one of ``lanes`` workers.

    Each worker calls ``open_lane()`` in its own thread and the writer it yields
    on each of its batches; at most ``depth`` batches wait for each worker. The
    first error, of a worker or of ``batches``, stops every worker after the
    batch it is writing and is raised here; so does the caller's interruption
    (Ctrl-C). Batches written before it stay written.
    """
    if lanes < 1:
        raise ValueError("lanes must be at least 1")
    stop = threading.Event()
    errors: list[BaseException] = []
    queues: list[queue.Queue[Any]] = [queue.Queue(maxsize=depth) for _ in range(lanes)]

    def work(waiting: queue.Queue[Any]) -> None:
        try:
            with open_lane() as write:
                while not stop.is_set():
                    try:
                        entry = waiting.get(timeout=_POLL_S)
                    except queue.Empty:
                        continue
                    if entry is _END:
                        return
                    write(*entry)
        except BaseException as exc:  # raised by the caller's thread
            errors.append(exc)
            stop.set()

    workers = [
        threading.Thread(target=work, args=(waiting,), name=f"kith-write-{i}", daemon=True)
        for i, waiting in enumerate(queues)
    ]
    for worker in workers:
        worker.start()
    lane_of: dict[Hashable, int] = {}
    given = [0] * lanes  # rows given to each worker so far
    try:
        for kind, name, rows in batches:
            lane = lane_of.get(kind)
            if lane is None:
                lane = lane_of[kind] = min(range(lanes), key=given.__getitem__)
            given[lane] += len(rows)
            if not _hand_over(queues[lane], (name, rows), stop):
                break
        for waiting in queues:
            _hand_over(waiting, _END, stop)
    except BaseException:
        stop.set()
        raise
    finally:
        for worker in workers:
            worker.join()
    if errors:
        raise errors[0]


def _hand_over(waiting: queue.Queue[Any], entry: object, stop: threading.Event) -> bool:
    """Put ``entry`` on ``waiting`` unless the workers stop first (then False)."""
    while not stop.is_set():
        try:
            waiting.put(entry, timeout=_POLL_S)
            return True
        except queue.Full:
            continue
    return False

"""Work one step ahead: the next items of an iterator made in a thread while the caller uses this one.

A write to Neo4j mostly waits on the server (the driver releases the GIL while
it waits on the socket), so the rows of the next batch (read, validated,
turned into parameters) can be made in the meantime instead of after it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_END = object()


def ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """The items of ``items`` in order, each made by a worker thread while the caller uses the one before
    (at most ``depth`` made and not yet taken). An error of ``items`` is raised here, at its place in the
    order; when the caller stops early (an error of its own, ``close()``), the worker stops at its next item.
    """
    made: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[object, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                made.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if not put((item, None)):
                    return
        except BaseException as exc:  # handed to the caller, who raises it
            put((_END, exc))
        else:
            put((_END, None))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()  # a generator left early runs its own clean-up now, in this thread

    worker = threading.Thread(target=work, name="kith-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, error = made.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()

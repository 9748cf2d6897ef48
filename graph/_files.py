"""Files kith keeps, written atomically; and a pause of the garbage collector for work that makes
millions of small acyclic objects (loading, saving, ingesting, whole-state analyses)."""

from __future__ import annotations

import contextlib
import gc
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any


def write_atomically(
    path: Path, write: Callable[[IO[Any]], None], *, binary: bool = True, prefix: str | None = None
) -> None:
    """Write ``path`` so that a crash leaves either the old file or the new one, never half of one.

    ``write`` fills a temporary file beside ``path`` (mode 0600, as ``mkstemp`` makes it), which is
    flushed and fsynced, renamed over ``path``, and the folder fsynced so the rename itself lasts.
    """
    fd, tmp = tempfile.mkstemp(prefix=prefix or path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        stream: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8")
        with stream as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: a graph is millions of small acyclic objects that the
    collector would otherwise rescan again and again while they are made or saved."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

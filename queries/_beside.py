"""Work beside this process: a second Python process for the heavy steps of a whole-state analysis,
so that two cores share them.

The process is a fresh interpreter that imports only the modules of the
functions it is given (``multiprocessing`` would import the caller's script
into it, and run it again when the script has no ``__main__`` guard). Jobs go
to it through a pipe, pickled, one after another; each :meth:`Beside.run`
returns a function that waits for the answer. When the process cannot start,
or a job fails in it, the job runs here instead, so the answer is always the
one this process would have given.

Nothing it sends or receives leaves the machine or is written to disk; a
failure is logged by its type only (a job's arguments may hold counts of
students).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")

log = logging.getLogger(__name__)

#: The packages whose functions the second process may be asked to run.
_RUNNABLE = ("kith.queries.", "kith.trust.")


class Beside:
    """A second process (or none: then every job runs here, when its answer is asked for)."""

    def __init__(self, child: subprocess.Popen[bytes] | None) -> None:
        self._child = child
        self._turn = threading.Lock()  # one job in the pipe at a time

    @classmethod
    def start(cls, wanted: bool = True) -> Beside:
        """A second process when ``wanted`` and the machine has a second core; else none."""
        if not wanted or _cores() < 2:
            return cls(None)
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        try:
            child = subprocess.Popen(
                [sys.executable, "-c", "from kith.queries._beside import serve; serve()"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError as exc:
            log.debug("no second process (%s): the work runs here", type(exc).__name__)
            return cls(None)
        return cls(child)

    @property
    def parallel(self) -> bool:
        return self._child is not None

    def run(self, func: Callable[..., T], *args: Any) -> Callable[[], T]:
        """Start ``func(*args)`` in the second process; call the result for its answer."""
        child = self._child
        if child is None or not func.__module__.startswith(_RUNNABLE):
            return lambda: func(*args)
        answer: list[Any] = []

        stdin, stdout = child.stdin, child.stdout
        assert stdin is not None and stdout is not None  # started with both pipes

        def talk() -> None:
            with self._turn:
                try:
                    pickle.dump((func.__module__, func.__qualname__, args), stdin, protocol=pickle.HIGHEST_PROTOCOL)
                    stdin.flush()
                    ok, value = pickle.load(stdout)  # our own child's answer
                except Exception as exc:  # noqa: BLE001 - a closed pipe, a dead process: the job runs here
                    ok, value = False, type(exc).__name__
                answer.append((ok, value))

        thread = threading.Thread(target=talk, daemon=True)
        thread.start()

        def collect() -> T:
            thread.join()
            ok, value = answer[0]
            if ok:
                return cast(T, value)
            log.debug("%s failed in the second process (%s): it runs here", func.__qualname__, value)
            return func(*args)

        return collect

    def close(self) -> None:
        """End the second process (after its jobs are done)."""
        child = self._child
        if child is not None:
            with self._turn, contextlib.suppress(OSError):  # a process that died has no pipe to close
                if child.stdin is not None:
                    child.stdin.close()
            child.wait()
            if child.stdout is not None:
                child.stdout.close()
            self._child = None

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None and self._child is not None:
            self._child.kill()  # its answers are not wanted any more
        self.close()


def _cores() -> int:
    """The cores this process may run on (fewer than the machine has under a CPU affinity mask)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def serve() -> None:
    """The second process: answer jobs from stdin on stdout until stdin closes."""
    import gc
    import importlib

    gc.disable()  # short-lived, and its jobs make millions of small acyclic objects (see graph._files)
    stdin = sys.stdin.buffer
    stdout = os.fdopen(os.dup(1), "wb")  # answers only: anything else printed goes where stderr goes
    os.dup2(2, 1)
    while True:
        try:
            module, name, args = pickle.load(stdin)
        except EOFError:
            stdout.close()
            os._exit(0)  # every answer is written: no need to free each object one by one first
        try:
            if not module.startswith(_RUNNABLE):
                raise ValueError(f"{module} is not a module the second process runs")
            func: Any = importlib.import_module(module)
            for part in name.split("."):
                func = getattr(func, part)
            reply: tuple[bool, Any] = (True, func(*args))
        except Exception as exc:  # noqa: BLE001 - reported to the caller, which runs the job itself
            reply = (False, type(exc).__name__)
        pickle.dump(reply, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()

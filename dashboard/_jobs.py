"""Background callbacks (the what-if) run in a small pool of threads, queued: at most ``at_once`` in the
server at a time, and each user's one after another.

Dash's own disk-cache manager starts a process per call, so sixty what-ifs asked at once by one planner
forked dozens of processes and gigabytes. Here a call is queued behind the same user's earlier ones and
then behind everyone's (``at_once`` workers); while it waits its progress reads 0, and cancelling a
queued call drops it. The results still travel through the disk cache, as Dash expects.
"""

from __future__ import annotations

import collections
import contextvars
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from dash.background_callback.managers.diskcache_manager import DiskcacheManager

from kith.dashboard import _security

#: Calls one user may have waiting beyond the one running; more are dropped (no update).
PER_USER_QUEUE = 4
_NO_UPDATE = {"_dash_no_update": "_dash_no_update"}


class QueuedJobs(DiskcacheManager):
    """A :class:`dash.DiskcacheManager` whose jobs run in ``at_once`` threads, one per user at a time."""

    def __init__(self, cache: Any, *, at_once: int) -> None:
        super().__init__(cache)
        self._pool = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="kith-what-if")
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._live: set[int] = set()  # queued or running
        self._running_for: dict[str, int] = {}  # user → the job of theirs that holds a worker or is submitted
        self._waiting: dict[str, collections.deque[tuple[int, Any]]] = collections.defaultdict(collections.deque)
        self._cancelled: set[int] = set()

    def call_job_fn(self, key: str, job_fn: Any, args: Any, context: Any) -> int:
        viewer = _security.current_viewer()
        user = viewer.name if viewer is not None else ""
        job = next(self._ids)
        progress_key = self._make_progress_key(key)
        run = (key, progress_key, job_fn, args, context, contextvars.copy_context())
        with self._lock:
            if user in self._running_for:
                if len(self._waiting[user]) >= PER_USER_QUEUE:
                    self.handle.set(key, _NO_UPDATE)  # too many of one user's at once: this one is dropped
                    return job
                self._live.add(job)
                self._waiting[user].append((job, run))
                self.handle.set(progress_key, ["0", "3"])  # queued
                return job
            self._live.add(job)
            self._running_for[user] = job
        self._submit(user, job, run)
        return job

    def _submit(self, user: str, job: int, run: tuple[Any, ...]) -> None:
        self._pool.submit(self._run, user, job, run)

    def _run(self, user: str, job: int, run: tuple[Any, ...]) -> None:
        key, progress_key, job_fn, args, context, ctx = run
        try:
            if job not in self._cancelled:
                ctx.run(job_fn, key, progress_key, args, context)
        finally:
            with self._lock:
                self._live.discard(job)
                self._cancelled.discard(job)
                nxt = self._waiting[user].popleft() if self._waiting.get(user) else None
                if nxt is None:
                    self._running_for.pop(user, None)
                    self._waiting.pop(user, None)
                else:
                    self._running_for[user] = nxt[0]
            if nxt is not None:
                self._submit(user, *nxt)

    def job_running(self, job: Any) -> bool:
        with self._lock:
            return _job(job) in self._live

    def terminate_job(self, job: Any) -> None:
        """Cancel: a queued job is dropped; a running one finishes, and its result is not shown."""
        number = _job(job)
        with self._lock:
            for queue in self._waiting.values():
                for item in list(queue):
                    if item[0] == number:
                        queue.remove(item)
                        self._live.discard(number)
                        self.handle.set(item[1][0], _NO_UPDATE)
                        return
            if number in self._live:
                self._cancelled.add(number)

    def terminate_unhealthy_job(self, job: Any) -> bool:
        return False

    def waiting(self) -> int:
        """Jobs queued behind others (for tests and the load benchmark)."""
        with self._lock:
            return sum(len(q) for q in self._waiting.values())


def _job(job: Any) -> int:
    try:
        return int(job)
    except (TypeError, ValueError):
        return 0

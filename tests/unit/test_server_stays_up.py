"""A server that stays up: idle sockets are closed and cannot crowd users out, password checks are capped
(argon2 takes 64 MiB each), and what-ifs run a few at a time, each user's one after another."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import diskcache
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from kith.dashboard import _jobs, _security
from kith.dashboard.app import create_app
from kith.dashboard.data import DashboardData
from kith.graph.memory import MemoryStore
from kith.settings import KithSettings
from kith.trust.access import Role, Viewer
from kith.trust.users import Users

PASSWORD = "a long enough password"


def test_waitress_closes_idle_sockets_soon_and_keeps_room_for_users() -> None:
    from kith.cli import serve_options

    options = serve_options(KithSettings(_env_file=None))
    assert options["connection_limit"] >= 1_000  # waitress's default of 100 was filled by 110 idle sockets
    assert options["channel_timeout"] <= 30  # waitress's default keeps an idle socket 120 s
    assert options["cleanup_interval"] <= options["channel_timeout"]


_CHEAP = {k: getattr(CHEAPEST, k) for k in ("time_cost", "memory_cost", "parallelism", "hash_len", "salt_len")}


class _Slow(PasswordHasher):
    """A hasher whose checks take a while and count how many run at once."""

    def __init__(self) -> None:
        super().__init__(**_CHEAP)
        self.now = self.most = 0
        self.lock = threading.Lock()

    def verify(self, hash: Any, password: Any) -> bool:  # noqa: A002 - argon2's own name
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(0.2)
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.now -= 1


def test_password_checks_are_capped_and_the_rest_turned_away(tmp_path: Path, small_store: MemoryStore) -> None:
    hasher = _Slow()
    Users(tmp_path, hasher=hasher).add("pat", Role.PLANNER, PASSWORD)
    settings = KithSettings(
        _env_file=None, home=tmp_path, demo=False, neo4j_uri=None, sign_ins_at_once=2, sign_in_requests_per_second=1000
    )
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    original = _security.Users.authenticate

    statuses: list[int] = []

    def attempt(i: int) -> None:
        client = app.server.test_client()
        page = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        response = client.post("/login", data={"name": f"guess{i}", "password": "x" * 12, "csrf": csrf})
        statuses.append(response.status_code)

    Users.authenticate = lambda self, name, password: original(Users(tmp_path, hasher=hasher), name, password)
    try:
        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        Users.authenticate = original
    assert hasher.most <= 2
    assert statuses.count(503) >= 10 and set(statuses) <= {401, 503}


def test_a_crowd_at_the_sign_in_page_is_answered_429_at_once_and_signed_in_users_are_not(
    tmp_path: Path, small_store: MemoryStore
) -> None:
    Users(tmp_path, hasher=PasswordHasher(**_CHEAP)).add("pat", Role.PLANNER, PASSWORD)
    settings = KithSettings(_env_file=None, home=tmp_path, demo=False, neo4j_uri=None, sign_in_requests_per_second=5)
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    user = app.server.test_client()
    page = user.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert user.post("/login", data={"name": "pat", "password": PASSWORD, "csrf": csrf}).status_code == 302

    crowd = app.server.test_client()
    statuses = [crowd.get("/login").status_code for _ in range(100)]
    assert statuses[:45].count(200) == 45  # the bucket holds ten seconds' worth: a room signing in together
    assert statuses.count(429) >= 40  # the rest are turned away at once
    turned = crowd.get("/login")
    assert turned.status_code == 429 and turned.headers["Retry-After"] and "try again" in turned.text
    # a signed-in user never asks for the sign-in page: pages and callbacks still answer
    assert user.get("/").status_code == 200
    time.sleep(0.5)  # and the bucket refills: a person signing in a moment later gets the page
    assert crowd.get("/login").status_code == 200


def test_passwords_are_checked_at_the_lowest_cpu_priority_with_argon2s_own_threads() -> None:
    import concurrent.futures

    def nice() -> int:
        return int(Path(f"/proc/self/task/{threading.get_native_id()}/stat").read_text().rsplit(")", 1)[1].split()[16])

    def nice_of_a_thread_it_starts() -> int:
        found: list[int] = []
        thread = threading.Thread(target=lambda: found.append(nice()))
        thread.start()
        thread.join()
        return found[0]

    if not Path("/proc/self/task").exists():
        pytest.skip("per-thread priority is a Linux feature; elsewhere sign-ins keep the usual priority")
    own = nice()
    with concurrent.futures.ThreadPoolExecutor(1, initializer=_security._lowest_cpu_priority) as checkers:
        assert checkers.submit(nice).result() == 19
        assert checkers.submit(nice_of_a_thread_it_starts).result() == 19  # argon2's lanes are such threads
    assert nice() == own  # the server's own threads keep theirs


def test_what_ifs_run_a_few_at_a_time_and_one_per_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _jobs.QueuedJobs(diskcache.Cache(str(tmp_path / "cache")), at_once=2)
    lock = threading.Lock()
    running: dict[str, int] = {}
    most = {"all": 0, "per_user": 0}
    threads_before = threading.active_count()

    def job_fn(key: str, progress_key: str, args: Any, context: Any) -> None:
        user = args
        with lock:
            running[user] = running.get(user, 0) + 1
            most["all"] = max(most["all"], sum(running.values()))
            most["per_user"] = max(most["per_user"], running[user])
        time.sleep(0.05)
        with lock:
            running[user] -= 1
        jobs.handle.set(key, f"done {key}")

    viewer: dict[str, Viewer] = {}
    monkeypatch.setattr(_security, "current_viewer", lambda: viewer.get("now"))
    started = []
    for user in ("pat", "pia", "pam"):
        viewer["now"] = Viewer(name=user, role=Role.PLANNER)
        for i in range(_jobs.PER_USER_QUEUE + 3):  # one runs, PER_USER_QUEUE wait, the rest are dropped
            started.append((f"{user}-{i}", jobs.call_job_fn(f"{user}-{i}", job_fn, user, {})))
    assert threading.active_count() <= threads_before + 2  # no process, no thread per call
    deadline = time.monotonic() + 30
    while any(jobs.job_running(job) for _, job in started) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert most == {"all": 2, "per_user": 1}
    done = [key for key, _ in started if str(jobs.handle.get(key)).startswith("done")]
    assert len(done) == 3 * (1 + _jobs.PER_USER_QUEUE)


def test_a_queued_what_if_can_be_cancelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _jobs.QueuedJobs(diskcache.Cache(str(tmp_path / "cache")), at_once=1)
    monkeypatch.setattr(_security, "current_viewer", lambda: Viewer(name="pat", role=Role.PLANNER))
    gate = threading.Event()
    ran: list[str] = []

    def job_fn(key: str, progress_key: str, args: Any, context: Any) -> None:
        gate.wait(10)
        ran.append(key)

    first = jobs.call_job_fn("a", job_fn, None, {})
    second = jobs.call_job_fn("b", job_fn, None, {})
    assert jobs.job_running(second) and jobs.handle.get(jobs._make_progress_key("b")) == ["0", "3"]
    jobs.terminate_job(second)
    assert not jobs.job_running(second)
    gate.set()
    deadline = time.monotonic() + 10
    while jobs.job_running(first) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ran == ["a"]

"""Load: the served dashboard on the `district` demo city under concurrent clients, on loopback only.

Builds the district city in a temporary KITH_HOME (`kith demo --no-serve`), adds a user, starts
`kith serve` in a subprocess on 127.0.0.1, and signs in each client as that user (the real, non-demo
path: sessions, role checks on every callback, security headers). Then N clients, for a fixed time
and a bounded number of requests, mix what browsers send:

- page loads: a page's HTML, `/_dash-layout`, `/_dash-dependencies` and the page router callback;
- callbacks: POST `/_dash-update-component` with payloads built from the app's own callback map
  (`GET /_dash-dependencies`), their inputs set from the options and defaults of the rendered pages.

Reports requests, errors (target: 0), p50/p95/p99 latency overall and per kind, throughput, and that
the server still answers afterwards. Traffic goes to 127.0.0.1 only.

Then an adversarial phase (``--adversarial-seconds``, 0 to skip): the same clients, signed in before it
starts, run while an attacker (a process of its own, as it would be a machine of its own) holds 110 idle
sockets open (reopening each one the server closes) and makes 100 sign-in attempts at a time with wrong
passwords under fresh names. Target: the normal
clients' p95 under 1 s with 0 errors; the attack is bounded in sockets, attempts and time, and its
answers (401, 429, 503) are counted apart. The server's peak memory in each phase is reported.

    .venv/bin/python benchmarks/load.py [--clients 20] [--seconds 60] [--max-requests 20000]
        [--adversarial-seconds 60] [--size district] [--home DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only, always
PASSWORD = "load-benchmark-password"
PAGES = ("/", "/map", "/gaps", "/network", "/find-help", "/paths")
ZIPS = ("02119", "02121", "02124", "02125", "02130", "02122", "02126", "02136", "02131", "02128")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _kith(*args: str, env: dict[str, str], stdin: str | None = None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kith.cli", *args], input=stdin, env=env, text=True, capture_output=True, cwd=ROOT
    )
    if done.returncode:
        raise SystemExit(f"kith {' '.join(args)} failed: {done.stderr.strip()}")


def _sign_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/login",
        data={"name": "loadtest", "password": PASSWORD, "csrf": csrf, "next": "/"},
        allow_redirects=False,
        timeout=60,
    )
    if answer.status_code != 302:
        raise SystemExit(f"sign-in failed: HTTP {answer.status_code}")
    return session


def _split_output(output: str) -> list[dict[str, Any]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    specs = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        specs.append({"id": json.loads(component) if component.startswith("{") else component, "property": prop})
    return specs


def _walk(node: Any, found: dict[str, dict[str, Any]]) -> None:
    """Collect each component's props (by id) from a rendered layout."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict):
            if isinstance(props.get("id"), str):
                found[props["id"]] = props
            for value in props.values():
                _walk(value, found)
        else:
            for value in node.values():
                _walk(value, found)
    elif isinstance(node, list):
        for item in node:
            _walk(item, found)


class Workload:
    """Payloads built from the app's real callback map, with input values from the rendered pages."""

    def __init__(self, base: str, session: requests.Session) -> None:
        self.base = base
        deps = session.get(f"{base}/_dash-dependencies", timeout=60).json()
        self.router = next(d for d in deps if "_pages_content" in d["output"])
        self.callbacks = [
            d
            for d in deps
            if not d.get("clientside_function")
            and "_pages" not in d["output"]
            and not d.get("background")
            and not d.get("prevent_initial_call")
        ]
        self.components: dict[str, dict[str, Any]] = {}
        for path in PAGES:
            answer = session.post(f"{base}/_dash-update-component", json=self.page_payload(path), timeout=120)
            answer.raise_for_status()
            _walk(answer.json(), self.components)

    def page_payload(self, path: str) -> dict[str, Any]:
        values = {"pathname": path, "search": "", "hash": "", "href": f"{self.base}{path}"}
        inputs = [
            {"id": i["id"], "property": i["property"], "value": values.get(i["property"])}
            for i in self.router["inputs"]
        ]
        return {
            "output": self.router["output"],
            "outputs": _split_output(self.router["output"]),
            "inputs": inputs,
            "state": [],
            "changedPropIds": ["_pages_location.pathname"],
        }

    def value(self, component: str, prop: str, rng: random.Random) -> Any:
        props = self.components.get(component, {})
        options = props.get("options")
        if prop == "value" and isinstance(options, list) and options:
            choice = rng.choice(options)
            picked = choice.get("value") if isinstance(choice, dict) else choice
            return [picked] if isinstance(props.get("value"), list) else picked
        if component.endswith("place") and prop == "value":
            return rng.choice(ZIPS)
        return props.get(prop)

    def callback_payload(self, rng: random.Random) -> tuple[str, dict[str, Any]]:
        dep = rng.choice(self.callbacks)
        outputs = _split_output(dep["output"])
        inputs = [
            {
                "id": json.loads(i["id"]) if i["id"].startswith("{") else i["id"],
                "property": i["property"],
                "value": self.value(i["id"], i["property"], rng),
            }
            for i in dep["inputs"]
        ]
        state = [
            {"id": s["id"], "property": s["property"], "value": self.value(s["id"], s["property"], rng)}
            for s in dep["state"]
        ]
        body = {
            "output": dep["output"],
            "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": inputs,
            "state": state,
            "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"],
        }
        return dep["output"], body


def _client(
    number: int,
    base: str,
    work: Workload,
    deadline: float,
    budget: list[int],
    lock: threading.Lock,
    results: list[tuple[str, float, bool]],
    session: requests.Session | None = None,
) -> None:
    rng = random.Random(number)
    if session is None:
        try:
            session = _sign_in(base)
        except Exception:  # noqa: BLE001 - counted as an error, the run goes on
            with lock:
                results.append(("sign-in", 0.0, False))
            return
    while time.monotonic() < deadline:
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        if rng.random() < 0.3:
            path = rng.choice(PAGES)
            steps = [
                ("page", "GET", path, None),
                ("page", "GET", "/_dash-layout", None),
                ("page", "GET", "/_dash-dependencies", None),
                ("page", "POST", "/_dash-update-component", work.page_payload(path)),
            ]
        else:
            output, body = work.callback_payload(rng)
            steps = [(output.strip(".").split(".")[0], "POST", "/_dash-update-component", body)]
        for kind, method, path, body in steps:
            start = time.perf_counter()
            try:
                answer = session.request(method, base + path, json=body, timeout=60)
                ok = answer.status_code in (200, 204)
            except requests.RequestException:
                ok = False
            with lock:
                results.append((kind, (time.perf_counter() - start) * 1000, ok))


#: The attack of the adversarial phase, and its bounds.
IDLE_SOCKETS = 110
SIGN_IN_ATTACKERS = 100
MAX_SOCKET_OPENINGS = 5_000
MAX_SIGN_IN_ATTEMPTS = 5_000


def _idle_sockets(port: int, deadline: float, opened: list[int]) -> None:
    """Hold IDLE_SOCKETS connections open, each sending half a request line and nothing more; one the
    server closes is opened again (at most MAX_SOCKET_OPENINGS in all)."""
    socks: list[socket.socket | None] = [None] * IDLE_SOCKETS
    try:
        while time.monotonic() < deadline and opened[0] < MAX_SOCKET_OPENINGS:
            for i, sock in enumerate(socks):
                if sock is not None:
                    try:
                        sock.setblocking(False)
                        if sock.recv(1) == b"":
                            raise ConnectionError
                    except BlockingIOError:
                        continue  # still open and idle
                    except OSError:
                        pass
                    sock.close()
                    socks[i] = None
                if opened[0] >= MAX_SOCKET_OPENINGS:
                    break
                try:
                    fresh = socket.create_connection((HOST, port), timeout=5)
                    fresh.sendall(b"GET / HTTP/1.1\r\n")
                    socks[i] = fresh
                    opened[0] += 1
                except OSError:
                    pass
            time.sleep(0.5)
    finally:
        for sock in socks:
            if sock is not None:
                sock.close()


def _sign_in_attacker(number: int, base: str, deadline: float, lock: threading.Lock, tally: dict[str, int]) -> None:
    """Wrong passwords under fresh names (so no per-name throttle applies), until the deadline or the bound."""
    session = requests.Session()
    n = 0
    while time.monotonic() < deadline:
        with lock:
            if tally["attempts"] >= MAX_SIGN_IN_ATTEMPTS:
                return
            tally["attempts"] += 1
        n += 1
        try:
            page = session.get(f"{base}/login", timeout=30)
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            answer = session.post(
                f"{base}/login",
                timeout=30,
                allow_redirects=False,
                data={
                    "name": f"intruder{number}-{n}",
                    "password": "not the password",
                    "csrf": csrf.group(1) if csrf else "",
                    "next": "/",
                },
            )
            key = str(answer.status_code)
        except requests.RequestException:
            key = "no answer"
        with lock:
            tally[key] = tally.get(key, 0) + 1


def _attack(port: int, base: str, deadline: float, answers_to: Any) -> None:
    """The attacker, in a process of its own (as on a machine of its own: its threads do not share the
    clients' interpreter): the idle sockets and the sign-in crowd until ``deadline``; sends back the
    number of sockets opened and the tally of answers."""
    opened, lock, tally = [0], threading.Lock(), {"attempts": 0}
    threads = [threading.Thread(target=_idle_sockets, args=(port, deadline, opened), daemon=True)]
    threads += [
        threading.Thread(target=_sign_in_attacker, args=(n, base, deadline, lock, tally), daemon=True)
        for n in range(SIGN_IN_ATTACKERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers_to.put((opened, tally))


class _Memory:
    """The server process's peak resident memory, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.process, self.peak_mb, self._stop = psutil.Process(pid), 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            try:
                rss = self.process.memory_info().rss + sum(c.memory_info().rss for c in self.process.children())
            except Exception:  # noqa: BLE001 - the server may be gone
                return
            self.peak_mb = max(self.peak_mb, rss / 1024 / 1024)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def _run_clients(
    args: argparse.Namespace, base: str, work: Workload, seconds: float, sessions: list[requests.Session | None]
) -> tuple[list[tuple[str, float, bool]], float]:
    results: list[tuple[str, float, bool]] = []
    lock = threading.Lock()
    budget = [args.max_requests]
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_client, args=(n, base, work, deadline, budget, lock, results, sessions[n]))
        for n in range(args.clients)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - began


def _report(
    title: str,
    args: argparse.Namespace,
    base: str,
    results: list[tuple[str, float, bool]],
    elapsed: float,
    peak_mb: float,
) -> dict[str, Any]:
    latencies = [ms for _, ms, ok in results if ok]
    errors = sum(1 for _, _, ok in results if not ok)
    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, ms, ok in results:
        if ok:
            by_kind[kind].append(ms)
    print(f"\n{title}: {args.clients} clients, {elapsed:.1f} s, loopback {base}")
    print(f"requests: {len(results):,}   errors: {errors}   throughput: {len(results) / elapsed:,.1f} req/s")
    print(
        f"latency ms: p50 {_percentile(latencies, 50):.1f}   p95 {_percentile(latencies, 95):.1f}   "
        f"p99 {_percentile(latencies, 99):.1f}   mean {statistics.fmean(latencies) if latencies else 0:.1f}"
    )
    print(f"server peak memory: {peak_mb:,.0f} MB")
    print(f"\n{'kind':<24}{'n':>8}{'p50 ms':>10}{'p95 ms':>10}")
    for kind, values in sorted(by_kind.items(), key=lambda kv: -len(kv[1])):
        print(f"{kind:<24}{len(values):>8}{_percentile(values, 50):>10.1f}{_percentile(values, 95):>10.1f}")
    return {
        "requests": len(results),
        "errors": errors,
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "peak_mb": round(peak_mb),
    }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=20_000, help="Upper bound on client actions.")
    parser.add_argument(
        "--adversarial-seconds", type=float, default=60.0, help="Length of the adversarial phase (0: skip it)."
    )
    parser.add_argument("--size", default="district", choices=["small", "district"])
    parser.add_argument("--home", type=Path, default=None, help="Reuse this KITH_HOME (built if it has no graph).")
    args = parser.parse_args()

    home = args.home or Path(tempfile.mkdtemp(prefix="kith-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    env.update({"KITH_HOME": str(home), "KITH_HOST": HOST, "KITH_DEMO": "false", "PYTHONPATH": str(ROOT)})
    started = time.perf_counter()
    if not (home / "graph.msgpack").exists():
        _kith("demo", "--size", args.size, "--no-serve", env=env)
    _kith("user", "add", "loadtest", "--role", "admin", "--password-stdin", env=env, stdin=PASSWORD + "\n")
    print(f"graph ready ({args.size}) in {time.perf_counter() - started:.1f} s at {home}")

    port = _free_port()
    base = f"http://{HOST}:{port}"
    server_log = open(home / "server.log", "w+")  # a file, not a pipe: a full pipe would stall the server
    server = subprocess.Popen(
        [sys.executable, "-m", "kith.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=server_log,
        text=True,
    )
    try:
        started = time.perf_counter()
        while True:
            if server.poll() is not None:
                server_log.seek(0)
                raise SystemExit(f"the server stopped: {server_log.read()[-2000:]}")
            try:
                if requests.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.perf_counter() - started > 180:
                raise SystemExit("the server did not answer within 180 s")
            time.sleep(0.2)
        print(f"server up in {time.perf_counter() - started:.1f} s at {base}")
        work = Workload(base, _sign_in(base))
        print(f"{len(work.callbacks)} callbacks from /_dash-dependencies, {len(PAGES)} pages")

        memory = _Memory(server.pid)
        results, elapsed = _run_clients(args, base, work, args.seconds, [None] * args.clients)
        normal = _report("normal load", args, base, results, elapsed, memory.stop())

        attack: dict[str, Any] = {}
        if args.adversarial_seconds > 0:
            sessions: list[requests.Session | None] = [_sign_in(base) for _ in range(args.clients)]
            deadline = time.monotonic() + args.adversarial_seconds + 5
            memory = _Memory(server.pid)
            answers_from = multiprocessing.get_context("spawn").SimpleQueue()
            attacker = multiprocessing.get_context("spawn").Process(
                target=_attack, args=(port, base, deadline, answers_from), daemon=True
            )
            attacker.start()
            time.sleep(3)  # the sockets are open and the sign-ins under way before the clients start
            results, elapsed = _run_clients(args, base, work, args.adversarial_seconds, sessions)
            opened, tally = answers_from.get()
            attacker.join()
            attack = _report(
                f"adversarial ({IDLE_SOCKETS} idle sockets, {SIGN_IN_ATTACKERS} sign-ins at a time)",
                args,
                base,
                results,
                elapsed,
                memory.stop(),
            )
            answers = {k: v for k, v in tally.items() if k != "attempts"}
            print(f"attack: {opened[0]} sockets opened, {tally['attempts']} sign-in attempts, answers {answers}")
            attack.update(sockets_opened=opened[0], sign_in_attempts=tally["attempts"], sign_in_answers=answers)

        after = _sign_in(base)
        alive = (
            after.get(f"{base}/", timeout=30).status_code == 200
            and after.post(f"{base}/_dash-update-component", json=work.page_payload("/"), timeout=60).status_code == 200
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
        if args.home is None:
            shutil.rmtree(home, ignore_errors=True)

    print(f"\nserver still answers afterwards: {'yes' if alive else 'NO'}")
    print(json.dumps({"clients": args.clients, "normal": normal, "adversarial": attack, "alive_after": alive}))
    errors = normal["errors"] + attack.get("errors", 0)
    met = not attack or attack["p95_ms"] < 1000
    if attack:
        print(f"adversarial target (p95 < 1000 ms, 0 errors): {'met' if met and not attack['errors'] else 'NOT met'}")
    return 0 if errors == 0 and alive and met else 1


if __name__ == "__main__":
    raise SystemExit(main())

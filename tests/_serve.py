"""``kith serve`` in a child process on a free port, for the tests that check the served dashboard."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path


@contextlib.contextmanager
def serving(
    kith: list[str], *, env: Mapping[str, str], cwd: Path | None = None, timeout_s: float = 60
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Run ``kith serve`` (``kith`` is the command, e.g. ``[python, "-m", "kith"]``) until its first page
    answers; yield its base URL and the process, which is stopped on leaving (its stderr stays readable)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [*kith, "serve", "--port", str(port)],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/", timeout=5):
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, f"the dashboard did not come up within {timeout_s:.0f} s"
                time.sleep(0.5)
        yield url, server
    finally:
        server.terminate()
        server.wait(timeout=10)

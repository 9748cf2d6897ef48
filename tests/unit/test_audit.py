"""The audit log: append-only JSON lines, one per student-level view or export."""

from __future__ import annotations

import json
import multiprocessing
import stat
from pathlib import Path

from kith.trust.access import Role, Viewer
from kith.trust.audit import AuditLog


def test_records_who_when_what(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    assert log.entries() == []
    viewer = Viewer(name="cw", role=Role.CASEWORKER, school_id="S1")
    log.record(viewer, "view_student", student="p-3f9a")
    log.record(viewer, "export", kind="gaps.csv", rows=12)
    entries = log.entries()
    assert [e["action"] for e in entries] == ["view_student", "export"]
    assert entries[0]["who"] == "cw" and entries[0]["role"] == "caseworker" and entries[0]["student"] == "p-3f9a"
    assert entries[0]["at"].endswith("+00:00")
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600


def test_appends_and_never_rewrites(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.record(Viewer.operator(), "export", kind="neo4j")
    first = log.path.read_bytes()
    log.record(Viewer.operator(), "export", kind="file")
    assert log.path.read_bytes().startswith(first)


def _write_many(home: str, n: int) -> None:
    log = AuditLog(Path(home))
    for i in range(n):
        log.record(Viewer.operator(f"writer{i % 3}"), "view_student", student="p" * 2000 + str(i))


def test_concurrent_writers_never_interleave(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(str(tmp_path), 150)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 600
    assert all(json.loads(line)["action"] == "view_student" for line in lines)

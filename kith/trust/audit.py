"""The audit log: who saw which student, and who exported what, when.

One JSON object per line in ``KITH_HOME/audit.jsonl``, appended with
``O_APPEND`` (each record is one ``write``, so records from several processes
never interleave) and never rewritten by kith. A record names the viewer (user
name and role), the time (UTC), the action and its subject as graph ids —
students only by their pseudonymous ids, never a name, a raw id or an address.

Actions: ``view_student`` and ``view_family`` (a student-level view), ``export``
(a file that leaves kith, with its kind and row count).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from kith.trust.access import Viewer

_MAX_RECORD = 16_384


class AuditLog:
    """The append-only audit log under ``home``."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / "audit.jsonl"

    def record(self, viewer: Viewer, action: str, **what: Any) -> None:
        """Append one record. ``what`` holds graph ids and counts only."""
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "who": viewer.name,
            "role": viewer.role.value,
            "action": action,
            **what,
        }
        line = (json.dumps(entry, default=str, separators=(",", ":")) + "\n").encode("utf-8")
        if len(line) > _MAX_RECORD:
            raise ValueError("an audit record is too long")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        """Every record, oldest first (an empty list before the first one)."""
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

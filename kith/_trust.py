"""What the command line does for confidentiality: who runs it, and the audit of student-level views
and of every export (a file-like output: CSV, JSON, GeoJSON, a referral list, a copy to or from Neo4j)."""

from __future__ import annotations

import getpass
from typing import Any
from urllib.parse import urlsplit

from kith.graph.errors import NodeNotFound
from kith.graph.model import NodeRef
from kith.graph.store import GraphStore
from kith.settings import DEFAULT_SUPPRESS_BELOW, KithSettings
from kith.trust.access import Viewer, is_person, person_not_found, require_node
from kith.trust.audit import AuditLog


def operator() -> Viewer:
    """The person running the command line: they hold the store files, so they see everything (audited)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "operator"
    return Viewer.operator(f"cli:{name}")


def audit_weak_suppression(settings: KithSettings) -> None:
    """Record that this command runs with a suppression threshold below the default."""
    AuditLog(settings.home).record(
        operator(), "weak_suppression", threshold=settings.suppress_below, default=DEFAULT_SUPPRESS_BELOW
    )


def audit_person_start(settings: KithSettings, store: GraphStore, start: str) -> None:
    """If ``start`` names a student or a family: check it is in the graph without echoing it back (it
    may be a raw district id typed by mistake), and record the student-level view in the audit log."""
    try:
        ref = NodeRef.parse(start)
    except ValueError:
        return  # not label:id; the question itself says what is wrong
    if not is_person(ref):
        return
    kind = ref.label.value.lower()
    if not store.nodes(ref.label, ids=[ref.id]):
        raise NodeNotFound(person_not_found(ref))
    viewer = require_node(operator(), store, ref)
    AuditLog(settings.home).record(viewer, f"view_{kind}", **{kind: ref.id}, via="kith path")


def audit_export(settings: KithSettings, command: str, **what: Any) -> None:
    """Record an export by the command line: who (the OS user), when, the command and its parameters.

    Called before the output is written, so an export that cannot be audited does not happen.
    ``what`` holds parameters, graph ids and counts only (see :func:`place_of`).
    """
    AuditLog(settings.home).record(operator(), "export", command=command, via="kith", **what)


def place_of(text: str, kind: str) -> str:
    """What the audit keeps of a search's starting place: an organisation's id or a ZIP code, but of an
    address or a point only that it was one (it may be a family's home)."""
    if kind in ("school", "site", "agency"):
        return text.strip()
    if kind == "zip":
        return f"zip:{text.strip()[:5]}"
    return kind


def server_of(uri: str | None) -> str | None:
    """A database URI without any user name or password in it."""
    if not uri:
        return None
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"

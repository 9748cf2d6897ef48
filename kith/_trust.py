"""What the command line does for confidentiality: who runs it, and the audit of student-level views."""

from __future__ import annotations

import getpass

from graph.errors import NodeNotFound
from graph.model import NodeRef
from graph.store import GraphStore
from kith.settings import KithSettings
from queries._access import Viewer, is_person, require_node
from queries._audit import AuditLog


def operator() -> Viewer:
    """The person running the command line: they hold the store files, so they see everything (audited)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "operator"
    return Viewer.operator(f"cli:{name}")


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
        raise NodeNotFound(f"that {kind} is not in the graph: give the pseudonymous id kith made at ingest, "
                           "never a raw district id")
    viewer = require_node(operator(), store, ref)
    AuditLog(settings.home).record(viewer, f"view_{kind}", **{kind: ref.id}, via="kith path")

"""Who may ask which question: roles, the viewer of an answer, and the checks every question passes.

Integrated student support shares information on a need-to-know basis, so
each role sees only what its work needs:

==============  ===========================================================
role            may see
==============  ===========================================================
``planner``     aggregates and maps (gaps, deserts, accessibility), never a
                single student
``coalition``   the organisation network and the resource directory (nearby
                help, handoff paths between organisations)
``caseworker``  what a coalition member sees, plus the students of their
                own school (paths from a student or family)
``admin``       users and ingest, and every aggregate and organisation
                view, but no single student (no need to know)
==============  ===========================================================

The checks raise :class:`kith.graph.errors.AccessDenied`, whose message names the
role and what it may not see, never a student's id or any other value. The
dashboard passes its signed-in viewer; the command line runs as the local
operator (:meth:`Viewer.operator`), who holds the store files and so already
sees everything; demo mode runs as :meth:`Viewer.demo` on synthetic data.
"""

from __future__ import annotations

import enum
import re

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from kith.graph.errors import AccessDenied
from kith.graph.model import Label, NodeRef, RelType
from kith.graph.store import GraphStore


class Role(enum.StrEnum):
    PLANNER = "planner"
    COALITION = "coalition"
    CASEWORKER = "caseworker"
    ADMIN = "admin"


class Capability(enum.StrEnum):
    """What a question needs from its viewer."""

    OVERVIEW = "overview"  #: counts of what is in the graph (suppressed)
    AGGREGATES = "aggregates"  #: gaps, deserts, accessibility maps
    NETWORK = "network"  #: the organisation network, its metrics and suggestions
    DIRECTORY = "directory"  #: nearby help, referral lists, handoff paths between organisations
    STUDENTS = "students"  #: a single student or family (own school only)
    EXPORT = "export"  #: files that leave kith (of what the role may see)
    USERS = "users"  #: add and remove users
    INGEST = "ingest"  #: load data


_COALITION = {Capability.OVERVIEW, Capability.NETWORK, Capability.DIRECTORY, Capability.EXPORT}
GRANTS: dict[Role, frozenset[Capability]] = {
    Role.PLANNER: frozenset({Capability.OVERVIEW, Capability.AGGREGATES, Capability.EXPORT}),
    Role.COALITION: frozenset(_COALITION),
    Role.CASEWORKER: frozenset(_COALITION | {Capability.STUDENTS}),
    Role.ADMIN: frozenset(set(Capability) - {Capability.STUDENTS}),
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_PEOPLE = (Label.STUDENT, Label.FAMILY)


class Viewer(BaseModel):
    """Who an answer is for: a user name, a role and, for a caseworker, their school.

    ``unrestricted`` is only for the local operator and demo mode (see the module docstring).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    role: Role
    school_id: str | None = None
    unrestricted: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("a user name is 1-64 letters, digits or . _ @ - (starting with a letter or digit)")
        return value

    @model_validator(mode="after")
    def _school(self) -> Viewer:
        if self.role is Role.CASEWORKER and not self.school_id and not self.unrestricted:
            raise ValueError("a caseworker is bound to one school (--school ID)")
        if self.role is not Role.CASEWORKER and self.school_id:
            raise ValueError("only a caseworker is bound to a school")
        return self

    @classmethod
    def operator(cls, name: str = "operator") -> Viewer:
        """The local operator of the command line (holds the store files)."""
        return cls(name=_safe_name(name), role=Role.ADMIN, unrestricted=True)

    @classmethod
    def demo(cls) -> Viewer:
        """Whoever opens the dashboard in demo mode (synthetic data only)."""
        return cls(name="demo", role=Role.ADMIN, unrestricted=True)

    def can(self, capability: Capability) -> bool:
        return self.unrestricted or capability in GRANTS[self.role]

    def __str__(self) -> str:
        return f"{self.name} ({self.role.value}{', school ' + self.school_id if self.school_id else ''})"


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._@-]", "_", name)[:64].lstrip("._@-")
    return cleaned or "operator"


def require(viewer: Viewer | None, capability: Capability) -> Viewer:
    """``viewer`` if it may use ``capability``; else :class:`AccessDenied`."""
    if viewer is None:
        raise AccessDenied("sign in to see this")
    if not viewer.can(capability):
        raise AccessDenied(f"the {viewer.role.value} role may not see {_WHAT[capability]}")
    return viewer


_WHAT = {
    Capability.OVERVIEW: "the overview",
    Capability.AGGREGATES: "gaps, deserts or accessibility maps",
    Capability.NETWORK: "the organisation network",
    Capability.DIRECTORY: "the resource directory or handoff paths",
    Capability.STUDENTS: "single students or families",
    Capability.EXPORT: "exports",
    Capability.USERS: "users",
    Capability.INGEST: "ingest",
}


def is_person(ref: NodeRef) -> bool:
    """Whether a node is a single student or family (a student-level view)."""
    return ref.label in _PEOPLE


def person_not_found(ref: NodeRef) -> str:
    """What to say when a student or family is not in the graph, without echoing its id back (it may be a
    raw district id typed by mistake)."""
    kind = ref.label.value.lower()
    return f"that {kind} is not in the graph: give the pseudonymous id kith made at ingest, never a raw district id"


def require_node(viewer: Viewer | None, store: GraphStore, ref: NodeRef) -> Viewer:
    """Check that ``viewer`` may start a question at ``ref``.

    Organisations need the directory; a student or a family needs the
    students capability and, for a caseworker, enrolment in their school (a
    family: one of its students enrolled there). The refusal is the same
    whether the person exists or not, so it does not disclose who is enrolled.
    """
    if not is_person(ref):
        return require(viewer, Capability.DIRECTORY)
    viewer = require(viewer, Capability.STUDENTS)
    if viewer.unrestricted:
        return viewer
    students = (
        [ref.id]
        if ref.label is Label.STUDENT
        else [r["source"] for r in store.relationships(RelType.MEMBER_OF, targets=[ref.id])]
    )
    schools = {r["target"] for r in store.relationships(RelType.ENROLLED_IN, sources=students)} if students else set()
    if viewer.school_id not in schools:
        raise AccessDenied(f"{viewer.name} may see only students of school {viewer.school_id}")
    return viewer

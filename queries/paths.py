"""Warm-handoff paths: the shortest chains of known relationships from a student, a school
or an agency to the help it needs, each explained hop by hop in plain words.

A warm handoff goes through people who know each other: a school calls its
partner agency, which calls an agency it collaborates with, which offers the
service. So by default a path follows only the organisational relationships
(``PARTNERS_WITH``, ``COLLABORATES_WITH``, ``OFFERS``) plus what its start needs
to reach them: a student's school (``ENROLLED_IN``), a family's student
(``MEMBER_OF``), a staff member's school (``WORKS_AT``), a site's services
(``DELIVERED_AT``). Whatever types are asked for, a path never runs through
another student or family: only the start (and, from a family, its own
student) may be a person.

Paths ignore direction (as the store port does). They are ranked by hops
(fewest first), then by their weakest link (the strength of the partnership or
collaboration, higher first; unrated ones count 0.5, structural links such as
``OFFERS`` count 1.0), then by the mean strength, then by the distance of the
service reached from the start, then by the node ids, so ranks are reproducible.

``TO`` may be a node (``agency:ID``) or a need (``need:CODE``). For a node, the
answer is up to ``k`` of the shortest paths to it. For a need, the nearest
services addressing it (with the filters of :func:`kith.queries.nearby.find_nearby`,
searched from the start's location: a school's point, a student's family cell
or school, an agency's first site) are the targets, and the answer is the best
path to each of the ``k`` best-ranked services, one per service.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable, Sequence
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict

from kith.graph.errors import InputError
from kith.graph.model import Label, NeedCode, NodeRef, RelType
from kith.graph.store import MAX_PATHS_PER_TARGET, GraphPath, GraphStore, PathStep
from kith.queries._locate import point_of
from kith.queries._names import unknown_need
from kith.queries.nearby import find_nearby

#: The organisational relationships a warm handoff runs along.
ORGANISATIONAL = (RelType.PARTNERS_WITH, RelType.COLLABORATES_WITH, RelType.OFFERS)
#: What each kind of start adds to reach the organisations.
_START = {
    Label.STUDENT: (RelType.ENROLLED_IN,),
    Label.FAMILY: (RelType.MEMBER_OF, RelType.ENROLLED_IN),
    Label.STAFF: (RelType.WORKS_AT,),
    Label.SITE: (RelType.DELIVERED_AT,),
}
_PEOPLE = (Label.STUDENT, Label.FAMILY)
_PERSONS = (Label.STUDENT, Label.STAFF)
_RATED = (RelType.PARTNERS_WITH, RelType.COLLABORATES_WITH)
_UNRATED_STRENGTH = 0.5
MAX_HOPS = 12


class NeedTarget(NamedTuple):
    """``need:CODE``: the nearest services addressing a need."""

    code: str

    def __str__(self) -> str:
        return f"need:{self.code}"


class Handoff(BaseModel):
    """One path from the start to a target, with a plain-language explanation of every hop."""

    model_config = ConfigDict(frozen=True)

    hops: int
    nodes: tuple[str, ...]
    rels: tuple[str, ...]
    explanation: str
    #: The weakest link's strength (0..1), structural links counting 1.0.
    strength: float
    #: For a need: the distance (km) from the start's location to the service's site.
    distance_km: float | None = None


def default_via(source: Label) -> tuple[RelType, ...]:
    """The relationship types a warm handoff from a ``source`` of this label follows by default."""
    return (*_START.get(source, ()), *ORGANISATIONAL)


def parse_target(text: str) -> NodeRef | NeedTarget:
    """``need:CODE`` (also ``needtype:CODE``) or ``label:id``."""
    head, sep, tail = (text or "").partition(":")
    if sep and head.strip().lower() in ("need", "needtype"):
        return NeedTarget(_need_code(tail))
    try:
        return NodeRef.parse(text)
    except ValueError as exc:
        raise InputError(f"{exc}, or need:CODE") from None


def parse_via(text: str | Iterable[str] | None) -> tuple[RelType, ...] | None:
    """Relationship types from ``"PARTNERS_WITH,OFFERS"`` (case-insensitive); None stays None."""
    if text is None:
        return None
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    known = {t.value.lower(): t for t in RelType}
    unknown = [n for n in names if n.lower() not in known]
    if unknown or not names:
        raise InputError(
            f"unknown relationship type(s) {', '.join(unknown) or '(none given)'} "
            f"(known: {', '.join(t.value for t in RelType)})"
        )
    return tuple(dict.fromkeys(known[n.lower()] for n in names))


def warm_handoffs(
    store: GraphStore,
    source: NodeRef | str,
    target: NodeRef | NeedTarget | str,
    *,
    k: int = 3,
    max_hops: int = 6,
    via: Collection[RelType] | None = None,
    radius_km: float = 5.0,
    candidates: int = 10,
    language: str | None = None,
    free: bool = False,
    age: int | None = None,
    open_now: dt.datetime | None = None,
) -> list[Handoff]:
    """The best warm-handoff paths from ``source`` to ``target``, best first.

    Parameters
    ----------
    store
        Any store of the port.
    source
        Where the handoff starts: a ``NodeRef`` or ``label:id`` (a student by pseudonym, a school, ...).
    target
        A ``NodeRef`` / ``label:id``, or a need: ``NeedTarget`` / ``need:CODE``.
    k
        How many paths (for a need: how many services, one path each).
    max_hops
        Longest path considered.
    via
        Relationship types to follow; None: :func:`default_via` of the source's label.
    radius_km, candidates, language, free, age, open_now
        For a need: the nearby search for target services (``candidates`` nearest
        services that pass the filters), as in :func:`kith.queries.nearby.find_nearby`.

    Returns
    -------
    list of Handoff
        Ranked as the module docstring says; empty when nothing is reachable.

    Examples
    --------
    >>> warm_handoffs(store, "school:sch-0001", "need:food", k=3)  # doctest: +SKIP
    """
    start = _parse_source(source)
    goal = parse_target(target) if isinstance(target, str) else target
    _check(start, goal, k, max_hops, candidates)
    types = tuple(via) if via is not None else default_via(start.label)
    if isinstance(goal, NeedTarget):
        (lat, lon), _ = point_of(store, start)
        rows = find_nearby(
            store,
            lat,
            lon,
            needs=[goal.code],
            radius_km=radius_km,
            limit=candidates,
            language=language,
            free=free,
            age=age,
            open_now=open_now,
        )
        distance: dict[NodeRef, float] = {}
        for row in rows:
            distance.setdefault(NodeRef(Label.SERVICE, row.service_id), row.distance_km)
        ranked = _ranked(store, start, list(distance), types, max_hops, distance)
        best = _one_per_target(ranked)[:k]
    else:
        best = _ranked(store, start, [goal], types, max_hops, {})[:k]
    return _handoffs(store, best)


# ---------------------------------------------------------------- ranking


class _Ranked(NamedTuple):
    key: tuple[Any, ...]
    path: GraphPath
    strength: float
    distance_km: float | None


def _parse_source(source: NodeRef | str) -> NodeRef:
    if isinstance(source, NodeRef):
        return source
    try:
        return NodeRef.parse(source)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _need_code(text: str) -> str:
    code = text.strip().lower()
    if code not in {c.value for c in NeedCode}:
        raise InputError(unknown_need(code))
    return code


def _check(start: NodeRef, goal: NodeRef | NeedTarget, k: int, max_hops: int, candidates: int) -> None:
    problems = []
    if start.label is Label.NEED_TYPE:
        problems.append("a path cannot start from a need type")
    if goal == start:
        problems.append("FROM and TO are the same node")
    if k < 1:
        problems.append("k must be at least 1")
    if not 1 <= max_hops <= MAX_HOPS:
        problems.append(f"max_hops must be between 1 and {MAX_HOPS}")
    if candidates < 1:
        problems.append("candidates must be at least 1")
    if problems:
        raise InputError("; ".join(problems))


def _ranked(
    store: GraphStore,
    start: NodeRef,
    targets: Sequence[NodeRef],
    types: Collection[RelType],
    max_hops: int,
    distance: dict[NodeRef, float],
) -> list[_Ranked]:
    if not targets:
        return []
    paths = store.shortest_paths(start, targets, rel_types=types, max_hops=max_hops, k=MAX_PATHS_PER_TARGET)
    ranked = []
    for path in paths:
        if not _private_enough(path):
            continue
        strengths = [_strength(step) for step in path.steps]
        weakest, mean = min(strengths), sum(strengths) / len(strengths)
        far = distance.get(path.nodes[-1])
        key = (path.hops, -weakest, -mean, math.inf if far is None else far, path.sort_key())
        ranked.append(_Ranked(key, path, weakest, far))
    ranked.sort(key=lambda r: r.key)
    return ranked


def _private_enough(path: GraphPath) -> bool:
    """A person (student, family) may only lead the path, and only one student may be on it."""
    leading = True
    students = 0
    for node in path.nodes:
        if node.label in _PEOPLE:
            if not leading:
                return False
            students += node.label is Label.STUDENT
        else:
            leading = False
    return students <= 1


def _strength(step: PathStep) -> float:
    if step.type not in _RATED:
        return 1.0
    value = step.properties.get("strength")
    return _UNRATED_STRENGTH if value is None else float(value)


def _one_per_target(ranked: list[_Ranked]) -> list[_Ranked]:
    seen: set[NodeRef] = set()
    best = []
    for r in ranked:
        if r.path.nodes[-1] not in seen:
            seen.add(r.path.nodes[-1])
            best.append(r)
    return best


# ---------------------------------------------------------------- explanations

#: (verb from the relationship's source, verb from its target), for each type.
_VERBS = {
    RelType.ENROLLED_IN: ("attends", "is attended by"),
    RelType.MEMBER_OF: ("belongs to", "includes"),
    RelType.HAS_NEED: ("has a need for", "is a need of"),
    RelType.REFERRED_TO: ("was referred to", "received a referral for"),
    RelType.WORKS_AT: ("works at", "employs"),
    RelType.OFFERS: ("offers", "is offered by"),
    RelType.DELIVERED_AT: ("is delivered at", "hosts"),
    RelType.ADDRESSES: ("addresses", "is addressed by"),
    RelType.PARTNERS_WITH: ("partners with", "partners with"),
    RelType.COLLABORATES_WITH: ("collaborates with", "collaborates with"),
}
_COLLABORATION = {
    "referral": "referral partners",
    "co-location": "co-located",
    "shared_staff": "shared staff",
    "data_sharing": "data sharing",
}


def _handoffs(store: GraphStore, ranked: list[_Ranked]) -> list[Handoff]:
    names = _names(store, {node for r in ranked for node in r.path.nodes})
    return [
        Handoff(
            hops=r.path.hops,
            nodes=tuple(str(n) for n in r.path.nodes),
            rels=tuple(step.type.value for step in r.path.steps),
            explanation=explain(r.path, names),
            strength=round(r.strength, 4),
            distance_km=r.distance_km,
        )
        for r in ranked
    ]


def _names(store: GraphStore, refs: set[NodeRef]) -> dict[NodeRef, str]:
    names: dict[NodeRef, str] = {}
    found = store.nodes_by_ref(ref for ref in refs if ref.label not in _PEOPLE)  # one read
    for ref, node in found.items():
        names[ref] = _name(ref.label, node)
    for ref in refs:
        names.setdefault(ref, _name(ref.label, {"id": ref.id}))
    return names


def _name(label: Label, node: dict[str, Any]) -> str:
    """How a node is named in an explanation: never a student's or family's id."""
    if label is Label.STUDENT:
        return "the student"
    if label is Label.FAMILY:
        return "the student's family"
    if label is Label.STAFF:
        role = node.get("role")
        return f"the {role.replace('_', ' ')}" if role else "a staff member"
    if label is Label.SERVICE:
        return f"the service “{node.get('name', node['id'])}”"
    if label is Label.NEED_TYPE:
        return f"the need “{node.get('name', node['id'])}”"
    return str(node.get("name") or f"{label.value} {node['id']}")


def explain(path: GraphPath, names: dict[NodeRef, str]) -> str:
    """One sentence telling every hop of ``path`` with the names in ``names``:
    "Lincoln Elementary partners with Boys & Girls Club (MOU since 2021), which offers ..."."""
    clauses = []
    for here, there, step in zip(path.nodes, path.nodes[1:], path.steps):
        forward, backward = _VERBS[step.type]
        verb = forward if step.source == here else backward
        detail = _detail(step)
        clauses.append(f"{verb} {names[there]}" + (f" ({detail})" if detail else ""))
    sentence = f"{names[path.nodes[0]]} {clauses[0]}"
    for node, clause in zip(path.nodes[1:], clauses[1:]):
        sentence += f", {'who' if node.label in _PERSONS else 'which'} {clause}"
    sentence += "."
    return sentence[0].upper() + sentence[1:]


def _detail(step: PathStep) -> str:
    p = step.properties
    parts: list[str] = []
    if step.type is RelType.PARTNERS_WITH:
        since = f"since {p['since']}" if p.get("since") else ""
        parts.append(" ".join(x for x in ("MOU" if p.get("mou") else "", since) if x))
    elif step.type is RelType.COLLABORATES_WITH:
        kind = _COLLABORATION.get(p.get("kind", ""), str(p.get("kind", "")).replace("_", " "))
        parts.append(" ".join(x for x in (kind, f"since {p['since']}" if p.get("since") else "") if x))
    elif step.type is RelType.REFERRED_TO and p.get("status"):
        parts.append(f"referral {p['status']}")
    if step.type in _RATED and p.get("strength") is not None:
        parts.append(f"strength {float(p['strength']):.2f}")
    return ", ".join(x for x in parts if x)

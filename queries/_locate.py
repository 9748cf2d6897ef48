"""Where a node is: the point a search from it starts at."""

from __future__ import annotations

from typing import Any

from kith.graph.errors import InputError, NodeNotFound
from kith.graph.model import Label, NodeRef, RelType
from kith.graph.store import GraphStore

Point = tuple[float, float]


def point_of(store: GraphStore, ref: NodeRef) -> tuple[Point, dict[str, Any]]:
    """The location of ``ref`` and its properties.

    A school, site or family has its own point (a family's is the centre of its
    home cell); a student is at their family's cell, else at their school; an
    agency at its first site (by id), a service at its first site, staff at
    their school. Raises ``NodeNotFound`` or, when it has no location, ``InputError``.
    """
    node = store.nodes_by_ref([ref]).get(ref)
    if node is None:
        raise NodeNotFound(f"{ref} is not in the graph")
    point = _own(node) or _by_relation(store, ref)
    if point is None:
        raise InputError(f"{ref} has no location in the graph, so nothing can be found near it")
    return point, node


def _own(node: dict[str, Any]) -> Point | None:
    if node.get("lat") is None or node.get("lon") is None:
        return None
    return float(node["lat"]), float(node["lon"])


def _first_located(store: GraphStore, label: Label, ids: set[str]) -> Point | None:
    for node in store.nodes(label, ids=ids) if ids else []:
        point = _own(node)
        if point is not None:
            return point
    return None


def _by_relation(store: GraphStore, ref: NodeRef) -> Point | None:
    if ref.label is Label.STUDENT:
        families = {r["target"] for r in store.relationships(RelType.MEMBER_OF, sources=[ref.id])}
        schools = {r["target"] for r in store.relationships(RelType.ENROLLED_IN, sources=[ref.id])}
        return _first_located(store, Label.FAMILY, families) or _first_located(store, Label.SCHOOL, schools)
    if ref.label is Label.STAFF:
        schools = {r["target"] for r in store.relationships(RelType.WORKS_AT, sources=[ref.id])}
        return _first_located(store, Label.SCHOOL, schools)
    services = [ref.id] if ref.label is Label.SERVICE else []
    if ref.label is Label.AGENCY:
        services = [r["target"] for r in store.relationships(RelType.OFFERS, sources=[ref.id])]
    if not services:
        return None
    sites = {r["target"] for r in store.relationships(RelType.DELIVERED_AT, sources=services)}
    return _first_located(store, Label.SITE, sites)

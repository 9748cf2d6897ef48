"""The store port: the small interface every question is written against.

Two stores implement it, and one contract suite (``tests/contract``) checks
that both give the same answers on the same data:

- ``MemoryStore`` (NetworkX, embedded, persisted to a file): the default;
- ``Neo4jStore`` (official driver, Cypher files): when ``KITH_NEO4J_URI`` is set.

Semantics every store keeps:

- Upserts are idempotent and merge properties: a node or relationship is keyed
  by (label, id) or (type, source, target); upserting it again sets the given
  properties and keeps the others. Relationships whose endpoints are missing
  are not created; the upsert returns how many were written.
- ``nodes`` and ``relationships`` return plain dicts (a node's properties with
  ``id``; a relationship's properties with ``source`` and ``target`` ids),
  ordered by id (relationships by source, target).
- ``within`` returns the sites within a great-circle radius, nearest first,
  ties by id; exact, as a brute-force haversine would.
- ``services_at`` returns the services delivered at the given sites, joined:
  one row per (service, site) with the site's and the service's properties,
  the offering agency's (the first by id when several offer it; None when none
  does) and the sorted codes of the needs the service addresses; ordered by
  site id, then service id. Unknown site ids are ignored. The rows are the
  caller's own: changing them changes nothing in the store.
- ``nodes_by_ref`` reads nodes of several labels in one read: each ref found,
  in the refs' order (NodeRef order), with its properties as ``nodes`` has them.
- ``services_near`` is ``within`` with a ``limit``, counting only the sites
  that deliver a service addressing one of ``needs`` (every site when None),
  and ``services_at`` of the sites it found, in one read (a Neo4j server
  answers it in one round trip).
- ``student_needs`` reads the students with needs in one read, as the gap and
  network questions count them, and without their ids: one entry per student
  with any of ``needs`` (any need when None), in student id order, as three
  columns: ``school``, the school the student is enrolled in (the greatest
  school id when several; None when none), ``cell``, the home cell of the
  student's family (of several families, the one of greatest id; None when it
  has no home cell, or the student no family), and ``needs``, the sorted codes
  of the student's needs among ``needs``.
- A store carries marks: ``mark_demo_city(size)`` says the graph is the demo
  city exactly as ``kith demo`` built it, and any later write (or ``clear``)
  removes the mark, so ``demo_city()`` is not None only for that graph (demo
  mode serves nothing else). ``revision()`` changes whenever a writer's work
  becomes visible, so a reader holding answers knows to read again.
- ``close`` writes what is pending; ``abort`` releases the store without
  writing more: the embedded store stages every write in memory and saves
  only on ``close``, so an ingest that fails leaves its previous graph; Neo4j
  keeps the batches it committed, and running the same ingest again completes
  it (upserts are idempotent).
- ``shortest_paths`` ignores direction, follows only ``rel_types`` (all when
  None), and returns for each reachable target the shortest paths by hop
  count, at most ``k`` of them, in the order of ``GraphPath.sort_key``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from kith.graph.model import Label, Node, NodeRef, Rel, RelType

if TYPE_CHECKING:
    import networkx as nx

    from kith.settings import KithSettings

#: Paths enumerated per target before sorting: bounds the work on dense graphs.
MAX_PATHS_PER_TARGET = 1000


class PathStep(BaseModel):
    """One hop of a path, with the relationship's real direction and properties."""

    model_config = ConfigDict(frozen=True)

    type: RelType
    source: NodeRef
    target: NodeRef
    properties: dict[str, Any] = {}


class GraphPath(BaseModel):
    """A path through the graph: ``nodes[i]`` and ``nodes[i+1]`` joined by ``steps[i]``."""

    model_config = ConfigDict(frozen=True)

    nodes: tuple[NodeRef, ...]
    steps: tuple[PathStep, ...]

    @property
    def hops(self) -> int:
        return len(self.steps)

    def sort_key(self) -> tuple[Any, ...]:
        """The port's order of paths: hops, node refs, relationship types, then each step's
        direction (forward first), so that any two different paths are ordered."""
        return (
            self.hops,
            tuple((ref.label.value, ref.id) for ref in self.nodes),
            tuple(step.type.value for step in self.steps),
            tuple(step.source != here for step, here in zip(self.steps, self.nodes)),
        )


@runtime_checkable
class GraphStore(Protocol):
    """What a store must do; see the module docstring for the shared semantics."""

    def upsert_nodes(self, nodes: Iterable[Node], *, batch_size: int = 10_000) -> int:
        """Create or update nodes; returns how many were written."""
        ...

    def upsert_relationships(self, rels: Iterable[Rel], *, batch_size: int = 10_000) -> int:
        """Create or update relationships whose endpoints exist; returns how many."""
        ...

    def nodes(
        self, label: Label, *, ids: Iterable[str] | None = None, where: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Nodes of a label, optionally only those ids and with properties equal to ``where``."""
        ...

    def nodes_by_ref(self, refs: Iterable[NodeRef]) -> dict[NodeRef, dict[str, Any]]:
        """The nodes of ``refs`` that are in the graph, by ref (in NodeRef order), with their properties."""
        ...

    def relationships(
        self,
        rel_type: RelType,
        *,
        sources: Iterable[str] | None = None,
        targets: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Relationships of a type, optionally only from ``sources`` / to ``targets``."""
        ...

    def counts(self) -> dict[str, int]:
        """Node count per label and relationship count per type (every label and type, zeros too)."""
        ...

    def within(self, lat: float, lon: float, radius_km: float, *, limit: int | None = None) -> list[tuple[str, float]]:
        """(site id, distance km) of the sites within the radius, nearest first, ties by id;
        with ``limit``, the first ``limit`` of those."""
        ...

    def services_at(self, site_ids: Iterable[str]) -> list[dict[str, Any]]:
        """The services delivered at these sites, one row per (service, site):
        ``{"site": props, "service": props, "agency": props or None, "needs": [codes]}``,
        ordered by site id, then service id (see module docstring)."""
        ...

    def services_near(
        self, lat: float, lon: float, radius_km: float, *, limit: int, needs: Collection[str] | None = None
    ) -> tuple[list[tuple[str, float]], list[dict[str, Any]]]:
        """``within(lat, lon, radius_km, limit=limit)`` of the sites delivering a service that addresses one
        of ``needs`` (of every site when None), and ``services_at`` of those sites."""
        ...

    def student_needs(self, needs: Collection[str] | None = None) -> dict[str, list[Any]]:
        """The students with any of ``needs`` (any need when None), without their ids, as the columns
        ``school``, ``cell`` and ``needs`` (see module docstring)."""
        ...

    def shortest_paths(
        self,
        source: NodeRef,
        targets: Sequence[NodeRef],
        *,
        rel_types: Collection[RelType] | None = None,
        max_hops: int = 6,
        k: int = 1,
    ) -> list[GraphPath]:
        """Up to ``k`` shortest paths to each reachable target (see module docstring)."""
        ...

    def project(self, labels: Collection[Label], rel_types: Collection[RelType]) -> nx.MultiDiGraph[NodeRef]:
        """A NetworkX copy of the given labels and types: nodes keyed by NodeRef, with properties;
        edges keyed by relationship type, with properties."""
        ...

    def clear(self) -> None:
        """Remove everything."""
        ...

    def close(self) -> None:
        """Write what is pending and release the store."""
        ...

    def abort(self) -> None:
        """Release the store after a failure, writing nothing more (see module docstring)."""
        ...

    def mark_demo_city(self, size: str) -> None:
        """Mark the graph as the demo city of ``size`` as built; the next write removes the mark."""
        ...

    def demo_city(self) -> str | None:
        """The demo city's size when the graph carries the mark, else None."""
        ...

    def revision(self) -> str | None:
        """A value that changes when a writer's work becomes visible (None for a store never written)."""
        ...


def open_store(settings: KithSettings, *, readonly: bool = False) -> GraphStore:
    """The store the settings ask for: Neo4j when ``KITH_NEO4J_URI`` is set, else embedded."""
    if settings.neo4j_uri:
        from kith.graph.neo4j_store import Neo4jStore

        return Neo4jStore.from_settings(settings)
    from kith.graph.memory import GRAPH_FILE, MemoryStore

    return MemoryStore.open(settings.home / GRAPH_FILE, readonly=readonly)

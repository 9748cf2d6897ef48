"""The embedded store: the whole graph in memory as a NetworkX MultiDiGraph,
persisted to one file under ``KITH_HOME``.

Saving is atomic: the graph is written to a temporary file beside the store,
flushed and fsynced, then renamed over the old file, so a crash mid-save
leaves the previous graph readable. One process writes at a time (an
exclusive lock beside the file); readers never wait for it.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import marshal
import operator
import pickle
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from kith.graph._files import paused_gc, write_atomically
from kith.graph.errors import NodeNotFound, StoreLocked, StoreUnavailable
from kith.graph.geo import PointIndex
from kith.graph.model import ENDPOINTS, Label, Node, NodeRef, Rel, RelType
from kith.graph.store import MAX_PATHS_PER_TARGET, GraphPath, PathStep

_FORMAT = "kith-memory-store"
_VERSION = 1

Props = dict[str, Any]
_EMPTY: dict[Any, Any] = {}
_by_ends = operator.itemgetter("source", "target")
#: Walking the graph from an end costs about this many times a step of a scan of a type's table
#: (scattered reads against one pass through memory).
_WALK_COST = 8


class MemoryStore:
    """A ``GraphStore`` held in memory. Open with :meth:`open` (persisted) or ``MemoryStore()`` (transient)."""

    def __init__(self, path: Path | None = None, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        # Any: its NetworkX internals (_node, _succ, _pred) are read directly, for speed
        self._graph: Any = nx.MultiDiGraph()
        self._labels: dict[Label, dict[str, Props]] = {label: {} for label in Label}
        self._types: dict[RelType, dict[tuple[str, str], Props]] = {t: {} for t in RelType}
        self._site_index: PointIndex | None = None
        self._services_at: dict[str, bytes] | None = None
        self._dirty = False
        self._lock_file: Any = None

    # ------------------------------------------------------------ persistence

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> MemoryStore:
        """Open the store saved at ``path`` (an empty one if there is none yet).

        A writable store takes the writer's lock; a second writer gets
        ``StoreLocked`` at once instead of corrupting the first one's work.
        """
        store = cls(Path(path), readonly=readonly)
        if not readonly:
            store._lock()
        try:
            if Path(path).exists():
                store._load()
        except BaseException:
            store._unlock()
            raise
        return store

    def _lock(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = open(self.path.with_name(self.path.name + ".lock"), "a+")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            raise StoreLocked(
                f"another kith process is writing to {self.path}; wait for it to finish and try again"
            ) from None
        self._lock_file = lock_file

    def _unlock(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def _load(self) -> None:
        assert self.path is not None
        try:
            with paused_gc(), open(self.path, "rb") as f:
                data = pickle.load(f)
                gc.freeze()  # the graph lives as long as the store: later collections need not rescan it
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as exc:
            raise StoreUnavailable(f"cannot read the graph at {self.path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise StoreUnavailable(f"{self.path} is not a kith graph file")
        if data.get("version") != _VERSION:
            raise StoreUnavailable(
                f"{self.path} was written by another kith version (format {data.get('version')}); "
                "rebuild it with `kith demo` or re-run the ingest"
            )
        self._graph, self._labels, self._types = data["graph"], data["labels"], data["types"]
        for label in Label:  # a file saved before a label was added holds none of it
            self._labels.setdefault(label, {})
        self._site_index = None
        self._services_at = None

    def save(self) -> None:
        """Write the graph atomically: temporary file, fsync, rename, fsync the folder."""
        if self.path is None:
            return
        if self.readonly:
            raise StoreUnavailable(f"the store at {self.path} was opened read-only")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "format": _FORMAT, "version": _VERSION,
            "graph": self._graph, "labels": self._labels, "types": self._types,
        }
        write_atomically(self.path, lambda f: pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL))
        self._remove_leftovers()
        self._dirty = False

    def _remove_leftovers(self) -> None:
        """Delete temporary files of saves that were killed mid-write (only the lock holder saves)."""
        assert self.path is not None
        for leftover in self.path.parent.glob(self.path.name + ".*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()

    def close(self) -> None:
        try:
            if self._dirty and not self.readonly:
                self.save()
        finally:
            self._unlock()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ writes

    def upsert_nodes(self, nodes: Iterable[Node], *, batch_size: int = 10_000) -> int:
        graph_nodes = self._graph._node
        written = 0
        for node in nodes:
            props = node.properties()
            key = NodeRef(node.label, node.id)
            existing = graph_nodes.get(key)
            if existing is None:
                self._graph.add_node(key, **props)
                self._labels[node.label][node.id] = graph_nodes[key]
            else:
                existing.update(props)
            if node.label is Label.SITE:
                self._site_index = None
            written += 1
        self._written(written)
        return written

    def upsert_relationships(self, rels: Iterable[Rel], *, batch_size: int = 10_000) -> int:
        graph_nodes = self._graph._node
        succ = self._graph._succ
        written = 0
        for rel in rels:
            source_label, target_label = ENDPOINTS[rel.type]
            u, v = NodeRef(source_label, rel.source), NodeRef(target_label, str(rel.target))
            if u not in graph_nodes or v not in graph_nodes:
                continue
            props = rel.properties()
            existing = succ[u].get(v, {}).get(rel.type)
            if existing is None:
                self._graph.add_edge(u, v, key=rel.type, **props)
                self._types[rel.type][(u.id, v.id)] = succ[u][v][rel.type]
            else:
                existing.update(props)
            written += 1
        self._written(written)
        return written

    def _written(self, count: int) -> None:
        """After a write: the store has changes to save, and the joined services are stale."""
        if count:
            self._dirty = True
            self._services_at = None

    def clear(self) -> None:
        self.__init__(self.path, readonly=self.readonly)  # type: ignore[misc]
        self._dirty = True

    # ------------------------------------------------------------ reads

    def nodes(
        self, label: Label, *, ids: Iterable[str] | None = None, where: Mapping[str, Any] | None = None
    ) -> list[Props]:
        table = self._labels[label]
        keys = sorted(table) if ids is None else sorted(i for i in set(ids) if i in table)
        rows = (table[i] for i in keys)
        if where:
            rows = (p for p in rows if all(p.get(k) == v for k, v in where.items()))
        return [dict(p) for p in rows]

    def relationships(
        self,
        rel_type: RelType,
        *,
        sources: Iterable[str] | None = None,
        targets: Iterable[str] | None = None,
    ) -> list[Props]:
        source_label, target_label = ENDPOINTS[rel_type]
        if sources is None and targets is None:
            table = self._types[rel_type]
            return [{"source": s, "target": t, **table[(s, t)]} for s, t in sorted(table)]
        if sources is not None:
            wanted_targets = None if targets is None else set(targets)
            adjacency, label, outward = self._graph._succ, source_label, True
            ends = set(sources)
        else:
            wanted_targets, adjacency, label, outward = None, self._graph._pred, target_label, False
            ends = set(targets)  # type: ignore[arg-type]
        table = self._types[rel_type]
        if _scan(table, ends, adjacency, label):
            side = 0 if outward else 1  # the side of the key that must be one of the ends
            rows = [{"source": key[0], "target": key[1], **p} for key, p in table.items()
                    if key[side] in ends and (wanted_targets is None or key[1] in wanted_targets)]
            rows.sort(key=_by_ends)
            return rows
        rows = []
        for end in ends:
            for other, keyed in adjacency.get((label, end), _EMPTY).items():
                props = keyed.get(rel_type)
                if props is None:
                    continue
                source, target = (end, other.id) if outward else (other.id, end)
                if wanted_targets is None or target in wanted_targets:
                    rows.append({"source": source, "target": target, **props})
        rows.sort(key=_by_ends)
        return rows

    def counts(self) -> dict[str, int]:
        counts = {label.value: len(self._labels[label]) for label in Label}
        counts.update({t.value: len(self._types[t]) for t in RelType})
        return counts

    def within(self, lat: float, lon: float, radius_km: float, *, limit: int | None = None) -> list[tuple[str, float]]:
        return self._sites().within(lat, lon, radius_km, limit=limit)

    def _sites(self) -> PointIndex:
        """The index of the located sites, built on first use after a site is written."""
        if self._site_index is None:
            sites = [(i, p["lat"], p["lon"]) for i, p in self._labels[Label.SITE].items() if "lat" in p]
            ids, lats, lons = zip(*sites) if sites else ((), (), ())
            self._site_index = PointIndex.build(ids, lats, lons)
        return self._site_index

    def services_at(self, site_ids: Iterable[str]) -> list[Props]:
        table = self._services_at if self._services_at is not None else self._join_services()
        rows: list[Props] = []
        for site_id in sorted(set(site_ids)):
            blob = table.get(site_id)
            if blob is not None:
                rows += marshal.loads(blob)
        return rows

    def _join_services(self) -> dict[str, bytes]:
        """Site id → its rows for ``services_at``, joined once (on first use after a write) and kept
        as one ``marshal`` blob per site (the properties are JSON-compatible, as ``Node.properties``
        makes them).

        Loading a blob reads one block of memory instead of objects scattered over
        the heap, and makes the rows anew: each call's rows are the caller's own.
        The blobs are made in the site index's order, so that sites near each
        other, read by the same query, lie near each other in memory too.
        """
        sites, services, agencies = (self._labels[label] for label in (Label.SITE, Label.SERVICE, Label.AGENCY))
        agency_of: dict[str, str] = {}
        for agency_id, service_id in sorted(self._types[RelType.OFFERS]):
            agency_of.setdefault(service_id, agency_id)  # the first by id
        needs: dict[str, list[str]] = {}
        for service_id, code in sorted(self._types[RelType.ADDRESSES]):
            needs.setdefault(service_id, []).append(code)
        delivered: dict[str, list[str]] = {}
        for service_id, site_id in sorted(self._types[RelType.DELIVERED_AT]):
            delivered.setdefault(site_id, []).append(service_id)
        table: dict[str, bytes] = {}
        for site_id in dict.fromkeys((*self._sites().ids, *delivered)):
            if site_id in delivered:
                table[site_id] = marshal.dumps([
                    {"site": dict(sites[site_id]), "service": dict(services[v]),
                     "agency": dict(agencies[agency_of[v]]) if v in agency_of else None, "needs": needs.get(v, [])}
                    for v in delivered[site_id]
                ])
        self._services_at = table
        return table

    def shortest_paths(
        self,
        source: NodeRef,
        targets: Sequence[NodeRef],
        *,
        rel_types: Collection[RelType] | None = None,
        max_hops: int = 6,
        k: int = 1,
    ) -> list[GraphPath]:
        """Bidirectional breadth-first search per target (few targets), or one breadth-first
        search from the source for many; both keep every shortest path's predecessors."""
        if source not in self._graph._node:
            raise NodeNotFound(f"{source} is not in the graph")
        types = None if rel_types is None else frozenset(rel_types)
        wanted = sorted({t for t in targets if t != source and t in self._graph._node})
        paths: list[GraphPath] = []
        if len(wanted) > _BIDIRECTIONAL_UP_TO:
            preds = self._bfs(source, set(wanted), types, max_hops)
            for target in wanted:
                if target in preds:
                    found = [(tuple(reversed(n)), tuple(reversed(s))) for n, s in _halves(target, preds)]
                    paths.extend(_best(found, k))
        else:
            for target in wanted:
                paths.extend(_best(self._bidirectional(source, target, types, max_hops), k))
        return paths

    def _expand(
        self, frontier: list[NodeRef], depth: int, dist: dict[NodeRef, int], preds: _Preds,
        types: frozenset[RelType] | None,
    ) -> list[NodeRef]:
        """One level of breadth-first search, in either direction of each relationship:
        the nodes first reached at ``depth``; ``preds`` gains every shortest-path predecessor."""
        succ, pred = self._graph._succ, self._graph._pred
        following: list[NodeRef] = []
        for node in frontier:
            for adjacency, outgoing in ((succ[node], True), (pred[node], False)):
                for other, keyed in adjacency.items():
                    for t, props in keyed.items():
                        if types is not None and t not in types:
                            continue
                        seen = dist.get(other)
                        if seen is None:
                            dist[other] = depth
                            following.append(other)
                            preds[other] = []
                        elif seen != depth:
                            continue
                        preds[other].append((node, (t, node, other, props) if outgoing else (t, other, node, props)))
        return following

    def _bidirectional(
        self, source: NodeRef, target: NodeRef, types: frozenset[RelType] | None, max_hops: int
    ) -> list[tuple[tuple[NodeRef, ...], tuple[Any, ...]]]:
        """Every shortest path (up to the enumeration bound) from source to target, as (nodes, steps).

        Whole levels are expanded, the smaller frontier first. With no meeting so far and
        levels complete to depths a and b, the distance exceeds a + b; the first level that
        meets the other side fixes it at a + b + 1, and every shortest path crosses that
        level at exactly one of the meeting nodes.
        """
        dist_f, dist_b = {source: 0}, {target: 0}
        preds_f: _Preds = {source: []}
        preds_b: _Preds = {target: []}
        front_f, front_b = [source], [target]
        depth_f = depth_b = 0
        while front_f and front_b and depth_f + depth_b < max_hops:
            if len(front_f) <= len(front_b):
                depth_f += 1
                front_f = self._expand(front_f, depth_f, dist_f, preds_f, types)
                meet = [n for n in front_f if n in dist_b]
            else:
                depth_b += 1
                front_b = self._expand(front_b, depth_b, dist_b, preds_b, types)
                meet = [n for n in front_b if n in dist_f]
            if meet:
                return _join(meet, preds_f, preds_b)
        return []

    def _bfs(
        self, source: NodeRef, wanted: set[NodeRef], types: frozenset[RelType] | None, max_hops: int
    ) -> _Preds:
        """Breadth-first from ``source``, level by level, until every wanted node is reached
        (or ``max_hops``); returns each reached node's predecessors on shortest paths."""
        dist = {source: 0}
        preds: _Preds = {source: []}
        frontier, remaining = [source], set(wanted)
        for depth in range(1, max_hops + 1):
            if not remaining or not frontier:
                break
            frontier = self._expand(frontier, depth, dist, preds, types)
            remaining.difference_update(frontier)
        return preds

    def project(self, labels: Collection[Label], rel_types: Collection[RelType]) -> nx.MultiDiGraph[NodeRef]:
        wanted_labels, wanted_types = set(labels), set(rel_types)
        view: nx.MultiDiGraph[NodeRef] = nx.MultiDiGraph()
        for label in wanted_labels:
            view.add_nodes_from((NodeRef(label, i), dict(p)) for i, p in self._labels[label].items())
        for t in wanted_types:
            source_label, target_label = ENDPOINTS[t]
            if source_label in wanted_labels and target_label in wanted_labels:
                view.add_edges_from(  # (u, v, key, data): NetworkX's stubs know only 2- and 3-tuples
                    (NodeRef(source_label, s), NodeRef(target_label, d), t, dict(p))  # type: ignore[misc]
                    for (s, d), p in self._types[t].items()
                )
        return view


def _scan(table: Mapping[tuple[str, str], Props], ends: set[str], adjacency: Mapping[tuple[Label, str], Any],
          label: Label) -> bool:
    """Whether reading relationships of ``ends`` is cheaper by scanning the type's whole ``table``
    than by walking the graph from each end (asked for a good part of them, or for busy ends)."""
    if len(ends) * _WALK_COST >= len(table):
        return True
    steps = sum(len(adjacency.get((label, end), _EMPTY)) for end in ends)
    return steps * _WALK_COST >= len(table)


_Preds = dict[NodeRef, list[tuple[NodeRef, Any]]]
#: Up to this many targets, a bidirectional search per target; beyond, one search from the source.
_BIDIRECTIONAL_UP_TO = 16


def _halves(node: NodeRef, preds: _Preds) -> list[tuple[list[NodeRef], list[Any]]]:
    """Every path from ``node`` back to the search's origin along ``preds`` (nodes, steps),
    at most ``MAX_PATHS_PER_TARGET``."""
    done: list[tuple[list[NodeRef], list[Any]]] = []
    stack: list[tuple[NodeRef, list[NodeRef], list[Any]]] = [(node, [node], [])]
    while stack and len(done) < MAX_PATHS_PER_TARGET:
        here, nodes, steps = stack.pop()
        back = preds.get(here)
        if not back:  # the origin
            done.append((nodes, steps))
            continue
        for prev, step in back:
            stack.append((prev, [*nodes, prev], [*steps, step]))
    return done


def _join(meet: list[NodeRef], preds_f: _Preds, preds_b: _Preds) -> list[tuple[tuple[NodeRef, ...], tuple[Any, ...]]]:
    """Paths through the meeting nodes: source to meeting node, then on to the target."""
    paths: list[tuple[tuple[NodeRef, ...], tuple[Any, ...]]] = []
    for m in meet:
        ahead = _halves(m, preds_b)
        for f_nodes, f_steps in _halves(m, preds_f):
            head_nodes, head_steps = tuple(reversed(f_nodes)), tuple(reversed(f_steps))
            for b_nodes, b_steps in ahead:
                paths.append((head_nodes + tuple(b_nodes[1:]), head_steps + tuple(b_steps)))
                if len(paths) >= MAX_PATHS_PER_TARGET:
                    return paths
    return paths


def _best(found: list[tuple[tuple[NodeRef, ...], tuple[Any, ...]]], k: int) -> list[GraphPath]:
    """The first ``k`` paths in the port's order (``GraphPath.sort_key``)."""
    ordered = sorted(found, key=lambda p: (
        len(p[1]), tuple((n.label.value, n.id) for n in p[0]), tuple(step[0].value for step in p[1]),
        tuple(step[1] != here for step, here in zip(p[1], p[0])),
    ))
    return [
        GraphPath.model_construct(
            nodes=nodes,
            steps=tuple(PathStep.model_construct(type=t, source=s, target=d, properties=dict(p))
                        for t, s, d, p in steps),
        )
        for nodes, steps in ordered[:k]
    ]

"""The embedded store: the whole graph in memory as a NetworkX MultiDiGraph,
persisted to one file under ``KITH_HOME`` (:data:`GRAPH_FILE`).

The file holds data only, never code: MessagePack (maps, lists, strings,
numbers), which a reader turns into plain dicts and lists and nothing else, so
opening a kith home that someone else wrote cannot run anything (a pickle
could). It opens with :data:`_MAGIC`, then a header (format, version, the
store's marks, the count of rows per label and type), then the rows in chunks
of columns: each label's ``[ids, properties]``, then each type's
``[sources, targets, properties]``.
The graph is rebuilt from those tables on load. ``graph.pickle``, the format
before, is never read (:data:`OLD_GRAPH_FILE`).

Saving is atomic: the graph is written to a temporary file beside the store,
flushed and fsynced, then renamed over the old file, so a crash mid-save
leaves the previous graph readable. One process writes at a time (an
exclusive lock beside the file); readers never wait for it.

Writes are staged in memory: only :meth:`MemoryStore.save` (or :meth:`close`
after writes that all succeeded) changes the file, so an ingest is all or
nothing. :meth:`MemoryStore.abort` releases the store without saving, and a
write interrupted half-way (an error, Ctrl-C) keeps :meth:`close` from saving.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import marshal
import operator
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any

import msgpack
import networkx as nx

from kith.graph._files import paused_gc, write_atomically
from kith.graph.errors import NodeNotFound, StoreLocked, StoreUnavailable
from kith.graph.geo import PointIndex
from kith.graph.model import ENDPOINTS, Label, Node, NodeRef, Rel, RelType
from kith.graph.store import MAX_PATHS_PER_TARGET, GraphPath, PathStep

#: The embedded store's file name under ``KITH_HOME``.
GRAPH_FILE = "graph.msgpack"
#: The file of kith versions that pickled the graph: refused, never unpickled.
OLD_GRAPH_FILE = "graph.pickle"

_MAGIC = b"\x89kith-graph\r\n\x1a\n"
_FORMAT = "kith-memory-store"
_VERSION = 3  # 1 was the pickle; 2, rows instead of columns
#: Rows per MessagePack object: reading and writing stream chunk by chunk.
_CHUNK = 10_000

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
        self._site_needs: dict[str, frozenset[str]] = {}  # site id → the needs its services address (with the above)
        self._dirty = False
        self._failed = False  # a write was interrupted: what is in memory is not a whole ingest
        self._marks: dict[str, str] = {}
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
            else:
                _refuse_old_file(Path(path))
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
                if f.read(len(_MAGIC)) != _MAGIC:
                    raise StoreUnavailable(f"cannot read the graph at {self.path}: it is not a kith graph file")
                unpacker = msgpack.Unpacker(f, raw=False, use_list=True, strict_map_key=True)
                header = next(unpacker, None)
                if not isinstance(header, dict) or header.get("format") != _FORMAT:
                    raise StoreUnavailable(f"cannot read the graph at {self.path}: it is not a kith graph file")
                if header.get("version") != _VERSION:
                    raise StoreUnavailable(
                        f"{self.path} was written by another kith version (format {header.get('version')}); "
                        "rebuild it with `kith demo` or re-run the ingest"
                    )
                unknown = sorted(
                    {*header.get("labels", {}), *header.get("types", {})}
                    - {*(label.value for label in Label), *(t.value for t in RelType)}
                )
                if unknown:  # a label or type this kith does not know: its rows cannot be read as another's
                    raise StoreUnavailable(
                        f"{self.path} holds {', '.join(map(str, unknown))}, which this kith "
                        "version does not know; use the kith that wrote it, or rebuild it"
                    )
                self._graph, self._labels, self._types = _rebuild(unpacker, header)
                self._marks = {str(k): str(v) for k, v in header.get("marks", {}).items()}
                gc.freeze()  # the graph lives as long as the store: later collections need not rescan it
        except StoreUnavailable:
            raise
        except OSError as exc:
            raise StoreUnavailable(f"cannot read the graph at {self.path}: {exc}") from exc
        except (msgpack.UnpackException, ValueError, TypeError, KeyError, AttributeError, StopIteration) as exc:
            raise StoreUnavailable(
                f"cannot read the graph at {self.path}: the file is damaged "
                f"({type(exc).__name__}); rebuild it with `kith demo` or re-run the ingest"
            ) from exc
        self._site_index = None
        self._services_at = None

    def save(self) -> None:
        """Write the graph atomically: temporary file, fsync, rename, fsync the folder."""
        if self.path is None:
            return
        if self.readonly:
            raise StoreUnavailable(f"the store at {self.path} was opened read-only")
        if self._failed:
            raise StoreUnavailable(f"a write to {self.path} was interrupted; the graph was not saved")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, self._write)
        except OSError as exc:  # a full disk, a read-only home: the previous file is untouched
            raise StoreUnavailable(f"cannot save the graph to {self.path}: {exc.strerror or exc}") from exc
        self._remove_leftovers()
        self._dirty = False

    def _write(self, f: Any) -> None:
        """The file: magic, header, then each label's and each type's rows in chunks."""
        pack = msgpack.Packer(use_bin_type=True).pack
        f.write(_MAGIC)
        f.write(
            pack(
                {
                    "format": _FORMAT,
                    "version": _VERSION,
                    "marks": self._marks,
                    "labels": {label.value: len(self._labels[label]) for label in Label},
                    "types": {t.value: len(self._types[t]) for t in RelType},
                }
            )
        )
        with paused_gc():
            for label in Label:
                table = self._labels[label]
                ids, rows = list(table), list(table.values())
                for i in range(0, len(ids), _CHUNK):
                    f.write(pack([ids[i : i + _CHUNK], rows[i : i + _CHUNK]]))
            for t in RelType:
                edges = self._types[t]
                ends, props = list(edges), list(edges.values())
                for i in range(0, len(ends), _CHUNK):
                    chunk = ends[i : i + _CHUNK]
                    f.write(pack([[e[0] for e in chunk], [e[1] for e in chunk], props[i : i + _CHUNK]]))

    def _remove_leftovers(self) -> None:
        """Delete temporary files of saves that were killed mid-write (only the lock holder saves)."""
        assert self.path is not None
        for leftover in self.path.parent.glob(self.path.name + ".*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()

    def close(self) -> None:
        """Save what was written (unless a write was interrupted: then nothing) and release the store."""
        try:
            if self._dirty and not self.readonly and not self._failed:
                self.save()
        finally:
            self._unlock()

    def abort(self) -> None:
        """Release the store without saving: the file keeps the graph of the last save."""
        self._dirty = False
        self._unlock()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # ------------------------------------------------------------ marks

    def mark_demo_city(self, size: str) -> None:
        """Mark the graph as the demo city of ``size``, as built: the next write removes the mark."""
        self._marks["demo_city"] = str(size)
        self._dirty = True

    def demo_city(self) -> str | None:
        """The demo city's size if the graph is the demo city as ``kith demo`` built it, else None."""
        return self._marks.get("demo_city")

    def revision(self) -> str | None:
        """What changes whenever the file is saved anew (its inode, size and time): None without one."""
        if self.path is None:
            return None
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"

    # ------------------------------------------------------------ writes

    def upsert_nodes(self, nodes: Iterable[Node], *, batch_size: int = 10_000) -> int:
        try:
            return self._upsert_nodes(nodes)
        except BaseException:
            self._failed = True  # some were written, some not: this is no longer a graph to save
            raise

    def upsert_relationships(self, rels: Iterable[Rel], *, batch_size: int = 10_000) -> int:
        try:
            return self._upsert_relationships(rels)
        except BaseException:
            self._failed = True
            raise

    def _upsert_nodes(self, nodes: Iterable[Node]) -> int:
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

    def _upsert_relationships(self, rels: Iterable[Rel]) -> int:
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
            self._marks.pop("demo_city", None)  # no longer the demo city as built

    def clear(self) -> None:
        lock_file = self._lock_file
        self.__init__(self.path, readonly=self.readonly)  # type: ignore[misc]
        self._lock_file = lock_file
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

    def nodes_by_ref(self, refs: Iterable[NodeRef]) -> dict[NodeRef, Props]:
        labels = self._labels
        return {ref: dict(labels[ref.label][ref.id]) for ref in sorted(set(refs)) if ref.id in labels[ref.label]}

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
            rows = [
                {"source": key[0], "target": key[1], **p}
                for key, p in table.items()
                if key[side] in ends and (wanted_targets is None or key[1] in wanted_targets)
            ]
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

    def services_near(
        self, lat: float, lon: float, radius_km: float, *, limit: int, needs: Collection[str] | None = None
    ) -> tuple[list[tuple[str, float]], list[Props]]:
        if needs is None:
            sites = self.within(lat, lon, radius_km, limit=limit)
        else:
            if self._services_at is None:
                self._join_services()
            wanted, serving = frozenset(needs), self._site_needs
            sites = [s for s in self.within(lat, lon, radius_km) if not wanted.isdisjoint(serving.get(s[0], ()))]
            sites = sites[: max(limit, 0)]
        return sites, self.services_at(site_id for site_id, _ in sites)

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
                table[site_id] = marshal.dumps(
                    [
                        {
                            "site": dict(sites[site_id]),
                            "service": dict(services[v]),
                            "agency": dict(agencies[agency_of[v]]) if v in agency_of else None,
                            "needs": needs.get(v, []),
                        }
                        for v in delivered[site_id]
                    ]
                )
        self._site_needs = {
            site_id: frozenset(code for v in delivered[site_id] for code in needs.get(v, ())) for site_id in delivered
        }
        self._services_at = table
        return table

    def student_needs(self, needs: Collection[str] | None = None) -> dict[str, list[Any]]:
        of: dict[str, list[str]] = {}
        if needs is None:
            for student, code in self._types[RelType.HAS_NEED]:
                of.setdefault(student, []).append(code)
        else:
            pred = self._graph._pred
            for code in set(needs):
                for student, keyed in pred.get(NodeRef(Label.NEED_TYPE, code), _EMPTY).items():
                    if RelType.HAS_NEED in keyed:
                        of.setdefault(student.id, []).append(code)
        succ, families = self._graph._succ, self._labels[Label.FAMILY]
        schools: list[str | None] = []
        cells: list[str | None] = []
        codes: list[list[str]] = []
        for student in sorted(of):
            school = family = None
            for other, keyed in succ[NodeRef(Label.STUDENT, student)].items():
                if RelType.ENROLLED_IN in keyed and (school is None or other.id > school):
                    school = other.id
                elif RelType.MEMBER_OF in keyed and (family is None or other.id > family):
                    family = other.id
            schools.append(school)
            cells.append(None if family is None else (families[family].get("home_cell") or None))
            codes.append(sorted(of[student]))
        return {"school": schools, "cell": cells, "needs": codes}

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
        self,
        frontier: list[NodeRef],
        depth: int,
        dist: dict[NodeRef, int],
        preds: _Preds,
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

    def _bfs(self, source: NodeRef, wanted: set[NodeRef], types: frozenset[RelType] | None, max_hops: int) -> _Preds:
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


def _refuse_old_file(path: Path) -> None:
    """A kith home with only the old pickled graph: say so, and never unpickle it."""
    old = path.with_name(OLD_GRAPH_FILE)
    if path.name == GRAPH_FILE and old.exists():
        raise StoreUnavailable(
            f"{old} is a graph saved by an older kith as a pickle, a format that can run code when read, "
            "so kith no longer opens it; move it away, then rebuild the graph with `kith demo` or re-run the ingests"
        )


def _rebuild(
    unpacker: Any, header: Mapping[str, Any]
) -> tuple[Any, dict[Label, dict[str, Props]], dict[RelType, dict[tuple[str, str], Props]]]:
    """The graph and its tables from the file's chunks (the header says how many rows of each).

    The MultiDiGraph's own dicts are filled directly, as ``add_node`` / ``add_edge`` would fill them
    (the key dict of an edge shared by ``_succ`` and ``_pred``), and each table row is the very dict
    the graph holds, as after upserts. A chunk is columns (node ids and properties; sources, targets
    and properties), so that most of the work runs in C (``map``, ``zip``, ``dict.update``) and only
    the adjacency is a Python loop. Chunks are checked as they come: anything but string ids and
    maps of properties is a damaged file.
    """
    graph: Any = nx.MultiDiGraph()  # its internals are filled directly, as in MemoryStore
    node, succ, pred = graph._node, graph._succ, graph._pred
    labels: dict[Label, dict[str, Props]] = {label: {} for label in Label}
    types: dict[RelType, dict[tuple[str, str], Props]] = {t: {} for t in RelType}
    refs: dict[Label, dict[str, NodeRef]] = {label: {} for label in Label}
    node_counts, type_counts = header["labels"], header["types"]
    for label in Label:
        table, label_refs, left = labels[label], refs[label], int(node_counts.get(label.value, 0))
        while left > 0:
            ids, rows = next(unpacker)
            _check_columns(ids, rows, ids=ids)
            if not all(map(operator.eq, ids, map(_ID, rows))):
                raise ValueError("node ids that are not their properties' ids")
            left -= len(ids)
            new = list(map(tuple.__new__, repeat(NodeRef), zip(repeat(label), ids)))
            label_refs.update(zip(ids, new))
            table.update(zip(ids, rows))
            node.update(zip(new, rows))
            succ.update(zip(new, map(dict, repeat((), len(new)))))
            pred.update(zip(new, map(dict, repeat((), len(new)))))
    for t in RelType:
        source_label, target_label = ENDPOINTS[t]
        sources, targets = refs[source_label], refs[target_label]
        rel_table, left = types[t], int(type_counts.get(t.value, 0))
        while left > 0:
            ss, ds, rows = next(unpacker)
            _check_columns(ss, rows, ids=ds)
            left -= len(ss)
            us, vs = map(sources.__getitem__, ss), map(targets.__getitem__, ds)  # KeyError: an unknown end
            for u, v, props in zip(us, vs, rows):
                out = succ[u]
                keyed = out.get(v)
                if keyed is None:
                    out[v] = pred[v][u] = {t: props}
                else:
                    keyed[t] = props
            rel_table.update(zip(zip(ss, ds), rows))
    if next(unpacker, None) is not None:
        raise ValueError("more rows than the header says")
    return graph, labels, types


_ID = operator.itemgetter("id")


def _check_columns(keys: Any, rows: Any, *, ids: Any) -> None:
    """A chunk's columns: lists of one length, of string ids and of maps (TypeError or ValueError if not)."""
    if not (type(keys) is type(ids) is type(rows) is list and len(keys) == len(ids) == len(rows)):
        raise ValueError("a chunk of columns of different lengths")
    if {*map(type, keys), *map(type, ids)} - {str} or set(map(type, rows)) - {dict}:
        raise TypeError("ids that are not strings, or properties that are not maps")


def _scan(
    table: Mapping[tuple[str, str], Props], ends: set[str], adjacency: Mapping[tuple[Label, str], Any], label: Label
) -> bool:
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
    ordered = sorted(
        found,
        key=lambda p: (
            len(p[1]),
            tuple((n.label.value, n.id) for n in p[0]),
            tuple(step[0].value for step in p[1]),
            tuple(step[1] != here for step, here in zip(p[1], p[0])),
        ),
    )
    return [
        GraphPath.model_construct(
            nodes=nodes,
            steps=tuple(
                PathStep.model_construct(type=t, source=s, target=d, properties=dict(p)) for t, s, d, p in steps
            ),
        )
        for nodes, steps in ordered[:k]
    ]

"""Merging the rows of a denormalised export into one node per agency, site and service.

Provider exports repeat an agency on every row of its addresses, contacts
and service codes. Each row's nodes and relationships are merged by key
(label and id; type and ends):

- list fields (a service's languages) and the merged text fields (an
  agency's phones and contacts, a service's hours, eligibility, a note) take
  the union of every row, in the order first seen;
- any other field takes the last row's value that is not empty (a row that
  gives another one is counted as a caveat of the table);
- a relationship repeated keeps the last row's properties.

A row is a duplicate only when it adds nothing; it is then counted as
loaded with that caveat, since everything in it is in the graph.

:class:`StagedMerge` does the same a chunk of rows at a time, so that a large
file's rows and models never all wait in memory: each chunk is merged, then
written through the store port (the embedded store stages it until the one
save at the end). What it keeps between chunks is compact: for each node and
relationship it wrote, the names of the fields this ingest gave it. A later
chunk that repeats one reads those fields back from the store and merges on
top of them, which is exactly the merge of every row at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from kith.graph.model import NODE_MODELS, REL_MODELS, Label, Node, Rel, RelType, need_types
from kith.graph.store import GraphStore

#: Fields whose values from several rows are joined with "; " rather than replaced.
JOINED = {"phone", "hours", "eligibility", "language_note", "contacts"}
SEPARATOR = "; "
NOTHING_NEW = "repeats earlier rows: nothing new in it"


class Merger:
    """Nodes and relationships merged across rows (see the module docstring)."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[str, str], dict[str, Any]] = {}
        self._rels: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.conflicts: Counter[str] = Counter()

    def add(self, nodes: list[Node], rels: list[Rel]) -> bool:
        """Merge one row's nodes and relationships; True when the row added anything."""
        added = False
        for node in nodes:
            key = (node.label.value, node.id)
            new = node.model_dump(exclude_none=True)
            old = self._nodes.get(key)
            if old is None:
                self._nodes[key] = new
                added = True
                continue
            for name, value in new.items():
                merged = _merge(name, old.get(name), value)
                if merged != old.get(name):
                    if old.get(name) not in (None, (), "") and name not in JOINED and not isinstance(value, tuple):
                        self.conflicts[f"a later row gives another {name}: the later value is kept"] += 1
                    old[name] = merged
                    added = True
        for rel in rels:
            rel_key = (rel.type.value, rel.source, str(rel.target))
            new = rel.model_dump(exclude_none=True)
            if self._rels.get(rel_key) != new:
                self._rels[rel_key] = {**self._rels.get(rel_key, {}), **new}
                added = True
        return added

    def nodes(self) -> list[Node]:
        return [NODE_MODELS[_label(label)].model_validate(data) for (label, _), data in self._nodes.items()]

    def rels(self) -> list[Rel]:
        return [REL_MODELS[_rel_type(kind)].model_validate(data) for (kind, _, _), data in self._rels.items()]

    def has(self, label: str, node_id: str) -> bool:
        return (label, node_id) in self._nodes

    def get(self, label: str, node_id: str) -> dict[str, Any] | None:
        return self._nodes.get((label, node_id))

    def seed_node(self, label: str, node_id: str, data: dict[str, Any]) -> None:
        """Start a node from what earlier rows made of it (as ``add`` keeps it)."""
        self._nodes[(label, node_id)] = data

    def seed_rel(self, kind: str, source: str, target: str, data: dict[str, Any]) -> None:
        self._rels[(kind, source, target)] = data

    def drain(self) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[tuple[str, str, str], dict[str, Any]]]:
        """The merged nodes and relationships so far, by key; the merger starts empty again (its counts stay)."""
        nodes, rels = self._nodes, self._rels
        self._nodes, self._rels = {}, {}
        return nodes, rels


#: Rows merged and written together by :class:`StagedMerge`.
CHUNK_ROWS = 10_000


class StagedMerge:
    """Rows merged (as :class:`Merger` merges them) and written through the store a chunk at a time.

    The need taxonomy is written first, then each chunk's nodes before its
    relationships (whose endpoints must exist). On a dry run, or without a
    store, the chunks go to a transient in-memory store that is dropped after
    (the real one is never written). ``written`` counts each node and
    relationship of the file once, however many chunks repeat it (``validated`` the same, written or
    not: a relationship whose ends are missing is not written); ``repeats``
    counts the rows that added nothing.
    """

    def __init__(self, store: GraphStore | None, *, dry_run: bool, chunk: int | None = None) -> None:
        if dry_run or store is None:
            from kith.graph.memory import MemoryStore

            store = MemoryStore()
        self.store: GraphStore = store
        self.dry_run, self.chunk = dry_run, chunk or CHUNK_ROWS
        self.merger = Merger()
        self.conflicts = self.merger.conflicts
        self.repeats = 0
        self.written = {"nodes": 0, "relationships": 0}
        self.validated = {"nodes": 0, "relationships": 0}
        # label -> node id -> the fields this ingest gave it; type -> (source, target) -> the same
        self._given: defaultdict[str, dict[str, frozenset[str]]] = defaultdict(dict)
        self._given_rels: defaultdict[str, dict[tuple[str, str], frozenset[str]]] = defaultdict(dict)
        self._fieldsets: dict[frozenset[str], frozenset[str]] = {}  # one object per set of fields
        self._pending: list[tuple[list[Node], list[Rel], bool]] = []
        self._pending_keys: set[tuple[str, str]] = set()
        self._taxonomy = False

    def add(self, nodes: list[Node], rels: list[Rel], *, row: bool = True) -> None:
        """One row's nodes and relationships (``row=False``: not a row of the file, never a repeat)."""
        self._pending.append((nodes, rels, row))
        self._pending_keys.update((n.label.value, n.id) for n in nodes)
        if len(self._pending) >= self.chunk:
            self.flush()

    def has(self, label: str, node_id: str) -> bool:
        """Whether a row of this ingest made the node (written or waiting in the chunk)."""
        return node_id in self._given.get(label, {}) or (label, node_id) in self._pending_keys

    def values(self, label: str, name: str) -> Iterator[tuple[str, Any]]:
        """(id, value of field ``name``) of every node of ``label`` this ingest wrote, in the order first seen
        (call :meth:`flush` first); the field's value is None when this ingest did not give it."""
        given = self._given.get(label, {})
        ids = list(given)
        for i in range(0, len(ids), self.chunk):
            part = ids[i : i + self.chunk]
            stored = {p["id"]: p for p in self.store.nodes(_LABELS[label], ids=part)}
            for node_id in part:
                yield node_id, stored.get(node_id, {}).get(name) if name in given[node_id] else None

    def flush(self) -> None:
        """Merge the rows waiting (on top of what earlier chunks made of their nodes) and write them."""
        pending, self._pending = self._pending, []
        self._pending_keys = set()
        if not pending:
            return
        self._seed(node for nodes, _, _ in pending for node in nodes)
        self._seed_rels(rel for _, rels, _ in pending for rel in rels)
        for nodes, rels, row in pending:
            if not self.merger.add(nodes, rels) and row:
                self.repeats += 1
        del pending
        nodes_by_key, rels_by_key = self.merger.drain()
        if not self._taxonomy:
            self.store.upsert_nodes(need_types())
            self._taxonomy = True
        new_nodes: list[Node] = []
        old_nodes: list[Node] = []
        for (label, node_id), data in nodes_by_key.items():
            given = self._given[label]
            (old_nodes if node_id in given else new_nodes).append(NODE_MODELS[_LABELS[label]].model_validate(data))
            given[node_id] = self._fields(data)
        del nodes_by_key
        self.validated["nodes"] += len(new_nodes)
        self.written["nodes"] += self.store.upsert_nodes(new_nodes)
        self.store.upsert_nodes(old_nodes)
        del new_nodes, old_nodes
        new_rels: list[Rel] = []
        old_rels: list[Rel] = []
        for (kind, source, target), data in rels_by_key.items():
            given_rels = self._given_rels[kind]
            (old_rels if (source, target) in given_rels else new_rels).append(
                REL_MODELS[_TYPES[kind]].model_validate(data)
            )
            given_rels[(source, target)] = self._fields(data)
        del rels_by_key
        self.validated["relationships"] += len(new_rels)
        self.written["relationships"] += self.store.upsert_relationships(new_rels)
        self.store.upsert_relationships(old_rels)

    def _fields(self, data: dict[str, Any]) -> frozenset[str]:
        fields = frozenset(data)
        return self._fieldsets.setdefault(fields, fields)

    def _seed(self, nodes: Iterable[Node]) -> None:
        """Start the merger from the stored fields this ingest gave the chunk's nodes that earlier chunks wrote."""
        wanted: defaultdict[str, set[str]] = defaultdict(set)
        for node in nodes:
            if node.id in self._given.get(node.label.value, {}):
                wanted[node.label.value].add(node.id)
        for label, ids in wanted.items():
            given, model = self._given[label], NODE_MODELS[_LABELS[label]]
            for props in self.store.nodes(_LABELS[label], ids=ids):
                fields = given[props["id"]]
                data = model.model_validate({k: v for k, v in props.items() if k in fields})
                self.merger.seed_node(label, props["id"], data.model_dump(exclude_none=True))

    def _seed_rels(self, rels: Iterable[Rel]) -> None:
        wanted: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
        for rel in rels:
            ends = (rel.source, str(rel.target))
            if ends in self._given_rels.get(rel.type.value, {}):
                wanted[rel.type.value].add(ends)
        for kind, pairs in wanted.items():
            given, model = self._given_rels[kind], REL_MODELS[_TYPES[kind]]
            stored = {
                (r["source"], r["target"]): r
                for r in self.store.relationships(_TYPES[kind], sources={s for s, _ in pairs})
                if (r["source"], r["target"]) in pairs
            }
            for source, target in pairs:
                fields = given[(source, target)]
                props = {k: v for k, v in stored.get((source, target), {}).items() if k in fields}
                data = model.model_validate({**props, "source": source, "target": target})
                self.merger.seed_rel(kind, source, target, data.model_dump(exclude_none=True))


def _merge(name: str, old: Any, new: Any) -> Any:
    if old in (None, "", ()):
        return new
    if isinstance(old, tuple) and isinstance(new, tuple):
        return tuple(dict.fromkeys([*old, *new]))
    if name in JOINED and isinstance(old, str) and isinstance(new, str):
        parts = old.split(SEPARATOR)
        return old if new in parts else SEPARATOR.join([*parts, new])
    return new


def _label(value: str) -> Any:
    return next(label for label in NODE_MODELS if label.value == value)


def _rel_type(value: str) -> Any:
    return next(kind for kind in REL_MODELS if kind.value == value)


_LABELS: dict[str, Label] = {label.value: label for label in Label}
_TYPES: dict[str, RelType] = {kind.value: kind for kind in RelType}

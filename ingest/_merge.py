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
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from kith.graph.model import NODE_MODELS, REL_MODELS, Node, Rel

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

"""Column maps: a YAML file that says which of a source's columns holds which kith field.

::

    kind: agencies              # schools | agencies | students | relations | programs
    columns:                    # kith field: the source's column header
      agency_name: Provider Name
      lat: Y
    values:                     # kith field: one value for every row
      kind: nonprofit
    need_flags:                 # need code: a column whose yes / 1 / true / x says the row's service addresses it
      food: food

A map tells the ingest which column to read for each field (and so which
column a quarantine reason names); constants fill the rows' empty cells, and
the need flags become each row's ``need`` cell. Columns the map does not name are
still found under their usual names. Every problem of a map (an unknown kind
or field, a column the file does not have, an unknown need) is reported in
one error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kith.graph.errors import InputError
from kith.graph.model import NeedCode
from kith.ingest._csv import column_name
from kith.ingest._load import resolve

KINDS = ("schools", "agencies", "students", "relations", "programs")
_TRUE = {"1", "y", "yes", "true", "t", "x", "✓", "✔"}


@dataclass(frozen=True)
class ColumnMap:
    """A parsed column map (see the module docstring)."""

    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    need_flags: dict[str, str] = field(default_factory=dict)
    source: str = "map"

    def to_yaml(self) -> str:
        """The map as YAML, in the order of the module docstring."""
        doc: dict[str, Any] = {"kind": self.kind, "columns": dict(self.columns)}
        if self.values:
            doc["values"] = dict(self.values)
        if self.need_flags:
            doc["need_flags"] = dict(self.need_flags)
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)

    def check(self, kind: str, fields: Iterable[str], header: Iterable[str]) -> None:
        """Raise one InputError listing every way this map does not fit ``kind`` and the file's ``header``."""
        problems = []
        if self.kind != kind:
            problems.append(f"it is a map for {self.kind}, not {kind}")
        known, present = set(fields), set(header)
        for name, column in self.columns.items():
            if name not in known:
                problems.append(f"columns: {name!r} is not a field of {kind} (fields: {', '.join(sorted(known))})")
            if column_name(column) not in present:
                problems.append(f"columns: {name}: the file has no column {column!r}")
        for name in self.values:
            if name not in known:
                problems.append(f"values: {name!r} is not a field of {kind}")
        needs = {n.value for n in NeedCode}
        for need, column in self.need_flags.items():
            if need not in needs:
                problems.append(f"need_flags: {need!r} is not a kith need code")
            if column_name(column) not in present:
                problems.append(f"need_flags: {need}: the file has no column {column!r}")
        if problems:
            raise InputError(f"column map {self.source}: " + "; ".join(problems))

    def fields(self) -> dict[str, str]:
        """Each mapped kith field → the header key of its source column (what the ingest reads, and reports)."""
        found = {name: column_name(column) for name, column in self.columns.items()}
        for name in self.values:
            found.setdefault(name, name)
        if self.need_flags:
            found["need"] = "need"
        return found

    def apply(self, cells: Mapping[str, Any], *, rename: bool = False) -> dict[str, Any]:
        """A row's cells with the constants filled in and the need flags as its ``need`` cell.

        With ``rename``, each mapped field is also put under kith's own name for it (for ingests whose
        fields are header names, as relations are).
        """
        out = dict(cells)
        for name, column in self.columns.items():
            if rename:
                out[name] = cells.get(column_name(column))
        for name, value in self.values.items():
            key = name if rename or name not in self.columns else column_name(self.columns[name])
            if out.get(key) in (None, ""):
                out[key] = None if value is None else str(value)
        if self.need_flags:
            flagged = [
                need
                for need, column in self.need_flags.items()
                if str(cells.get(column_name(column)) or "").strip().lower() in _TRUE
            ]
            source = column_name(self.columns["need"]) if "need" in self.columns else "need"
            given = cells.get(source)
            out["need"] = "; ".join([*([str(given)] if given else []), *flagged]) or None
        return out

    def sources(self) -> set[str]:
        """The source columns the map reads (as header keys)."""
        return {column_name(c) for c in [*self.columns.values(), *self.need_flags.values()]}

    def header(self, header: Iterable[str]) -> list[str]:
        """The header the ingest sees after :meth:`apply`."""
        extra = [*self.values, *(["need"] if self.need_flags else [])]
        return list(dict.fromkeys([*header, *extra]))


def map_columns(
    column_map: ColumnMap | None,
    kind: str,
    aliases: Mapping[str, tuple[str, ...]],
    header: list[str],
    rows: list[tuple[Any, ...]],
) -> tuple[list[str], list[tuple[Any, ...]], dict[str, str]]:
    """A file's header, rows and columns (each kith field → its header key) once ``column_map`` is applied.

    Each row is a tuple whose last item is its cells; without a map, the header's usual names decide.
    """
    if column_map is not None:
        column_map.check(kind, aliases, header)
        rows = [(*row[:-1], column_map.apply(row[-1])) for row in rows]
        header = column_map.header(header)
    columns = resolve(header, aliases)
    if column_map is not None:
        columns.update(column_map.fields())
    return header, rows, columns


def load_map(path: Path) -> ColumnMap:
    """Read and check the shape of a column map file.

    Raises
    ------
    InputError
        When the file cannot be read or is not a map (naming every problem).
    """
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such column map") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    return parse_map(doc, source=str(path))


def parse_map(doc: Any, *, source: str = "map") -> ColumnMap:
    """A :class:`ColumnMap` from a parsed YAML document."""
    if not isinstance(doc, dict):
        raise InputError(f"column map {source}: expected a mapping with kind, columns, values, need_flags")
    problems = []
    kind = str(doc.get("kind") or "").strip()
    if kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}, not {kind or 'nothing'!r}")
    parts: dict[str, dict[str, Any]] = {}
    for part in ("columns", "values", "need_flags"):
        value = doc.get(part) or {}
        if not isinstance(value, dict):
            problems.append(f"{part} must be a mapping of field: value")
            value = {}
        parts[part] = {str(k).strip(): v for k, v in value.items()}
    for part in ("columns", "need_flags"):
        for name, column in parts[part].items():
            if not isinstance(column, (str, int)) or not str(column).strip():
                problems.append(f"{part}: {name} must name a column")
        parts[part] = {k: str(v) for k, v in parts[part].items() if v is not None}
    unknown = set(doc) - {"kind", "columns", "values", "need_flags", "format"}
    if unknown:
        problems.append(f"unknown section(s): {', '.join(sorted(map(str, unknown)))}")
    if problems:
        raise InputError(f"column map {source}: " + "; ".join(problems))
    return ColumnMap(
        kind=kind, columns=parts["columns"], values=parts["values"], need_flags=parts["need_flags"], source=source
    )

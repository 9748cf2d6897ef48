"""The organisation network as files that other tools open.

- **GraphML** (yEd, Cytoscape, Gephi) and **GEXF** (Gephi), written by NetworkX: nodes keyed
  ``Label:id`` with ``label`` (the name shown) and ``type`` (kith's label); edges with ``label``
  (the relationship type); lists joined with ``;``, since neither format has lists.
- **CSV** and **JSON** in Kumu's shapes: ``elements.csv`` (ID, Label, Type, …) and
  ``connections.csv`` (From, To, Type, Direction, …); the JSON blueprint
  ``{"elements": [...], "connections": [...]}`` with the same fields.
- **neo4j-import**: one CSV per label and per relationship type, headers in the files, as
  ``neo4j-admin database import full`` reads them: ``id:ID(School)`` and ``:LABEL``;
  ``:START_ID(School)``, ``:END_ID(Agency)`` and ``:TYPE``; typed columns (``lat:double``,
  ``enrollment:long``, ``title_i:boolean``, ``languages:string[]`` with ``;`` between items);
  one id space per label, so a school and an agency may share an id. Sites get the
  ``location:point{crs:WGS-84}`` the Neo4j store's point index searches.

Only organisations leave this way: schools, agencies, their services, sites and the need types
those address, with the ties between them. Students, families and staff are never written,
whatever is asked: asking for them is refused with a message that says so.

Every value comes from the graph's models (``NODE_MODELS[label].model_validate``), so a file holds
what kith would accept at ingest, and each column's type is the model field's. The CSV files meant
for spreadsheets (Kumu's) have every text cell that a spreadsheet would run as a formula made inert;
the neo4j-import files hold the values as they are, since neo4j-admin loads them literally.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kith.graph._files import write_atomically
from kith.graph.errors import InputError
from kith.graph.model import ENDPOINTS, NODE_MODELS, REL_MODELS, Label, NodeRef, RelType
from kith.graph.store import GraphStore
from kith.trust.spreadsheet import safe_cell, write_csv

FORMATS = ("graphml", "gexf", "csv", "json", "neo4j-import")
#: The formats that write a folder of files; the others write one file.
FOLDER_FORMATS = frozenset({"csv", "neo4j-import"})
#: What the organisation network may hold; the default is its core, schools and agencies.
ORGANISATION_LABELS = (Label.SCHOOL, Label.AGENCY, Label.SERVICE, Label.SITE, Label.NEED_TYPE)
DEFAULT_LABELS = (Label.SCHOOL, Label.AGENCY)
#: People, and the ties that would say something about one: never exported.
PEOPLE = (Label.STUDENT, Label.FAMILY, Label.STAFF)


@dataclass(frozen=True)
class Selection:
    """The labels and relationship types to export (checked: organisations only)."""

    labels: tuple[Label, ...]
    rel_types: tuple[RelType, ...]


@dataclass(frozen=True)
class OrganisationNetwork:
    """The selected nodes (validated properties, by label) and relationships (by type)."""

    nodes: dict[Label, list[dict[str, Any]]]
    rels: dict[RelType, list[dict[str, Any]]]

    def multiline(self) -> bool:
        """Whether some text value holds a line break (neo4j-admin then needs --multiline-fields)."""
        rows = [row for table in (*self.nodes.values(), *self.rels.values()) for row in table]
        return any(isinstance(v, str) and ("\n" in v or "\r" in v) for row in rows for v in row.values())

    def counts(self) -> dict[str, int]:
        return {
            **{label.value: len(rows) for label, rows in self.nodes.items()},
            **{t.value: len(rows) for t, rows in self.rels.items()},
        }


def select(labels: Iterable[str] = (), rel_types: Iterable[str] = ()) -> Selection:
    """Check the labels and types asked for (names, any case); all problems in one error.

    No labels means schools and agencies; no types means every type joining two of the labels.
    A label of a person (student, family, staff), or a type that touches one, is refused.
    """
    problems: list[str] = []
    chosen = _parse(labels, {label.value.lower(): label for label in Label}, "label", problems)
    types = _parse(rel_types, {t.value.lower(): t for t in RelType}, "relationship type", problems)
    people = [label.value for label in chosen if label in PEOPLE]
    people += [
        f"{t.value} (joins {' and '.join(e.value for e in ENDPOINTS[t])})"
        for t in types
        if set(ENDPOINTS[t]) & set(PEOPLE)
    ]
    if people:
        problems.insert(
            0,
            f"kith exports the organisation network only, never students, families or staff: "
            f"refused {', '.join(people)}",
        )
    chosen = chosen or list(DEFAULT_LABELS)
    outside = [t.value for t in types if not set(ENDPOINTS[t]) & set(PEOPLE) and not set(ENDPOINTS[t]) <= set(chosen)]
    if outside:
        problems.append(
            f"{', '.join(outside)} join labels that are not exported "
            f"(add them to --labels: {', '.join(sorted(_ends(outside) - set(chosen)))})"
        )
    if problems:
        allowed = ", ".join(label.value for label in ORGANISATION_LABELS)
        raise InputError("; ".join(problems) + f" (labels that may be exported: {allowed})")
    if not types:
        types = [t for t in RelType if set(ENDPOINTS[t]) <= set(chosen)]
    return Selection(tuple(label for label in Label if label in chosen), tuple(t for t in RelType if t in types))


def _parse(names: Iterable[str], known: dict[str, Any], kind: str, problems: list[str]) -> list[Any]:
    found, unknown = [], []
    for name in (part.strip() for text in names for part in text.split(",")):
        if not name:
            continue
        if name.lower() in known:
            found.append(known[name.lower()])
        else:
            unknown.append(name)
    if unknown:
        problems.append(
            f"unknown {kind}(s) {', '.join(map(repr, unknown))} (known: {', '.join(v.value for v in known.values())})"
        )
    return list(dict.fromkeys(found))


def _ends(type_names: Sequence[str]) -> set[Label]:
    return {label for name in type_names for label in ENDPOINTS[RelType(name)]}


def read(store: GraphStore, selection: Selection) -> OrganisationNetwork:
    """The selected part of the graph, each row read back into its model (only its fields, typed)."""
    if any(label in PEOPLE for label in selection.labels) or any(
        set(ENDPOINTS[t]) & set(PEOPLE) for t in selection.rel_types
    ):
        raise InputError("kith exports the organisation network only, never students, families or staff")
    nodes = {
        label: [NODE_MODELS[label].model_validate(row).properties() for row in store.nodes(label)]
        for label in selection.labels
    }
    rels = {
        t: [
            {"source": row["source"], "target": row["target"], **REL_MODELS[t].model_validate(row).properties()}
            for row in store.relationships(t)
        ]
        for t in selection.rel_types
    }
    return OrganisationNetwork(nodes, rels)


def prepare(fmt: str, path: Path) -> None:
    """Check that ``fmt`` can be written at ``path`` and make the folders it needs (before any audit
    or read, so a wrong path fails early)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    if fmt in FOLDER_FORMATS:
        if path.exists() and not path.is_dir():
            raise InputError(f"{path} is a file: --format {fmt} writes a folder of CSV files")
        path.mkdir(parents=True, exist_ok=True)
    else:
        if path.is_dir():
            raise InputError(f"{path} is a folder: --format {fmt} writes one file")
        path.parent.mkdir(parents=True, exist_ok=True)


def write(network: OrganisationNetwork, fmt: str, path: Path) -> list[Path]:
    """Write ``network`` as ``fmt`` at ``path`` (a file, or a folder for csv and neo4j-import);
    returns the files written. Each file is written atomically."""
    prepare(fmt, path)
    writers = {
        "graphml": _write_graphml,
        "gexf": _write_gexf,
        "csv": _write_kumu_csv,
        "json": _write_kumu_json,
        "neo4j-import": _write_neo4j_import,
    }
    return writers[fmt](network, path)


# ------------------------------------------------------------------ GraphML and GEXF


def to_networkx(network: OrganisationNetwork) -> nx.DiGraph[str]:
    """The network as a NetworkX graph of scalar attributes, as GraphML and GEXF hold them.

    Between two nodes there is at most one relationship of the exported types (each pair of labels
    has one), so a directed graph holds them all.
    """
    graph: nx.DiGraph[str] = nx.DiGraph()
    for label, rows in network.nodes.items():
        for row in rows:
            props = {k: _scalar(v) for k, v in row.items() if k != "id" and _scalar(v) is not None}
            graph.add_node(
                str(NodeRef(label, row["id"])), label=str(row.get("name", row["id"])), type=label.value, **props
            )
    for t, rows in network.rels.items():
        source_label, target_label = ENDPOINTS[t]
        for row in rows:
            props = {k: _scalar(v) for k, v in row.items() if k not in ("source", "target")}
            graph.add_edge(
                str(NodeRef(source_label, row["source"])),
                str(NodeRef(target_label, row["target"])),
                label=t.value,
                **{k: v for k, v in props.items() if v is not None},
            )
    return graph


def _scalar(value: Any) -> Any:
    """A value GraphML and GEXF can hold: lists become ``a;b`` (nothing when empty)."""
    if isinstance(value, (list, tuple)):
        return ";".join(map(str, value)) or None
    return value


def _write_graphml(network: OrganisationNetwork, path: Path) -> list[Path]:
    graph = to_networkx(network)
    write_atomically(path, lambda f: nx.write_graphml(graph, f, encoding="utf-8"))
    return [path]


def _write_gexf(network: OrganisationNetwork, path: Path) -> list[Path]:
    graph = to_networkx(network)
    write_atomically(path, lambda f: nx.write_gexf(graph, f, encoding="utf-8"))
    return [path]


# ------------------------------------------------------------------ Kumu's CSV and JSON


def _elements(network: OrganisationNetwork) -> list[dict[str, Any]]:
    return [
        {
            "id": str(NodeRef(label, row["id"])),
            "label": str(row.get("name", row["id"])),
            "type": label.value,
            **{k: v for k, v in row.items() if k != "id"},
        }
        for label, rows in network.nodes.items()
        for row in rows
    ]


def _connections(network: OrganisationNetwork) -> list[dict[str, Any]]:
    return [
        {
            "from": str(NodeRef(ENDPOINTS[t][0], row["source"])),
            "to": str(NodeRef(ENDPOINTS[t][1], row["target"])),
            "type": t.value,
            "direction": "directed",
            **{k: v for k, v in row.items() if k not in ("source", "target")},
        }
        for t, rows in network.rels.items()
        for row in rows
    ]


def _write_kumu_json(network: OrganisationNetwork, path: Path) -> list[Path]:
    blueprint = {"elements": _elements(network), "connections": _connections(network)}
    write_atomically(path, lambda f: json.dump(blueprint, f, indent=1, ensure_ascii=False), binary=False)
    return [path]


#: Kumu's core columns, spelled as Kumu's spreadsheet import expects them.
_KUMU_COLUMNS = {"id": "ID", "label": "Label", "type": "Type", "from": "From", "to": "To", "direction": "Direction"}


def _write_kumu_csv(network: OrganisationNetwork, folder: Path) -> list[Path]:
    written = []
    for name, rows in (("elements.csv", _elements(network)), ("connections.csv", _connections(network))):
        columns = list(dict.fromkeys(k for row in rows for k in row)) or (
            ["id", "label", "type"] if name == "elements.csv" else ["from", "to", "type", "direction"]
        )
        header = [_KUMU_COLUMNS.get(c, c) for c in columns]
        table = [[kumu_cell(row.get(c)) for c in columns] for row in rows]
        write_atomically(folder / name, partial(write_csv, header=header, rows=table), binary=False)
        written.append(folder / name)
    return written


def kumu_cell(value: Any) -> Any:
    """A value as a cell of Kumu's spreadsheet: booleans as ``true``/``false``, several values
    joined by ``|`` (Kumu's separator), nothing for None; then made safe to open in a spreadsheet
    (:func:`kith.trust.spreadsheet.safe_cell`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = "|".join(map(str, value))
    return safe_cell(value)


def _write_neo4j_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A CSV as neo4j-admin reads it: values as they are (it loads them literally, so no spreadsheet
    quoting, which would change the names loaded), quotes doubled inside quoted fields."""

    def fill(f: IO[Any]) -> None:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)

    write_atomically(path, fill, binary=False)


# ------------------------------------------------------------------ neo4j-admin database import


def _write_neo4j_import(network: OrganisationNetwork, folder: Path) -> list[Path]:
    written = []
    for label, rows in network.nodes.items():
        fields = [(name, kind) for name, kind in neo4j_columns(label) if name != "id"]
        header = [f"id:ID({label.value})", ":LABEL"] + [
            f"{name}:{kind}" if kind != "string" else name for name, kind in fields
        ]
        table = [[row["id"], label.value] + [_neo4j_cell(row.get(name)) for name, _ in fields] for row in rows]
        if label is Label.SITE:  # the point the Neo4j store's index searches (upsert_site.cypher sets it too)
            header.append("location:point{crs:WGS-84}")
            for row, line in zip(rows, table):
                has_point = row.get("lat") is not None and row.get("lon") is not None
                line.append(f"{{latitude:{row['lat']},longitude:{row['lon']}}}" if has_point else "")
        path = folder / f"nodes-{label.value}.csv"
        _write_neo4j_csv(path, header, table)
        written.append(path)
    for t, rows in network.rels.items():
        source, target = ENDPOINTS[t]
        fields = [(name, kind) for name, kind in neo4j_columns(t) if name not in ("source", "target")]
        header = [f":START_ID({source.value})", f":END_ID({target.value})", ":TYPE"] + [
            f"{name}:{kind}" if kind != "string" else name for name, kind in fields
        ]
        table = [
            [row["source"], row["target"], t.value] + [_neo4j_cell(row.get(name)) for name, _ in fields] for row in rows
        ]
        path = folder / f"relationships-{t.value}.csv"
        _write_neo4j_csv(path, header, table)
        written.append(path)
    return written


def neo4j_import_command(files: Sequence[Path], *, multiline: bool = False) -> str:
    """The ``neo4j-admin`` command line that loads ``files`` (into an empty database named neo4j);
    ``multiline`` when a value holds a line break (see :meth:`OrganisationNetwork.multiline`)."""
    parts = ["neo4j-admin database import full"] + (["--multiline-fields=true"] if multiline else [])
    parts += [f"--nodes={f}" for f in files if f.name.startswith("nodes-")]
    parts += [f"--relationships={f}" for f in files if f.name.startswith("relationships-")]
    return " ".join(parts + ["neo4j"])


_JSON_TO_NEO4J = {"integer": "long", "number": "double", "boolean": "boolean", "string": "string"}


@cache
def neo4j_columns(kind: Label | RelType) -> tuple[tuple[str, str], ...]:
    """(property, neo4j-admin type) of a label's or a type's model, in the model's field order."""
    model = NODE_MODELS[kind] if isinstance(kind, Label) else REL_MODELS[kind]
    schema = model.model_json_schema(mode="serialization")
    return tuple((name, _neo4j_type(spec, schema.get("$defs", {}))) for name, spec in schema["properties"].items())


def _neo4j_type(spec: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in spec:
        return _neo4j_type(defs[spec["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in spec:  # an optional field: the type that is not null
        return next(_neo4j_type(s, defs) for s in spec["anyOf"] if s.get("type") != "null")
    if spec.get("type") == "array":
        return _neo4j_type(spec.get("items", {"type": "string"}), defs) + "[]"
    if spec.get("type") == "string" and spec.get("format") == "date":
        return "date"
    return _JSON_TO_NEO4J.get(spec.get("type", "string"), "string")


def _neo4j_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(map(str, value))
    return value

"""Look at a file before loading it: what kind it is, how it is encoded, its
headers and a few values, and a proposed column map.

The proposed map comes from the usual header names of each kind (the aliases
of its ingest) and from the values themselves: a column of points
("CA (37.78, -122.42)"), of ZIP codes, of phone numbers, of grade spans, or
of yes / no flags under a need's name. Unedited, it loads what the aliases
and the values can tell; edit it where they cannot (``kith ingest … --map``).

A students file is never sampled: only its headers and how many cells of each
are filled are shown, so no student's value reaches the screen or a log.

Maps saved for a header (``KITH_HOME/maps/``) are offered again for a file
with the same header.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from kith.graph.errors import InputError
from kith.ingest import _datapackage, _grades, _places
from kith.ingest._colmap import KINDS, ColumnMap, load_map, parse_map
from kith.ingest._csv import column_name, read_csv
from kith.ingest._load import read_bytes, resolve
from kith.ingest._taxonomy import taxonomy_map

__all__ = ["ColumnMap", "Inspection", "fields_of", "inspect_file", "load_map", "parse_map", "save_map", "saved_map"]

SAMPLES = 3
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_PHONE = re.compile(r"^\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]?\d{4}(\s*(x|ext\.?)\s*\d+)?$", re.IGNORECASE)
_FLAG = {"0", "1", "y", "n", "yes", "no", "true", "false", "x", ""}


class Inspection(BaseModel):
    """What ``kith ingest inspect`` found."""

    model_config = ConfigDict(frozen=True)

    path: str
    kind: str
    encoding: str | None = None
    line_endings: str | None = None
    rows: int = 0
    headers: list[str] = []
    samples: dict[str, list[str]] = {}
    filled: dict[str, int] = {}
    proposed: dict[str, Any] | None = None
    notes: list[str] = []

    def column_map(self) -> ColumnMap | None:
        return parse_map(self.proposed, source="proposed") if self.proposed else None


def _aliases(kind: str) -> dict[str, tuple[str, ...]]:
    if kind == "schools":
        from kith.ingest.nces import ALIASES
    elif kind == "agencies":
        from kith.ingest.agencies import ALIASES
    elif kind == "programs":
        from kith.ingest.programs import ALIASES
    elif kind == "students":
        from kith.ingest.sis import ALIASES
    else:
        from kith.ingest.relations import ALIASES as BY_KIND

        return {
            name: names for kind_aliases in BY_KIND.values() for names in kind_aliases.values() for name in names[:1]
        }
    return ALIASES


def detect_kind(header: Iterable[str]) -> str:
    """The kind of plain file a header describes (agencies when it says nothing clearer)."""
    present = set(header)

    def has(*names: str) -> bool:
        return bool(present & set(names))

    if has("student_id", "student_number", "studentid", "sasid", "local_id", "state_id"):
        return "students"
    school_named = has("site_school", "school_site", "host_school", "partner_school", "school_name", "school")
    agency_named = has(*_aliases("agencies")["agency_name"], *_aliases("agencies")["agency_id"])
    if school_named and agency_named and has(*_aliases("agencies")["service_name"]):
        return "programs"
    if (
        agency_named
        and has("school_id", "ncessch", "other_agency_id", "partner_agency_id", "service_id")
        and not has(*_aliases("agencies")["service_name"], "address", "lat", "latitude")
    ):
        return "relations"
    schoolish = {
        "ncessch",
        "sch_name",
        "schnam",
        "school_name",
        "campus_name",
        "enrollment",
        "enrollmnt",
        "total_students",
        "lower_grade",
        "upper_grade",
        "grades",
        "grade_span",
        "gslo",
        "gshi",
        "school_level",
        "cds_code",
        "school_code",
    }
    if len(present & schoolish) >= 1 and not agency_named:
        return "schools"
    return "agencies"


def inspect_file(path: Path, *, kind: str | None = None) -> Inspection:
    """Inspect ``path`` (see the module docstring).

    Raises
    ------
    InputError
        When the kind is not one kith knows, or the file cannot be read.
    """
    path = Path(path)
    if kind is not None and kind not in (*KINDS, "hsds"):
        raise InputError(f"unknown kind {kind!r}; use one of {', '.join((*KINDS, 'hsds'))}")
    if path.is_dir() or path.suffix.lower() == ".zip" or path.name == _datapackage.DESCRIPTOR:
        from kith.ingest._hsds_read import detect

        fmt = detect(path)
        return Inspection(
            path=str(path),
            kind="hsds",
            notes=[f"an HSDS package ({fmt}): load it with `kith ingest hsds {path}`; it needs no column map"],
        )
    data = read_bytes(path)
    if path.suffix.lower() in (".geojson", ".json"):
        header, rows, encoding, endings = _geojson(data, path.name)
        kind = kind or "schools"
    else:
        table = read_csv(data, path.name)
        header, rows, encoding = table.columns, [cells for _, cells in table.rows], table.encoding
        endings = _line_endings(data)
        kind = kind or detect_kind(header)
    proposed, notes = propose(kind, header, rows)
    students = kind == "students"
    samples = {} if students else {c: _samples(rows, c) for c in header}
    filled = {c: sum(1 for r in rows if r.get(c) not in (None, "")) for c in header}
    if students:
        notes.append("a students file: only headers and counts are shown, never a value")
    return Inspection(
        path=str(path),
        kind=kind,
        encoding=encoding,
        line_endings=endings,
        rows=len(rows),
        headers=header,
        samples=samples,
        filled=filled,
        proposed=json.loads(json.dumps(_as_doc(proposed))),
        notes=notes,
    )


def _as_doc(column_map: ColumnMap) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": column_map.kind, "columns": dict(column_map.columns)}
    if column_map.values:
        doc["values"] = dict(column_map.values)
    if column_map.need_flags:
        doc["need_flags"] = dict(column_map.need_flags)
    return doc


def propose(kind: str, header: list[str], rows: Sequence[Mapping[str, Any]]) -> tuple[ColumnMap, list[str]]:
    """A column map for ``kind`` from the header names and the values (see the module docstring)."""
    notes: list[str] = []
    aliases = _aliases(kind)
    columns = resolve(header, aliases)
    taken = set(columns.values())
    sample = rows[:200]

    def values(column: str) -> list[str]:
        return [str(r[column]).strip() for r in sample if r.get(column) not in (None, "")]

    if kind in ("schools", "agencies", "programs"):
        if "lat" in columns and "lon" in columns:
            lat = [_places.number(v) for v in values(columns["lat"])]
            if any(v is not None and abs(v) > 180 for v in lat):
                notes.append(
                    f"{columns['lat']}/{columns['lon']} hold projected coordinates, not degrees: those "
                    "rows will be quarantined unless the file has latitude and longitude elsewhere"
                )
        elif "point" not in columns:
            point = _places.find_point_column(header, sample)
            if point is not None:
                columns["point"] = point
                taken.add(point)
        for field, test in (("zip", _ZIP.match), ("phone", _PHONE.match)):
            if field in aliases and field not in columns:
                for column in header:
                    found = values(column)
                    if column not in taken and found and all(test(v) for v in found):
                        columns[field] = column
                        taken.add(column)
                        break
    if kind == "schools" and "grades" not in columns and not {"grade_low", "grade_high"} <= columns.keys():
        for column in header:
            found = values(column)
            if column not in taken and found and sum(_grades.span(v) is not None for v in found) > len(found) / 2:
                columns["grades"] = column
                taken.add(column)
                break
    if (
        kind in ("agencies", "programs")
        and "agency_name" not in columns
        and "agency_id" not in columns
        and "name" in header
    ):
        columns["agency_name"] = "name"
        columns.setdefault("service_name", "name")
        notes.append("no agency column: each row's name is taken as its agency and its service")
    flags: dict[str, str] = {}
    if kind in ("agencies", "programs"):
        taxonomy = taxonomy_map()
        for column in header:
            found = values(column)
            if column in taken or not found or not all(v.lower() in _FLAG for v in found):
                continue
            needs = taxonomy.needs(None, column.replace("_", " "))
            if needs:
                flags[needs[0]] = column
            elif {v.lower() for v in found} <= {"0", "1", "x", "y", "n", "yes", "no"}:
                notes.append(
                    f"{column} looks like a yes / no column, but no kith need is called that: add it under need_flags"
                )
    taken = set(columns.values())
    unmapped = [c for c in header if c not in taken and c not in flags.values()]
    if unmapped:
        notes.append("columns the proposed map does not read: " + ", ".join(unmapped))
    return ColumnMap(kind=kind, columns=columns, need_flags=flags, source="proposed"), notes


def _samples(rows: Sequence[Mapping[str, Any]], column: str) -> list[str]:
    seen: list[str] = []
    for row in rows:
        value = row.get(column)
        if value not in (None, "") and str(value) not in seen:
            seen.append(str(value)[:60])
            if len(seen) == SAMPLES:
                break
    return seen


def _line_endings(data: bytes) -> str:
    crlf = data.count(b"\r\n")
    cr, lf = data.count(b"\r") - crlf, data.count(b"\n") - crlf
    counts = {"CRLF": crlf, "CR": cr, "LF": lf}
    return max(counts, key=counts.__getitem__) if any(counts.values()) else "none"


def _geojson(data: bytes, name: str) -> tuple[list[str], list[dict[str, Any]], str, str | None]:
    try:
        doc = json.loads(data.decode("utf-8-sig", errors="replace"))
    except ValueError as exc:
        raise InputError(f"{name}: not valid JSON ({exc})") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise InputError(f"{name}: not a GeoJSON FeatureCollection (no 'features' list)")
    rows = [
        {column_name(str(k)): v for k, v in (f.get("properties") or {}).items()}
        for f in features
        if isinstance(f, dict)
    ]
    header = list(dict.fromkeys(k for row in rows for k in row))
    return header, rows, "utf-8", None


# ------------------------------------------------------------------ saved maps


def _header_key(kind: str, header: Iterable[str]) -> str:
    digest = hashlib.sha256("\x1f".join(header).encode()).hexdigest()[:16]
    return f"{kind}-{digest}"


def save_map(folder: Path, header: Iterable[str], column_map: ColumnMap) -> Path:
    """Save a map for files with this header (``KITH_HOME/maps/``); return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_header_key(column_map.kind, header)}.yaml"
    path.write_text(column_map.to_yaml(), encoding="utf-8")
    return path


def saved_map(folder: Path, kind: str, header: Iterable[str]) -> ColumnMap | None:
    """The map saved for a file of this kind with this header, if any."""
    path = folder / f"{_header_key(kind, header)}.yaml"
    return load_map(path) if path.exists() else None


def fields_of(kind: str) -> list[str]:
    """The kith fields a column map for ``kind`` may set."""
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    return list(_aliases(kind))

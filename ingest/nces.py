"""Ingest schools: NCES Common Core of Data / EDGE files, a plain schools CSV,
or GeoJSON points.

Formats (detected; ``fmt`` overrides):

- ``nces``: a CCD directory or EDGE geocode file (``NCESSCH``, ``SCH_NAME``,
  ``LEAID``/``LEA_NAME``, ``LAT``/``LON`` or ``LATCOD``/``LONCOD``, ``LEVEL``,
  ``SCH_TYPE``, ``CHARTER_TEXT``, ``TITLEI_STATUS``, ``TOTAL``/``MEMBER``,
  ``TOTFRL``). NCES writes missing values as negative codes (-1 missing,
  -2 not applicable, -9 suppressed): they are read as "not reported".
- ``csv``: ``id,name,lat,lon,level,kind,enrollment,district,title_i,frl_pct,address,zip``.
- ``geojson``: a FeatureCollection of points; properties in either of the
  above forms, coordinates from the geometry.

A school without coordinates is located from its address or ZIP code.
Spreadsheets drop the leading zero of 12-digit NCES ids; it is put back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kith.graph.errors import InputError
from kith.graph.geo import Geocoder
from kith.graph.model import School, SchoolKind, SchoolLevel
from kith.graph.store import GraphStore
from kith.ingest._load import Progress, build, coordinate, finish, read_bytes, read_rows, resolve, tick
from kith.ingest.report import IngestReport, Ledger

FORMATS = ("nces", "csv", "geojson")

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "ncessch", "school_id", "nces_id", "ncessch_num", "sch_id"),
    "name": ("name", "sch_name", "schnam", "school_name"),
    "district": ("district", "lea_name", "leanm", "district_name", "leaid"),
    "lat": ("lat", "latitude", "latcod", "lat1516", "y"),
    "lon": ("lon", "longitude", "loncod", "lon1516", "lng", "long", "x"),
    "level": ("level", "school_level", "sch_level"),
    "kind": ("kind", "sch_type_text", "sch_type", "type", "school_type"),
    "charter": ("charter_text", "charter", "chartr"),
    "title_i": ("title_i", "titlei_status", "titlei_text", "titlei", "title1"),
    "enrollment": ("enrollment", "total", "member", "enrollment_total", "students", "tot_enroll"),
    "frl_pct": ("frl_pct", "frl_percent"),
    "frl_count": ("totfrl", "frl_count"),
    "address": ("address", "lstreet1", "street", "street_address", "location_address"),
    "city": ("city", "lcity"),
    "state": ("state", "lstate", "stabr"),
    "zip": ("zip", "lzip", "zipcode", "zip_code", "postal_code"),
}
_COLUMNS_OF_MODEL = ("id", "name", "district", "lat", "lon", "level", "kind", "enrollment", "title_i", "frl_pct")
_LEVELS = {
    "elementary": "elementary", "primary": "elementary", "other": "other", "1": "elementary", "e": "elementary",
    "middle": "middle", "2": "middle", "m": "middle", "junior high": "middle", "intermediate": "middle",
    "high": "high", "3": "high", "h": "high", "secondary": "high", "senior high": "high",
}
_KINDS = {
    "regular": "regular", "regular school": "regular", "1": "regular", "career and technical school": "regular",
    "3": "regular", "special": "special", "special education school": "special", "2": "special",
    "alternative": "alternative", "alternative education school": "alternative", "alternative school": "alternative",
    "4": "alternative", "charter": "charter",
}


def ingest_schools(
    path: Path,
    store: GraphStore | None,
    *,
    fmt: str | None = None,
    geocoder: Geocoder | None = None,
    dry_run: bool = False,
    quarantine_dir: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Read, validate, geocode and upsert a schools file; return the ingest report.

    Parameters are those of :func:`kith.ingest.hsds.ingest_hsds`; ``fmt`` is one of ``FORMATS``.
    """
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown schools format {fmt!r}; use one of {', '.join(FORMATS)}")
    ledger = Ledger()
    if fmt == "geojson" or (fmt is None and path.suffix.lower() in (".geojson", ".json")):
        fmt, rows = "geojson", _geojson_rows(path, ledger)
    else:
        table = read_rows(path, ledger)
        rows = [(path.name, row, cells) for row, cells in table.rows]
        fmt = fmt or ("nces" if {"ncessch", "sch_name", "schnam"} & set(table.columns) else "csv")
    nodes = _Schools(ledger, geocoder or Geocoder(), nces=fmt == "nces").build(tick(progress, rows))
    return finish(ledger, store, nodes, [], source="schools", path=path, fmt=fmt, dry_run=dry_run,
                  quarantine_dir=quarantine_dir)


def _geojson_rows(path: Path, ledger: Ledger) -> list[tuple[str, Any, dict[str, Any]]]:
    try:
        doc = json.loads(read_bytes(path).decode("utf-8-sig", errors="replace"))
    except ValueError as exc:
        raise InputError(f"{path.name}: not valid JSON ({exc})") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise InputError(f"{path.name}: not a GeoJSON FeatureCollection (no 'features' list)")
    table = path.name
    ledger.table(table)
    ledger.read(table, len(features))
    rows = []
    for i, feature in enumerate(features):
        where = f"/features/{i}"
        if not isinstance(feature, dict):
            ledger.quarantine(table, table, where, "", "not a GeoJSON feature")
            continue
        props = feature.get("properties") or {}
        cells = {re.sub(r"[\s\-./]+", "_", str(k).strip().lower()): (str(v).strip() or None) if v is not None
                 else None for k, v in props.items()}
        geometry = feature.get("geometry")
        if isinstance(geometry, dict):
            coords = geometry.get("coordinates")
            if geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
                ledger.quarantine(table, table, where, "geometry", "not a point")
                continue
            cells["lon"], cells["lat"] = coords[0], coords[1]
        rows.append((table, where, cells))
    return rows


class _Schools:
    def __init__(self, ledger: Ledger, geocoder: Geocoder, *, nces: bool) -> None:
        self.ledger, self.geocoder, self.nces = ledger, geocoder, nces

    def build(self, rows: Any) -> list[School]:
        by_id: dict[str, tuple[str, Any, School]] = {}
        columns: dict[str, str] | None = None
        for table, row, cells in rows:
            if columns is None:
                columns = resolve(cells.keys(), ALIASES)
            data, problems = self._data(table, cells, columns)
            school, invalid = build(School, data, {k: columns.get(k, k) for k in _COLUMNS_OF_MODEL})
            problems += invalid
            if problems or school is None:
                self.ledger.reject(table, table, row, problems)
                continue
            earlier = by_id.get(school.id)
            if earlier is not None:
                self.ledger.quarantine(earlier[0], earlier[0], earlier[1], columns.get("id", "id"),
                                       "duplicate id: a later row with the same id replaces this one")
            by_id[school.id] = (table, row, school)
        return [school for _, _, school in by_id.values()]

    def _data(self, table: str, cells: dict[str, Any], columns: dict[str, str]) -> tuple[dict[str, Any], list]:
        get = {name: cells.get(column) for name, column in columns.items()}
        problems: list[tuple[str, str]] = []
        school_id = _school_id(get.get("id"))
        if school_id is not None and "E+" in school_id.upper():
            problems.append((columns.get("id", "id"), "a spreadsheet turned this id into a number "
                                                      "(scientific notation); export the column as text"))
        data: dict[str, Any] = {
            "id": school_id, "name": get.get("name"), "district": get.get("district"),
            "lat": coordinate(get.get("lat")), "lon": coordinate(get.get("lon")),
            "level": self._choice(table, get.get("level"), _LEVELS, "level", SchoolLevel.OTHER.value),
            "kind": self._kind(table, get),
            "enrollment": self._count(get.get("enrollment")),
            "title_i": _title_i(get.get("title_i")),
            "frl_pct": get.get("frl_pct") if get.get("frl_pct") is not None else self._frl(get),
        }
        if data["lat"] is None and data["lon"] is None:
            address = ", ".join(str(get[k]) for k in ("address", "city", "state", "zip") if get.get(k))
            point = self.geocoder.locate(address or None, _zip5(get.get("zip")))
            if point is None:
                self.ledger.flag(table, "no coordinates and no address or ZIP to geocode: stored without a place")
            else:
                data["lat"], data["lon"] = round(point.lat, 6), round(point.lon, 6)
                self.ledger.flag(table, "no coordinates: geocoded from the address" if point.precision == "rooftop"
                                 else "no coordinates: placed at the ZIP centroid")
        return {k: v for k, v in data.items() if v is not None}, problems

    def _choice(self, table: str, value: Any, known: dict[str, str], what: str, default: str) -> str | None:
        if value is None:
            return None
        text = str(value).strip().lower()
        if text in known or text == default:
            return known.get(text, default)
        if not (self.nces and re.fullmatch(r"-\d+|n|m|not reported|not applicable", text)):
            self.ledger.flag(table, f"{what} not recognised: stored as {default}")
        return None

    def _kind(self, table: str, get: dict[str, Any]) -> str | None:
        charter = str(get.get("charter") or "").strip().lower()
        if charter in {"yes", "1", "y", "true"}:
            return SchoolKind.CHARTER.value
        return self._choice(table, get.get("kind"), _KINDS, "kind", SchoolKind.REGULAR.value)

    def _count(self, value: Any) -> Any:
        if value is None:
            return None
        try:
            number: Any = float(str(value).replace(",", ""))
        except ValueError:
            return value
        if self.nces and isinstance(number, float) and number < 0:
            return None  # NCES codes: -1 missing, -2 not applicable, -9 suppressed
        return int(number) if isinstance(number, float) and number.is_integer() else value

    def _frl(self, get: dict[str, Any]) -> float | None:
        frl, total = self._count(get.get("frl_count")), self._count(get.get("enrollment"))
        if isinstance(frl, int) and isinstance(total, int) and total > 0 and frl <= total:
            return round(100 * frl / total, 1)
        return None


def _school_id(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text.zfill(12) if text.isdigit() and len(text) == 11 else text


def _zip5(value: Any) -> str | None:
    text = str(value or "").strip()
    if text.isdigit() and len(text) < 5:
        text = text.zfill(5)  # a spreadsheet dropped the leading zero (Massachusetts: 02139)
    return text or None


def _title_i(value: Any) -> bool | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in {"yes", "y", "1", "true"} or text.startswith(("title i ", "swelig", "tgelgb")) and \
            "noprog" not in text:
        return True
    if text in {"no", "n", "2", "false", "nottitle1elig", "not a title i school"} or "noprog" in text:
        return False
    return None

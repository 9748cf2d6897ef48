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

import re
from pathlib import Path
from typing import Any

from kith.graph.errors import InputError
from kith.graph.geo import Geocoder
from kith.graph.model import School, SchoolKind, SchoolLevel
from kith.graph.store import GraphStore
from kith.ingest import _grades, _places, _text
from kith.ingest._colmap import ColumnMap, map_columns
from kith.ingest._load import Progress, build, finish, json_loads, read_bytes, read_rows, slug, tick
from kith.ingest.report import IngestReport, Ledger

FORMATS = ("nces", "csv", "geojson")
#: The key under which a GeoJSON feature's geometry travels with its properties.
GEOMETRY = "__geometry__"

ALIASES: dict[str, tuple[str, ...]] = {
    "id": (
        "id",
        "ncessch",
        "school_id",
        "nces_id",
        "ncessch_num",
        "sch_id",
        "school_code",
        "cds_code",
        "schoolid",
        "school_number",
        "campus_id",
        "site_id",
        "state_school_id",
        "st_schid",
    ),
    "name": (
        "name",
        "sch_name",
        "schnam",
        "school_name",
        "schoolname",
        "school",
        "campus_name",
        "facility_name",
        "facility",
        "site_name",
        "name_of_school",
    ),
    "district": ("district", "lea_name", "leanm", "district_name", "leaid", "school_district", "dist_name"),
    "lat": _places.LAT_COLUMNS,
    "lon": _places.LON_COLUMNS,
    "point": _places.POINT_COLUMNS,
    "level": ("level", "school_level", "sch_level", "level_", "schlevel", "lvl", "school_lev"),
    "kind": (
        "kind",
        "sch_type_text",
        "sch_type",
        "type",
        "school_type",
        "schtype",
        "category",
        "facility_type",
        "sch_type_desc",
    ),
    "charter": ("charter_text", "charter", "chartr", "charter_status"),
    "magnet": ("magnet_text", "magnet", "magnet_status"),
    "grades": (
        "grades",
        "grade_span",
        "gradespan",
        "grade_range",
        "grades_served",
        "grade_levels",
        "gradelevels",
        "grade",
        "grds",
        "gr_span",
    ),
    "grade_low": (
        "grade_low",
        "gslo",
        "lower_grade",
        "low_grade",
        "lowest_grade",
        "grade_lo",
        "lo_grade",
        "min_grade",
        "start_grade",
        "lowgrade",
        "gradelow",
    ),
    "grade_high": (
        "grade_high",
        "gshi",
        "upper_grade",
        "high_grade",
        "highest_grade",
        "grade_hi",
        "hi_grade",
        "max_grade",
        "end_grade",
        "highgrade",
        "gradehigh",
    ),
    "title_i": ("title_i", "titlei_status", "titlei_text", "titlei", "title1"),
    "enrollment": (
        "enrollment",
        "total",
        "member",
        "enrollment_total",
        "students",
        "tot_enroll",
        "enrollmnt",
        "enroll",
        "total_students",
        "total_enrollment",
        "enrolled",
        "student_count",
        "num_students",
        "membership",
        "tot_enrl",
        "total_enrolled",
        "enrolment",
        "student_enrollment",
        "pupils",
    ),
    "capacity": (
        "capacity",
        "school_capacity",
        "building_capacity",
        "cap",
        "seats",
        "max_capacity",
        "design_capacity",
        "program_capacity",
    ),
    "frl_pct": ("frl_pct", "frl_percent"),
    "frl_count": ("totfrl", "frl_count"),
    "address": (
        "address",
        "lstreet1",
        "street",
        "street_address",
        "location_address",
        "campus_address",
        "school_address",
        "addr",
        "address_1",
        "site_address",
    ),
    "city": ("city", "lcity"),
    "state": ("state", "lstate", "stabr"),
    "zip": ("zip", "lzip", "zipcode", "zip_code", "postal_code", "zip5"),
}
_COLUMNS_OF_MODEL = (
    "id",
    "name",
    "district",
    "lat",
    "lon",
    "level",
    "kind",
    "enrollment",
    "capacity",
    "title_i",
    "frl_pct",
    "grade_low",
    "grade_high",
)
_LEVELS = {
    "elementary": "elementary",
    "primary": "elementary",
    "other": "other",
    "1": "elementary",
    "e": "elementary",
    "middle": "middle",
    "2": "middle",
    "m": "middle",
    "junior high": "middle",
    "intermediate": "middle",
    "high": "high",
    "3": "high",
    "h": "high",
    "secondary": "high",
    "senior high": "high",
}
_KINDS = {
    "regular": "regular",
    "regular school": "regular",
    "1": "regular",
    "career and technical school": "regular",
    "3": "regular",
    "special": "special",
    "special education school": "special",
    "2": "special",
    "alternative": "alternative",
    "alternative education school": "alternative",
    "alternative school": "alternative",
    "4": "alternative",
    "charter": "charter",
}


def ingest_schools(
    path: Path,
    store: GraphStore | None,
    *,
    fmt: str | None = None,
    geocoder: Geocoder | None = None,
    column_map: ColumnMap | None = None,
    dry_run: bool = False,
    quarantine_dir: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Read, validate, geocode and upsert a schools file; return the ingest report.

    Parameters are those of :func:`kith.ingest.hsds.ingest_hsds`; ``fmt`` is one of ``FORMATS``;
    ``column_map`` says which column holds which field (see ``ingest/_colmap.py``).
    """
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown schools format {fmt!r}; use one of {', '.join(FORMATS)}")
    ledger = Ledger()
    if fmt == "geojson" or (fmt is None and path.suffix.lower() in (".geojson", ".json")):
        fmt, rows = "geojson", _geojson_rows(path, ledger)
        header = list(dict.fromkeys(k for _, _, cells in rows for k in cells))
    else:
        table = read_rows(path, ledger)
        rows = [(path.name, row, cells) for row, cells in table.rows]
        header = table.columns
        fmt = fmt or ("nces" if {"ncessch", "sch_name", "schnam"} & set(table.columns) else "csv")
    header, rows, columns = map_columns(column_map, "schools", ALIASES, header, rows)
    if "point" not in columns and not {"lat", "lon"} <= columns.keys():
        point = _places.find_point_column(header, (cells for _, _, cells in rows))
        if point is not None:
            columns["point"] = point
    nodes = _Schools(ledger, geocoder or Geocoder(), columns, nces=fmt == "nces").build(tick(progress, rows))
    return finish(
        ledger, store, nodes, [], source="schools", path=path, fmt=fmt, dry_run=dry_run, quarantine_dir=quarantine_dir
    )


def _geojson_rows(path: Path, ledger: Ledger) -> list[tuple[str, Any, dict[str, Any]]]:
    try:
        doc = json_loads(read_bytes(path).decode("utf-8-sig", errors="replace"), path.name)
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
        cells: dict[str, Any] = {
            re.sub(r"[\s\-./]+", "_", str(k).strip().lower()): (str(v).strip() or None) if v is not None else None
            for k, v in props.items()
        }
        geometry = feature.get("geometry")
        if isinstance(geometry, dict):
            if _places.geometry_point(geometry) is None:
                ledger.quarantine(table, table, where, "geometry", "not a point")
                continue
            cells[GEOMETRY] = geometry  # preferred over coordinate properties (see ingest/_places.py)
        rows.append((table, where, cells))
    return rows


class _Schools:
    def __init__(self, ledger: Ledger, geocoder: Geocoder, columns: dict[str, str], *, nces: bool) -> None:
        self.ledger, self.geocoder, self.columns, self.nces = ledger, geocoder, columns, nces

    def build(self, rows: Any) -> list[School]:
        by_id: dict[str, tuple[str, Any, School]] = {}
        columns = self.columns
        fields = {k: columns.get(k, k) for k in _COLUMNS_OF_MODEL}
        if "point" in columns:
            fields["lat"] = fields["lon"] = columns["point"]
        for table, row, cells in rows:
            data, problems = self._data(table, cells, columns)
            school, invalid = build(School, data, fields) if not problems else (None, [])
            problems += invalid
            if problems or school is None:
                self.ledger.reject(table, table, row, problems)
                continue
            earlier = by_id.get(school.id)
            if earlier is not None:
                self.ledger.quarantine(
                    earlier[0],
                    earlier[0],
                    earlier[1],
                    columns.get("id", "id"),
                    "duplicate id: a later row with the same id replaces this one",
                )
            by_id[school.id] = (table, row, school)
        return [school for _, _, school in by_id.values()]

    def _data(self, table: str, cells: dict[str, Any], columns: dict[str, str]) -> tuple[dict[str, Any], list]:
        get = {name: cells.get(column) for name, column in columns.items()}
        problems: list[tuple[str, str]] = []
        school_id = _school_id(get.get("id"))
        if school_id is not None and "E+" in school_id.upper():
            problems.append(
                (
                    columns.get("id", "id"),
                    "a spreadsheet turned this id into a number (scientific notation); export the column as text",
                )
            )
        if school_id is None and get.get("name"):
            school_id = derived_id("school", get.get("name"), get.get("address") or get.get("zip"))
        lat, lon, where = _places.place(get.get("lat"), get.get("lon"), get.get("point"), cells.get(GEOMETRY))
        if where is not None:
            fld = (
                "geometry"
                if cells.get(GEOMETRY)
                else columns.get("point") or f"{columns.get('lat', 'lat')},{columns.get('lon', 'lon')}"
            )
            problems.append((fld, where))
        elif cells.get(GEOMETRY) and get.get("lat") is not None:
            _, _, prop_problem = _places.place(get.get("lat"), get.get("lon"))
            p_lat, p_lon = _places.number(get.get("lat")), _places.number(get.get("lon"))
            if (
                prop_problem
                or p_lat is None
                or p_lon is None
                or lat is None
                or lon is None
                or abs(p_lat - lat) > 0.01
                or abs(p_lon - lon) > 0.01
            ):
                self.ledger.flag(table, "coordinate properties disagree with the geometry: the geometry is used")
        low, high = self._grades(get)
        kind, magnet = self._kind(table, get)
        data: dict[str, Any] = {
            "id": school_id,
            "name": get.get("name"),
            "district": get.get("district"),
            "lat": lat,
            "lon": lon,
            "level": self._level(table, get, low, high),
            "grade_low": low,
            "grade_high": high,
            "kind": kind,
            "magnet": magnet,
            "enrollment": self._count(get.get("enrollment")),
            "capacity": self._count(get.get("capacity")),
            "title_i": _title_i(get.get("title_i")),
            "frl_pct": get.get("frl_pct") if get.get("frl_pct") is not None else self._frl(get),
        }
        if data["lat"] is None and data["lon"] is None and where is None:
            address = ", ".join(str(get[k]) for k in ("address", "city", "state", "zip") if get.get(k))
            point = self.geocoder.locate(address or None, _zip5(get.get("zip")))
            if point is None:
                self.ledger.flag(table, "no coordinates and no address or ZIP to geocode: stored without a place")
            else:
                data["lat"], data["lon"] = round(point.lat, 6), round(point.lon, 6)
                self.ledger.flag(
                    table,
                    "no coordinates: geocoded from the address"
                    if point.precision == "rooftop"
                    else "no coordinates: placed at the ZIP centroid",
                )
        return {k: v for k, v in data.items() if v is not None}, problems

    @staticmethod
    def _grades(get: dict[str, Any]) -> tuple[str | None, str | None]:
        """Lowest and highest grade: from a span (grades or level column), else the two grade columns."""
        for name in ("grades", "level"):
            found = _grades.span(get.get(name))
            if found:
                return found
        low, high = _grades.grade(get.get("grade_low")), _grades.grade(get.get("grade_high"))
        if low and high and _grades.ORDER.index(low) > _grades.ORDER.index(high):
            return None, None
        return low, high

    def _level(self, table: str, get: dict[str, Any], low: str | None, high: str | None) -> str | None:
        """The level: the level column (code or words), else the grade span, else a type column's words."""
        value = get.get("level")
        if value is not None:
            text = str(value).strip().lower()
            if text in _LEVELS:
                return _LEVELS[text]
            level = _grades.level_of_text(text)
            if level is not None:
                return level
        if low and high:
            return _grades.level_of_span(low, high)
        level = _grades.level_of_text(get.get("kind"))
        if level is not None:
            return level
        if value is not None and not (
            self.nces and re.fullmatch(r"-\d+|n|m|not reported|not applicable", str(value).strip().lower())
        ):
            self.ledger.flag(table, f"level not recognised: stored as {SchoolLevel.OTHER.value}")
        return None

    def _kind(self, table: str, get: dict[str, Any]) -> tuple[str | None, bool | None]:
        charter = str(get.get("charter") or "").strip().lower()
        magnet_cell = get.get("magnet")
        magnet = None if magnet_cell is None else str(magnet_cell).strip().lower() in {"yes", "1", "y", "true"}
        if charter in {"yes", "1", "y", "true"}:
            return SchoolKind.CHARTER.value, magnet
        value = get.get("kind")
        if value is None:
            return None, magnet
        text = str(value).strip().lower()
        if text in _KINDS:
            return _KINDS[text], magnet
        kind, named_magnet = _grades.kind_of_text(text)
        magnet = magnet or named_magnet or None
        if kind is not None:
            return kind, magnet
        if _grades.level_of_text(text) is None and not (
            self.nces and re.fullmatch(r"-\d+|n|m|not reported|not applicable", text)
        ):
            self.ledger.flag(table, f"kind not recognised: stored as {SchoolKind.REGULAR.value}")
        return None, magnet

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


def derived_id(kind: str, name: Any, place: Any = None) -> str:
    """A stable id from a normalised name (and a place): the same on every run, for a file without ids."""
    return f"{kind}-" + slug(_text.fold(" ".join(str(p) for p in (name, place) if p)))


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
    if text in {"yes", "y", "1", "true"} or text.startswith(("title i ", "swelig", "tgelgb")) and "noprog" not in text:
        return True
    if text in {"no", "n", "2", "false", "nottitle1elig", "not a title i school"} or "noprog" in text:
        return False
    return None

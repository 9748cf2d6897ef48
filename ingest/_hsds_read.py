"""Reading an Open Referral HSDS export into canonical tables of records.

Three shapes arrive, all brought to the HSDS 3 table names (``organizations``,
``services``, ``locations``, ``addresses``, ``service_at_location``,
``phones``, ``languages``, ``schedules``, ``service_capacity``,
``cost_options``, ``taxonomy_terms``, ``attributes``, ``service_areas``, and the HSDS 1
``service_taxonomy`` and ``eligibility``):

- a tabular data package (a folder or ``.zip`` of CSV files, HSDS 3 or 1);
- HSDS 3 JSON as the API returns it (one object, a page of ``contents``, or
  the tabular form keyed by file name), nested objects flattened into tables;
- a folder of such JSON files.

A record is ``(table, file, row, cells)``: ``table`` is the name the report
uses (``services.csv``, ``service_full.json:services``), ``row`` the
spreadsheet row number or the JSON path of the object.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from kith.graph.errors import InputError
from kith.ingest import _datapackage
from kith.ingest._csv import read_csv
from kith.ingest._load import json_loads, open_zip, read_bytes
from kith.ingest.report import Ledger

Rec = tuple[str, str, "int | str", dict[str, Any]]

FORMATS = ("hsds3-csv", "hsds1-csv", "hsds3-json")

#: File stems (HSDS 3 and 1 spellings) → canonical table.
TABLES = {
    "organizations": "organizations",
    "organization": "organizations",
    "services": "services",
    "service": "services",
    "locations": "locations",
    "location": "locations",
    "service_at_location": "service_at_location",
    "services_at_location": "service_at_location",
    "service_at_locations": "service_at_location",
    "services_at_locations": "service_at_location",
    "addresses": "addresses",
    "address": "addresses",
    "physical_addresses": "addresses",
    "physical_address": "addresses",
    "phones": "phones",
    "phone": "phones",
    "languages": "languages",
    "language": "languages",
    "schedules": "schedules",
    "schedule": "schedules",
    "regular_schedules": "schedules",
    "regular_schedule": "schedules",
    "service_capacity": "service_capacity",
    "service_capacities": "service_capacity",
    "cost_options": "cost_options",
    "cost_option": "cost_options",
    "taxonomy_terms": "taxonomy_terms",
    "taxonomy_term": "taxonomy_terms",
    "taxonomy": "taxonomy_terms",
    "attributes": "attributes",
    "attribute": "attributes",
    "services_taxonomy": "service_taxonomy",
    "service_taxonomy": "service_taxonomy",
    "eligibility": "eligibility",
    "service_area": "service_areas",
    "service_areas": "service_areas",
}
_HSDS1_ONLY = {
    "services_at_location",
    "physical_addresses",
    "regular_schedules",
    "services_taxonomy",
    "taxonomy",
    "service_area",
}


@dataclass
class Package:
    """An HSDS export read into canonical tables."""

    format: str
    tables: dict[str, list[Rec]] = field(default_factory=dict)
    from_json: bool = False

    def add(self, canonical: str, rec: Rec) -> None:
        self.tables.setdefault(canonical, []).append(rec)


def detect(path: Path) -> str:
    """The HSDS format of ``path`` (see the module docstring).

    A ``datapackage.json`` anywhere in a folder or zip makes it a tabular
    package (never HSDS 3 JSON); its version says which, else its table names.
    """
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_file():
        suffix = path.suffix.lower()
        if path.name == _datapackage.DESCRIPTOR:
            return detect(path.parent)
        if suffix == ".json":
            return "hsds3-json"
        if suffix == ".zip":
            with _open_zip(path) as zf:
                member = _datapackage.find_in_zip(zf)
                if member is not None:
                    package = _datapackage.read_zip(zf, member)
                    stems = {PurePosixPath(name).stem.lower() for name, _ in _datapackage.zip_tables(zf, package)}
                    return _tabular_version(stems, package.hsds_major)
                names = [n for n in zf.namelist() if not n.startswith("__MACOSX")]
                return _tabular_version(
                    {PurePosixPath(n).stem.lower() for n in names if n.lower().endswith(".csv")}, None
                )
        raise InputError(f"{path}: give the folder or .zip of an HSDS package, or an HSDS .json file")
    descriptor = _package_in(path)
    if descriptor is not None:
        package = _datapackage.read_folder(descriptor)
        stems = {PurePosixPath(name).stem.lower() for name, _ in _datapackage.folder_tables(package)}
        return _tabular_version(stems, package.hsds_major)
    stems = {p.stem.lower() for p in path.glob("*.csv")}
    if stems & TABLES.keys():
        return _tabular_version(stems, None)
    if any(path.glob("*.json")):
        return "hsds3-json"
    raise InputError(f"{path}: no HSDS tables (services.csv, organizations.csv, ...) or .json files in this folder")


def _package_in(folder: Path) -> Path | None:
    """The folder's own ``datapackage.json``; else, when the folder itself holds no HSDS tables or JSON files,
    the shallowest one below it (the folder a download or a zip was unpacked into)."""
    if (folder / _datapackage.DESCRIPTOR).is_file():
        return folder / _datapackage.DESCRIPTOR
    if any(p.stem.lower() in TABLES for p in folder.glob("*.csv")) or any(folder.glob("*.json")):
        return None
    return _datapackage.find_in_folder(folder)


def _tabular_version(stems: set[str], major: int | None) -> str:
    if major == 1:
        return "hsds1-csv"
    if major == 3:
        return "hsds3-csv"
    return "hsds1-csv" if stems & _HSDS1_ONLY else "hsds3-csv"


def _open_zip(path: Path) -> zipfile.ZipFile:
    return open_zip(path)  # checked: what it unpacks to, in all and against its size


def read(path: Path, fmt: str, ledger: Ledger) -> Package:
    """Read ``path`` as ``fmt`` into a :class:`Package`, counting rows in ``ledger``."""
    package = Package(format=fmt)
    if fmt == "hsds3-json":
        package.from_json = True
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        for file in files:
            if file.name != "datapackage.json":
                _read_json(read_bytes(file, within=path if path.is_dir() else None), file.name, package, ledger)
    else:
        unused = []
        for name, data in _csv_files(path):
            canonical = TABLES.get(PurePosixPath(name).stem.lower())
            if canonical is None:
                unused.append(name)
                continue
            _read_table(data, name, canonical, package, ledger)
        if unused:
            ledger.notes.append("tables kith does not use: " + ", ".join(sorted(unused)))
    if not package.tables:
        raise InputError(f"{path}: nothing kith can read as HSDS ({fmt})")
    return package


def _csv_files(path: Path) -> Iterator[tuple[str, bytes]]:
    """(table name, bytes) of each CSV table; two tables of one file name (``a/organizations.csv``,
    ``b/organizations.csv``) are named by their paths, so the report and the quarantine tell them apart."""
    if path.is_file() and path.suffix.lower() == ".zip":
        with _open_zip(path) as zf:
            member = _datapackage.find_in_zip(zf)
            if member is not None:
                found = list(_datapackage.zip_tables(zf, _datapackage.read_zip(zf, member)))
            else:
                found = [
                    (PurePosixPath(name).name, name)
                    for name in sorted(zf.namelist())
                    if name.lower().endswith(".csv") and not name.startswith("__MACOSX")
                ]
            for name, inside in _by_path_when_names_repeat(found):
                yield name, zf.read(inside)
        return
    folder = path if path.is_dir() else path.parent
    descriptor = _package_in(folder)
    if descriptor is not None:
        tables = [(name, file) for name, file in _datapackage.folder_tables(_datapackage.read_folder(descriptor))]
        for name, file in _by_path_when_names_repeat(tables, folder):
            yield name, read_bytes(file, within=folder)
        return
    for file in sorted(folder.glob("*.csv")):
        yield file.name, read_bytes(file, within=folder)


def _by_path_when_names_repeat(found: list[tuple[str, Any]], folder: Path | None = None) -> list[tuple[str, Any]]:
    """``found`` with each name that more than one table has replaced by the table's path."""
    counts: dict[str, int] = {}
    for name, _ in found:
        counts[name] = counts.get(name, 0) + 1
    if all(n == 1 for n in counts.values()):
        return found
    named = []
    for name, where in found:
        if counts[name] > 1:
            name = (
                str(Path(where).relative_to(folder)) if folder is not None and isinstance(where, Path) else str(where)
            )
        named.append((name, where))
    return named


def _read_table(data: bytes, name: str, canonical: str, package: Package, ledger: Ledger) -> None:
    table = read_csv(data, name)
    ledger.table(name)
    ledger.read(name, table.rows_read)
    for row, reason in table.bad:
        ledger.quarantine(name, name, row, "", reason)
    for caveat in table.caveats:  # a last row that may be cut short
        ledger.flag(name, caveat)
    package.tables.setdefault(canonical, []).extend([(name, name, row, cells) for row, cells in table.rows])


# ------------------------------------------------------------------ JSON


def _read_json(data: bytes, file: str, package: Package, ledger: Ledger) -> None:
    try:
        doc = json_loads(data.decode("utf-8-sig", errors="replace"), file)
    except json.JSONDecodeError as exc:  # a ValueError: json_loads raises what json.loads does
        raise InputError(f"{file}: not valid JSON ({exc.msg}, line {exc.lineno})") from None

    def emit(canonical: str, where: str, cells: dict[str, Any]) -> None:
        table = f"{file}:{canonical}"
        ledger.read(table)
        package.add(canonical, (table, file, where or "/", cells))

    walker = _Walker(emit)
    kinds = walker.document(doc, "")
    if not kinds:
        ledger.notes.append(f"{file}: no HSDS services, organizations or locations in it")


def _scalars(obj: dict[str, Any]) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for key, value in obj.items():
        if isinstance(value, str):
            value = value.strip() or None
        elif isinstance(value, (dict, list)):
            continue
        cells[str(key).strip().lower()] = value
    return cells


def _items(value: Any) -> list[Any]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


class _Walker:
    """Flattens nested HSDS 3 JSON objects into canonical table rows."""

    def __init__(self, emit: Callable[[str, str, dict[str, Any]], None]) -> None:
        self.emit = emit

    def document(self, doc: Any, path: str) -> set[str]:
        if isinstance(doc, list):
            kinds: set[str] = set()
            for i, item in enumerate(doc):
                kinds |= self.document(item, f"{path}/{i}")
            return kinds
        if not isinstance(doc, dict):
            return set()
        kind = _kind(doc)
        if kind == "page":
            return self.document(doc["contents"], f"{path}/contents")
        if kind == "tabular":
            return self.tabular(doc, path)
        handler = getattr(self, kind, None) if kind else None
        if handler is None:
            return set()
        handler(doc, path)
        return {kind} if kind else set()  # (a handler means a kind)

    def tabular(self, doc: dict[str, Any], path: str) -> set[str]:
        kinds = set()
        for key, rows in doc.items():
            canonical = TABLES.get(PurePosixPath(str(key)).stem.lower())
            if canonical is None:
                continue
            kinds.add(canonical)
            for i, row in enumerate(_items(rows)):
                self.emit(canonical, f"{path}/{key}/{i}", _scalars(row))
        return kinds

    def service(self, obj: dict[str, Any], path: str, organization_id: Any = None) -> Any:
        cells = _scalars(obj)
        org = obj.get("organization")
        if isinstance(org, dict):
            cells["organization_id"] = self.organization(org, f"{path}/organization")
        elif organization_id is not None:
            cells["organization_id"] = organization_id
        self.emit("services", path, cells)
        sid = cells.get("id")
        for i, sal in enumerate(_items(obj.get("service_at_locations"))):
            self.service_at_location(sal, f"{path}/service_at_locations/{i}", service_id=sid)
        for key, table in (
            ("languages", "languages"),
            ("schedules", "schedules"),
            ("phones", "phones"),
            ("cost_options", "cost_options"),
            ("capacities", "service_capacity"),
        ):
            for i, child in enumerate(_items(obj.get(key))):
                self.emit(table, f"{path}/{key}/{i}", {**_scalars(child), "service_id": sid})
        for i, area in enumerate(_items(obj.get("service_areas"))):
            area_cells = _scalars(area)
            if isinstance(area.get("extent"), (dict, list)):  # GeoJSON given as an object, not as text
                area_cells["extent"] = json.dumps(area["extent"])
            self.emit("service_areas", f"{path}/service_areas/{i}", {**area_cells, "service_id": sid})
        for i, attribute in enumerate(_items(obj.get("attributes"))):
            self.attribute(attribute, f"{path}/attributes/{i}", sid)
        for i, term in enumerate(_items(obj.get("taxonomy_terms"))):
            term_cells = self.taxonomy_term(term, f"{path}/taxonomy_terms/{i}")
            self.emit(
                "attributes", f"{path}/taxonomy_terms/{i}", {"link_id": sid, "taxonomy_term_id": term_cells.get("id")}
            )
        return sid

    def organization(self, obj: dict[str, Any], path: str) -> Any:
        cells = _scalars(obj)
        self.emit("organizations", path, cells)
        oid = cells.get("id")
        for i, service in enumerate(_items(obj.get("services"))):
            self.service(service, f"{path}/services/{i}", organization_id=oid)
        for i, location in enumerate(_items(obj.get("locations"))):
            self.location(location, f"{path}/locations/{i}", organization_id=oid)
        for i, phone in enumerate(_items(obj.get("phones"))):
            self.emit("phones", f"{path}/phones/{i}", {**_scalars(phone), "organization_id": oid})
        return oid

    def location(self, obj: dict[str, Any], path: str, organization_id: Any = None) -> Any:
        cells = _scalars(obj)
        if organization_id is not None:
            cells["organization_id"] = organization_id
        self.emit("locations", path, cells)
        lid = cells.get("id")
        for key, table in (("addresses", "addresses"), ("languages", "languages"), ("schedules", "schedules")):
            for i, child in enumerate(_items(obj.get(key))):
                self.emit(table, f"{path}/{key}/{i}", {**_scalars(child), "location_id": lid})
        return lid

    def service_at_location(self, obj: dict[str, Any], path: str, service_id: Any = None) -> Any:
        cells = _scalars(obj)
        if isinstance(obj.get("location"), dict):
            cells["location_id"] = self.location(obj["location"], f"{path}/location")
        if isinstance(obj.get("service"), dict):
            cells["service_id"] = self.service(obj["service"], f"{path}/service")
        elif service_id is not None:
            cells["service_id"] = service_id
        self.emit("service_at_location", path, cells)
        for i, child in enumerate(_items(obj.get("schedules"))):
            self.emit(
                "schedules",
                f"{path}/schedules/{i}",
                {
                    **_scalars(child),
                    "service_at_location_id": cells.get("id"),
                    "service_id": cells.get("service_id"),
                    "location_id": cells.get("location_id"),
                },
            )
        return cells.get("id")

    def attribute(self, obj: dict[str, Any], path: str, link_id: Any) -> None:
        cells = _scalars(obj)
        term = obj.get("taxonomy_term")
        if isinstance(term, dict):
            cells["taxonomy_term_id"] = self.taxonomy_term(term, f"{path}/taxonomy_term").get("id")
        cells["link_id"] = link_id
        self.emit("attributes", path, cells)

    def taxonomy_term(self, obj: dict[str, Any], path: str) -> dict[str, Any]:
        cells = _scalars(obj)
        detail = obj.get("taxonomy_detail")
        if isinstance(detail, dict) and not cells.get("taxonomy"):
            cells["taxonomy"] = detail.get("name")
        self.emit("taxonomy_terms", path, cells)
        return cells


def _kind(doc: dict[str, Any]) -> str | None:
    """What an HSDS JSON object is, from the keys it has."""
    keys = doc.keys()
    if isinstance(doc.get("contents"), list):
        return "page"
    if any(str(k).endswith(".csv") for k in keys):
        return "tabular"
    if "service" in keys and "location" in keys:
        return "service_at_location"
    if "service_at_locations" in keys or "status" in keys or "organization" in keys:
        return "service"
    if keys & {"services", "legal_status", "tax_status", "year_incorporated", "website"}:
        return "organization"
    if keys & {"latitude", "longitude", "addresses", "location_type"}:
        return "location"
    if "code" in keys and keys & {"taxonomy", "taxonomy_detail", "term_uri", "taxonomy_id"}:
        return "taxonomy_term"
    return None

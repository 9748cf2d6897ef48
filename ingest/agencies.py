"""Ingest a plain agencies / sites / services CSV, for coalitions without an
HSDS export.

Columns (only ``agency_id`` and ``agency_name`` are required, so a row may
describe an agency with no site or service yet)::

    agency_id, agency_name, agency_kind, phone, website,
    site_id, site_name, lat, lon, address, zip,
    service_id, service_name, need, capacity, waitlist, languages, cost,
    min_age, max_age, eligibility, hours

A row describes one agency, at most one site and one service; several rows
with the same ``agency_id`` describe its several sites and services. A row
is loaded or quarantined whole. Without a ``site_id`` a site's id is made from
the agency and the address; without a ``service_id`` a service's id is made
from the agency and the service name. ``need`` holds kith need codes or
taxonomy terms (``;`` or ``|`` between several).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kith.graph.geo import Geocoder
from kith.graph.model import Addresses, Agency, DeliveredAt, Node, Offers, Rel, Service, Site
from kith.graph.store import GraphStore
from kith.ingest._load import Progress, build, coordinate, finish, missing_columns, read_rows, resolve, slug, split_list, tick
from kith.ingest._taxonomy import TaxonomyMap, taxonomy_map
from kith.ingest.report import IngestReport, Ledger

ALIASES: dict[str, tuple[str, ...]] = {
    "agency_id": ("agency_id", "organization_id", "org_id", "provider_id"),
    "agency_name": ("agency_name", "organization_name", "org_name", "provider_name", "agency"),
    "agency_kind": ("agency_kind", "kind", "agency_type", "type"),
    "phone": ("phone", "telephone", "phone_number"),
    "website": ("website", "url", "web"),
    "site_id": ("site_id", "location_id"),
    "site_name": ("site_name", "location_name", "site"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "longitude", "lng", "long", "x"),
    "address": ("address", "street_address", "street", "site_address"),
    "zip": ("zip", "zipcode", "zip_code", "postal_code"),
    "service_id": ("service_id", "program_id"),
    "service_name": ("service_name", "service", "program_name", "program"),
    "need": ("need", "needs", "need_type", "category", "categories", "taxonomy"),
    "capacity": ("capacity", "slots", "seats"),
    "waitlist": ("waitlist", "wait_list", "waiting_list"),
    "languages": ("languages", "language"),
    "cost": ("cost", "fee", "fees", "cost_type"),
    "min_age": ("min_age", "minimum_age", "age_min"),
    "max_age": ("max_age", "maximum_age", "age_max"),
    "eligibility": ("eligibility", "eligibility_description"),
    "hours": ("hours", "opening_hours", "schedule"),
}
_COSTS = {"free": "free", "no cost": "free", "none": "free", "0": "free", "$0": "free", "sliding": "sliding",
          "sliding scale": "sliding", "sliding fee": "sliding", "fee": "fee", "paid": "fee", "fee for service": "fee"}


def ingest_agencies(
    path: Path,
    store: GraphStore | None,
    *,
    geocoder: Geocoder | None = None,
    taxonomy: TaxonomyMap | None = None,
    dry_run: bool = False,
    quarantine_dir: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Read, validate, geocode and upsert an agencies CSV; return the ingest report.

    Raises
    ------
    InputError
        When ``agency_id`` or ``agency_name`` is not a column.
    """
    path = Path(path)
    ledger = Ledger()
    table = read_rows(path, ledger)
    columns = resolve(table.columns, ALIASES)
    missing_columns(columns, ("agency_id", "agency_name"), ALIASES, path.name)
    rows = _last_wins(table.rows, columns, ledger, path.name)
    nodes, rels = _Rows(ledger, path.name, columns, geocoder or Geocoder(), taxonomy or taxonomy_map()).build(
        tick(progress, rows))
    return finish(ledger, store, nodes, rels, source="agencies", path=path, fmt="csv", dry_run=dry_run,
                  quarantine_dir=quarantine_dir)


def _last_wins(rows: list[tuple[int, dict[str, Any]]], columns: dict[str, str], ledger: Ledger, file: str
               ) -> list[tuple[int, dict[str, Any]]]:
    """Rows by (agency, site, service): a repeat replaces the earlier row, which is quarantined."""
    keyed: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}
    for row, cells in rows:
        key = tuple(cells.get(columns[k]) if k in columns else None
                    for k in ("agency_id", "site_id", "service_id", "service_name", "address"))
        if key[0] is not None and key in keyed:
            ledger.quarantine(file, file, keyed[key][0], columns["agency_id"],
                              "duplicate row for the same agency, site and service: a later row replaces it")
        keyed[key] = (row, cells)
    return sorted(keyed.values(), key=lambda item: item[0])


class _Rows:
    def __init__(self, ledger: Ledger, file: str, columns: dict[str, str], geocoder: Geocoder,
                 taxonomy: TaxonomyMap) -> None:
        self.ledger, self.file, self.columns = ledger, file, columns
        self.geocoder, self.taxonomy = geocoder, taxonomy
        self.nodes: list[Node] = []
        self.rels: list[Rel] = []

    def build(self, rows: Any) -> tuple[list[Node], list[Rel]]:
        for row, cells in rows:
            get = {name: cells.get(column) for name, column in self.columns.items()}
            made, problems = self._row(get)
            if problems:
                self.ledger.reject(self.file, self.file, row, problems)
                continue
            nodes, rels = made
            self.nodes.extend(nodes)
            self.rels.extend(rels)
        return self.nodes, self.rels

    def _row(self, get: dict[str, Any]) -> tuple[Any, list[tuple[str, str]]]:
        col = self.columns
        agency, problems = build(Agency, _present(id=get.get("agency_id"), name=get.get("agency_name"),
                                                  kind=get.get("agency_kind"), phone=get.get("phone"),
                                                  website=get.get("website")),
                                 {"id": col["agency_id"], "name": col["agency_name"]})
        agency_id = str(get.get("agency_id") or "").strip()
        site, site_problems = self._site(agency_id, get)
        service, service_problems = self._service(agency_id, get)
        problems += site_problems + service_problems
        if problems or agency is None:
            return None, problems
        nodes: list[Node] = [agency]
        rels: list[Rel] = []
        if site is not None:
            nodes.append(site)
        if service is not None:
            nodes.append(service)
            rels.append(Offers(source=agency.id, target=service.id))
            if site is not None:
                rels.append(DeliveredAt(source=service.id, target=site.id))
            rels.extend(Addresses(source=service.id, target=need) for need in self._needs(get.get("need")))
        return (nodes, rels), []

    def _site(self, agency_id: str, get: dict[str, Any]) -> tuple[Site | None, list[tuple[str, str]]]:
        if not any(get.get(k) for k in ("site_id", "site_name", "lat", "lon", "address", "zip")):
            return None, []
        zip_code = get.get("zip")
        if zip_code and str(zip_code).isdigit() and len(str(zip_code)) < 5:
            zip_code = str(zip_code).zfill(5)
        place = get.get("address") or zip_code or f"{get.get('lat')},{get.get('lon')}"
        data = _present(
            id=get.get("site_id") or f"{agency_id}/site/{slug(str(place))}",
            name=get.get("site_name") or get.get("address") or get.get("agency_name"),
            address=get.get("address"), zip=zip_code,
            lat=coordinate(get.get("lat")), lon=coordinate(get.get("lon")),
        )
        if "lat" not in data and "lon" not in data:
            point = self.geocoder.locate(get.get("address"), zip_code)
            if point is None:
                self.ledger.flag(self.file, "site without coordinates, address or ZIP: stored without a place")
            else:
                data.update(lat=round(point.lat, 6), lon=round(point.lon, 6), geocode_precision=point.precision)
                self.ledger.flag(self.file, "site without coordinates: geocoded from the address"
                                 if point.precision == "rooftop" else "site without coordinates: at the ZIP centroid")
        return build(Site, data, {k: self.columns.get(k, k) for k in ("lat", "lon", "zip", "address")}
                     | {"id": self.columns.get("site_id", "site_id"), "name": self.columns.get("site_name", "site_name")})

    def _service(self, agency_id: str, get: dict[str, Any]) -> tuple[Service | None, list[tuple[str, str]]]:
        if not any(get.get(k) for k in ("service_id", "service_name")):
            return None, []
        name = get.get("service_name") or get.get("service_id")
        cost = get.get("cost")
        data = _present(
            id=get.get("service_id") or f"{agency_id}/{slug(str(name))}", name=name,
            capacity=get.get("capacity"), waitlist=get.get("waitlist"),
            cost=_COSTS.get(str(cost).strip().lower(), cost) if cost is not None else None,
            languages=tuple(split_list(get.get("languages"))) or None,
            min_age=get.get("min_age"), max_age=get.get("max_age"),
            eligibility=get.get("eligibility"), hours=get.get("hours"),
        )
        return build(Service, data, {k: self.columns.get(k, k) for k in data}
                     | {"id": self.columns.get("service_id", "service_id"),
                        "name": self.columns.get("service_name", "service_name")})

    def _needs(self, value: Any) -> list[str]:
        needs: list[str] = []
        for term in split_list(value if value is None else str(value).replace(",", ";")):
            found = self.taxonomy.needs(term if term.isupper() else None, term)
            if not found:
                self.ledger.unmapped[term] += 1
            needs.extend(found)
        return list(dict.fromkeys(needs))


def _present(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}

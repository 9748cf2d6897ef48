"""Ingest a plain agencies / sites / services CSV, for coalitions without an
HSDS export, and the denormalised provider exports directories keep.

Columns (``agency_id`` or ``agency_name`` is required, so a row may describe
an agency with no site or service yet)::

    agency_id, agency_name, agency_kind, parent_agency, phone, website, contact, email,
    site_id, site_name, lat, lon (or one point column), address, city, state, zip,
    service_id, service_name, description, need, capacity, waitlist, languages, cost,
    min_age, max_age, ages, eligibility, hours

A row describes one agency, at most one site and one service; rows that
repeat an agency, site or service (one row per provider × address × contact ×
service code) become one agency, one site and one service, with their
phones, contacts, hours, languages, needs and sites merged (``ingest/_merge.py``).
Without ids, an agency's id is made from its normalised name, a site's from
the agency and the address, a service's from the agency and the service
name: the same on every run. A row is loaded or quarantined whole. ``need``
holds kith need codes or taxonomy terms (``;`` or ``|`` between several); a
column map's ``need_flags`` add to it. A ``parent_agency`` (an id or a name)
becomes a ``COLLABORATES_WITH {kind: "parent"}`` tie to that agency.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from kith.graph import languages
from kith.graph.geo import Geocoder
from kith.graph.model import Addresses, Agency, CollaboratesWith, DeliveredAt, Label, Node, Offers, Rel, Service, Site
from kith.graph.store import GraphStore
from kith.ingest import _places, _text
from kith.ingest._colmap import ColumnMap, map_columns
from kith.ingest._load import Progress, build, missing_columns, report, slug, split_list, stream_rows, tick
from kith.ingest._merge import NOTHING_NEW, StagedMerge
from kith.ingest._taxonomy import TaxonomyMap, looks_like_code, taxonomy_map
from kith.ingest.report import IngestReport, Ledger

ALIASES: dict[str, tuple[str, ...]] = {
    "agency_id": (
        "agency_id",
        "organization_id",
        "org_id",
        "provider_id",
        "provider_number",
        "agency_number",
        "provider_no",
        "org_number",
        "providerid",
        "agencyid",
    ),
    "agency_name": (
        "agency_name",
        "organization_name",
        "org_name",
        "provider_name",
        "agency",
        "provider",
        "organization",
        "agencyname",
        "providername",
        "name_of_agency",
    ),
    "agency_kind": ("agency_kind", "kind", "agency_type", "type", "provider_type", "organization_type"),
    "parent_agency": (
        "parent_agency",
        "parent_organization",
        "parent_org",
        "parent",
        "parent_name",
        "parent_organization_name",
        "parent_agency_name",
        "parent_agency_id",
        "parent_id",
        "umbrella_organization",
    ),
    "phone": (
        "phone",
        "telephone",
        "phone_number",
        "main_phone",
        "phone_1",
        "phone1",
        "telephone_number",
        "site_phone",
        "agency_phone",
    ),
    "website": ("website", "url", "web", "web_site", "website_url", "homepage"),
    "contact": ("contact", "contact_name", "contact_person", "contact_full_name"),
    "contact_title": ("contact_title", "title", "contact_role"),
    "email": ("email", "contact_email", "e_mail", "email_address"),
    "site_id": ("site_id", "location_id", "site_number", "location_number"),
    "site_name": ("site_name", "location_name", "site", "location_title"),
    "lat": _places.LAT_COLUMNS,
    "lon": _places.LON_COLUMNS,
    "point": _places.POINT_COLUMNS,
    "address": (
        "address",
        "street_address",
        "street",
        "site_address",
        "address_1",
        "address1",
        "street_1",
        "physical_address",
        "location_address",
        "site_street",
    ),
    "city": ("city", "site_city", "town", "municipality"),
    "state": ("state", "site_state", "state_province", "st"),
    "zip": ("zip", "zipcode", "zip_code", "postal_code", "site_zip", "zip5", "postal"),
    "service_id": ("service_id", "program_id"),
    "service_name": ("service_name", "service", "program_name", "program", "service_title", "program_title"),
    "description": ("description", "service_description", "program_description", "details"),
    "need": (
        "need",
        "needs",
        "need_type",
        "category",
        "categories",
        "taxonomy",
        "service_code",
        "taxonomy_code",
        "airs_code",
        "taxonomy_term",
        "taxonomy_codes",
        "service_codes",
        "service_type",
        "service_category",
    ),
    "capacity": ("capacity", "slots", "seats"),
    "waitlist": ("waitlist", "wait_list", "waiting_list"),
    "languages": ("languages", "language", "languages_spoken", "language_spoken", "languages_offered"),
    "cost": ("cost", "fee", "fees", "cost_type", "fee_structure", "fees_description", "payment"),
    "min_age": ("min_age", "minimum_age", "age_min"),
    "max_age": ("max_age", "maximum_age", "age_max"),
    "ages": ("ages", "age_range", "age_group", "ages_served", "age", "age_requirements"),
    "eligibility": ("eligibility", "eligibility_description", "who_is_eligible", "target_population"),
    "hours": ("hours", "opening_hours", "schedule", "hours_of_operation", "office_hours"),
}
_COSTS = {
    "free": "free",
    "no cost": "free",
    "none": "free",
    "0": "free",
    "$0": "free",
    "sliding": "sliding",
    "sliding scale": "sliding",
    "sliding fee": "sliding",
    "fee": "fee",
    "paid": "fee",
    "fee for service": "fee",
}
_SITE_FIELDS = ("site_id", "site_name", "lat", "lon", "point", "address", "zip")


def ingest_agencies(
    path: Path,
    store: GraphStore | None,
    *,
    geocoder: Geocoder | None = None,
    taxonomy: TaxonomyMap | None = None,
    column_map: ColumnMap | None = None,
    dry_run: bool = False,
    quarantine_dir: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Read, validate, geocode, merge and upsert an agencies CSV; return the ingest report.

    ``column_map`` says which column holds which field (``ingest/_colmap.py``).

    Raises
    ------
    InputError
        When neither ``agency_id`` nor ``agency_name`` is a column (or the map does not fit the file).
    """
    path = Path(path)
    ledger = Ledger()
    staged = StagedMerge(store, dry_run=dry_run)
    with stream_rows(path, ledger) as reader:
        rows: Iterator[tuple[int, dict[str, Any]]] = iter(reader)
        first = list(islice(rows, _SAMPLE))  # what finds a point column; the rest streams past a chunk at a time
        header, first, columns = map_columns(column_map, "agencies", ALIASES, reader.columns, first)
        if column_map is not None:
            rows = ((row, column_map.apply(cells)) for row, cells in rows)
        if "agency_name" in columns and "agency_id" not in columns:
            columns["agency_id"] = columns["agency_name"]  # ids from the normalised name (see _agency_id)
        missing_columns(columns, ("agency_id", "agency_name"), ALIASES, path.name)
        if "point" not in columns and not {"lat", "lon"} <= columns.keys():
            point = _places.find_point_column(header, (cells for _, cells in first))
            if point is not None:
                columns["point"] = point
        builder = _Rows(ledger, path.name, columns, geocoder or Geocoder(), taxonomy or taxonomy_map(), staged)
        builder.read(tick(progress, chain(first, rows)))
    builder.finish()
    return report(
        ledger,
        None if dry_run or store is None else staged.written,
        staged.validated,
        source="agencies",
        path=path,
        fmt="csv",
        dry_run=dry_run,
        quarantine_dir=quarantine_dir,
    )


#: Rows read before the rest, to find a column of whole points.
_SAMPLE = 20


class _Rows:
    def __init__(
        self,
        ledger: Ledger,
        file: str,
        columns: dict[str, str],
        geocoder: Geocoder,
        taxonomy: TaxonomyMap,
        merged: StagedMerge,
    ) -> None:
        self.ledger, self.file, self.columns = ledger, file, columns
        self.geocoder, self.taxonomy = geocoder, taxonomy
        self.derived_ids = columns["agency_id"] == columns.get("agency_name")
        self.merged = merged
        self.parents: list[tuple[str, str]] = []  # (agency id, parent as written)
        self.with_terms: set[str] = set()
        self.with_needs: set[str] = set()
        self.relevant: set[str] = set()

    def read(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """Validate each row and hand it to the merge, which writes a chunk of rows at a time."""
        for row, cells in rows:
            get = {name: cells.get(column) for name, column in self.columns.items()}
            made, problems = self._row(get)
            if problems:
                self.ledger.reject(self.file, self.file, row, problems)
                continue
            self.merged.add(*made)

    def finish(self) -> None:
        """Write the last chunk, then the parent ties; count the caveats and the taxonomy's coverage."""
        self.merged.flush()
        self._parents()
        self.merged.flush()
        if self.merged.repeats:
            self.ledger.flag(self.file, NOTHING_NEW, self.merged.repeats)
        for caveat, n in self.merged.conflicts.items():
            self.ledger.flag(self.file, caveat, n)
        if self.with_terms:
            self.ledger.coverage["services with a taxonomy term"] += len(self.with_terms)
            self.ledger.coverage["services with a need"] += len(self.with_needs & self.with_terms)
        if self.relevant:
            self.ledger.coverage["services under a support-relevant AIRS branch"] += len(self.relevant)
            self.ledger.coverage["of those, services with a need"] += len(self.relevant & self.with_needs)

    def _agency_id(self, get: dict[str, Any]) -> str:
        if self.derived_ids:
            return agency_id_of(get.get("agency_name"))
        return str(get.get("agency_id") or "").strip()

    def _row(self, get: dict[str, Any]) -> tuple[Any, list[tuple[str, str]]]:
        col = self.columns
        agency_id = self._agency_id(get)
        contact = ", ".join(str(get[k]) for k in ("contact", "contact_title", "email") if get.get(k)) or None
        agency, problems = build(
            Agency,
            _present(
                id=agency_id or None,
                name=get.get("agency_name"),
                kind=get.get("agency_kind"),
                phone=get.get("phone"),
                website=get.get("website"),
                contacts=contact,
            ),
            {"id": col["agency_id"], "name": col.get("agency_name", "agency_name")},
        )
        site, site_problems = self._site(agency_id, get)
        service, service_problems = self._service(agency_id, get)
        problems += site_problems + service_problems
        if problems or agency is None:
            return None, problems
        nodes: list[Node] = [agency]
        rels: list[Rel] = []
        if get.get("parent_agency"):
            self.parents.append((agency.id, str(get["parent_agency"]).strip()))
        if site is not None:
            nodes.append(site)
        if service is not None:
            nodes.append(service)
            rels.append(Offers(source=agency.id, target=service.id))
            if site is not None:
                rels.append(DeliveredAt(source=service.id, target=site.id))
            needs = self._needs(service.id, get.get("need"))
            rels.extend(Addresses(source=service.id, target=need) for need in needs)
        return (nodes, rels), []

    def _site(self, agency_id: str, get: dict[str, Any]) -> tuple[Site | None, list[tuple[str, str]]]:
        if not any(get.get(k) for k in _SITE_FIELDS):
            return None, []
        zip_code = get.get("zip")
        if zip_code and str(zip_code).isdigit() and len(str(zip_code)) < 5:
            zip_code = str(zip_code).zfill(5)
        elif zip_code and re.fullmatch(r"\d{5}-\d{4}", str(zip_code)):
            zip_code = str(zip_code)[:5]
        lat, lon, where = _places.place(get.get("lat"), get.get("lon"), get.get("point"))
        if where is not None:
            fld = self.columns.get("point") or f"{self.columns.get('lat', 'lat')},{self.columns.get('lon', 'lon')}"
            return None, [(fld, where)]
        address = get.get("address")
        if address and get.get("city") and str(get["city"]).lower() not in str(address).lower():
            address = ", ".join(str(p) for p in (address, get.get("city"), get.get("state")) if p)
        place = get.get("address") or zip_code or f"{lat},{lon}"
        data = _present(
            id=get.get("site_id") or f"{agency_id}/site/{slug(_normal_address(str(place)))}",
            name=get.get("site_name") or get.get("address") or get.get("agency_name"),
            address=address,
            zip=zip_code,
            lat=lat,
            lon=lon,
        )
        if "lat" not in data and "lon" not in data:
            point = self.geocoder.locate(address, zip_code)
            if point is None:
                self.ledger.flag(self.file, "site without coordinates, address or ZIP: stored without a place")
            else:
                data.update(lat=round(point.lat, 6), lon=round(point.lon, 6), geocode_precision=point.precision)
                self.ledger.flag(
                    self.file,
                    "site without coordinates: geocoded from the address"
                    if point.precision == "rooftop"
                    else "site without coordinates: at the ZIP centroid",
                )
        return build(
            Site,
            data,
            {k: self.columns.get(k, k) for k in ("lat", "lon", "zip", "address")}
            | {"id": self.columns.get("site_id", "site_id"), "name": self.columns.get("site_name", "site_name")},
        )

    def _service(self, agency_id: str, get: dict[str, Any]) -> tuple[Service | None, list[tuple[str, str]]]:
        if not any(get.get(k) for k in ("service_id", "service_name")):
            return None, []
        name = get.get("service_name") or get.get("service_id")
        cost = get.get("cost")
        spoken, note = languages.parse_all([get.get("languages")])
        ages = _text.ages(get.get("ages")) if get.get("ages") else None
        low = get.get("min_age") if get.get("min_age") is not None else (ages[0] if ages else None)
        high = get.get("max_age") if get.get("max_age") is not None else (ages[1] if ages else None)
        if get.get("ages") and ages is None:
            self.ledger.flag(self.file, "ages: not read from the text (kept unknown)")
        eligibility = [get.get("eligibility")]
        for term in split_list(str(get.get("need") or "").replace(",", ";")):
            population = self.taxonomy.population(term if looks_like_code(term) else None, term)
            if population is None:
                continue
            if population == (None, None) or low is not None or high is not None:
                eligibility.append(term)
            else:
                low, high = population
        data = _present(
            id=get.get("service_id") or f"{agency_id}/{slug(_text.fold(str(name)))}",
            name=name,
            description=get.get("description"),
            capacity=get.get("capacity"),
            waitlist=get.get("waitlist"),
            cost=_COSTS.get(str(cost).strip().lower(), _text.cost(str(cost)) or cost) if cost is not None else None,
            languages=spoken or None,
            language_note=note,
            min_age=low,
            max_age=high,
            eligibility="; ".join(dict.fromkeys(filter(None, eligibility))) or None,
            hours=get.get("hours"),
        )
        return build(
            Service,
            data,
            {k: self.columns.get(k, k) for k in data}
            | {
                "id": self.columns.get("service_id", "service_id"),
                "name": self.columns.get("service_name", "service_name"),
                "languages": self.columns.get("languages", "languages"),
                "min_age": self.columns.get("min_age", self.columns.get("ages", "min_age")),
                "max_age": self.columns.get("max_age", self.columns.get("ages", "max_age")),
            },
        )

    def _needs(self, service_id: str, value: Any) -> list[str]:
        needs: list[str] = []
        for term in split_list(value if value is None else str(value).replace(",", ";")):
            code = term if looks_like_code(term) else None
            found = self.taxonomy.needs(code, term)
            if self.taxonomy.is_population(code, term):
                continue
            self.with_terms.add(service_id)
            if not found:
                self.ledger.unmapped[term] += 1
            needs.extend(found)
        if needs:
            self.with_needs.add(service_id)
        if any(self.taxonomy.support_relevant(t) for t in split_list(str(value or "").replace(",", ";"))):
            self.relevant.add(service_id)
        return list(dict.fromkeys(needs))

    def _parents(self) -> None:
        """``COLLABORATES_WITH {kind: "parent"}`` to each parent: an agency of the file (by id or name), else a new one."""
        if not self.parents:
            return
        names = {agency: name or "" for agency, name in self.merged.values(Label.AGENCY.value, "name")}
        by_name = {_normal_name(names[child]): child for child, _ in self.parents if child in names}
        for agency, name in names.items():
            by_name.setdefault(_normal_name(name), agency)
        del names
        for child, parent in self.parents:
            target = parent if self.merged.has("Agency", parent) else by_name.get(_normal_name(parent))
            if target is None:
                target = agency_id_of(parent)
                if not self.merged.has("Agency", target):
                    self.merged.add([Agency(id=target, name=parent)], [], row=False)
                    self.ledger.flag(self.file, "parent organisation not in the file: added as an agency by its name")
            if target != child:
                self.merged.add([], [CollaboratesWith(source=child, target=target, kind="parent")], row=False)


def agency_id_of(name: Any) -> str:
    """The id of an agency known only by its name: its normalised name, the same on every run."""
    return "agency-" + slug(_normal_name(str(name or "")))


_LEGAL = re.compile(r"\b(inc|incorporated|llc|ltd|corp|corporation)\b\.?|^the\s+", re.IGNORECASE)


def _normal_name(text: str) -> str:
    return " ".join(_LEGAL.sub(" ", _text.fold(text).lower().replace("&", " and ")).split()).strip(" ,.")


_STREET = {
    "street": "st",
    "avenue": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "suite": "ste",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "place": "pl",
    "court": "ct",
    "lane": "ln",
}


def _normal_address(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", _text.fold(text).lower())
    return " ".join(_STREET.get(w, w) for w in words)


def _present(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}

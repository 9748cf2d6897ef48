"""HSDS tables → kith nodes and relationships, every row accounted for.

Rules, as the ingest report states them:

- entity tables (organizations, services, locations, taxonomy terms) are
  keyed by id; a duplicate id keeps the last row that loads (a later row that
  fails is quarantined with its own reasons) and quarantines the earlier
  ones as replaced (JSON repeats the same object when it nests it: identical repeats are
  merged, not reported);
- a row whose foreign key points nowhere is quarantined with that reason,
  except a service whose organization is missing or was rejected: the service
  is kept, offered by a placeholder agency (``placeholder=True``), and flagged;
- a child row (language, schedule, capacity, ...) of a parent that was not
  loaded is quarantined, saying so;
- inactive and defunct services are not loaded (they are not offered);
- a location without coordinates is geocoded from its address or ZIP;
- a location marked ``confidential`` (a shelter's) is not stored: quarantined
  with that reason, its services loaded and found by their service area;
- a service area row (HSDS 1 ``service_area``, HSDS 3 ``service_areas``) gives
  ZIP codes, a named place or county (resolved to its ZIP codes) or a GeoJSON
  extent; one that cannot be read is quarantined, its service still loads.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kith.graph import areas, languages
from kith.graph.geo import Geocoder, find_zip
from kith.graph.model import Addresses, Agency, DeliveredAt, Node, Offers, Rel, Service, Site
from kith.ingest import _text
from kith.ingest._hsds_read import Package, Rec
from kith.ingest._load import Progress, build, coordinate, tick
from kith.ingest._taxonomy import TaxonomyMap, looks_like_code
from kith.ingest.report import Ledger

_POPULATION = "population"
DUPLICATE = "duplicate id: a later row with the same id replaces this one"
_SITE_COLUMNS = {"lat": "latitude", "lon": "longitude", "zip": "postal_code", "name": "name"}
_SERVICE_COLUMNS = {"min_age": "minimum_age", "max_age": "maximum_age", "name": "name"}
_INACTIVE = {"inactive", "defunct"}
_YES = {"true", "yes", "y", "1", "t"}
CONFIDENTIAL = "a confidential location: not stored (its services are found by their service area)"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = (
    {d.lower(): d for d in _DAYS}
    | {
        "mo": "Mon",
        "tu": "Tue",
        "we": "Wed",
        "th": "Thu",
        "fr": "Fri",
        "sa": "Sat",
        "su": "Sun",
        "monday": "Mon",
        "tuesday": "Tue",
        "wednesday": "Wed",
        "thursday": "Thu",
        "friday": "Fri",
        "saturday": "Sat",
        "sunday": "Sun",
    }
    | {str(i): d for i, d in enumerate(_DAYS, 1)}
)


def _id(value: Any) -> str:
    return str(value).strip() if value is not None else ""


@dataclass
class _Entities:
    """Entity records by id (last wins), with the earlier rows merged into each."""

    thing: str
    by_id: dict[str, Rec] = field(default_factory=dict)
    merged: dict[str, list[Rec]] = field(default_factory=dict)
    #: Earlier rows of a repeated id (each with its merged repeats), oldest first: tried in turn when
    #: a later one does not load.
    earlier: dict[str, list[tuple[Rec, list[Rec]]]] = field(default_factory=dict)

    def reject(self, ledger: Ledger, key: str, fld: str, reason: str) -> None:
        """Quarantine an entity: its row and any identical repeats merged into it."""
        for table, file, row, _ in (self.by_id[key], *self.merged.get(key, ())):
            ledger.quarantine(table, file, row, fld, reason)

    def candidates(self, key: str) -> Iterator[Rec]:
        """The rows of ``key``, the last first, each ``by_id[key]`` while it is tried: the caller rejects
        one that does not load and goes on, and calls :meth:`keep` on the one that does."""
        yield self.by_id[key]
        older = self.earlier.get(key)
        while older:
            rec, merged = older.pop()
            self.by_id[key] = rec
            self.merged[key] = merged
            yield rec

    def keep(self, ledger: Ledger, key: str) -> None:
        """The row tried now is kept: the earlier rows of its id not tried are replaced by it."""
        for rec, merged in self.earlier.pop(key, ()):
            for table, file, row, _ in (rec, *merged):
                ledger.quarantine(table, file, row, "id", DUPLICATE)

    def keep_all(self, ledger: Ledger) -> None:
        """Each id keeps its last row (for entities that always load)."""
        for key in list(self.earlier):
            self.keep(ledger, key)


def _entities(recs: Iterable[Rec], ledger: Ledger, thing: str, *, merge_repeats: bool) -> _Entities:
    found = _Entities(thing)
    for rec in recs:
        table, file, row, cells = rec
        key = _id(cells.get("id"))
        if not key:
            ledger.quarantine(table, file, row, "id", "missing")
            continue
        old = found.by_id.get(key)
        if old is not None:
            if merge_repeats and _compatible(thing, old[3], cells):
                found.merged.setdefault(key, []).append(old)
                rec = (table, file, row, {**old[3], **{k: v for k, v in cells.items() if v is not None}})
            else:
                found.earlier.setdefault(key, []).append((old, found.merged.pop(key, [])))
        found.by_id[key] = rec
    return found


#: The fields kith reads from each entity: a repeat that differs elsewhere is the same object.
_USED = {
    "organization": ("name", "alternate_name", "website", "url"),
    "service": (
        "name",
        "alternate_name",
        "organization_id",
        "status",
        "description",
        "minimum_age",
        "maximum_age",
        "eligibility_description",
        "fees",
        "fees_description",
        "taxonomy_ids",
    ),
    "location": ("name", "alternate_name", "latitude", "longitude", "location_type", "confidential"),
    "taxonomy term": ("code", "name"),
}


def _compatible(thing: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(a.get(k) is None or b.get(k) is None or a[k] == b[k] for k in _USED[thing])


class _Children:
    """Child rows grouped by the id of their parent, for parents that exist."""

    def __init__(self) -> None:
        self.groups: dict[str, list[Rec]] = defaultdict(list)

    def add(self, key: str, rec: Rec) -> None:
        self.groups[key].append(rec)

    def get(self, key: str) -> list[dict[str, Any]]:
        return [rec[3] for rec in self.groups.get(key, ())]

    def settle(self, ledger: Ledger, loaded: set[str], fld: str, thing: str) -> None:
        """Quarantine the children of parents that exist but were not loaded."""
        for key, recs in self.groups.items():
            if key not in loaded:
                for table, file, row, _ in recs:
                    ledger.quarantine(table, file, row, fld, f"its {thing} was not loaded (see that row)")


def _nowhere(ledger: Ledger, rec: Rec, fld: str, thing: str) -> None:
    ledger.quarantine(rec[0], rec[1], rec[2], fld, f"points to no {thing}")


@dataclass
class _Build:
    package: Package
    ledger: Ledger
    geocoder: Geocoder
    taxonomy: TaxonomyMap
    progress: Progress | None
    nodes: list[Node] = field(default_factory=list)
    rels: list[Rel] = field(default_factory=list)
    placeholders: dict[str, str] = field(default_factory=dict)
    term_needs: dict[str, tuple[str, ...] | str] = field(default_factory=dict)

    def run(self) -> tuple[list[Node], list[Rel]]:
        tables, merge = self.package.tables, self.package.from_json
        self.orgs = _entities(tables.get("organizations", ()), self.ledger, "organization", merge_repeats=merge)
        self.services = _entities(tables.get("services", ()), self.ledger, "service", merge_repeats=merge)
        self.locations = _entities(tables.get("locations", ()), self.ledger, "location", merge_repeats=merge)
        self.terms = _entities(tables.get("taxonomy_terms", ()), self.ledger, "taxonomy term", merge_repeats=merge)
        self.terms.keep_all(self.ledger)
        self._link_tables(tables)
        loaded_orgs = self._agencies()
        loaded_sites = self._sites()
        loaded_services = self._services(loaded_orgs)
        self._settle(loaded_orgs, loaded_sites, loaded_services)
        return self.nodes, self.rels

    # ------------------------------------------------------------ linking

    def _link_tables(self, tables: dict[str, list[Rec]]) -> None:
        ledger, services, locations = self.ledger, self.services.by_id, self.locations.by_id
        self.sals: list[tuple[Rec, str, str]] = []
        self.sal_ids: dict[str, tuple[str, str]] = {}
        for rec in tick(self.progress, tables.get("service_at_location", ())):
            sid, lid = _id(rec[3].get("service_id")), _id(rec[3].get("location_id"))
            if sid not in services:
                _nowhere(ledger, rec, "service_id", "service") if sid else ledger.quarantine(
                    rec[0], rec[1], rec[2], "service_id", "missing"
                )
            elif lid not in locations:
                _nowhere(ledger, rec, "location_id", "location") if lid else ledger.quarantine(
                    rec[0], rec[1], rec[2], "location_id", "missing"
                )
            else:
                self.sals.append((rec, sid, lid))
                if rec[3].get("id") is not None:
                    self.sal_ids[_id(rec[3]["id"])] = (sid, lid)
        self.by_service: dict[str, _Children] = {
            k: _Children()
            for k in (
                "languages",
                "schedules",
                "service_capacity",
                "cost_options",
                "eligibility",
                "terms",
                "phones",
                "service_areas",
            )
        }
        self.by_location: dict[str, _Children] = {k: _Children() for k in ("languages", "schedules", "addresses")}
        self.org_phones = _Children()
        for name in ("languages", "schedules"):
            for rec in tables.get(name, ()):
                self._service_or_location(rec, name)
        for name in ("service_capacity", "cost_options", "eligibility"):
            for rec in tables.get(name, ()):
                self._of_service(rec, name)
        for rec in tables.get("service_areas", ()):
            cells = rec[3]
            if not _id(cells.get("service_id")) and cells.get("service_at_location_id") is not None:
                sid = self.sal_ids.get(_id(cells["service_at_location_id"]), ("", ""))[0]
                if not sid:
                    _nowhere(ledger, rec, "service_at_location_id", "service at a location")
                    continue
                rec = (rec[0], rec[1], rec[2], {**cells, "service_id": sid})
            self._of_service(rec, "service_areas")
        for rec in tables.get("addresses", ()):
            lid = _id(rec[3].get("location_id"))
            if lid in locations:
                self.by_location["addresses"].add(lid, rec)
            else:
                _nowhere(ledger, rec, "location_id", "location") if lid else ledger.quarantine(
                    rec[0], rec[1], rec[2], "location_id", "missing"
                )
        for rec in tables.get("phones", ()):
            self._phone(rec)
        for rec in tables.get("attributes", ()):
            self._attribute(rec)
        for rec in tables.get("service_taxonomy", ()):
            term = _id(rec[3].get("taxonomy_term_id") or rec[3].get("taxonomy_id"))
            if term not in self.terms.by_id:
                _nowhere(ledger, rec, "taxonomy_id", "taxonomy term")
            else:
                self._of_service(rec, "terms")

    def _of_service(self, rec: Rec, group: str) -> None:
        sid = _id(rec[3].get("service_id"))
        if sid in self.services.by_id:
            self.by_service[group].add(sid, rec)
        elif sid:
            _nowhere(self.ledger, rec, "service_id", "service")
        else:
            self.ledger.quarantine(rec[0], rec[1], rec[2], "service_id", "missing")

    def _service_or_location(self, rec: Rec, group: str) -> None:
        cells = rec[3]
        sid, lid = _id(cells.get("service_id")), _id(cells.get("location_id"))
        if not sid and cells.get("service_at_location_id") is not None:
            sid = self.sal_ids.get(_id(cells["service_at_location_id"]), ("", ""))[0]
        if sid:
            if not cells.get("service_id"):
                rec = (rec[0], rec[1], rec[2], {**cells, "service_id": sid})
            self._of_service(rec, group)
        elif cells.get("service_at_location_id") is not None and not lid:
            _nowhere(self.ledger, rec, "service_at_location_id", "service at a location")
        elif lid in self.locations.by_id:
            self.by_location[group].add(lid, rec)
        elif lid:
            _nowhere(self.ledger, rec, "location_id", "location")
        else:
            self.ledger.quarantine(rec[0], rec[1], rec[2], "service_id", "no service or location given")

    def _phone(self, rec: Rec) -> None:
        cells = rec[3]
        oid, sid = _id(cells.get("organization_id")), _id(cells.get("service_id"))
        if oid:
            if oid in self.orgs.by_id:
                self.org_phones.add(oid, rec)
            else:
                _nowhere(self.ledger, rec, "organization_id", "organization")
        elif sid:
            self._of_service(rec, "phones")
        elif not any(cells.get(k) for k in ("location_id", "service_at_location_id", "contact_id")):
            self.ledger.quarantine(
                rec[0], rec[1], rec[2], "organization_id", "no organization, service, location or contact given"
            )

    def _attribute(self, rec: Rec) -> None:
        cells = rec[3]
        link, term = _id(cells.get("link_id")), _id(cells.get("taxonomy_term_id"))
        if term and term not in self.terms.by_id:
            _nowhere(self.ledger, rec, "taxonomy_term_id", "taxonomy term")
        elif link in self.services.by_id:
            if term:
                self.by_service["terms"].add(link, (rec[0], rec[1], rec[2], {**cells, "taxonomy_id": term}))
        elif not (link in self.orgs.by_id or link in self.locations.by_id or link in self.sal_ids):
            _nowhere(self.ledger, rec, "link_id", "service, organization or location")

    # ------------------------------------------------------------ nodes

    def _agencies(self) -> set[str]:
        loaded: set[str] = set()
        service_phones = self.by_service["phones"]
        phones_of_org: dict[str, str | None] = {}
        for sid, recs in service_phones.groups.items():
            oid = _id(self.services.by_id[sid][3].get("organization_id"))
            if oid and oid not in phones_of_org:
                phones_of_org[oid] = _phone_text(recs[0][3])
        for key in list(self.orgs.by_id):
            for _table, _file, _row, cells in self.orgs.candidates(key):  # the last row that loads
                phones = self.org_phones.get(key)
                data = {
                    "id": key,
                    "name": cells.get("name") or cells.get("alternate_name"),
                    "website": cells.get("website") or cells.get("url"),
                    "phone": _phone_text(phones[0]) if phones else phones_of_org.get(key),
                    "placeholder": False,
                }
                agency, problems = build(Agency, {k: v for k, v in data.items() if v is not None})
                if agency is None:
                    for fld, reason in problems:
                        self.orgs.reject(self.ledger, key, fld, reason)
                    continue
                self.orgs.keep(self.ledger, key)
                self.nodes.append(agency)
                loaded.add(key)
                break
        return loaded

    def _sites(self) -> set[str]:
        loaded: set[str] = set()
        for key in list(self.locations.by_id):
            for table, _file, _row, cells in self.locations.candidates(key):  # the last row that loads
                if str(cells.get("confidential") or "").strip().lower() in _YES:  # the last word on it
                    self.locations.keep(self.ledger, key)
                    self.locations.reject(self.ledger, key, "confidential", CONFIDENTIAL)
                    break
                address_cells = _pick_address(self.by_location["addresses"].get(key))
                address = _address_text(address_cells)
                zip_code = _zip_of(address_cells)
                data: dict[str, Any] = {
                    "id": key,
                    "name": cells.get("name") or cells.get("alternate_name") or (address_cells or {}).get("address_1"),
                    "address": address,
                    "zip": zip_code,
                    "lat": coordinate(cells.get("latitude")),
                    "lon": coordinate(cells.get("longitude")),
                }
                if data["lat"] is None and data["lon"] is None:
                    self._geocode(data, table, cells)
                site, problems = build(Site, {k: v for k, v in data.items() if v is not None}, _SITE_COLUMNS)
                if site is None:
                    for fld, reason in problems:
                        self.locations.reject(self.ledger, key, fld, reason)
                    continue
                self.locations.keep(self.ledger, key)
                self.nodes.append(site)
                loaded.add(key)
                break
        return loaded

    def _geocode(self, data: dict[str, Any], table: str, cells: dict[str, Any]) -> None:
        if str(cells.get("location_type") or "").lower() == "virtual":
            self.ledger.flag(table, "virtual location: no place to map")
            return
        point = self.geocoder.locate(data["address"], data["zip"])
        if point is None:
            self.ledger.flag(table, "no coordinates and no address or ZIP to geocode: stored without a place")
            return
        data.update(lat=round(point.lat, 6), lon=round(point.lon, 6), geocode_precision=point.precision)
        self.ledger.flag(
            table,
            "no coordinates: geocoded from the address"
            if point.precision == "rooftop"
            else "no coordinates: placed at the ZIP centroid",
        )

    def _services(self, loaded_orgs: set[str]) -> set[str]:
        loaded: set[str] = set()
        languages_at: dict[str, list[str | None]] = defaultdict(list)
        hours_at: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for _, sid, lid in self.sals:
            languages_at[sid].extend(_language(c) for c in self.by_location["languages"].get(lid))
            hours_at[sid].extend(self.by_location["schedules"].get(lid))
        groups = self.by_service
        for key in tick(self.progress, list(self.services.by_id)):
            for table, _file, _row, cells in self.services.candidates(key):  # the last row that loads
                status = str(cells.get("status") or "").strip().lower()
                if status in _INACTIVE:  # the last word on it: not offered, whatever earlier rows said
                    self.services.keep(self.ledger, key)
                    self.services.reject(self.ledger, key, "status", f"the service is {status}: not offered")
                    break
                capacity = self._capacity(groups["service_capacity"].groups.get(key, ()))
                eligibility = [c.get("eligibility") for c in groups["eligibility"].get(key)]
                own_hours = groups["schedules"].get(key)
                spoken = languages.parse_all(
                    [*(_language(c) for c in groups["languages"].get(key)), *languages_at.get(key, ())]
                )
                data = {
                    "id": key,
                    "name": cells.get("name") or cells.get("alternate_name"),
                    "description": cells.get("description"),
                    "capacity": capacity,
                    "cost": _cost(cells, groups["cost_options"].get(key)),
                    "languages": spoken[0],
                    "language_note": spoken[1],
                    "min_age": cells.get("minimum_age"),
                    "max_age": cells.get("maximum_age"),
                    "eligibility": cells.get("eligibility_description") or "; ".join(filter(None, eligibility)) or None,
                    "hours": _hours(own_hours or hours_at.get(key, [])),
                    **self._area(groups["service_areas"].groups.get(key, ())),
                }
                needs, populations = self._needs(key, cells)
                self._ages_and_eligibility(table, data, populations, cells.get("description"))
                service, problems = build(Service, {k: v for k, v in data.items() if v is not None}, _SERVICE_COLUMNS)
                agency_id = self._offered_by(key, table, cells, loaded_orgs, problems) if service else None
                if service is None or agency_id is None:
                    for fld, reason in problems:
                        self.services.reject(self.ledger, key, fld, reason)
                    continue
                self.services.keep(self.ledger, key)
                self.nodes.append(service)
                loaded.add(key)
                self.rels.append(Offers(source=agency_id, target=key))
                for need in needs:
                    self.rels.append(Addresses(source=key, target=need))
                break
        return loaded

    def _ages_and_eligibility(
        self, table: str, data: dict[str, Any], populations: list[tuple[str, tuple[Any, Any]]], description: Any
    ) -> None:
        """Ages from the eligibility text, the target populations, then the description; other populations as
        eligibility. What no text says plainly stays unknown."""
        if data.get("min_age") is None and data.get("max_age") is None:
            ages = _text.ages(str(data["eligibility"])) if data.get("eligibility") else None
            aged = [a for _, a in populations if a != (None, None)]
            if ages is None and aged:
                lows, highs = [a[0] for a in aged], [a[1] for a in aged]
                ages = (min(lows) if None not in lows else None, max(highs) if None not in highs else None)
            if ages is None and description:
                ages = _text.ages(str(description), bare=False)
            if ages is not None:
                data["min_age"], data["max_age"] = ages
                self.ledger.flag(table, "ages read from the text or the target populations")
        groups = [label for label, ages in populations if ages == (None, None)]
        if groups:
            data["eligibility"] = "; ".join(dict.fromkeys(filter(None, [data.get("eligibility"), *groups])))

    def _area(self, recs: Iterable[Rec]) -> dict[str, Any]:
        """``area_zips`` and ``area_geojson`` of a service's area rows; a row that cannot be read is
        quarantined with its field and reason (the others still count)."""
        zips: list[str] = []
        extents: list[str] = []
        for table, file, row, cells in recs:
            extent = cells.get("extent")
            kind = str(cells.get("extent_type") or "").strip().lower()
            if extent is not None and kind in ("", "geojson") and (kind or str(extent).lstrip()[:1] in "{["):
                try:
                    extents.append(areas.parse_extent(extent))
                except ValueError as exc:
                    self.ledger.quarantine(table, file, row, "extent", str(exc))
                continue
            if extent is not None and kind not in ("", "text"):
                self.ledger.quarantine(
                    table,
                    file,
                    row,
                    "extent_type",
                    f"a {kind} extent kith does not read (give GeoJSON, ZIP codes or a place)",
                )
                continue
            fld = next((f for f in ("service_area", "extent", "name", "description") if cells.get(f)), None)
            if fld is None:
                self.ledger.quarantine(table, file, row, "service_area", "missing")
                continue
            text = str(cells[fld])
            found = areas.zips_in(text)
            if not found:
                places = [p for p in re.split(r"[;|\n]", text) if p.strip()]
                for place in places:
                    resolved, reason = areas.place_zips(place)
                    if reason is not None:
                        self.ledger.quarantine(table, file, row, fld, reason)
                        found = ()
                        break
                    found += resolved
            zips.extend(found)
        return {"area_zips": tuple(dict.fromkeys(zips)) or None, "area_geojson": areas.merge_extents(extents)}

    def _capacity(self, recs: Iterable[Rec]) -> int | None:
        found = None
        for table, file, row, cells in recs:
            column = "maximum" if cells.get("maximum") is not None else "available"
            value = cells.get(column)
            try:
                number = float(str(value).replace(",", "")) if value is not None else None
            except ValueError:
                number = -1
            if number is None:
                continue
            if number < 0 or number != int(number):
                self.ledger.quarantine(table, file, row, column, "must be a whole number, 0 or more")
            elif found is None:
                found = int(number)
        return found

    def _offered_by(
        self, key: str, table: str, cells: dict[str, Any], loaded_orgs: set[str], problems: list[tuple[str, str]]
    ) -> str | None:
        """The agency offering a service: its organization, or a placeholder (flagged) when that is missing."""
        oid = _id(cells.get("organization_id"))
        if oid in loaded_orgs or oid in self.placeholders:
            if oid in self.placeholders:
                self.ledger.flag(table, self.placeholders[oid])
            return oid
        if not oid:
            caveat, oid, name = (
                "no organization_id: kept with a placeholder agency",
                f"unknown-org-of-{key}"[:200],
                "Unknown organization",
            )
        elif oid in self.orgs.by_id:
            caveat, name = (
                "its organization was quarantined: kept with a placeholder agency",
                f"Unknown organization {oid}",
            )
        else:
            caveat, name = (
                "organization_id points to no organization: kept with a placeholder agency",
                f"Unknown organization {oid}",
            )
        agency, invalid = build(Agency, {"id": oid, "name": name, "placeholder": True}, {"id": "organization_id"})
        if agency is None:
            problems.extend(invalid)
            return None
        self.ledger.flag(table, caveat)
        if caveat.startswith(("its", "organization_id")):  # one placeholder per missing organization
            self.placeholders[oid] = caveat
        self.nodes.append(agency)
        return oid

    def _needs(self, key: str, cells: dict[str, Any]) -> tuple[list[str], list[tuple[str, tuple[Any, Any]]]]:
        """A service's needs, and its target populations (label, ages), from all its terms."""
        terms = [_id(c.get("taxonomy_id")) for c in self.by_service["terms"].get(key)]
        for term in (cells.get("taxonomy_ids") or "").split(","):
            if term.strip():
                terms.append(term.strip())
        needs: list[str] = []
        populations: list[tuple[str, Any]] = []
        any_term = False
        for term_id in dict.fromkeys(terms):
            found = self.term_needs.get(term_id)
            if found is None:
                found = self.term_needs[term_id] = self._term_needs(term_id)
            if isinstance(found, tuple) and found and found[0] == _POPULATION:
                populations.append((found[1], found[2]))
                continue
            any_term = True
            if isinstance(found, str):
                if term_id in self.terms.by_id:
                    self.ledger.unmapped[found] += 1
                else:
                    self.ledger.flag(self.services.by_id[key][0], "taxonomy_ids: a term points to no taxonomy term")
                continue
            needs.extend(found)
        if any_term:
            self.ledger.coverage["services with a taxonomy term"] += 1
            if needs:
                self.ledger.coverage["services with a need"] += 1
            if any(self.taxonomy.support_relevant(self._code_of(t)) for t in terms):
                self.ledger.coverage["services under a support-relevant AIRS branch"] += 1
                if needs:
                    self.ledger.coverage["of those, services with a need"] += 1
        return list(dict.fromkeys(needs)), populations

    def _code_of(self, term_id: str) -> str | None:
        rec = self.terms.by_id.get(term_id)
        code = rec[3].get("code") if rec else None
        return code or (term_id if looks_like_code(term_id) else None)

    def _term_needs(self, term_id: str) -> tuple[Any, ...] | str:
        """A term's needs, a target population (marked), or (when it maps to none) the label the report lists it under.

        A term that maps to nothing takes the needs of its nearest mapped ancestor (its ``parent_id`` chain).
        """
        rec = self.terms.by_id.get(term_id)
        if rec is None:
            return term_id
        term = rec[3]
        name = term.get("name")
        code = (
            term.get("code")
            or (name if name and looks_like_code(name) else None)
            or (term_id if looks_like_code(term_id) else None)
        )
        ages = self.taxonomy.population(code, name)
        if ages is not None:
            return (_POPULATION, str(name or code or term_id), ages)
        found = self.taxonomy.needs(code, name)
        seen = {term_id}
        parent = _id(term.get("parent_id"))
        while not found and parent and parent not in seen and parent in self.terms.by_id:
            seen.add(parent)
            above = self.terms.by_id[parent][3]
            above_code = above.get("code") or (parent if looks_like_code(parent) else None)
            found = self.taxonomy.needs(above_code, above.get("name"))
            parent = _id(above.get("parent_id"))
        return found or " ".join(filter(None, (code, name if name != code else None))) or term_id

    # ------------------------------------------------------------ settling

    def _settle(self, loaded_orgs: set[str], loaded_sites: set[str], loaded_services: set[str]) -> None:
        for children in self.by_service.values():
            children.settle(self.ledger, loaded_services, "service_id", "service")
        for children in self.by_location.values():
            children.settle(self.ledger, loaded_sites, "location_id", "location")
        self.org_phones.settle(self.ledger, loaded_orgs, "organization_id", "organization")
        for rec, sid, lid in self.sals:
            if sid not in loaded_services:
                self.ledger.quarantine(
                    rec[0], rec[1], rec[2], "service_id", "its service was not loaded (see that row)"
                )
            elif lid not in loaded_sites:
                self.ledger.quarantine(
                    rec[0], rec[1], rec[2], "location_id", "its location was not loaded (see that row)"
                )
            else:
                self.rels.append(DeliveredAt(source=sid, target=lid))


# ------------------------------------------------------------------ values


def _phone_text(cells: dict[str, Any]) -> str | None:
    number = str(cells.get("number") or "").strip().strip('"').strip()
    if not number:
        return None
    extension = cells.get("extension")
    return f"{number} ext. {extension}" if extension not in (None, "") else number


def _language(cells: dict[str, Any]) -> str | None:
    value = cells.get("name") or cells.get("language") or cells.get("code")
    return str(value).strip() if value else None


def _pick_address(candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    for cells in candidates:
        if str(cells.get("address_type") or "physical").lower() != "postal":
            return cells
    return candidates[0] if candidates else None


def _address_text(cells: dict[str, Any] | None) -> str | None:
    if not cells:
        return None
    parts = [cells.get(k) for k in ("address_1", "address_2", "city", "state_province", "postal_code")]
    return ", ".join(str(p) for p in parts if p) or None


def _zip_of(cells: dict[str, Any] | None) -> str | None:
    if not cells or str(cells.get("country") or "US").strip().upper() not in {"US", "USA", "UNITED STATES"}:
        return None
    return find_zip(str(cells.get("postal_code") or ""))


def _cost(cells: dict[str, Any], options: list[dict[str, Any]]) -> str | None:
    amounts = []
    for option in options:
        try:
            amounts.append(float(str(option.get("amount")).replace(",", "")))
        except ValueError:
            continue
    if amounts:
        return "free" if all(a == 0 for a in amounts) else "fee"
    fees, description = cells.get("fees"), cells.get("fees_description")
    return _cost_of_text(f"{fees or ''} {description or ''}") if fees or description else None


def _cost_of_text(text: str) -> str | None:
    """free / sliding / fee from the wording of a fees description (None when it does not say)."""
    return _text.cost(text)


def _clock(value: Any) -> str:
    text = str(value).strip()
    return text[:5] if re.fullmatch(r"\d\d:\d\d:\d\d", text) else text


def _hours(schedules: list[dict[str, Any]]) -> str | None:
    if not schedules:
        return None
    return _hours_text(
        tuple(
            (c.get("opens_at"), c.get("closes_at"), c.get("weekday") or c.get("byday"), c.get("description"))
            for c in schedules
        )
    )


@lru_cache(maxsize=4096)
def _hours_text(schedules: tuple[tuple[Any, Any, Any, Any], ...]) -> str | None:
    """Opening hours as text, as given ("9:00am" stays "9:00am"): days grouped by time span."""
    spans: dict[str, list[str]] = {}
    notes: list[str] = []
    for opens, closes, weekdays, description in schedules:
        if opens is None and closes is None:
            if description:
                notes.append(str(description).strip())
            continue
        span = f"{_clock(opens) if opens is not None else '?'}–{_clock(closes) if closes is not None else '?'}"
        days = spans.setdefault(span, [])
        for day in re.split(r"[,\s]+", str(weekdays or "").strip()):
            if day:
                days.append(_DAY_NAMES.get(day.lower(), day))
    parts = [f"{', '.join(dict.fromkeys(days))} {span}".strip() for span, days in spans.items()]
    return "; ".join(dict.fromkeys([*parts, *notes])) or None


def build_graph(
    package: Package, ledger: Ledger, geocoder: Geocoder, taxonomy: TaxonomyMap, progress: Progress | None = None
) -> tuple[list[Node], list[Rel]]:
    """The nodes and relationships of an HSDS package (see the module docstring)."""
    return _Build(package, ledger, geocoder, taxonomy, progress).run()

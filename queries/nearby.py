"""Nearby help: the services delivered near a place, nearest first, for a social worker
sitting with a family.

A row is one service at one site. Rows are ordered by the site's great-circle
distance (haversine, mean Earth radius), then by service id, then by site id, and
the answer is exact: the same rows, in the same order, as a brute-force haversine
over every site would give (``tests/unit/queries/test_nearby.py`` checks it).

The search reads the nearest sites in growing batches (the store's
``services_near``: the exact prefix of the sites in the radius, as ``within``
with a ``limit`` gives it, and their services already joined: site, service,
offering agency, needs, as ``services_at`` gives them), one store read per
batch, until the ``limit`` nearest rows are certain: no unread site is as near
as the last row kept, so nothing nearer can be missing. A query touches a few
dozen sites, not thousands, and usually one batch (on Neo4j: one round trip).
The filters apply to those rows, and the rows kept become the answer without
another read.

``open_now``: services whose hours cannot be read ("by appointment", no hours
recorded) are *kept*, marked ``open_now=None`` ("call to check"), because
dropping them would hide help that may well be open; services whose hours say
they are closed at that time are left out.

Services whose HSDS service area holds the place (its ZIP code, the nearest ZIP
centroid, is listed, or the point lies inside the extent) are found by
:func:`find_serving_area`, listed after the rows within the radius as "serves
this area". Those rows never carry a location: a confidential site (a
domestic-violence shelter without a public address) is found by its area and
reached by phone.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from kith.graph import areas, languages
from kith.graph.errors import InputError
from kith.graph.geo import Geocoder, find_zip, haversine_km, zip_centroid
from kith.graph.model import Label, NeedCode, NodeRef, RelType
from kith.graph.store import GraphStore
from kith.queries._hours import is_open
from kith.queries._locate import point_of
from kith.queries._names import resolve_node, unknown_need

#: Sites located in the first batch, at least: enough that one batch usually settles ``limit`` rows.
_MIN_SITES_PER_STEP = 16
#: Services per site assumed before any site is read (then the rate seen so far): sizes the first read.
_ROWS_PER_SITE = 2.0
#: The rate assumed when filters have kept (almost) nothing so far.
_MIN_ROWS_PER_SITE = 0.25


class NearbyService(BaseModel):
    """One service at one site near the place asked about."""

    model_config = ConfigDict(frozen=True)

    service_id: str
    service_name: str
    agency_id: str | None
    agency_name: str | None
    site_id: str
    site_name: str | None
    lat: float
    lon: float
    distance_km: float
    address: str | None = None
    zip: str | None = None
    phone: str | None = None
    website: str | None = None
    languages: tuple[str, ...] = ()
    cost: str | None = None
    capacity: int | None = None
    waitlist: int | None = None
    hours: str | None = None
    needs: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    eligibility: str | None = None
    #: Asked with ``open_now``: True when the hours say it is open, None when they cannot be read.
    open_now: bool | None = None
    #: With a travel matrix or a mode: the minutes from the place (the matrix's, or the mode's estimate).
    minutes: float | None = None


#: How an area row's distance reads: it is in reach by its service area, not by how far its site is.
SERVES_THIS_AREA = "serves this area"


class AreaService(BaseModel):
    """A service whose service area holds the place asked about; no location, by design."""

    model_config = ConfigDict(frozen=True)

    service_id: str
    service_name: str
    agency_id: str | None
    agency_name: str | None
    distance: str = SERVES_THIS_AREA
    phone: str | None = None
    website: str | None = None
    languages: tuple[str, ...] = ()
    cost: str | None = None
    capacity: int | None = None
    waitlist: int | None = None
    hours: str | None = None
    needs: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    eligibility: str | None = None
    open_now: bool | None = None


class Place(BaseModel):
    """A point a search starts from, with words a person recognises."""

    model_config = ConfigDict(frozen=True)

    lat: float
    lon: float
    label: str
    #: How the point was found: "point", "zip" (a ZIP centroid), "address" (its ZIP's centroid), or a label.
    kind: str = "point"
    #: The school's, site's or agency's id (a place named by a node), else None; not in its dump.
    id: str | None = Field(default=None, exclude=True)
    #: The ZIP code the place was given by (a ZIP code, an address), else None; not in its dump.
    zip: str | None = Field(default=None, exclude=True)
    #: The address as written (a place given by an address), else None; not in its dump.
    address: str | None = Field(default=None, exclude=True)


def find_nearby(
    store: GraphStore,
    lat: float,
    lon: float,
    *,
    needs: Iterable[str] = (),
    radius_km: float = 5.0,
    limit: int = 10,
    language: str | None = None,
    free: bool = False,
    age: int | None = None,
    open_now: dt.datetime | None = None,
) -> list[NearbyService]:
    """The services delivered within ``radius_km`` of a point, nearest first.

    Parameters
    ----------
    store
        Any store of the port.
    lat, lon
        The point, in degrees.
    needs
        Need codes; when given, only services addressing at least one of them.
    radius_km
        Great-circle radius; a site at exactly this distance is in reach.
    limit
        At most this many rows (the nearest ones).
    language
        Only services offered in this language: a BCP 47 code (``es``) or a name (``Spanish``, ``español``).
    free
        Only services whose cost is ``free``.
    age
        Only services whose age range (where recorded) includes this age.
    open_now
        Only services open at this local time; unreadable hours are kept and
        marked ``open_now=None`` (see the module docstring).

    Returns
    -------
    list of NearbyService
        Ordered by distance, then service id, then site id.

    Examples
    --------
    >>> rows = find_nearby(store, 42.33, -71.08, needs=["food"], language="es", limit=5)  # doctest: +SKIP
    """
    codes = _check(lat, lon, needs, radius_km, limit, age)
    filters = _Filters(
        codes, (languages.code(language) or language.strip().lower()) if language else None, free, age, open_now
    )
    return _search(store, lat, lon, radius_km, limit, filters)


def travel_origins(place: Place) -> tuple[str, ...]:
    """The ids a travel matrix's ``origin`` may give the place by, in the order tried: the school's,
    site's or agency's id; the ZIP code it was given by; else the ZIP code of its nearest ZIP centroid
    (the same ids the gap questions' origins are)."""
    if place.id is not None:
        return (place.id,)
    if place.zip is not None:
        return (place.zip,)
    from kith.queries._gapdata import _nearest_zip

    return (str(_nearest_zip(np.array([place.lat]), np.array([place.lon]))[0][0]),)


def find_nearby_by_travel(
    store: GraphStore,
    place: Place,
    *,
    travel: pd.DataFrame | None = None,
    mode: str | None = None,
    minutes: float | None = None,
    needs: Iterable[str] = (),
    limit: int = 10,
    language: str | None = None,
    free: bool = False,
    age: int | None = None,
    open_now: dt.datetime | None = None,
) -> tuple[list[NearbyService], str]:
    """The services in reach of ``place`` in ``minutes`` (20 when None), quickest first, and the
    sentence that names the travel measure.

    With ``travel`` (origin, destination, cost in minutes; :func:`kith.queries._travel.read_travel`):
    the sites the matrix lists from the place's origin (:func:`travel_origins`) within the minutes,
    by minutes, then service id, then site id; a site the matrix does not list is out of reach. With
    ``mode`` (walk, transit, drive): the stated estimate of :mod:`kith.queries._travel`, a km radius
    of the minutes, each row's minutes its distance at the mode's speed and detour. Every row keeps
    its great-circle ``distance_km``.
    """
    from kith.queries._travel import MODES, reach_for

    reach = reach_for(0.0, mode=mode, minutes=minutes, travel=travel)
    if travel is None:
        if reach.mode == "km":
            raise InputError("give a travel matrix or a mode (walk, transit, drive)")
        rows = find_nearby(
            store,
            place.lat,
            place.lon,
            needs=needs,
            radius_km=reach.catchment,
            limit=limit,
            language=language,
            free=free,
            age=age,
            open_now=open_now,
        )
        m = MODES[reach.mode]
        return [
            r.model_copy(update={"minutes": round(r.distance_km * m.detour / m.speed_kmh * 60, 1)}) for r in rows
        ], reach.text
    codes = _check(place.lat, place.lon, needs, 0.0, limit, age)
    filters = _Filters(
        codes, (languages.code(language) or language.strip().lower()) if language else None, free, age, open_now
    )
    origins = travel_origins(place)
    mine = travel[travel["origin"].isin(origins)]
    if mine.empty:
        raise InputError(
            f"the travel matrix has no row from {' or '.join(origins)} (the origin of {place.label}): "
            "its origins are school, site or agency ids and ZIP codes"
        )
    origin = next(o for o in origins if (mine["origin"] == o).any())
    mine = mine[(mine["origin"] == origin) & (mine["cost"] <= reach.catchment)]
    cost = dict(zip(mine["destination"], mine["cost"].astype(float)))
    found: list[tuple[float, str, str, dict[str, Any]]] = []
    for r in store.services_at(cost) if cost else ():
        if r["site"].get("lat") is None or r["site"].get("lon") is None:
            continue  # a site without a public location: found by its service area, never placed
        if filters.any and not filters.keep(r["service"], r["needs"]):
            continue
        found.append((cost[r["site"]["id"]], r["service"]["id"], r["site"]["id"], r))
    found.sort(key=lambda c: c[:3])
    rows = []
    for minutes_, service_id, site_id, joined in found[:limit]:
        site = joined["site"]
        km = float(haversine_km(place.lat, place.lon, float(site["lat"]), float(site["lon"])))
        (row,) = _rows([(km, service_id, site_id, joined)], filters)
        rows.append(row.model_copy(update={"minutes": minutes_}))
    return rows, f"{reach.text} from {origin}"


def find_serving_area(
    store: GraphStore,
    lat: float,
    lon: float,
    *,
    needs: Iterable[str] = (),
    limit: int = 10,
    language: str | None = None,
    free: bool = False,
    age: int | None = None,
    open_now: dt.datetime | None = None,
    besides: Iterable[str] = (),
) -> list[AreaService]:
    """The services whose service area holds the point (its nearest ZIP centroid's ZIP code listed,
    or the point inside the extent), by name then id, with the filters of :func:`find_nearby`.

    ``besides``: service ids already listed (the rows within the radius), left out. The rows
    carry no site, address or coordinates, whether or not the service has a public site.
    """
    codes = _check(lat, lon, needs, 0.0, limit, age)
    filters = _Filters(
        codes, (languages.code(language) or language.strip().lower()) if language else None, free, age, open_now
    )
    skip = set(besides)
    served = [
        s for s in store.nodes(Label.SERVICE) if (s.get("area_zips") or s.get("area_geojson")) and s["id"] not in skip
    ]
    if not served:
        return []
    from kith.queries._gapdata import _nearest_zip

    here = _nearest_zip(np.array([lat]), np.array([lon]))[0][0]
    point_lat, point_lon = np.array([lat]), np.array([lon])
    served = [
        s
        for s in served
        if here in (s.get("area_zips") or ()) or bool(areas.covered(s.get("area_geojson"), point_lat, point_lon)[0])
    ]
    ids = [s["id"] for s in served]
    addressed: dict[str, list[str]] = {}
    for r in store.relationships(RelType.ADDRESSES, sources=ids):
        addressed.setdefault(r["source"], []).append(r["target"])
    served = [s for s in served if not filters.any or filters.keep(s, sorted(addressed.get(s["id"], ())))]
    offered = {r["target"]: r["source"] for r in store.relationships(RelType.OFFERS, targets=[s["id"] for s in served])}
    agencies = {a["id"]: a for a in store.nodes(Label.AGENCY, ids=set(offered.values()))}
    served.sort(key=lambda s: (str(s.get("name") or s["id"]).lower(), s["id"]))
    rows = []
    for service in served[:limit]:
        agency = agencies.get(offered.get(service["id"], ""), _NO_AGENCY)
        rows.append(
            AreaService.model_validate(
                {
                    **{k: v for k, v in agency.items() if k in ("phone", "website")},
                    **{k: v for k, v in service.items() if k in AreaService.model_fields},
                    "service_id": service["id"],
                    "service_name": service.get("name", service["id"]),
                    "agency_id": agency.get("id"),
                    "agency_name": agency.get("name"),
                    "needs": tuple(sorted(addressed.get(service["id"], ()))),
                    "open_now": None if filters.open_at is None else is_open(service.get("hours"), filters.open_at),
                }
            )
        )
    return rows


def resolve_place(store: GraphStore, text: str) -> Place:
    """The point a user means by ``text``: ``LAT,LON``, a ZIP code, an address with a ZIP code
    (located at the ZIP's centroid, offline), or ``school:ID`` (also ``site:ID``, ``agency:ID``).

    Raises ``InputError`` naming what could not be understood.
    """
    text = (text or "").strip()
    if not text:
        raise InputError("no place given: use LAT,LON, a ZIP code, an address with a ZIP code, or school:ID")
    point = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*", text)
    if point:
        lat, lon = float(point.group(1)), float(point.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError(f"{text!r} is not a point: latitude must be within ±90 and longitude within ±180")
        return Place(lat=lat, lon=lon, label=f"{lat:.5f}, {lon:.5f}", kind="point")
    head = text.partition(":")[0].strip().lower()
    if ":" in text and head in {"school", "site", "agency"}:
        try:
            ref = NodeRef.parse(text)
        except ValueError:
            raise InputError(f"{text!r} names no {head}: write {head}:ID") from None
        return _place_of_node(store, ref)
    if re.fullmatch(r"\d{5}(?:-\d{4})?", text):
        centre = zip_centroid(text)
        if centre is None:
            raise InputError(f"ZIP code {text[:5]} is not in the offline ZIP table")
        return Place(lat=centre[0], lon=centre[1], label=f"ZIP {text[:5]}", kind="zip", zip=text[:5])
    zip_code = find_zip(text)
    hint = ""
    if zip_code is None and not re.search(r"\d", text):  # no number at all: the name of a school, agency or site
        try:
            return _place_of_node(store, resolve_node(store, text))
        except InputError as exc:
            if "is the name of" in str(exc):  # several places by that name: say which to choose
                raise
            hint = str(exc).partition("(")[2].partition(")")[0]
            hint = f" ({hint})" if hint.startswith("did you mean") else ""
    if zip_code is None:
        raise InputError(
            f"could not understand the place {text!r}: it is not LAT,LON, a ZIP code, school:ID or the name of "
            f"a school, agency or site{hint}, and as an address it has no 5-digit ZIP code to locate it by "
            "(add the ZIP code)"
        )
    found = Geocoder(online=False).locate(text, zip_code)  # offline, as ingest geocodes by default
    if found is None:
        raise InputError(f"could not locate the address {text!r}: its ZIP code {zip_code} is not in the ZIP table")
    return Place(
        lat=found.lat,
        lon=found.lon,
        label=f"{text} (near the centre of ZIP {zip_code})",
        kind="address",
        zip=zip_code,
        address=text,
    )


# ---------------------------------------------------------------- the search


class _Filters:
    __slots__ = ("needs", "language", "free", "age", "open_at", "any")

    def __init__(
        self, needs: frozenset[str], language: str | None, free: bool, age: int | None, open_at: dt.datetime | None
    ) -> None:
        self.needs, self.language, self.free, self.age, self.open_at = needs, language, free, age, open_at
        self.any = bool(needs or language or free or age is not None or open_at is not None)

    def keep(self, service: Mapping[str, Any], addressed: Sequence[str]) -> bool:
        if self.needs and not self.needs.intersection(addressed):
            return False
        if self.language and not any(
            languages.matches(self.language, offered) for offered in service.get("languages", ())
        ):
            return False
        if self.free and service.get("cost") != "free":
            return False
        if self.age is not None and not (service.get("min_age", 0) <= self.age <= service.get("max_age", 10_000)):
            return False
        return not (self.open_at is not None and is_open(service.get("hours"), self.open_at) is False)


@cache
def _need_codes() -> frozenset[str]:
    return frozenset(c.value for c in NeedCode)


def _check(
    lat: float, lon: float, needs: Iterable[str], radius_km: float, limit: int, age: int | None
) -> frozenset[str]:
    problems = []
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        problems.append("the point must have a latitude within ±90 and a longitude within ±180")
    if not 0 <= radius_km < math.inf:
        problems.append("radius_km must be zero or more (and finite)")
    if limit < 1:
        problems.append("limit must be at least 1")
    if age is not None and not 0 <= age <= 120:
        problems.append("age must be between 0 and 120")
    codes = frozenset(str(n).strip().lower() for n in needs)
    unknown = sorted(codes - _need_codes())
    if unknown:
        problems += [unknown_need(code) for code in unknown]
    if problems:
        raise InputError("; ".join(problems))
    return codes


#: A service at a site: (distance_km, service id, site id, its joined row), tuples in the order of
#: the answer (the row is never compared: a service is at a site once). Plain tuples: made by the dozen.
_Candidate = tuple[float, str, str, dict[str, Any]]


def _search(
    store: GraphStore, lat: float, lon: float, radius_km: float, limit: int, filters: _Filters
) -> list[NearbyService]:
    """Read the nearest sites in growing batches, each with its services in the same read
    (``services_near``), and take their rows a few sites at a time, until the ``limit`` nearest
    rows are certain (no unread site is as near as the last row kept) or every site in the radius
    is read."""
    found: list[_Candidate] = []
    batch, read = max(_MIN_SITES_PER_STEP, limit), 0
    while True:
        sites, joined = store.services_near(lat, lon, radius_km, limit=batch, needs=filters.needs or None)
        at: dict[str, list[dict[str, Any]]] = {}
        for row in joined:
            at.setdefault(row["site"]["id"], []).append(row)
        while read < len(sites):
            step = _sites_to_read(limit - len(found), len(found), read)
            found.extend(_candidates(sites[read : read + step], at, filters))
            read = min(read + step, len(sites))
            found.sort()
            if len(found) >= limit and read < len(sites) and found[limit - 1][0] < sites[read][1]:
                return _rows(found[:limit], filters)
        if read < batch:  # the radius holds no more sites
            break
        batch *= 4
    return _rows(found[:limit], filters)


def _sites_to_read(missing: int, rows: int, sites: int) -> int:
    """How many more sites to take for ``missing`` rows, at the rate of rows per site seen so far
    (``_ROWS_PER_SITE`` before any), and one more: its distance is what makes the last row certain."""
    rate = max(rows / sites, _MIN_ROWS_PER_SITE) if sites else _ROWS_PER_SITE
    return math.ceil(max(missing, 1) / rate) + 1


def _candidates(
    sites: list[tuple[str, float]], at: Mapping[str, list[dict[str, Any]]], filters: _Filters
) -> list[_Candidate]:
    """The services at these sites (their rows of the batch's read) that pass the filters."""
    return [
        (distance_km, r["service"]["id"], site_id, r)
        for site_id, distance_km in sites
        for r in at.get(site_id, ())
        if not filters.any or filters.keep(r["service"], r["needs"])
    ]


def _rows(found: list[_Candidate], filters: _Filters) -> list[NearbyService]:
    """The answer's rows, validated from dicts (the properties spread in by name: cheaper than a field
    at a time, and as strict)."""
    validate = NearbyService.__pydantic_validator__.validate_python  # model_validate's core, without its wrapper
    rows = []
    for distance_km, service_id, site_id, joined in found:
        site, service, agency = joined["site"], joined["service"], joined["agency"] or _NO_AGENCY
        rows.append(
            validate(
                {
                    # The fields named as a property: phone, website; lat, lon, address, zip; cost, languages, hours, ...
                    # (tests/unit/queries/test_nearby.py keeps these apart). Other properties are ignored.
                    **agency,
                    **site,
                    **service,
                    "service_id": service_id,
                    "service_name": service.get("name", service_id),
                    "agency_id": agency.get("id"),
                    "agency_name": agency.get("name"),
                    "site_id": site_id,
                    "site_name": site.get("name"),
                    "distance_km": distance_km,
                    "needs": joined["needs"],
                    "open_now": None if filters.open_at is None else is_open(service.get("hours"), filters.open_at),
                }
            )
        )
    return rows


_NO_AGENCY: dict[str, Any] = {}


def _place_of_node(store: GraphStore, ref: NodeRef) -> Place:
    (lat, lon), node = point_of(store, ref)
    return Place(lat=lat, lon=lon, label=node.get("name", str(ref)), kind=ref.label.value.lower(), id=ref.id)


# ---------------------------------------------------------------- for the table (the referral list: referral.py)


def language_names(codes: Iterable[str]) -> str:
    """Language codes as the names a family reads ("es, vi" → "Spanish, Vietnamese")."""
    return ", ".join(languages.name(str(code)) for code in codes)

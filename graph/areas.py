"""Service areas: where a service serves, wherever its site is (HSDS ``service_area`` / ``service_areas``).

A service's area is stored on the Service as two plain properties both stores
hold: ``area_zips`` (5-digit ZIP codes; named places and counties are resolved
to their ZIP codes at ingest, from the offline ``zipcodes`` table) and
``area_geojson`` (a GeoJSON ``MultiPolygon`` as text, the extents given).

A demand point is covered when its ZIP code is in the list or the point lies
inside the extent (even-odd ray casting, holes honoured).

>>> extent = parse_extent('{"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}')
>>> covered(extent, np.array([1.0, 3.0]), np.array([1.0, 1.0])).tolist()
[True, False]
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

_ZIPS = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
_STATE = re.compile(r"^(?P<name>.+?)\s*,\s*(?P<state>[A-Za-z]{2})$")


def zips_in(text: str) -> tuple[str, ...]:
    """The 5-digit ZIP codes written in ``text``, in order, once each."""
    return tuple(dict.fromkeys(_ZIPS.findall(text or "")))


@cache
def _places() -> tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str], list[str]]]:
    """(county, state) → ZIPs and (city, state) → ZIPs, lower case, from the offline table."""
    import zipcodes

    counties: dict[tuple[str, str], list[str]] = {}
    cities: dict[tuple[str, str], list[str]] = {}
    for row in zipcodes.list_all():
        state = str(row.get("state") or "").lower()
        county = str(row.get("county") or "").lower()
        if county:
            counties.setdefault((county, state), []).append(row["zip_code"])
        for city in (row.get("city"), *(row.get("acceptable_cities") or ())):
            if city:
                cities.setdefault((str(city).lower(), state), []).append(row["zip_code"])
    return counties, cities


def place_zips(text: str) -> tuple[tuple[str, ...], str | None]:
    """The ZIP codes of a named place or county (``"Hampden County, MA"``, ``"Springfield, MA"``).

    Returns ``(zips, None)``, or ``((), reason)`` when the name cannot be read:
    unknown, or a name found in more than one state with no state given.
    """
    name = " ".join(str(text or "").split())
    if not name:
        return (), "empty"
    match = _STATE.match(name)
    place, state = (match["name"], match["state"].lower()) if match else (name, None)
    place = place.lower()
    counties, cities = _places()
    for table in (counties, cities):
        keys = [k for k in ((place, state),) if k in table] if state else [k for k in table if k[0] == place]
        if not keys and place.endswith(" county") is False and table is counties:
            county = f"{place} county"
            keys = [k for k in ((county, state),) if k in table] if state else [k for k in table if k[0] == county]
        if len(keys) > 1:
            return (
                (),
                f"names a place in more than one state ({', '.join(sorted(k[1].upper() for k in keys))}): "
                "give the state, e.g. 'Name, ST'",
            )
        if keys:
            return tuple(sorted(set(table[keys[0]]))), None
    return (), "names no ZIP code, place or county kith knows"


def _polygons(geometry: Any) -> list[Any]:
    """The polygons (lists of rings) of a GeoJSON geometry, feature or collection; ValueError if none."""
    if not isinstance(geometry, dict):
        raise ValueError("not a GeoJSON object")
    kind = geometry.get("type")
    if kind == "Feature":
        return _polygons(geometry.get("geometry"))
    if kind == "FeatureCollection":
        return [p for f in geometry.get("features") or () for p in _polygons(f)]
    if kind == "GeometryCollection":
        return [p for g in geometry.get("geometries") or () for p in _polygons(g)]
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        polygons = list(coordinates or ())
    else:
        raise ValueError(f"a {kind or 'typeless'} geometry is no area (give a Polygon or MultiPolygon)")
    out = []
    for polygon in polygons:
        rings = []
        for ring in polygon or ():
            points = [(float(p[0]), float(p[1])) for p in ring]
            if len(points) < 4 or any(abs(x) > 180 or abs(y) > 90 for x, y in points):
                raise ValueError("a ring needs 4 or more positions of longitude, latitude")
            rings.append(points)
        if not rings:
            raise ValueError("a polygon without rings")
        out.append(rings)
    return out


def parse_extent(value: Any) -> str:
    """A GeoJSON area (text or object) as compact ``MultiPolygon`` text; ValueError saying why not."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid GeoJSON ({exc.msg})") from None
    try:
        polygons = _polygons(value)
    except (TypeError, IndexError) as exc:
        raise ValueError(f"not a GeoJSON area ({type(exc).__name__})") from None
    if not polygons:
        raise ValueError("no polygon in it")
    return json.dumps({"type": "MultiPolygon", "coordinates": polygons}, separators=(",", ":"))


def merge_extents(extents: list[str]) -> str | None:
    """One ``MultiPolygon`` text of several (from :func:`parse_extent`); None for none."""
    if not extents:
        return None
    polygons = [p for e in extents for p in json.loads(e)["coordinates"]]
    return json.dumps({"type": "MultiPolygon", "coordinates": polygons}, separators=(",", ":"))


def _in_ring(ring: list[Any], lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    inside = np.zeros(lon.shape, dtype=bool)
    xs = np.array([p[0] for p in ring], dtype=np.float64)
    ys = np.array([p[1] for p in ring], dtype=np.float64)
    for k in range(len(xs) - 1):
        x1, y1, x2, y2 = xs[k], ys[k], xs[k + 1], ys[k + 1]
        crosses = (y1 > lat) != (y2 > lat)
        if crosses.any():
            at = x1 + (lat - y1) * (x2 - x1) / np.where(y2 != y1, y2 - y1, 1.0)
            inside ^= crosses & (lon < at)
    return inside


def covered(extent: str | None, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Which points lie inside ``extent`` (a :func:`parse_extent` text): even-odd ray casting per ring,
    so a hole (an inner ring) leaves its points out."""
    lat, lon = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    inside = np.zeros(lat.shape, dtype=bool)
    if not extent:
        return inside
    for polygon in json.loads(extent)["coordinates"]:
        within = np.zeros(lat.shape, dtype=bool)
        for ring in polygon:
            within ^= _in_ring(ring, lon, lat)
        inside |= within
    return inside

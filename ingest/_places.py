"""Places in every form that exports write them, as (lat, lon) in degrees.

- two columns under their usual names (``lat``/``lon``, ``latitude``,
  ``y``/``x``, ``POINT_Y``/``POINT_X``, ...), read only when the values are
  degrees;
- one column holding ``"lat, lon"``, ``"(lat, lon)"``, a Socrata location
  (``"123 Main St\\nSan Francisco, CA (37.78, -122.42)"``), WKT
  ``POINT (lon lat)`` or a ``[lon, lat]`` array;
- a GeoJSON geometry, always preferred over coordinate properties (a layer's
  LAT/LON attributes are typed in by hand; its geometry is what the GIS drew).

Projected coordinates (state-plane feet, UTM metres) are never taken for
degrees: they are refused with :data:`PROJECTED`, so the row is quarantined
with that reason rather than placed somewhere wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

PROJECTED = (
    "projected coordinates (state-plane feet or metres), not degrees: export latitude and longitude "
    "(WGS 84), or map the columns that hold them"
)

#: Header names of one column that holds a whole point.
POINT_COLUMNS = (
    "location",
    "geocoded_location",
    "location_1",
    "point",
    "the_geom",
    "geom",
    "geometry",
    "coordinates",
    "latlon",
    "lat_lon",
    "lat_long",
    "latlng",
    "geolocation",
    "shape",
    "wkt",
    "location_point",
    "point_location",
    "geo",
    "position",
)
LAT_COLUMNS = (
    "lat",
    "latitude",
    "latcod",
    "lat1516",
    "y",
    "point_y",
    "y_coord",
    "ycoord",
    "y_coordinate",
    "lat_dd",
    "latitude_dd",
    "gis_lat",
)
LON_COLUMNS = (
    "lon",
    "longitude",
    "loncod",
    "lon1516",
    "lng",
    "long",
    "x",
    "point_x",
    "x_coord",
    "xcoord",
    "x_coordinate",
    "lon_dd",
    "longitude_dd",
    "gis_lon",
    "gis_long",
)

_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_PAIR = re.compile(rf"\(?\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*\)?\s*$")
_WKT = re.compile(
    rf"^\s*(?:SRID=\d+;\s*)?POINT\s*Z?\s*\(\s*({_NUMBER})\s+({_NUMBER})(?:\s+{_NUMBER})?\s*\)\s*$", re.IGNORECASE
)
_PAREN = re.compile(rf"\(\s*({_NUMBER})\s*,\s*({_NUMBER})\s*\)")


def number(value: Any) -> float | None:
    """A coordinate cell as a float (a decimal comma too); None when it is not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def parse_point(value: Any) -> tuple[float, float] | None:
    """(lat, lon) of a one-column point in any of the module's forms (None when it holds none).

    >>> parse_point("CA (37.78, -122.42)")
    (37.78, -122.42)
    >>> parse_point("POINT (-122.42 37.78)")
    (37.78, -122.42)
    >>> parse_point("[-122.42, 37.78]")
    (37.78, -122.42)
    """
    if value is None:
        return None
    if isinstance(value, dict):
        return geometry_point(value)
    if isinstance(value, (list, tuple)):
        return _lon_lat(value)
    text = str(value).strip()
    if not text:
        return None
    match = _WKT.match(text)
    if match:
        return float(match.group(2)), float(match.group(1))
    if text.startswith(("[", "{")):
        try:
            return parse_point(json.loads(text))
        except ValueError:
            return None
    match = _PAREN.search(text)  # a Socrata location: text, then "(lat, lon)"
    if match:
        return float(match.group(1)), float(match.group(2))
    match = _PAIR.fullmatch(text)
    if match:
        return float(match.group(1)), float(match.group(2))
    return None


def _lon_lat(coords: Any) -> tuple[float, float] | None:
    if isinstance(coords, (list, tuple)) and len(coords) >= 2:
        lon, lat = number(coords[0]), number(coords[1])
        if lon is not None and lat is not None:
            return lat, lon
    return None


def geometry_point(geometry: Mapping[str, Any]) -> tuple[float, float] | None:
    """(lat, lon) of a GeoJSON Point (or a one-point MultiPoint); None for anything else."""
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "MultiPoint" and isinstance(coords, list) and len(coords) == 1:
        coords = coords[0]
    elif kind != "Point":
        if "latitude" in geometry and "longitude" in geometry:  # a Socrata location object
            lat, lon = number(geometry.get("latitude")), number(geometry.get("longitude"))
            return (lat, lon) if lat is not None and lon is not None else None
        return None
    return _lon_lat(coords)


def check_degrees(lat: float, lon: float) -> str | None:
    """None when (lat, lon) can be degrees (the model checks the ranges); :data:`PROJECTED` when they cannot."""
    if abs(lat) > 180 or abs(lon) > 360:
        return PROJECTED
    return None


def find_point_column(columns: Iterable[str], rows: Iterable[Mapping[str, Any]], *, sample: int = 20) -> str | None:
    """The column whose values are whole points: a usual name first, else any column whose values parse."""
    columns = list(columns)
    sampled = [row for _, row in zip(range(sample), rows)]

    def parses(column: str) -> bool:
        values = [row.get(column) for row in sampled if row.get(column) not in (None, "")]
        return bool(values) and sum(parse_point(v) is not None for v in values) >= max(1, len(values) // 2)

    for column in POINT_COLUMNS:
        if column in columns and parses(column):
            return column
    for column in columns:
        if column not in LAT_COLUMNS + LON_COLUMNS and parses(column) and not _all_numbers(sampled, column):
            return column
    return None


def _all_numbers(rows: list[Mapping[str, Any]], column: str) -> bool:
    return all(number(row.get(column)) is not None for row in rows if row.get(column) not in (None, ""))


def place(
    lat: Any = None, lon: Any = None, point: Any = None, geometry: Mapping[str, Any] | None = None
) -> tuple[float | None, float | None, str | None]:
    """(lat, lon, problem) from whatever a row has: a geometry first, then a point column, then two columns.

    ``problem`` is None, :data:`PROJECTED` or a note that a value is not a
    number; with a problem, lat and lon are None.
    """
    found: tuple[float, float] | None = None
    if geometry:
        found = geometry_point(geometry)
    if found is None and point not in (None, ""):
        found = parse_point(point)
        if found is None and lat in (None, "") and lon in (None, ""):
            return None, None, 'not a point (give "lat, lon", POINT (lon lat) or [lon, lat])'
    if found is None:
        if lat in (None, "") and lon in (None, ""):
            return None, None, None
        flat, flon = number(lat), number(lon)
        if flat is None or flon is None:
            return None, None, "not a number"
        found = (flat, flon)
    problem = check_degrees(*found)
    if problem:
        return None, None, problem
    return round(found[0], 7), round(found[1], 7), None

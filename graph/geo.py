"""Geography: vectorized great-circle distances, an exact spatial index, H3
cells, and geocoding that works offline (ZIP centroids).

Distances are haversine on a sphere of radius 6371.0088 km, the mean Earth
radius (IUGG), so they agree with PySAL ``access`` and ``geopy.distance.great_circle``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import h3
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
#: H3 resolution of family home cells (about 0.7 km² a cell): coarse enough to
#: hide a home, fine enough for neighbourhood-level access maps.
HOME_CELL_RESOLUTION = 8


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray[np.float64]:
    """Great-circle distance in km; broadcasts like numpy (vectorized form)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points (scalar form)."""
    return float(haversine_km(lat1, lon1, lat2, lon2))


def _unit_vectors(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    p, l = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(p) * np.cos(l), np.cos(p) * np.sin(l), np.sin(p)))


@dataclass(frozen=True)
class PointIndex:
    """An exact radius search over points (sites), by a k-d tree on the unit sphere.

    Chord length grows with great-circle distance, so a ball query with the
    chord of the radius (plus a hair for rounding) finds every candidate;
    candidates are then kept by their exact haversine distance.
    """

    ids: tuple[str, ...]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    tree: cKDTree

    @classmethod
    def build(cls, ids: Sequence[str], lat: ArrayLike, lon: ArrayLike) -> PointIndex:
        lat_a, lon_a = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        tree = cKDTree(_unit_vectors(lat_a, lon_a) if len(ids) else np.empty((0, 3)))
        return cls(tuple(ids), lat_a, lon_a, tree)

    def within(self, lat: float, lon: float, radius_km: float) -> list[tuple[str, float]]:
        """Ids and distances (km) of the points within ``radius_km``, nearest first, ties by id."""
        if not self.ids or radius_km < 0:
            return []
        angle = min(radius_km / EARTH_RADIUS_KM, np.pi)
        chord = 2 * np.sin(angle / 2) * (1 + 1e-9) + 1e-12
        centre = _unit_vectors(np.array([lat]), np.array([lon]))[0]
        found = np.asarray(self.tree.query_ball_point(centre, chord), dtype=np.intp)
        if found.size == 0:
            return []
        dist = haversine_km(lat, lon, self.lat[found], self.lon[found])
        keep = dist <= radius_km
        rows = sorted(zip(dist[keep].tolist(), (self.ids[i] for i in found[keep])))
        return [(site_id, d) for d, site_id in rows]


def cell_of(lat: float, lon: float, resolution: int = HOME_CELL_RESOLUTION) -> str:
    """The H3 cell that holds a point."""
    return h3.latlng_to_cell(lat, lon, resolution)


def cell_centre(cell: str) -> tuple[float, float]:
    lat, lon = h3.cell_to_latlng(cell)
    return lat, lon


_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")


@cache
def _zip_table() -> dict[str, tuple[float, float]]:
    import zipcodes  # offline table shipped in the package

    table: dict[str, tuple[float, float]] = {}
    for row in zipcodes.list_all():
        try:
            table[row["zip_code"]] = (float(row["lat"]), float(row["long"]))
        except (KeyError, TypeError, ValueError):
            continue
    return table


def zip_centroid(zip_code: str) -> tuple[float, float] | None:
    """The centroid of a US ZIP code, from an offline table; None when unknown."""
    match = _ZIP.search(zip_code or "")
    return _zip_table().get(match.group(1)) if match else None


def find_zip(text: str) -> str | None:
    """The 5-digit ZIP code in an address, if any."""
    match = _ZIP.search(text or "")
    return match.group(1) if match else None

"""Geography: vectorized great-circle distances, an exact spatial index, H3
cells, and geocoding that works offline (ZIP centroids).

Distances are haversine on a sphere of radius 6371.0088 km, the mean Earth
radius (IUGG), so they agree with PySAL ``access`` and ``geopy.distance.great_circle``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h3
import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:  # scipy.spatial is imported when an index is built: opening a store need not wait for it
    from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088
#: Extra neighbours a k-nearest search reads beyond the ones asked for, to see ties at the cut.
_GUARD = 8
#: H3 resolution of family home cells (about 0.7 km² a cell): coarse enough to
#: hide a home, fine enough for neighbourhood-level access maps.
HOME_CELL_RESOLUTION = 8


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray[np.float64]:
    """Great-circle distance in km; broadcasts like numpy (vectorized form)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    distance: NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return distance


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points (scalar form)."""
    return float(haversine_km(lat1, lon1, lat2, lon2))


def unit_vectors(lat: ArrayLike, lon: ArrayLike) -> NDArray[np.float64]:
    """Points as unit vectors in 3-D: their chord length grows with great-circle distance, so a
    k-d tree over them answers radius and nearest-neighbour questions on the sphere."""
    p, lam = np.radians(lat), np.radians(lon)
    cp = np.cos(p)
    return np.column_stack((cp * np.cos(lam), cp * np.sin(lam), np.sin(p)))


@dataclass(frozen=True)
class PointIndex:
    """An exact radius search over points (sites), by a k-d tree on the unit sphere.

    Chord length grows with great-circle distance, so a ball query with the
    chord of the radius (plus a hair for rounding) finds every candidate;
    candidates are then kept by their exact haversine distance, and ordered by
    it, ties by id.

    Points are held in the tree's leaf order, so that points near each other
    are near each other in memory too (a query reads a few cache lines, not one
    per point), with what a query needs of each point in one row of ``table``:
    latitude and longitude in radians, the cosine of the latitude, and the
    point's place in id order (which breaks ties of distance).
    """

    ids: tuple[str, ...]
    tree: cKDTree
    table: NDArray[np.float64]
    id_array: NDArray[np.object_]

    @classmethod
    def build(cls, ids: Sequence[str], lat: ArrayLike, lon: ArrayLike) -> PointIndex:
        from scipy.spatial import cKDTree

        lat_a, lon_a = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        n = len(ids)
        rank = np.empty(n, dtype=np.float64)  # exact as a float for any count of points that fits in memory
        rank[sorted(range(n), key=ids.__getitem__)] = np.arange(n)
        unit = unit_vectors(lat_a, lon_a) if n else np.empty((0, 3))
        order = cKDTree(unit).indices if n else np.empty(0, dtype=np.intp)
        lat_rad, lon_rad = np.radians(lat_a[order]), np.radians(lon_a[order])
        table = np.column_stack((lat_rad, lon_rad, np.cos(lat_rad), rank[order]))
        id_array = np.empty(n, dtype=object)
        id_array[:] = [ids[i] for i in order.tolist()]
        return cls(tuple(id_array.tolist()), cKDTree(unit[order]), table, id_array)

    def within(self, lat: float, lon: float, radius_km: float, *, limit: int | None = None) -> list[tuple[str, float]]:
        """Ids and distances (km) of the points within ``radius_km``, nearest first, ties by id;
        with ``limit``, only the first ``limit`` of them (the same prefix, found without reading the rest)."""
        if limit is not None:
            return self._nearest(lat, lon, radius_km, limit)
        if not self.ids or radius_km < 0:
            return []
        p, lam = math.radians(lat), math.radians(lon)
        cos_p = math.cos(p)
        found = self.tree.query_ball_point(
            (cos_p * math.cos(lam), cos_p * math.sin(lam), math.sin(p)), _chord(radius_km)
        )
        if not found:
            return []
        return self._ordered(np.fromiter(found, dtype=np.intp, count=len(found)), p, lam, cos_p, radius_km)

    def _nearest(self, lat: float, lon: float, radius_km: float, limit: int) -> list[tuple[str, float]]:
        """The first ``limit`` points of :meth:`within`, by a k-nearest query of the tree.

        The tree orders by chord, which grows with great-circle distance; a few
        extra neighbours guard the cut. When the farthest extra neighbour is no
        farther than the last point kept (a tie at the cut), the whole radius is
        read instead, so ties by id stay exact.
        """
        if not self.ids or radius_km < 0 or limit <= 0:
            return []
        k = min(limit + _GUARD, len(self.ids))
        p, lam = math.radians(lat), math.radians(lon)
        cos_p = math.cos(p)
        chords, found = self.tree.query(
            (cos_p * math.cos(lam), cos_p * math.sin(lam), math.sin(p)), k=k, distance_upper_bound=_chord(radius_km)
        )
        if k > 1:  # missing neighbours come last, with an infinite chord
            found = found[: int(np.searchsorted(chords, np.inf))]
        elif not np.isfinite(chords):
            return []
        else:
            found = np.atleast_1d(found)
        rows = self._ordered(found, p, lam, cos_p, radius_km)
        if len(found) == k and len(rows) > limit and rows[-1][1] <= rows[limit - 1][1] * (1 + 1e-9) + 1e-12:
            return self.within(lat, lon, radius_km)[:limit]
        return rows[:limit]

    def _ordered(
        self, found: NDArray[np.intp], p: float, lam: float, cos_p: float, radius_km: float
    ) -> list[tuple[str, float]]:
        """The points ``found`` within the radius, with exact distances, nearest first, ties by id."""
        rows = self.table[found]
        # haversine_km, written out for one point against many (the same formula, in the same order;
        # ``a`` is never negative here, so clipping it to [0, 1] is taking its minimum with 1)
        a = np.sin((rows[:, 0] - p) / 2) ** 2 + cos_p * rows[:, 2] * np.sin((rows[:, 1] - lam) / 2) ** 2
        dist = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
        order = np.lexsort((rows[:, 3], dist))
        dist = dist[order]
        kept = int(np.searchsorted(dist, radius_km, side="right"))
        order = order[:kept]
        return list(zip(self.id_array[found[order]].tolist(), dist[:kept].tolist()))


def _chord(radius_km: float) -> float:
    """The chord (on the unit sphere) of a great-circle radius, widened by a hair against rounding."""
    angle = min(radius_km / EARTH_RADIUS_KM, math.pi)
    return 2 * math.sin(angle / 2) * (1 + 1e-9) + 1e-12


def cell_of(lat: float, lon: float, resolution: int = HOME_CELL_RESOLUTION) -> str:
    """The H3 cell that holds a point."""
    return str(h3.latlng_to_cell(lat, lon, resolution))


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


# ------------------------------------------------------------------ geocoding


@dataclass(frozen=True)
class GeoPoint:
    """A geocoded point and how precise it is: ``rooftop`` (an address) or ``zip`` (a ZIP centroid)."""

    lat: float
    lon: float
    precision: str


class Geocoder:
    """Addresses to points: offline to the ZIP centroid by default; online with
    Nominatim (OpenStreetMap) only when asked.

    Online lookups are rate-limited (one a second, Nominatim's usage policy),
    cached on disk under ``cache_dir`` (hits and misses, so a re-run asks
    nothing twice) and time out quickly; the first network failure turns the
    online lookups off for the rest of the run, so an offline machine never
    hangs, it falls back to ZIP centroids.
    """

    def __init__(
        self,
        *,
        online: bool = False,
        cache_dir: Path | None = None,
        timeout: float = 5.0,
        min_delay_seconds: float = 1.0,
        user_agent: str = "kith-community-resource-network",
        domain: str = "nominatim.openstreetmap.org",
        scheme: str = "https",
    ) -> None:
        self.online = online
        self.failure: str | None = None
        self._cache_dir = cache_dir
        self._cache: Any = None
        self._lookup: Any = None
        self._options = {"timeout": timeout, "user_agent": user_agent, "domain": domain, "scheme": scheme}
        self._min_delay = min_delay_seconds

    def locate(self, address: str | None, zip_code: str | None = None) -> GeoPoint | None:
        """The point of an address (online, if on and reachable) or else of its ZIP code; None if neither."""
        if self.online and self.failure is None and address:
            found = self._online(address)
            if found is not None:
                return found
        code = zip_code or find_zip(address or "")
        centre = zip_centroid(code) if code else None
        return GeoPoint(centre[0], centre[1], "zip") if centre else None

    def _online(self, address: str) -> GeoPoint | None:
        key = "nominatim:" + " ".join(address.split()).lower()
        cache = self._open_cache()
        if cache is not None and key in cache:
            hit = cache[key]
            return GeoPoint(hit[0], hit[1], "rooftop") if hit else None
        from geopy.exc import GeopyError

        try:
            result = self._geocode()(address)
        except (GeopyError, OSError, ValueError) as exc:
            self.failure = f"online geocoding is unavailable ({type(exc).__name__}); using ZIP centroids"
            return None
        value = (float(result.latitude), float(result.longitude)) if result is not None else None
        if cache is not None:
            cache[key] = value
        return GeoPoint(value[0], value[1], "rooftop") if value else None

    def _geocode(self) -> Any:
        if self._lookup is None:
            from geopy.extra.rate_limiter import RateLimiter
            from geopy.geocoders import Nominatim

            nominatim = Nominatim(**self._options)
            self._lookup = RateLimiter(
                nominatim.geocode, min_delay_seconds=self._min_delay, max_retries=0, swallow_exceptions=False
            )
        return self._lookup

    def _open_cache(self) -> Any:
        if self._cache is None and self._cache_dir is not None:
            import diskcache

            self._cache = diskcache.Cache(str(self._cache_dir))
        return self._cache

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

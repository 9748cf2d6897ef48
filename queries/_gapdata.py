"""Demand and supply tables for the gap questions, read through the store port.

Demand: students with a need, counted at their family's H3 home cell, at the
ZIP area holding that cell's centre (nearest standard ZIP centroid), or at
their school (other demand sources are in :mod:`kith.queries._demand`).
Supply: one row per (service, site) for the services addressing the need; a
service delivered at several sites splits its capacity evenly, and a service
with no stated capacity counts a stated default (one place unless told),
never zero, and the supply says how much of it is assumed. What-if changes
make new tables; the store is never written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, NamedTuple, cast

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from kith.graph import areas as geo_areas
from kith.graph.errors import InputError
from kith.graph.geo import cell_centre, unit_vectors
from kith.graph.model import Label, NeedCode, RelType
from kith.graph.store import GraphStore
from kith.queries._names import unknown_need
from kith.trust.suppression import Released, released_counts, suppress_lines


def need_code(need: str) -> str:
    """The need code, checked against the taxonomy."""
    try:
        return NeedCode(str(need).strip().lower()).value
    except ValueError:
        raise InputError(unknown_need(str(need).strip().lower())) from None


#: Places a service with no stated capacity counts (one unit per service): most directories state none,
#: and zero would make every accessibility zero. A district may state its own (``KITH_DEFAULT_CAPACITY``).
DEFAULT_CAPACITY = 1.0


@dataclass(frozen=True)
class Areas:
    """Demand: ``table`` has columns id, lat, lon, demand; ``names`` follow its rows."""

    table: pd.DataFrame
    names: list[str]
    unlocated: int = 0
    zips: tuple[str, ...] = ()  # by cell: the ZIP area each cell is counted in (named in the cell's name)


@dataclass(frozen=True)
class Supply:
    """Supply: ``table`` has columns id, lat, lon, capacity (one row per service and site)."""

    table: pd.DataFrame
    services: tuple[str, ...] = ()
    rows_of: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    assumed: float = 0.0  # places assumed for services with no stated capacity
    without_capacity: int = 0  # how many of ``services`` state no capacity
    default_capacity: float = DEFAULT_CAPACITY
    #: Service id → (ZIP codes, GeoJSON extent) of the services with a service area (kith.graph.areas).
    areas: Mapping[str, tuple[tuple[str, ...], str | None]] = field(default_factory=dict)


class AddSite(NamedTuple):
    """A what-if site: a new place offering the need, with its capacity."""

    lat: float
    lon: float
    capacity: float

    @classmethod
    def parse(cls, value: Sequence[float] | str) -> AddSite:
        parts = value.split(",") if isinstance(value, str) else list(value)
        try:
            lat, lon, capacity = (float(p) for p in parts)
        except (TypeError, ValueError):
            raise InputError(f"a new site is LAT,LON,CAPACITY, not {value!r}") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not (np.isfinite(capacity) and capacity >= 0):
            raise InputError(f"a new site needs a real place and a capacity >= 0, not {value!r}")
        return cls(lat, lon, capacity)


# ------------------------------------------------------------------ demand


class NeedStudents(NamedTuple):
    """The students with one need, as the store reads them (``student_needs``): each one's school and
    home cell (None where unknown), without their ids."""

    schools: list[str | None]
    cells: list[str | None]

    @classmethod
    def read(cls, store: GraphStore, need: str) -> NeedStudents:
        """The students with ``need``, in one read."""
        found = store.student_needs([need])
        return cls(found["school"], found["cell"])


def demand_areas(store: GraphStore, need: str, by: str, students: NeedStudents | None = None) -> Areas:
    """Students with ``need`` per area (only areas with at least one); ``students`` as
    :meth:`NeedStudents.read` gives them (read when None)."""
    students = students if students is not None else NeedStudents.read(store, need)
    if by == "school":
        return _by_school(store, students)
    cells = Counter(cell for cell in students.cells if cell is not None)
    unlocated = len(students.cells) - sum(cells.values())
    ids = sorted(cells)
    centres = [cell_centre(c) for c in ids]
    lat = np.array([c[0] for c in centres], dtype=np.float64)
    lon = np.array([c[1] for c in centres], dtype=np.float64)
    zips, cities = _nearest_zip(lat, lon)
    if by == "cell":
        table = pd.DataFrame({"id": ids, "lat": lat, "lon": lon, "demand": [cells[c] for c in ids]})
        return Areas(table, [f"{city} ({z})" for z, city in zip(zips, cities)], unlocated, tuple(zips))
    per_zip: Counter[str] = Counter()
    for cell, z in zip(ids, zips):
        per_zip[z] += cells[cell]
    zip_ids = sorted(per_zip)
    table = _zip_table()
    rows = table.loc[zip_ids]
    frame = pd.DataFrame(
        {
            "id": zip_ids,
            "lat": rows["lat"].to_numpy(),
            "lon": rows["lon"].to_numpy(),
            "demand": [per_zip[z] for z in zip_ids],
        }
    )
    return Areas(frame, rows["city"].tolist(), unlocated)


def _by_school(store: GraphStore, students: NeedStudents) -> Areas:
    counts = Counter(school for school in students.schools if school is not None)
    schools = [s for s in store.nodes(Label.SCHOOL, ids=counts) if s.get("lat") is not None]
    located = sum(counts[s["id"]] for s in schools)
    table = pd.DataFrame(
        {
            "id": [s["id"] for s in schools],
            "lat": [float(s["lat"]) for s in schools],
            "lon": [float(s["lon"]) for s in schools],
            "demand": [counts[s["id"]] for s in schools],
        }
    )
    if table.empty:
        table = pd.DataFrame(
            {
                "id": pd.Series(dtype=str),
                "lat": pd.Series(dtype=float),
                "lon": pd.Series(dtype=float),
                "demand": pd.Series(dtype=np.int64),
            }
        )
    return Areas(table, [s["name"] for s in schools], len(students.schools) - located)


@cache
def _zip_table() -> pd.DataFrame:
    """Standard US ZIP codes with centroid and city, from the offline ``zipcodes`` table."""
    import zipcodes

    rows = [
        (z["zip_code"], float(z["lat"]), float(z["long"]), str(z.get("city") or "").title())
        for z in zipcodes.list_all()
        if z.get("lat") and z.get("long") and z.get("zip_code_type") == "STANDARD"
    ]
    frame = pd.DataFrame(rows, columns=["zip", "lat", "lon", "city"]).drop_duplicates("zip")
    return frame.set_index("zip", drop=False).sort_index()


@cache
def _zip_tree() -> cKDTree:
    table = _zip_table()
    return cKDTree(unit_vectors(table["lat"].to_numpy(), table["lon"].to_numpy()))


def load_zip_table() -> None:
    """Load the ZIP table now (under a second), before the counts that need it are made."""
    _zip_tree()


def _nearest_zip(lat: np.ndarray, lon: np.ndarray) -> tuple[list[str], list[str]]:
    """The nearest standard ZIP centroid (great circle) of each point: ZIP codes and city names."""
    if len(lat) == 0:
        return [], []
    _, idx = _zip_tree().query(unit_vectors(lat, lon))
    table = _zip_table()
    return table["zip"].to_numpy()[idx].tolist(), table["city"].to_numpy()[idx].tolist()


class ShownDemand(NamedTuple):
    """Student counts of one need as they may leave kith: per area, not located, and in all; and per
    area, the count as released values (accessibility) may use it: worked out from the shown counts
    alone (:func:`kith.trust.suppression.released_counts`)."""

    areas: dict[str, int | str]
    unlocated: int | str
    total: int | str
    released: dict[str, Released] = {}


def shown_demand(
    store: GraphStore,
    need: str,
    by: str,
    areas: Areas | None,
    threshold: int,
    students: NeedStudents | None = None,
) -> ShownDemand:
    """The counts of ``areas`` (read when None) with small-cell and complementary suppression
    (:mod:`kith.trust.suppression`); the other areas' counts come from ``students`` (read when None).

    The lines a reader can add up are suppressed together, whichever ``by``
    is asked, so that no two reports of a need show a count one of them hides:
    the cells of each ZIP area add up to the area's count (a cell's name says
    its ZIP); the ZIP areas and the students without a home cell add up to
    every student with the need; so do the schools and the students without a
    located school. The network's counts per school come from here too.
    """
    students = students if students is not None else NeedStudents.read(store, need)
    areas = areas if areas is not None else demand_areas(store, need, by, students)
    cells = areas if by == "cell" else demand_areas(store, need, "cell", students)
    schools = areas if by == "school" else demand_areas(store, need, "school", students)
    values, lines = _demand_lines(cells, schools)
    shown = suppress_lines(values, lines, threshold)
    released = released_counts(shown, lines, threshold)
    level = {"cell": "cell", "zip": "zip", "school": "school"}[by]
    return ShownDemand(
        {k[1]: v for k, v in shown.items() if k[0] == level},
        shown[UNLOCATED_SCHOOL if by == "school" else UNLOCATED_HOME],
        shown[TOTAL],
        {k[1]: v for k, v in released.items() if k[0] == level},
    )


class StudentNeeds(NamedTuple):
    """The students with needs, read once for every need (``student_needs``). The store gives no ids:
    a student is known here by its place in the read."""

    students_of: dict[str, list[int]]  # need code -> the students with it
    school_of: dict[int, str]  # student -> the school it is enrolled in
    cell_of: dict[int, str]  # student -> its family's home cell, where known

    @classmethod
    def read(cls, store: GraphStore) -> StudentNeeds:
        """Every student with a need, in one read."""
        found = store.student_needs()
        students_of: dict[str, list[int]] = {}
        for student, codes in enumerate(found["needs"]):
            for code in codes:
                students_of.setdefault(code, []).append(student)
        school_of = {student: school for student, school in enumerate(found["school"]) if school is not None}
        cell_of = {student: cell for student, cell in enumerate(found["cell"]) if cell is not None}
        return cls(dict(sorted(students_of.items())), school_of, cell_of)


class NeedCounts(NamedTuple):
    """Students per need: by home cell, by located school, and in all (with or without either)."""

    cells: dict[str, Counter[str]]
    schools: dict[str, Counter[str]]
    with_need: Counter[str]

    @classmethod
    def count(  # type: ignore[override]  # a constructor, not tuple.count
        cls, store: GraphStore, needs: Sequence[str], students: StudentNeeds
    ) -> NeedCounts:
        """The counts of ``needs``."""
        located = {
            s["id"] for s in store.nodes(Label.SCHOOL, ids=set(students.school_of.values())) if s.get("lat") is not None
        }
        at_located = {s: school for s, school in students.school_of.items() if school in located}
        counts = cls({}, {}, Counter())
        for need in needs:
            of_need = students.students_of.get(need, [])
            cells: Counter[str | None] = Counter(map(students.cell_of.get, of_need))
            schools: Counter[str | None] = Counter(map(at_located.get, of_need))
            cells.pop(None, None)  # no home cell
            schools.pop(None, None)  # no located school
            counts.cells[need], counts.schools[need] = cast("Counter[str]", cells), cast("Counter[str]", schools)
            counts.with_need[need] = len(of_need)
        return counts


def shown_from_counts(counts: NeedCounts, threshold: int) -> dict[str, dict[str, int | str]]:
    """For each need, :func:`shown_demand` by school (the same counts, the same markers), from the
    counts of every need at once (the network asks for every need). It reads no store, so it can
    run in another process."""
    every_cell = sorted({c for by_cell in counts.cells.values() for c in by_cell})
    centres = [cell_centre(c) for c in every_cell]
    zip_of = dict(
        zip(
            every_cell,
            _nearest_zip(
                np.array([c[0] for c in centres], dtype=np.float64), np.array([c[1] for c in centres], dtype=np.float64)
            )[0],
        )
    )
    shown = {}
    for need, at_cell in counts.cells.items():
        at_school, everyone = counts.schools[need], counts.with_need[need]
        ids = sorted(at_cell)
        by_cell = Areas(
            pd.DataFrame({"id": ids, "demand": [at_cell[c] for c in ids]}),
            ids,
            everyone - sum(at_cell.values()),
            tuple(zip_of[c] for c in ids),
        )
        ids = sorted(at_school)
        by_school = Areas(
            pd.DataFrame({"id": ids, "demand": [at_school[c] for c in ids]}), ids, everyone - sum(at_school.values())
        )
        shown[need] = {k[1]: v for k, v in suppress_demand(by_cell, by_school, threshold).items() if k[0] == "school"}
    return shown


def suppress_demand(cells: Areas, schools: Areas, threshold: int) -> dict[tuple[str, ...], int | str]:
    """One need's counts by cell (with ``zips``), by ZIP area and by school, suppressed together.

    Keys ``("cell", id)``, ``("zip", code)``, ``("school", id)``,
    :data:`UNLOCATED_HOME`, :data:`UNLOCATED_SCHOOL` and :data:`TOTAL`; both
    ways of counting must add up to the same total."""
    return suppress_lines(*_demand_lines(cells, schools), threshold)


def _demand_lines(cells: Areas, schools: Areas) -> tuple[dict[tuple[str, ...], int], list[Line]]:
    """The counts :func:`suppress_demand` suppresses, by key, and the lines they add up in."""
    values: dict[tuple[str, ...], int] = {}
    in_zip: dict[str, list[tuple[str, ...]]] = {}
    for cell, z, n in zip(cells.table["id"].tolist(), cells.zips, cells.table["demand"].astype(int).tolist()):
        values[("cell", cell)] = n
        in_zip.setdefault(z, []).append(("cell", cell))
    for z, members in sorted(in_zip.items()):
        values[("zip", z)] = sum(values[m] for m in members)
    for school, n in sorted(zip(schools.table["id"].tolist(), schools.table["demand"].astype(int).tolist())):
        values[("school", school)] = n
    values[UNLOCATED_HOME], values[UNLOCATED_SCHOOL] = int(cells.unlocated), int(schools.unlocated)
    values[TOTAL] = sum(v for k, v in values.items() if k[0] in ("zip", "unlocated-home"))
    lines: list[Line] = [(members, ("zip", z)) for z, members in sorted(in_zip.items())]
    lines.append(([*(("zip", z) for z in sorted(in_zip)), UNLOCATED_HOME], TOTAL))  # cells + UNLOCATED_HOME: implied
    lines.append(([*(k for k in values if k[0] == "school"), UNLOCATED_SCHOOL], TOTAL))
    if sum(v for k, v in values.items() if k[0] in ("school", "unlocated-school")) != values[TOTAL]:
        raise ValueError("the counts by school and by home do not add up to the same students")
    return values, lines


TOTAL, UNLOCATED_HOME, UNLOCATED_SCHOOL = ("total",), ("unlocated-home",), ("unlocated-school",)
#: A line of counts (keys) shown beside the key of their total.
Line = tuple[list[tuple[str, ...]], tuple[str, ...]]


# ------------------------------------------------------------------ supply


def supply_sites(store: GraphStore, need: str, *, default_capacity: float = DEFAULT_CAPACITY) -> Supply:
    """One supply row per (service, site) of the services addressing ``need``; a service with no
    stated capacity counts ``default_capacity`` places (> 0)."""
    if not (np.isfinite(default_capacity) and default_capacity > 0):
        raise InputError(f"the default capacity must be a number > 0, not {default_capacity!r}")
    services = sorted({r["source"] for r in store.relationships(RelType.ADDRESSES, targets=[need])})
    found = store.nodes(Label.SERVICE, ids=services)
    stated = {s["id"]: s.get("capacity") for s in found}
    served = {
        s["id"]: (tuple(s.get("area_zips") or ()), s.get("area_geojson") or None)
        for s in found
        if s.get("area_zips") or s.get("area_geojson")
    }
    capacity = {s: float(default_capacity if c is None else c) for s, c in stated.items()}
    delivered = store.relationships(RelType.DELIVERED_AT, sources=services)
    sites = {
        s["id"]: s for s in store.nodes(Label.SITE, ids={r["target"] for r in delivered}) if s.get("lat") is not None
    }
    at: dict[str, list[str]] = {}
    for r in delivered:
        if r["target"] in sites:
            at.setdefault(r["source"], []).append(r["target"])
    ids: list[str] = []
    lat: list[float] = []
    lon: list[float] = []
    cap: list[float] = []
    rows_of: dict[str, tuple[int, ...]] = {}
    for service in services:
        where = at.get(service, [])
        rows_of[service] = tuple(range(len(ids), len(ids) + (len(where) or int(service in served))))
        for site in where:
            ids.append(f"{service}@{site}")
            lat.append(float(sites[site]["lat"]))
            lon.append(float(sites[site]["lon"]))
            cap.append(capacity.get(service, 0.0) / len(where))
        if not where and service in served:  # no located site (a confidential one): its area alone
            ids.append(f"{service}@area")
            lat.append(np.nan)
            lon.append(np.nan)
            cap.append(capacity.get(service, 0.0))
    table = pd.DataFrame(
        {
            "id": ids,
            "lat": np.array(lat, dtype=np.float64),
            "lon": np.array(lon, dtype=np.float64),
            "capacity": np.array(cap, dtype=np.float64),
        }
    )
    located = tuple(s for s in services if at.get(s) or s in served)
    unknown = [s for s in located if stated.get(s) is None]
    return Supply(
        table,
        located,
        rows_of,
        assumed=float(default_capacity) * len(unknown),
        without_capacity=len(unknown),
        default_capacity=float(default_capacity),
        areas=served,
    )


def area_covers(areas: Areas, supply: Supply) -> pd.DataFrame | None:
    """(origin: demand id, destination: supply row id) of each demand area a service's area holds:
    the area's ZIP code (the nearest ZIP centroid of its point) is listed, or its point lies inside
    the extent. None when no service has an area."""
    if not supply.areas or areas.table.empty:
        return None
    lat, lon = areas.table["lat"].to_numpy(np.float64), areas.table["lon"].to_numpy(np.float64)
    zips = np.array(_nearest_zip(lat, lon)[0], dtype=object)
    demand_ids = areas.table["id"].to_numpy()
    supply_ids = supply.table["id"].to_numpy()
    origin: list[Any] = []
    destination: list[Any] = []
    for service, (codes, extent) in supply.areas.items():
        inside = np.isin(zips, list(codes)) | geo_areas.covered(extent, lat, lon)
        if not inside.any():
            continue
        for row in supply.rows_of.get(service, ()):
            origin.extend(demand_ids[inside].tolist())
            destination.extend([supply_ids[row]] * int(inside.sum()))
    return pd.DataFrame({"origin": origin, "destination": destination})


def with_what_if(
    supply: Supply, sites: Sequence[AddSite], add_capacity: Mapping[str, float]
) -> tuple[Supply, tuple[str, ...]]:
    """A new supply table with the what-if changes, and a description of each change."""
    problems = [
        f"service {sid!r} does not address this need at any located site"
        for sid in add_capacity
        if sid not in supply.rows_of or not supply.rows_of[sid]
    ]
    problems += [
        f"extra capacity for {sid!r} must be a number >= 0"
        for sid, n in add_capacity.items()
        if not (isinstance(n, (int, float)) and np.isfinite(n) and n >= 0)
    ]
    if problems:
        raise InputError("cannot apply the what-if: " + "; ".join(problems))
    table = supply.table.copy()
    described = []
    for sid, extra in add_capacity.items():
        rows = list(supply.rows_of[sid])
        table.loc[rows, "capacity"] += float(extra) / len(rows)
        described.append(f"add capacity {extra:g} to service {sid}")
    if sites:
        new = pd.DataFrame(
            {
                "id": [f"what-if-site-{k + 1}" for k in range(len(sites))],
                "lat": [s.lat for s in sites],
                "lon": [s.lon for s in sites],
                "capacity": [float(s.capacity) for s in sites],
            }
        )
        table = pd.concat([table, new], ignore_index=True)
        described += [f"add a site at {s.lat:.6g},{s.lon:.6g} with capacity {s.capacity:g}" for s in sites]
    return replace(supply, table=table), tuple(described)

"""Service gaps and deserts: where students' needs meet no provider in reach.

Accessibility is the two-step floating catchment area (2SFCA, Luo & Wang
2003) or, with a distance decay, its enhanced form (E2SFCA, Luo & Qi 2009);
the pure core is in :mod:`kith.queries._fca`. Demand comes from one named
source (:mod:`kith.queries._demand`): students with a need from student
records, aggregate counts, an estimate (enrollment × a cited prevalence rate)
or population, at an H3 cell (``by="cell"``), a ZIP area (``by="zip"``) or a
school (``by="school"``); every report says which, with its year and rates.
Supply is the capacity of the services addressing the need, at their sites; a
service that states none counts a stated default, and the report says how
much of the supply is assumed.

A *desert* is an area with demand and no provider within the catchment, or
(by a stated rule) with accessibility below a threshold. Every row states the
rule and threshold that flagged it, so a planner can defend the map. What-if
scenarios (a new site, more capacity) are recomputed beside the baseline
without changing the store.

Counts of students leave only suppressed (:mod:`kith.trust.suppression`): small
counts, and the counts that would give one away by subtraction from a total,
are hidden the same way whatever the options; students in deserts add up only
the counts the rows show, since the options choose which areas they cover.
Accessibility, the desert rules' thresholds and every what-if are computed
from the counts as shown, never from a hidden one: a hidden count enters as a
stand-in worked out from the shown counts, and each row gives the least and
most accessibility that the range of every hidden count in reach allows. A
caller who chooses sites, capacities, catchments and decays at will learns no
more of a hidden count than the shown counts tell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from kith.graph.errors import InputError
from kith.graph.store import GraphStore
from kith.queries._demand import Demand, Rate, read_demand
from kith.queries._fca import (
    Decay,
    Pairs,
    describe_decay,
    gaussian_decay,
    pairs_from_matrix,
    pairs_within,
    step_decay,
    two_step,
    with_covers,
)
from kith.queries._gapdata import (
    DEFAULT_CAPACITY,
    AddSite,
    Areas,
    ShownDemand,
    Supply,
    area_covers,
    need_code,
    supply_sites,
    with_what_if,
)
from kith.queries._travel import Reach, reach_for, supply_travel
from kith.trust.suppression import Released, is_suppressed, shown_sum

__all__ = [
    "GapReport",
    "GapRow",
    "accessibility",
    "decay_named",
    "find_deserts",
    "gaussian_decay",
    "gaps_geojson",
    "service_gaps",
    "step_decay",
]

By = Literal["cell", "school", "zip"]
Rule = Literal["none-in-reach", "below-ratio", "percentile"]
RULES: tuple[str, ...] = ("none-in-reach", "below-ratio", "percentile")
BY: tuple[str, ...] = ("cell", "school", "zip")


# ------------------------------------------------------------------ the pure question


def accessibility(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    *,
    catchment_km: float | None = None,
    travel: pd.DataFrame | None = None,
    decay: Decay | None = None,
    covers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Spatial accessibility of supply from each demand location, by 2SFCA or E2SFCA.

    Two-step floating catchment area (Luo & Wang 2003): each supply location's
    capacity is divided by the demand in its catchment, and each demand
    location sums the ratios of the supply locations in its catchment. With a
    ``decay`` (Luo & Qi 2009, E2SFCA) both sums are weighted by the decay of
    the distance. A pair is in reach when its distance (or travel cost) is
    ``<=`` the catchment, as PySAL ``access`` has it.

    Parameters
    ----------
    demand : DataFrame
        Columns ``id, lat, lon, demand`` (ids unique, demand >= 0).
    supply : DataFrame
        Columns ``id, lat, lon, capacity`` (ids unique, capacity >= 0).
        ``lat``/``lon`` may be omitted from both when ``travel`` is given.
    catchment_km : float, optional
        The catchment: great-circle km, or the travel matrix's unit when
        ``travel`` is given. Without a travel matrix it is required, unless a
        step ``decay`` bounds the reach (then its last step is the catchment).
    travel : DataFrame, optional
        Columns ``origin, destination, cost`` (demand id, supply id, cost):
        replaces distances; pairs not listed are out of reach.
    decay : callable, optional
        Weights for an array of distances (see :func:`step_decay`,
        :func:`gaussian_decay`); None gives plain 2SFCA.
    covers : DataFrame, optional
        Columns ``origin, destination`` (demand id, supply id): pairs in reach
        because the supply's service area holds the demand location, wherever
        the site is (at cost 0, so a decay weighs them fully). A supply row
        reached only this way may have no ``lat``/``lon`` (a confidential site).

    Returns
    -------
    DataFrame
        One row per demand id, in the order given: ``id``, ``accessibility``
        (capacity per unit of demand) and ``providers_in_reach`` (supply rows in
        the catchment).

    Examples
    --------
    >>> demand = pd.DataFrame({"id": ["a", "b"], "lat": [42.0, 42.0], "lon": [-71.0, -70.9], "demand": [10, 30]})
    >>> supply = pd.DataFrame({"id": ["s"], "lat": [42.0], "lon": [-71.0], "capacity": [20]})
    >>> accessibility(demand, supply, catchment_km=5.0)["accessibility"].tolist()
    [2.0, 0.0]
    """
    catchment = _check_tables(demand, supply, catchment_km, travel, decay, covers)
    demand_ids, supply_ids = pd.Index(demand["id"]), pd.Index(supply["id"])
    if travel is not None:
        pairs = pairs_from_matrix(demand_ids, supply_ids, travel, catchment)
    else:
        lat, lon = supply["lat"].to_numpy(np.float64), supply["lon"].to_numpy(np.float64)
        located = np.flatnonzero(~(np.isnan(lat) | np.isnan(lon)))
        pairs = pairs_within(
            demand["lat"].to_numpy(np.float64),
            demand["lon"].to_numpy(np.float64),
            lat[located],
            lon[located],
            catchment,
            exact_at=getattr(decay, "breakpoints", ()),
            exact=decay is not None and not hasattr(decay, "breakpoints"),
        )
        if len(located) < len(supply):
            pairs = Pairs(pairs.demand, located[pairs.supply], pairs.cost)
    if covers is not None and len(covers):
        pairs = with_covers(pairs, demand_ids, supply_ids, covers)
    access, in_reach = two_step(
        demand["demand"].to_numpy(np.float64), supply["capacity"].to_numpy(np.float64), pairs, decay
    )
    return pd.DataFrame({"id": demand["id"].to_numpy(), "accessibility": access, "providers_in_reach": in_reach})


def _check_tables(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    catchment_km: float | None,
    travel: pd.DataFrame | None,
    decay: Decay | None,
    covers: pd.DataFrame | None = None,
) -> float:
    """Gather every problem with the inputs into one error; return the catchment to use."""
    problems: list[str] = []
    located = travel is None
    for name, table, value in (("demand", demand, "demand"), ("supply", supply, "capacity")):
        needed = ["id", value] + (["lat", "lon"] if located else [])
        missing = [c for c in needed if c not in table.columns]
        if missing:
            problems.append(f"{name} lacks column(s) {', '.join(missing)}")
            continue
        if not pd.Index(table["id"]).is_unique:
            problems.append(f"{name} ids are not unique")
        values = _numbers(table[value])
        if not (np.isfinite(values).all() and (values >= 0).all()):
            problems.append(f"{name} column {value} must hold numbers >= 0")
        if located:
            lat, lon = _numbers(table["lat"]), _numbers(table["lon"])
            unplaced = np.isnan(lat) | np.isnan(lon)
            if name == "supply" and covers is not None:  # reached through its service area alone
                unplaced &= ~table["id"].isin(covers["destination"]).to_numpy()
            with np.errstate(invalid="ignore"):  # a missing coordinate is said above
                impossible = (np.abs(lat) > 90) | (np.abs(lon) > 180)
            if unplaced.any() or impossible.any():
                problems.append(f"{name} has missing or impossible coordinates")
    if covers is not None and not {"origin", "destination"} <= set(covers.columns):
        problems.append("covers lacks column(s) origin, destination")
    if travel is not None:
        missing = [c for c in ("origin", "destination", "cost") if c not in travel.columns]
        if missing:
            problems.append(f"travel lacks column(s) {', '.join(missing)}")
        else:
            cost = pd.to_numeric(travel["cost"], errors="coerce")
            if cost.isna().any() or (cost < 0).any():
                problems.append("travel costs must be numbers >= 0")
            if travel.duplicated(["origin", "destination"]).any():
                problems.append("travel lists an (origin, destination) pair twice")
    if catchment_km is not None and not (np.isfinite(catchment_km) and catchment_km >= 0):
        problems.append(f"the catchment must be a number >= 0, not {catchment_km!r}")
    catchment = catchment_km
    if catchment is None and travel is None:
        bounds = getattr(decay, "breakpoints", ())
        if bounds:
            catchment = max(bounds)
        else:
            problems.append("give catchment_km (or a travel matrix, or a step decay that bounds the reach)")
    if problems:
        raise InputError("cannot compute accessibility: " + "; ".join(problems))
    return catchment  # type: ignore[return-value]


def _numbers(column: pd.Series) -> NDArray[np.float64]:
    """A column as float64, anything that is not a number as NaN (at numpy's speed when it is numeric)."""
    numeric = pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype)
    values: NDArray[np.float64] = (column if numeric else pd.to_numeric(column, errors="coerce")).to_numpy(
        np.float64, na_value=np.nan
    )
    return values


def decay_named(name: str | None, catchment_km: float) -> Decay | None:
    """The decay a name stands for, scaled to the catchment (for the command line and the dashboard).

    ``none`` (2SFCA); ``step``: Luo & Qi's (2009) three zones, each a third of
    the catchment, weighted 1.00, 0.68, 0.22; ``gaussian``: sigma of half the
    catchment (weight 0.61 at half the catchment, 0.14 at its edge).
    """
    if name in (None, "none"):
        return None
    if name == "step":
        c = float(catchment_km)
        return step_decay({c / 3: 1.0, 2 * c / 3: 0.68, c: 0.22})
    if name == "gaussian":
        return gaussian_decay(catchment_km / 2)
    raise InputError(f"unknown decay {name!r} (use none, step or gaussian)")


# ------------------------------------------------------------------ results


class GapRow(BaseModel):
    """One area of a gap report. ``demand`` is suppressed; the ``*_before`` fields are set by a what-if.

    ``accessibility`` is computed from the shown counts, a hidden count standing in as its line's
    share (:func:`kith.trust.suppression.released_counts`); ``accessibility_low`` and
    ``accessibility_high`` are its least and most over every value the hidden counts in reach may
    take (the same number when no hidden count is in reach)."""

    model_config = ConfigDict(frozen=True)

    area_id: str
    area_name: str
    lat: float
    lon: float
    demand: int | str
    accessibility: float
    providers_in_reach: int
    desert: bool
    accessibility_low: float | None = None
    accessibility_high: float | None = None
    desert_rule: str | None = None
    accessibility_before: float | None = None
    providers_in_reach_before: int | None = None
    desert_before: bool | None = None


class GapReport(BaseModel):
    """Accessibility per area for one need, with the desert rule stated and, for a what-if, the baseline.

    ``students`` is every student with the need: the rows' ``demand`` plus
    ``students_unlocated`` (no home cell, or no located school). The rows and
    these two counts are suppressed as one line (small and complementary
    suppression). ``students_in_deserts`` adds up only the shown counts of the
    desert rows; ``desert_areas_hidden`` says how many desert rows with a
    hidden count it leaves out (and the same ``*_before`` for a what-if).

    ``demand_source`` names where demand comes from (``demand_text`` says it in
    a sentence, with ``demand_years`` and, for an estimate, ``demand_rates``);
    with ``estimate`` the counts are rounded estimates, not counts of students
    (with ``population``, ``students`` counts residents). ``capacity_assumed``
    is the part of ``capacity`` assumed for ``services_without_capacity``."""

    model_config = ConfigDict(frozen=True)

    need: str
    by: str
    catchment_km: float | None
    decay: str
    rule: str
    threshold: float | None
    rule_text: str
    areas: int
    deserts: int
    students: int | str
    students_in_deserts: int | str
    students_unlocated: int | str
    desert_areas_hidden: int = 0
    providers: int
    capacity: float
    catchment_min: float | None = None
    travel: str = "straight-line distance"
    demand_source: str = "students"
    demand_text: str = "students with the need in student records"
    demand_years: tuple[str, ...] = ()
    demand_rates: tuple[str, ...] = ()
    #: An estimate's income adjustment (free or reduced-price lunch, Title I), when asked for: its sentence.
    demand_adjustment: str = ""
    estimate: bool = False
    capacity_assumed: float = 0.0
    services_without_capacity: int = 0
    capacity_text: str = ""
    what_if: tuple[str, ...] = ()
    capacity_before: float | None = None
    deserts_before: int | None = None
    students_in_deserts_before: int | str | None = None
    desert_areas_hidden_before: int | None = None
    rows: tuple[GapRow, ...]

    def table(self) -> list[dict[str, Any]]:
        """The rows as plain dicts (what-if columns only when there is a what-if)."""
        drop = set() if self.what_if else {"accessibility_before", "providers_in_reach_before", "desert_before"}
        return [row.model_dump(exclude=drop) for row in self.rows]

    def summary(self) -> dict[str, Any]:
        """The report without its rows."""
        return self.model_dump(exclude={"rows"})


# ------------------------------------------------------------------ the store questions


def service_gaps(
    store: GraphStore,
    need: str,
    *,
    demand: str | None = None,
    by: By | None = None,
    catchment_km: float = 5.0,
    decay: Decay | str | None = None,
    rule: Rule = "none-in-reach",
    threshold: float | None = None,
    add_sites: Sequence[tuple[float, float, float]] = (),
    add_capacity: Mapping[str, float] | None = None,
    suppress_below: int = 10,
    default_capacity: float = DEFAULT_CAPACITY,
    prevalence: Sequence[Rate] | None = None,
    mode: str | None = None,
    minutes: float | None = None,
    travel: pd.DataFrame | None = None,
    income_adjust: bool = False,
) -> GapReport:
    """Accessibility of services for ``need`` per area, with deserts flagged (2SFCA / E2SFCA).

    Demand is the need per area from one source; supply the capacity of the
    services addressing it at their sites (a service at several sites splits
    its capacity evenly; a service with no stated capacity counts
    ``default_capacity``). Accessibility is 2SFCA (Luo & Wang 2003), or E2SFCA
    with a ``decay`` (Luo & Qi 2009), in places per student (per resident
    for population).

    Parameters
    ----------
    store : GraphStore
    need : str
        A need code of the taxonomy (``graph/needs.csv``).
    demand : {"students", "counts", "estimate", "population"}, optional
        The demand source; None: the best the graph holds for the need (students,
        then counts, then an estimate, then population).
    by : {"cell", "school", "zip"}, optional
        Where demand is counted: the family's H3 home cell, the school, or the
        ZIP area holding the home cell's centre (nearest ZIP centroid); for an
        estimate, the school, or the cell or ZIP area holding it. None: cells for
        students, schools for an estimate, the areas counts are given in.
    catchment_km : float
        Great-circle reach of a provider.
    decay : callable or {"none", "step", "gaussian"}, optional
        Distance decay (E2SFCA); see :func:`decay_named`.
    rule, threshold :
        The desert rule (beyond "no provider in reach", which always flags):
        ``below-ratio`` (accessibility < threshold places per student; default
        half the area-wide ratio) or ``percentile`` (accessibility at or below
        the ``threshold``-th percentile of areas; default 20). Thresholds come
        from the baseline, so a what-if is judged by the same bar.
    add_sites : sequence of (lat, lon, capacity)
        What-if: new sites offering the need.
    add_capacity : mapping of service id to places
        What-if: more capacity for existing services addressing the need.
    suppress_below : int
        Student counts from 1 to this minus 1 are shown as ``"<N"`` (students and
        counts; estimates and population are not counts of records).
    default_capacity : float
        Places of a service with no stated capacity (> 0).
    prevalence : sequence of Rate, optional
        The rates of an estimate (:func:`kith.queries._demand.prevalence`); None:
        the shipped table.
    mode : {"km", "walk", "transit", "drive"}, optional
        Reach by a stated estimate of travel minutes for the mode (straight-line
        distance times a cited detour factor at a stated speed,
        :mod:`kith.queries._travel`) instead of km.
    minutes : float, optional
        The catchment in minutes with ``mode`` or ``travel`` (default 20).
    travel : DataFrame, optional
        A travel-time matrix (origin: demand area id, destination: site id,
        cost: minutes, :func:`kith.queries._travel.read_travel`); pairs it does
        not list are out of reach (what-if sites too).
    income_adjust : bool
        With an estimate: each school's rate adjusted by its free or reduced-price
        lunch share or Title I status, by the cited ratio of
        ``graph/income_ratios.csv`` (:func:`kith.queries._demand.income_factors`);
        off by default, named in ``demand_text`` and ``demand_rates`` when on.

    Returns
    -------
    GapReport
        Areas with demand for the need, highest unmet need first
        (deserts, then lowest accessibility).
    """
    code = need_code(need)
    if by is not None:
        by = _check_choice(by, BY, "by")  # type: ignore[assignment]
    rule = _check_choice(rule, RULES, "rule")  # type: ignore[assignment]
    reach = reach_for(catchment_km, mode=mode, minutes=minutes, travel=travel)
    decay_fn = decay_named(decay, reach.catchment) if decay is None or isinstance(decay, str) else decay
    sites = [AddSite.parse(s) for s in add_sites]
    wanted = read_demand(
        store, code, by, source=demand, threshold=suppress_below, rates=prevalence, income_adjust=income_adjust
    )
    supply = supply_sites(store, code, default_capacity=default_capacity)
    return _report(wanted, supply, code, reach, decay_fn, rule, threshold, sites, dict(add_capacity or {}))


def find_deserts(
    store: GraphStore,
    need: str,
    *,
    rule: Rule = "none-in-reach",
    threshold: float | None = None,
    demand: str | None = None,
    by: By | None = None,
    catchment_km: float = 5.0,
    decay: Decay | str | None = None,
    add_sites: Sequence[tuple[float, float, float]] = (),
    add_capacity: Mapping[str, float] | None = None,
    suppress_below: int = 10,
    default_capacity: float = DEFAULT_CAPACITY,
    prevalence: Sequence[Rate] | None = None,
    mode: str | None = None,
    minutes: float | None = None,
    travel: pd.DataFrame | None = None,
    income_adjust: bool = False,
    limit: int | None = None,
) -> GapReport:
    """Service deserts for ``need``: the areas a stated rule flags, ranked by students affected.

    See :func:`service_gaps` for the parameters. Each row's ``desert_rule``
    states the rule and threshold that flagged it. Areas whose count of
    students is hidden rank after the shown counts, by accessibility, so
    the order does not reveal a hidden count. With a what-if, the rows are
    the areas that are deserts before or after it.
    """
    report = service_gaps(
        store,
        need,
        demand=demand,
        by=by,
        catchment_km=catchment_km,
        decay=decay,
        rule=rule,
        threshold=threshold,
        add_sites=add_sites,
        add_capacity=add_capacity,
        suppress_below=suppress_below,
        default_capacity=default_capacity,
        prevalence=prevalence,
        mode=mode,
        minutes=minutes,
        travel=travel,
        income_adjust=income_adjust,
    )
    rows = [r for r in report.rows if r.desert or r.desert_before]
    if limit is not None:
        rows = rows[: max(0, limit)]
    return report.model_copy(update={"rows": tuple(rows)})


def gaps_geojson(report: GapReport) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the report's rows, for maps and export.

    ``by="cell"`` rows are H3 cell polygons (``h3.cell_to_boundary``); school
    and ZIP rows are points. Properties are the row's fields (counts already
    suppressed) plus the need and the rule.
    """
    import h3

    features = []
    for row in report.table():
        if report.by == "cell":
            ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(row["area_id"])]
            geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        else:
            geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
        features.append(
            {
                "type": "Feature",
                "id": row["area_id"],
                "geometry": geometry,
                "properties": {**row, "need": report.need, "rule": report.rule},
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {
            "need": report.need,
            "by": report.by,
            "catchment_km": report.catchment_km,
            "catchment_min": report.catchment_min,
            "travel": report.travel,
            "rule_text": report.rule_text,
            "demand_source": report.demand_source,
            "demand_text": report.demand_text,
            "demand_years": list(report.demand_years),
            "demand_rates": list(report.demand_rates),
            "estimate": report.estimate,
            "capacity_text": report.capacity_text,
        },
    }


# ------------------------------------------------------------------ internals


def _check_choice(value: str, choices: tuple[str, ...], name: str) -> str:
    if value not in choices:
        raise InputError(f"unknown {name} {value!r} (use {', '.join(choices)})")
    return value


def _released(areas: Areas, shown: ShownDemand) -> list[Released]:
    """Each area's demand as released values may use it (rule 5 of :mod:`kith.trust.suppression`):
    as the suppression worked it out from the shown counts; an area whose count is shown and that
    has none uses its demand as it is (a count, or an estimate that is not a count of records). A
    hidden count is never read."""
    released = []
    for area, value in zip(areas.table["id"].tolist(), areas.table["demand"].to_numpy(np.float64).tolist()):
        if area in shown.released:
            released.append(shown.released[area])
        elif is_suppressed(shown.areas[area]):
            raise ValueError(f"the hidden count of {area!r} comes without its released range")
        else:
            released.append(Released(float(value), float(value), float(value)))
    return released


def _score(areas: Areas, supply: Supply, reach: Reach, decay: Decay | None, released: list[Released]) -> pd.DataFrame:
    """Accessibility from the demand as released (:func:`_released`): from the stand-ins, and its
    least and most from the hidden counts' most and least (2SFCA and E2SFCA fall as any demand in
    reach grows). Within the ``reach``: km, or a travel matrix's minutes."""
    travel = supply_travel(reach.travel, supply.table["id"].tolist()) if reach.travel is not None else None
    covers = area_covers(areas, supply)

    def scored(demand: pd.DataFrame) -> pd.DataFrame:
        return accessibility(
            demand, supply.table, catchment_km=reach.catchment, travel=travel, decay=decay, covers=covers
        )

    table = areas.table.assign(demand=np.array([r.stand_in for r in released], dtype=np.float64))
    scores = scored(table)
    if any(r.least != r.most for r in released):
        for column, bound in (("accessibility_low", "most"), ("accessibility_high", "least")):
            ends = np.array([getattr(r, bound) for r in released], dtype=np.float64)
            ends = np.minimum(ends, _NO_END)  # a count with no end (a hidden total above it): as good as none
            scores[column] = scored(table.assign(demand=ends))["accessibility"].to_numpy()
    else:
        scores["accessibility_low"] = scores["accessibility_high"] = scores["accessibility"]
    return scores


#: The demand that stands in for "no end" in the least accessibility.
_NO_END = 1e15


def _report(
    wanted: Demand,
    supply: Supply,
    need: str,
    reach: Reach,
    decay: Decay | None,
    rule: str,
    threshold: float | None,
    sites: list[AddSite],
    add_capacity: dict[str, float],
) -> GapReport:
    areas, shown, by, catchment_km = wanted.areas, wanted.shown, wanted.by, reach.catchment
    if not (np.isfinite(catchment_km) and catchment_km > 0):
        raise InputError(f"the catchment must be a positive number of km, not {catchment_km!r}")
    released = _released(areas, shown)
    base = _score(areas, supply, reach, decay, released)
    desert_rule = _DesertRule.on(
        base, sum(r.stand_in for r in released), supply, need, reach.within(), rule, threshold, wanted.unit
    )
    flags = desert_rule.flags(base)
    what_if = bool(sites or add_capacity)
    if what_if:
        changed, described = with_what_if(supply, sites, add_capacity)
        after = _score(areas, changed, reach, decay, released)
        after_flags = desert_rule.flags(after)
    else:
        changed, after, after_flags, described = supply, base, flags, ()
    demand = areas.table["demand"].to_numpy(np.int64)
    # the columns as lists once: a pandas lookup per cell costs a second on a state's 1,500 schools
    ids, lat, lon = (areas.table[c].tolist() for c in ("id", "lat", "lon"))
    counts = [shown.areas[area] for area in ids]  # the same before and after a what-if
    access, low, high, reach_n = (
        after[c].tolist() for c in ("accessibility", "accessibility_low", "accessibility_high", "providers_in_reach")
    )
    access_before, reach_before = base["accessibility"].tolist(), base["providers_in_reach"].tolist()
    rows = [
        GapRow(
            area_id=ids[k],
            area_name=areas.names[k],
            lat=float(lat[k]),
            lon=float(lon[k]),
            demand=counts[k],
            accessibility=float(access[k]),
            accessibility_low=float(low[k]),
            accessibility_high=float(high[k]),
            providers_in_reach=int(reach_n[k]),
            desert=after_flags[k] is not None,
            desert_rule=after_flags[k],
            **(
                {
                    "accessibility_before": float(access_before[k]),
                    "providers_in_reach_before": int(reach_before[k]),
                    "desert_before": flags[k] is not None,
                }
                if what_if
                else {}
            ),
        )
        for k in range(len(demand))
    ]
    order = _rank(counts, after["accessibility"].to_numpy(), after_flags, areas.table["id"].tolist())
    in_desert, hidden_in_desert = shown_sum([counts[k] for k in range(len(counts)) if after_flags[k]])
    before_desert, hidden_before = shown_sum([counts[k] for k in range(len(counts)) if flags[k]])
    return GapReport(
        need=need,
        by=by,
        catchment_km=None if reach.mode == "matrix" else float(catchment_km),
        catchment_min=reach.minutes,
        travel=reach.text,
        decay=describe_decay(decay),
        rule=rule,
        threshold=desert_rule.threshold,
        rule_text=desert_rule.text,
        areas=len(rows),
        deserts=sum(f is not None for f in after_flags),
        students=shown.total,
        students_in_deserts=in_desert,
        students_unlocated=shown.unlocated,
        desert_areas_hidden=hidden_in_desert,
        demand_source=wanted.source,
        demand_text=wanted.text,
        demand_years=wanted.years,
        demand_rates=wanted.rates,
        demand_adjustment=wanted.adjustment,
        estimate=wanted.estimate,
        capacity_assumed=supply.assumed,
        services_without_capacity=supply.without_capacity,
        capacity_text=_capacity_text(supply),
        providers=len(supply.services),
        capacity=float(changed.table["capacity"].sum()),
        capacity_before=float(supply.table["capacity"].sum()) if what_if else None,
        what_if=described,
        deserts_before=sum(f is not None for f in flags) if what_if else None,
        students_in_deserts_before=before_desert if what_if else None,
        desert_areas_hidden_before=hidden_before if what_if else None,
        rows=tuple(rows[k] for k in order),
    )


def _capacity_text(supply: Supply) -> str:
    if not supply.without_capacity:
        return "every service states its capacity"
    return (
        f"{supply.without_capacity} of {len(supply.services)} service(s) state no capacity and count "
        f"{supply.default_capacity:g} place(s) each: {supply.assumed:g} of "
        f"{float(supply.table['capacity'].sum()):g} places assumed"
    )


@dataclass(frozen=True)
class _DesertRule:
    """A desert rule with its threshold fixed on the baseline; ``cut`` is the accessibility bar."""

    name: str
    threshold: float | None
    cut: float | None
    need: str
    catchment_km: str  # the reach, as the rule says it ("within 5 km", "within 20 min (walk estimate)")
    text: str

    @classmethod
    def on(
        cls,
        scores: pd.DataFrame,
        demand: float,
        supply: Supply,
        need: str,
        catchment_km: str,
        rule: str,
        threshold: float | None,
        unit: str = "student",
    ) -> _DesertRule:
        """The rule on the baseline ``scores``; ``demand`` is the demand in all, as released."""
        access = scores["accessibility"].to_numpy()
        if rule == "below-ratio":
            why = ""
            if threshold is None:  # from the counts as released, as the accessibility is
                total = float(demand)
                overall = float(supply.table["capacity"].sum()) / total if total else 0.0
                threshold, why = overall / 2, f" (half the area-wide ratio of {overall:.4g})"
            if not (np.isfinite(threshold) and threshold >= 0):
                raise InputError(f"the below-ratio threshold must be a number >= 0, not {threshold!r}")
            text = f"below-ratio: accessibility < {threshold:.4g} places per {unit}{why}"
            return cls(rule, float(threshold), float(threshold), need, catchment_km, text)
        if rule == "percentile":
            p = 20.0 if threshold is None else float(threshold)
            if not 0 <= p <= 100:
                raise InputError(f"the percentile must be between 0 and 100, not {threshold!r}")
            cut = float(np.percentile(access, p)) if len(access) else 0.0
            text = f"percentile: accessibility <= {cut:.4g}, the {p:g}th percentile of areas"
            return cls(rule, p, cut, need, catchment_km, text)
        return cls(rule, None, None, need, catchment_km, _none_text(need, catchment_km))

    def flags(self, scores: pd.DataFrame) -> list[str | None]:
        """Per area, the rule that makes it a desert (None when it is not one)."""
        access = scores["accessibility"].to_numpy()
        reach = scores["providers_in_reach"].to_numpy()
        if self.name == "below-ratio":
            low = access < self.cut
        elif self.name == "percentile":
            low = access <= self.cut
        else:
            low = np.zeros(len(access), dtype=bool)
        none = _none_text(self.need, self.catchment_km)  # the reach, said: "within 5 km"
        return [none if reach[k] == 0 else (self.text if low[k] else None) for k in range(len(access))]


def _none_text(need: str, within: str) -> str:
    return f"none-in-reach: no provider of {need} {within}"


def _rank(counts: list[int | str], access: np.ndarray, flags: list[str | None], ids: list[str]) -> list[int]:
    """Deserts first, then by students (shown counts only: hidden counts tie), then lowest access."""

    def key(k: int) -> tuple[Any, ...]:
        count = counts[k]
        shown = count if isinstance(count, int) else 0
        return (flags[k] is None, -shown, access[k], ids[k])

    return sorted(range(len(counts)), key=key)

"""The coalition network: who works with whom, who brokers, who is alone, and
which partnerships would close a gap.

The organisation network is schools and agencies joined by partnerships
(``PARTNERS_WITH``) and collaborations (``COLLABORATES_WITH``), read through
the store port's projection and taken as a simple undirected graph (a pair
joined both ways, or by both types, is one tie; its strength is the largest
given). Measures:

- density ``2m / (n (n - 1))`` and connected components;
- degree centrality ``deg / (n - 1)`` (Freeman 1978);
- betweenness centrality, exact (Brandes 2001), normalized as NetworkX does
  for undirected graphs; computed by igraph, since exact betweenness in pure
  Python takes minutes on a state's network;
- eigenvector centrality (Bonacich 1972) of the whole graph, unit Euclidean
  norm as NetworkX gives it (organisations outside the dominant component get
  values near zero: they do not reach the main network);
- communities by Louvain modularity optimisation (Blondel et al. 2008), tie
  strength as weight, seeded;
- brokers (highest betweenness) and isolates (no tie at all).

Then, tied to needs:

- **partnership suggestions**: a school's *unmet need* is a need of its
  students that none of its partner agencies offers; the agencies offering it
  at a site within the catchment, that the school does not partner with, are
  suggested, ranked by the students with those needs (the gap the partnership
  would close), then capacity, then distance; an agency whose service's HSDS
  service area holds the school is in reach too, as in the gap questions
  (``serves_area``; no distance when no site of it is in the catchment);
- **single points of failure**: per need, the agencies that are the only
  provider in reach of some school, whose loss leaves those schools with none.

Demand is students with needs from student records when the graph holds any;
otherwise (or with ``demand``) each need's best source by school, as the gap
report has it (:mod:`kith.queries._demand`): aggregate counts, or an estimate
from enrollment and a cited prevalence rate. The report names the source.

Counts of students leave suppressed as the gap report by school shows them
(:func:`kith.queries._gapdata.shown_from_counts`: small and complementary suppression),
so the two never disagree on a hidden count; a single point of failure's count
is shown only when every school it adds up is shown; a suggestion closing
several needs hides its count of students (beside the counts per need), since
it would give away how many students have two needs at once. Rankings use only
shown counts, so order does not reveal a hidden one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import networkx as nx
import numpy as np
from pydantic import BaseModel, ConfigDict

from kith.graph._files import paused_gc
from kith.graph.errors import InputError
from kith.graph.model import Label, NodeRef, RelType
from kith.graph.store import GraphStore
from kith.queries._beside import Beside
from kith.queries._centrality import measures_of
from kith.queries._demand import Rate, best_source, read_demand
from kith.queries._fca import pairs_within
from kith.queries._gapdata import DEFAULT_CAPACITY, NeedCounts, StudentNeeds, load_zip_table, shown_from_counts
from kith.trust.suppression import hidden_like, suppress

__all__ = ["CommunityRow", "NetworkReport", "OrgRow", "SinglePointOfFailure", "Suggestion", "coalition_network"]


class OrgRow(BaseModel):
    """One organisation and its measures (``community`` numbers from 1, largest first)."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    name: str
    degree: int
    degree_centrality: float
    betweenness: float
    eigenvector: float
    community: int
    component_size: int
    #: An agency: the needs its services address; a school: the needs of its students (any count).
    needs: tuple[str, ...] = ()
    #: A school: those of its students' needs that none of its partner agencies offers.
    unmet: tuple[str, ...] = ()


class CommunityRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    community: int
    size: int
    schools: int
    agencies: int
    hubs: tuple[str, ...]  # names of its members of highest degree


class Suggestion(BaseModel):
    """A partnership that would close a school's unmet needs. ``students_by_need`` follows ``needs``;
    ``students`` (with any of them) is hidden when there are several needs."""

    model_config = ConfigDict(frozen=True)

    school_id: str
    school_name: str
    agency_id: str
    agency_name: str
    needs: tuple[str, ...]
    students: int | str
    students_by_need: tuple[int | str, ...] = ()
    capacity: int
    #: The nearest of the agency's sites in the catchment; None when it reaches the school only by a service area.
    distance_km: float | None
    #: True when some of ``needs`` reach the school through the agency's service area ("serves this area").
    serves_area: bool = False


class SinglePointOfFailure(BaseModel):
    """An agency that is the only provider of ``need`` in reach of some schools."""

    model_config = ConfigDict(frozen=True)

    need: str
    agency_id: str
    agency_name: str
    school_ids: tuple[str, ...]
    school_names: tuple[str, ...]
    students: int | str


class NetworkReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    organisations: int
    schools: int
    agencies: int
    ties: int
    density: float
    components: int
    largest_component: int
    isolates_count: int
    modularity: float
    seed: int
    catchment_km: float
    demand_source: str = "students"
    demand_text: str = "students with needs in student records"
    communities: tuple[CommunityRow, ...]
    brokers: tuple[OrgRow, ...]
    isolates: tuple[OrgRow, ...]
    suggestions: tuple[Suggestion, ...]
    single_points_of_failure: tuple[SinglePointOfFailure, ...]
    nodes: tuple[OrgRow, ...]

    def summary(self) -> dict[str, Any]:
        """The whole-network figures, without the tables."""
        return self.model_dump(
            include={
                "organisations",
                "schools",
                "agencies",
                "ties",
                "density",
                "components",
                "largest_component",
                "isolates_count",
                "modularity",
                "seed",
                "catchment_km",
                "demand_source",
                "demand_text",
            }
        )


def coalition_network(
    store: GraphStore,
    *,
    seed: int = 0,
    suppress_below: int = 10,
    catchment_km: float = 5.0,
    brokers: int = 10,
    suggestions_per_school: int = 3,
    demand: str | None = None,
    default_capacity: float = DEFAULT_CAPACITY,
    prevalence: Sequence[Rate] | None = None,
) -> NetworkReport:
    """Measure the organisation network and tie it to unmet needs (see the module docstring).

    Parameters
    ----------
    store : GraphStore
    seed : int
        Seed of the Louvain communities: the same seed gives the same communities.
    suppress_below : int
        Student counts from 1 to this minus 1 are shown as ``"<N"``.
    catchment_km : float
        How near an agency's site must be to a school to count as in reach.
    brokers : int
        How many organisations of highest betweenness to list as brokers.
    suggestions_per_school : int
        At most this many suggested partners per school.
    demand : {"students", "counts", "estimate"}, optional
        Where the students with needs at each school come from; None: student records when the
        graph holds any, else each need's best source (counts, then an estimate).
    default_capacity : float
        Places of a service with no stated capacity.
    prevalence : sequence of Rate, optional
        The rates of an estimate (None: the shipped table).

    Returns
    -------
    NetworkReport
    """
    if not (np.isfinite(catchment_km) and catchment_km > 0):
        raise InputError(f"the catchment must be a positive number of km, not {catchment_km!r}")
    if brokers < 0 or suggestions_per_school < 0:
        raise InputError("brokers and suggestions_per_school must be >= 0")
    # Millions of short-lived acyclic rows: the garbage collector's rescans would cost a third. On a
    # state's network, the measures and the suppression run in a second process, beside the reading.
    with paused_gc():
        graph = organisation_graph(store)
        with Beside.start(graph.number_of_nodes() >= PARALLEL_FROM) as beside:
            order, edges = _numbered(graph)
            measured = beside.run(measures_of, len(order), edges, seed)
            beside.run(load_zip_table)  # for the suppression, while this process reads and counts
            students = StudentNeeds.read(store)
            if demand in (None, "students") and (students.students_of or demand == "students"):
                codes = list(students.students_of)
                shown = beside.run(shown_from_counts, NeedCounts.count(store, codes, students), suppress_below)
                needs = _NeedData.read(store, catchment_km, students, default_capacity)
                shown_at = _SchoolCounts(needs, suppress_below, shown())
                source, text = "students", "students with needs in student records"
            else:
                needs = _NeedData.read(store, catchment_km, StudentNeeds({}, {}, {}), default_capacity)
                source, text, by_need = _aggregate_demand(store, needs, demand, suppress_below, prevalence)
                shown_at = _SchoolCounts(needs, suppress_below, by_need)
            suggestions = _suggestions(needs, shown_at, suggestions_per_school)
            single_points = _single_points(needs, shown_at)
            measures = _named(order, measured())
        report = _report(
            graph,
            measures,
            seed=seed,
            catchment_km=catchment_km,
            brokers=brokers,
            suggestions=suggestions,
            single_points=single_points,
            needs_of=_needs_of(needs),
        )
        return report.model_copy(update={"demand_source": source, "demand_text": text})


def _aggregate_demand(
    store: GraphStore, needs: _NeedData, demand: str | None, threshold: int, rates: Sequence[Rate] | None
) -> tuple[str, str, dict[str, dict[str, int | str]]]:
    """Demand per (school, need) from aggregate counts or an estimate, as the gap report by school
    shows it; fills ``needs.amount``. Needs the source cannot place at schools are left out."""
    from kith.graph.model import NeedCode

    shown: dict[str, dict[str, int | str]] = {}
    used: dict[str, list[str]] = defaultdict(list)
    for code in (c.value for c in NeedCode):
        source = demand or best_source(store, code, rates)
        if source not in ("counts", "estimate"):
            continue
        try:
            wanted = read_demand(store, code, "school", source=source, threshold=threshold, rates=rates)
        except InputError:
            continue
        for school, amount in zip(wanted.areas.table["id"].tolist(), wanted.areas.table["demand"].tolist()):
            if amount > 0:
                needs.amount[(school, code)] = float(amount)
        shown[code] = dict(wanted.shown.areas)
        used[source].append(code)
    names = {
        "counts": "aggregate counts",
        "estimate": "estimates from enrollment × cited prevalence rates (rounded; not counts of students)",
    }
    label = "+".join(sorted(used)) or (demand or "students")
    text = (
        "; ".join(f"{names[s]} for {', '.join(codes)}" for s, codes in sorted(used.items()))
        or "no demand the graph can place at schools"
    )
    return label, text, shown


# ------------------------------------------------------------------ the graph and its measures


def organisation_graph(store: GraphStore) -> nx.Graph[NodeRef]:
    """Schools and agencies as a simple undirected graph; tie attribute ``weight`` is the strength (1 if unknown)."""
    projected = store.project((Label.SCHOOL, Label.AGENCY), (RelType.PARTNERS_WITH, RelType.COLLABORATES_WITH))
    graph: nx.Graph[NodeRef] = nx.Graph()
    nodes = cast(list[tuple[NodeRef, dict[str, Any]]], list(projected.nodes(data=True)))
    nodes.sort(key=lambda item: (item[0].label.value, item[0].id))
    graph.add_nodes_from(nodes)
    for u, v, data in projected.edges(data=True):
        if u == v:
            continue
        strength = data.get("strength")
        weight = float(strength) if strength is not None else 1.0
        if graph.has_edge(u, v):
            graph[u][v]["weight"] = max(graph[u][v]["weight"], weight)
        else:
            graph.add_edge(u, v, weight=weight)
    return graph


@dataclass(frozen=True)
class _Measures:
    order: list[NodeRef]
    degree: np.ndarray
    betweenness: np.ndarray
    eigenvector: np.ndarray
    component_size: np.ndarray
    communities: list[list[NodeRef]]
    modularity: float


#: Organisations from which the measures and the suppression run in a second process while the
#: needs are read: each takes seconds on a state's network, and a process starts in under one.
PARALLEL_FROM = 2_000


def _measures(graph: nx.Graph[NodeRef], seed: int) -> _Measures:
    order, edges = _numbered(graph)
    return _named(order, measures_of(len(order), edges, seed))


def _numbered(graph: nx.Graph[NodeRef]) -> tuple[list[NodeRef], list[tuple[int, int, float]]]:
    """The organisations in graph order, and the ties between their numbers, in graph order."""
    order = list(graph.nodes)
    index = {node: k for k, node in enumerate(order)}
    ties = cast(Iterable[tuple[NodeRef, NodeRef, float]], graph.edges(data="weight"))
    return order, [(index[u], index[v], w) for u, v, w in ties]


def _named(order: list[NodeRef], measured: tuple[Any, ...]) -> _Measures:
    degree, betweenness, eigenvector, component_size, communities, modularity = measured
    named = [sorted((order[k] for k in c), key=lambda r: (r.label.value, r.id)) for c in communities]
    named.sort(key=lambda c: (-len(c), c[0].label.value, c[0].id))
    return _Measures(
        order=order,
        degree=degree,
        betweenness=betweenness,
        eigenvector=eigenvector,
        component_size=component_size,
        communities=named,
        modularity=modularity,
    )


# ------------------------------------------------------------------ needs, partners, reach


class _NeedData:
    """Who needs what at each school, who offers what, and which agencies are in reach of each school."""

    def __init__(self) -> None:
        self.school_names: dict[str, str] = {}
        self.agency_names: dict[str, str] = {}
        self.students: dict[tuple[str, str], set[int]] = defaultdict(set)  # (school, need) -> students
        self.amount: dict[tuple[str, str], float] = {}  # (school, need) -> demand, from counts or an estimate
        self.partners: dict[str, set[str]] = defaultdict(set)
        self.offers: dict[str, set[str]] = defaultdict(set)  # agency -> needs it offers anywhere
        # (school, need) -> agency -> (min distance km, capacity in reach)
        self.reach: dict[tuple[str, str], dict[str, tuple[float, float]]] = defaultdict(dict)
        self.by_area: set[tuple[str, str, str]] = set()  # (school, need, agency) in reach by a service area

    def demand(self, school: str, need: str) -> float:
        """Students with ``need`` at ``school``: from records, or the count or estimate loaded."""
        if (school, need) in self.amount:
            return self.amount[(school, need)]
        return float(len(self.students.get((school, need), ())))

    def with_any(self, school: str, needs: Sequence[str]) -> int:
        """Students with any of ``needs`` at ``school``: each once from records; from counts or an
        estimate, the needs' sum (who has two needs is not known there)."""
        if any((school, need) in self.amount for need in needs):
            return round(sum(self.demand(school, need) for need in needs))
        return len(set().union(*(self.students.get((school, need), set()) for need in needs)))

    @classmethod
    def read(
        cls, store: GraphStore, catchment_km: float, students: StudentNeeds, default_capacity: float = DEFAULT_CAPACITY
    ) -> _NeedData:
        data = cls()
        schools = store.nodes(Label.SCHOOL)
        data.school_names = {s["id"]: s.get("name", s["id"]) for s in schools}
        data.agency_names = {a["id"]: a.get("name", a["id"]) for a in store.nodes(Label.AGENCY)}
        school_of = students.school_of
        for need, of_need in students.students_of.items():
            for student in of_need:
                school = school_of.get(student)
                if school is not None:
                    data.students[(school, need)].add(student)
        for r in store.relationships(RelType.PARTNERS_WITH):
            data.partners[r["source"]].add(r["target"])
        agencies_of = defaultdict(list)  # a service offered together by several agencies counts for each
        for r in store.relationships(RelType.OFFERS):
            agencies_of[r["target"]].append(r["source"])
        needs_of = defaultdict(list)
        for r in store.relationships(RelType.ADDRESSES):
            needs_of[r["source"]].append(r["target"])
            for agency in agencies_of.get(r["source"], ()):
                data.offers[agency].add(r["target"])
        capacity = {
            s["id"]: float(default_capacity if s.get("capacity") is None else s["capacity"])
            for s in store.nodes(Label.SERVICE, ids=needs_of)
        }
        delivered = defaultdict(list)
        site_count: dict[str, int] = defaultdict(int)
        for r in store.relationships(RelType.DELIVERED_AT, sources=needs_of):
            delivered[r["target"]].append(r["source"])
            site_count[r["source"]] += 1
        sites = [s for s in store.nodes(Label.SITE, ids=delivered) if s.get("lat") is not None]
        located = [s for s in schools if s.get("lat") is not None]
        pairs = pairs_within(
            np.array([s["lat"] for s in located], dtype=np.float64),
            np.array([s["lon"] for s in located], dtype=np.float64),
            np.array([s["lat"] for s in sites], dtype=np.float64),
            np.array([s["lon"] for s in sites], dtype=np.float64),
            catchment_km,
        )
        offered_at: dict[int, list[tuple[str, str, str, float]]] = {}  # site -> (service, agency, need, share)
        for j, site in enumerate(sites):
            offered_at[j] = [
                (service, agency, need, capacity.get(service, 0.0) / site_count[service])
                for service in delivered[site["id"]]
                for agency in agencies_of.get(service, ())
                for need in needs_of[service]
            ]
        covered = data._service_areas(store, located, needs_of, agencies_of, capacity)
        reach = data.reach
        school_ids = [s["id"] for s in located]
        for i, j, d in zip(pairs.demand.tolist(), pairs.supply.tolist(), pairs.cost.tolist()):
            school = school_ids[i]
            for service, agency, need, share in offered_at[j]:
                there = reach[(school, need)]
                best = there.get(agency)
                share = 0.0 if (school, service) in covered else share  # its area counted it whole already
                there[agency] = (d, share) if best is None else (min(best[0], d), best[1] + share)
        return data

    def _service_areas(
        self,
        store: GraphStore,
        located: list[dict[str, Any]],
        needs_of: dict[str, list[str]],
        agencies_of: dict[str, list[str]],
        capacity: dict[str, float],
    ) -> set[tuple[str, str]]:
        """A service whose HSDS service area holds a school (its nearest ZIP centroid's ZIP code listed,
        or its point inside the extent) is in reach of it, as in the gap questions: its whole capacity
        counts once, and its distance is infinite unless a site of it is in the catchment. Returns the
        (school, service) pairs so covered."""
        covered: set[tuple[str, str]] = set()
        served = [s for s in store.nodes(Label.SERVICE, ids=needs_of) if s.get("area_zips") or s.get("area_geojson")]
        if not served or not located:
            return covered
        from kith.graph import areas
        from kith.queries._gapdata import _nearest_zip

        lat = np.array([s["lat"] for s in located], dtype=np.float64)
        lon = np.array([s["lon"] for s in located], dtype=np.float64)
        zips = np.array(_nearest_zip(lat, lon)[0], dtype=object)
        for service in served:
            inside = np.isin(zips, list(service.get("area_zips") or ())) | areas.covered(
                service.get("area_geojson"), lat, lon
            )
            for i in np.flatnonzero(inside).tolist():
                school = located[i]["id"]
                covered.add((school, service["id"]))
                for agency in agencies_of.get(service["id"], ()):
                    for need in needs_of[service["id"]]:
                        there = self.reach[(school, need)]
                        self.by_area.add((school, need, agency))
                        best = there.get(agency)
                        share = capacity.get(service["id"], 0.0)
                        there[agency] = (math.inf, share) if best is None else (best[0], best[1] + share)
        return covered


# ------------------------------------------------------------------ the report


def _report(
    graph: nx.Graph[NodeRef],
    m: _Measures,
    *,
    seed: int,
    catchment_km: float,
    brokers: int,
    suggestions: list[Suggestion],
    single_points: list[SinglePointOfFailure],
    needs_of: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] | None = None,
) -> NetworkReport:
    n = len(m.order)
    needs_of = needs_of or {}
    community_of = {node: k + 1 for k, members in enumerate(m.communities) for node in members}
    rows = [
        OrgRow(
            id=node.id,
            label=node.label.value,
            name=str(graph.nodes[node].get("name", node.id)),
            degree=int(m.degree[k]),
            degree_centrality=float(m.degree[k] / (n - 1)) if n > 1 else 0.0,
            betweenness=float(m.betweenness[k]),
            eigenvector=float(m.eigenvector[k]),
            community=community_of.get(node, 0),
            component_size=int(m.component_size[k]),
            needs=needs_of.get((node.label.value, node.id), ((), ()))[0],
            unmet=needs_of.get((node.label.value, node.id), ((), ()))[1],
        )
        for k, node in enumerate(m.order)
    ]
    by_betweenness = sorted(rows, key=lambda r: (-r.betweenness, -r.degree, r.label, r.id))
    communities = []
    for k, members in enumerate(m.communities):
        hubs = sorted(members, key=lambda node: (-graph.degree(node), node.label.value, node.id))[:3]
        communities.append(
            CommunityRow(
                community=k + 1,
                size=len(members),
                schools=sum(node.label is Label.SCHOOL for node in members),
                agencies=sum(node.label is Label.AGENCY for node in members),
                hubs=tuple(str(graph.nodes[node].get("name", node.id)) for node in hubs),
            )
        )
    n_components = nx.number_connected_components(graph) if n else 0
    return NetworkReport(
        organisations=n,
        schools=sum(r.label == Label.SCHOOL.value for r in rows),
        agencies=sum(r.label == Label.AGENCY.value for r in rows),
        ties=graph.number_of_edges(),
        density=float(nx.density(graph)) if n > 1 else 0.0,
        components=n_components,
        largest_component=int(m.component_size.max()) if n else 0,
        isolates_count=sum(r.degree == 0 for r in rows),
        modularity=m.modularity,
        seed=seed,
        catchment_km=float(catchment_km),
        communities=tuple(communities),
        brokers=tuple(r for r in by_betweenness[:brokers] if r.betweenness > 0),
        isolates=tuple(r for r in rows if r.degree == 0),
        suggestions=tuple(suggestions),
        single_points_of_failure=tuple(single_points),
        nodes=tuple(rows),
    )


def _needs_of(needs: _NeedData) -> dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]]:
    """(label, id) -> (needs, unmet needs): an agency's offered needs; a school's students' needs, and
    those none of its partners offers."""
    of_school: dict[str, set[str]] = defaultdict(set)
    for (school, need), students in needs.students.items():
        if students:
            of_school[school].add(need)
    for (school, need), amount in needs.amount.items():
        if amount > 0:
            of_school[school].add(need)
    out: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
        (Label.AGENCY.value, agency): (tuple(sorted(offered)), ()) for agency, offered in needs.offers.items()
    }
    for school, wanted in of_school.items():
        partners = needs.partners.get(school, set())
        met = set().union(*(needs.offers.get(a, set()) for a in partners))
        out[(Label.SCHOOL.value, school)] = (tuple(sorted(wanted)), tuple(sorted(wanted - met)))
    return out


def _shown(value: int | str) -> int:
    """The count a ranking may use: hidden counts all rank as equal."""
    return value if isinstance(value, int) else 0


class _SchoolCounts:
    """Students with a need per school, as the gap report by school shows them."""

    def __init__(self, needs: _NeedData, suppress_below: int, shown: dict[str, dict[str, int | str]]) -> None:
        self.needs, self.threshold, self._shown = needs, suppress_below, shown

    def __call__(self, school: str, need: str) -> int | str:
        return self._shown.get(need, {}).get(school, suppress(round(self.needs.demand(school, need)), self.threshold))

    def total(self, schools: list[str], need: str) -> int | str:
        """The students of ``need`` at ``schools``: shown only when each school's count is (then the
        sum of what the schools show)."""
        shown = [self(s, need) for s in schools]
        if all(isinstance(v, int) for v in shown):
            return sum(shown)  # type: ignore[arg-type]
        return hidden_like(round(sum(self.needs.demand(s, need) for s in schools)), self.threshold)


def _suggestions(needs: _NeedData, shown_at: _SchoolCounts, per_school: int) -> list[Suggestion]:
    suppress_below = shown_at.threshold
    by_school: dict[str, list[str]] = defaultdict(list)
    for (school, need), students in needs.students.items():
        if students:
            by_school[school].append(need)
    for (school, need), amount in needs.amount.items():
        if amount > 0 and need not in by_school[school]:
            by_school[school].append(need)
    ranked: list[tuple[tuple[Any, ...], Suggestion]] = []
    for school in sorted(by_school):
        partners = needs.partners.get(school, set())
        unmet = [nd for nd in sorted(by_school[school]) if not any(nd in needs.offers.get(a, ()) for a in partners)]
        candidates: dict[str, list[str]] = defaultdict(list)
        for need in unmet:
            for agency in needs.reach.get((school, need), {}):
                if agency not in partners:
                    candidates[agency].append(need)
        scored = []
        for agency, closed in candidates.items():
            with_any = needs.with_any(school, closed)
            capacity = sum(needs.reach[(school, nd)][agency][1] for nd in closed)
            distance = min(needs.reach[(school, nd)][agency][0] for nd in closed)
            by_need = tuple(shown_at(school, nd) for nd in closed)
            if len(closed) == 1:
                shown = by_need[0]
            elif suppress_below <= 2:  # a marker "<2" says the count: nothing to protect
                shown = suppress(with_any, suppress_below)
            else:  # with the counts per need it would give away the students with two needs at once
                shown = hidden_like(with_any, suppress_below)
            key = (-max([_shown(shown), *map(_shown, by_need)]), -capacity, distance, agency)
            scored.append(
                (
                    key,
                    Suggestion(
                        school_id=school,
                        school_name=needs.school_names.get(school, school),
                        agency_id=agency,
                        agency_name=needs.agency_names.get(agency, agency),
                        needs=tuple(closed),
                        students=shown,
                        students_by_need=by_need,
                        capacity=int(round(capacity)),
                        distance_km=round(float(distance), 3) if math.isfinite(distance) else None,
                        serves_area=any((school, nd, agency) in needs.by_area for nd in closed),
                    ),
                )
            )
        scored.sort(key=lambda item: item[0])
        ranked.extend((key[:3] + (school, key[3]), s) for key, s in scored[:per_school])
    ranked.sort(key=lambda item: item[0])
    return [s for _, s in ranked]


def _single_points(needs: _NeedData, shown_at: _SchoolCounts) -> list[SinglePointOfFailure]:
    lone: dict[tuple[str, str], list[str]] = defaultdict(list)  # (need, agency) -> schools
    for (school, need), agencies in needs.reach.items():
        if len(agencies) == 1:
            lone[(need, next(iter(agencies)))].append(school)
    rows = []
    for (need, agency), schools in lone.items():
        schools.sort()
        students = shown_at.total(schools, need)
        key = (-_shown(students), -len(schools), need, agency)
        rows.append(
            (
                key,
                SinglePointOfFailure(
                    need=need,
                    agency_id=agency,
                    agency_name=needs.agency_names.get(agency, agency),
                    school_ids=tuple(schools),
                    school_names=tuple(needs.school_names.get(s, s) for s in schools),
                    students=students,
                ),
            )
        )
    rows.sort(key=lambda item: item[0])
    return [r for _, r in rows]

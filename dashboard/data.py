"""The data provider: the one object pages get to reach the graph.

It holds the store (opened read-only) and the settings, serves the small
reference tables the pickers and map layers need (needs, schools, sites,
agencies), and memoizes the questions' answers, which do not change while the
dashboard runs on one graph. Pages call it; it calls ``queries/``; it never
computes an answer itself.

Every count it hands out has passed :func:`kith.trust.suppression.suppress`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, cast

import h3
import pandas as pd

from kith.dashboard._network_layout import community_positions
from kith.dashboard._upload import travel_path
from kith.graph.errors import KithError
from kith.graph.geo import HOME_CELL_RESOLUTION
from kith.graph.model import Label, NodeRef, RelType, need_taxonomy
from kith.graph.store import GraphStore, open_store
from kith.queries import gaps as gaps_q
from kith.queries import i18n, nearby, referral
from kith.queries import network as network_q
from kith.queries import paths as paths_q
from kith.queries._demand import Rate, prevalence
from kith.queries._locate import point_of
from kith.queries._travel import reach_for, read_travel
from kith.queries.nearby import AreaService, NearbyService, Place
from kith.settings import KithSettings
from kith.trust.suppression import hidden_like, is_suppressed, suppress

T = TypeVar("T")
log = logging.getLogger("kith.dashboard")


#: The need the map and gaps pages show before one is picked.
DEFAULT_NEED = "mental_health_counseling"


class _Memo:
    """A small, thread-safe least-recently-used memo of question answers."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()  # outside the lock: two racing misses compute twice, both correct
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


class DashboardData:
    """The graph as the dashboard sees it. Build with :meth:`open` (or pass a store in tests)."""

    #: Seconds between two looks at the store's revision (a stat of the file; a query on Neo4j).
    check_every_s = 2.0

    def __init__(self, store: GraphStore, settings: KithSettings, *, revision: str | None = None) -> None:
        self.store = store
        self.settings = settings
        self._memo = _Memo()
        self._revision = revision if revision is not None else store.revision()
        self._checked = time.monotonic()
        self._reloading = threading.Lock()
        #: Why the dashboard no longer answers (demo mode on a Neo4j graph that is no longer the demo city).
        self.withdrawn: str | None = None

    @classmethod
    def open(cls, settings: KithSettings) -> DashboardData:
        probe = open_store(settings, readonly=True)
        return cls(probe, settings, revision=probe.revision())

    @property
    def threshold(self) -> int:
        return self.settings.suppress_below

    def suppress(self, count: int) -> int | str:
        return suppress(int(count), self.threshold)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer for ``key``, computed once."""
        return self._memo.get(key, compute)

    # ------------------------------------------------------------ reference tables

    def counts(self) -> dict[str, int | str]:
        """Nodes per label and relationships per type, each suppressed.

        Identified needs (``HAS_NEED``) are the total of the students with each
        need, which the gap reports show: it is hidden whenever one of those is,
        or it would give the hidden one away by subtraction."""
        shown = {name: self.suppress(n) for name, n in self.store.counts().items()}
        per_need: dict[str, int] = defaultdict(int)
        for r in self.store.relationships(RelType.HAS_NEED):
            per_need[r["target"]] += 1
        if any(0 < n < self.threshold for n in per_need.values()) and not is_suppressed(shown.get("HAS_NEED")):
            shown["HAS_NEED"] = hidden_like(int(shown["HAS_NEED"]), self.threshold)
        return shown

    @cached_property
    def needs(self) -> list[dict[str, str]]:
        """The need taxonomy: code, name, domain."""
        return [{"code": n.code, "name": n.name, "domain": n.domain.value} for n in need_taxonomy()]

    @cached_property
    def need_names(self) -> dict[str, str]:
        return {n["code"]: n["name"] for n in self.needs}

    @cached_property
    def need_options(self) -> list[dict[str, str]]:
        """The needs as dropdown options (name shown, code as value)."""
        return [{"label": n["name"], "value": n["code"]} for n in self.needs]

    @cached_property
    def schools(self) -> list[dict[str, Any]]:
        """Schools with a location: id, name, level, kind, lat, lon, enrollment (suppressed)."""
        return [
            {
                "id": s["id"],
                "name": s["name"],
                "level": s.get("level", "other"),
                "kind": s.get("kind", "regular"),
                "lat": s["lat"],
                "lon": s["lon"],
                "enrollment": self.suppress(s["enrollment"]) if s.get("enrollment") is not None else None,
            }
            for s in self.store.nodes(Label.SCHOOL)
            if s.get("lat") is not None
        ]

    @cached_property
    def agencies(self) -> list[dict[str, Any]]:
        return [{"id": a["id"], "name": a["name"], "kind": a.get("kind")} for a in self.store.nodes(Label.AGENCY)]

    @cached_property
    def sites(self) -> list[dict[str, Any]]:
        """Service sites with a location, each with its agencies and the needs served there."""
        agency_name = {a["id"]: a["name"] for a in self.agencies}
        agencies_of: dict[str, list[str]] = defaultdict(list)
        for r in self.store.relationships(RelType.OFFERS):
            agencies_of[r["target"]].append(r["source"])
        needs_of: dict[str, set[str]] = defaultdict(set)
        for r in self.store.relationships(RelType.ADDRESSES):
            needs_of[r["source"]].add(r["target"])
        at_site: dict[str, list[str]] = defaultdict(list)
        for r in self.store.relationships(RelType.DELIVERED_AT):
            at_site[r["target"]].append(r["source"])
        rows = []
        for s in self.store.nodes(Label.SITE):
            if s.get("lat") is None:
                continue
            services = at_site.get(s["id"], [])
            agencies = sorted({agency_name[a] for v in services for a in agencies_of.get(v, ()) if a in agency_name})
            rows.append(
                {
                    "id": s["id"],
                    "name": s["name"],
                    "address": s.get("address", ""),
                    "lat": s["lat"],
                    "lon": s["lon"],
                    "agencies": agencies,
                    "needs": sorted({n for v in services for n in needs_of.get(v, ())}),
                }
            )
        return rows

    @cached_property
    def languages(self) -> list[str]:
        """Languages services are offered in, most common first."""
        seen: dict[str, int] = defaultdict(int)
        for s in self.store.nodes(Label.SERVICE):
            for language in s.get("languages", ()):
                seen[language] += 1
        return sorted(seen, key=lambda x: (-seen[x], x))

    def close(self) -> None:
        self.store.close()

    def notice_new_revision(self, *, wait: bool = False) -> bool:
        """Reload when the store has a new revision (a ``kith ingest`` or ``kith demo`` while the dashboard
        runs); looks at most every :attr:`check_every_s`. The reload runs in a thread of its own (a state
        city takes seconds to read), requests meanwhile answer from the graph they had; ``wait`` waits for
        it. True when a reload was started."""
        if self.settings.demo and getattr(self.store, "path", None) is None:
            # Neo4j is read live: what an ingest writes would show at once, so in demo mode the mark is looked
            # at before every request (an ingest's first write removes it, before any of its rows)
            try:
                if self.store.demo_city() is None:
                    self.withdrawn = _NO_LONGER_DEMO
            except KithError:
                return False  # the store is out of reach: the pages say so
        now = time.monotonic()
        if now - self._checked < self.check_every_s or self._reloading.locked():
            return False
        self._checked = now
        try:
            revision = self.store.revision()
        except KithError:
            return False  # the store is out of reach: the pages say so
        if revision == self._revision or not self._reloading.acquire(blocking=False):
            return False
        thread = threading.Thread(target=self._reload_in_background, args=(revision,), name="kith-reload", daemon=True)
        thread.start()
        if wait:
            thread.join()
        return True

    def _reload_in_background(self, revision: str | None) -> None:
        try:
            self.reload(revision=revision)
        except KithError as exc:
            log.warning("the new revision of the graph could not be read: %s", exc)
        finally:
            self._reloading.release()

    def reload(self, *, revision: str | None = None) -> None:
        """Show the graph as it is now, after an ingest: reopen an embedded store's file (read-only)
        and forget every memoized answer and reference table. A request still running keeps the
        graph it started with. In demo mode, a graph that is no longer the demo city (an ingest
        wrote to it) is not taken: the dashboard goes on showing the demo city it had."""
        revision = self.store.revision() if revision is None else revision
        if getattr(self.store, "path", None) is not None:  # a file: read it again (Neo4j is always current)
            new = open_store(self.settings, readonly=True)
            if self.settings.demo and new.demo_city() is None:
                new.close()
                self._revision = revision
                log.warning(
                    "the graph was written to after `kith demo` built it; demo mode goes on showing "
                    "the demo city and does not serve the new graph"
                )
                return
            old, self.store = self.store, new
            old.close()
        elif self.settings.demo and self.store.demo_city() is None:
            self._revision = revision
            self.withdrawn = _NO_LONGER_DEMO
            return
        self._revision = revision
        self._memo = _Memo()
        for name, attribute in vars(type(self)).items():
            if isinstance(attribute, cached_property):
                self.__dict__.pop(name, None)

    # ------------------------------------------------------------ map areas

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """(south, west, north, east) of the schools and sites."""
        points = [(p["lat"], p["lon"]) for p in (*self.schools, *self.sites)]
        if not points:
            return 42.28, -71.14, 42.38, -71.02
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        return min(lats), min(lons), max(lats), max(lons)

    @cached_property
    def click_cells(self) -> tuple[str, ...]:
        """H3 cells covering the area (with a margin), the finest resolution up to 8 that keeps
        them under ~1,500: a click on the map anywhere in the area lands in one."""
        south, west, north, east = self.bounds
        margin = 0.02
        ring = [
            (south - margin, west - margin),
            (south - margin, east + margin),
            (north + margin, east + margin),
            (north + margin, west - margin),
        ]
        for resolution in (8, 7, 6, 5):
            cells = h3.h3shape_to_cells(h3.LatLngPoly(ring), resolution)
            if len(cells) <= 1_500:
                return tuple(sorted(cells))
        return tuple(sorted(cells))

    @cached_property
    def home_cells(self) -> tuple[str, ...]:
        """Every family home cell and the cell of every located school: the areas a gap map by cell can
        draw (students at their home cell; an estimate from enrollment at its school's cell)."""
        cells = {f["home_cell"] for f in self.store.nodes(Label.FAMILY) if f.get("home_cell")}
        cells.update(h3.latlng_to_cell(s["lat"], s["lon"], HOME_CELL_RESOLUTION) for s in self.schools)
        return tuple(sorted(cells))

    @cached_property
    def prevalence(self) -> tuple[Rate, ...] | None:
        """The district's prevalence table when the settings name one (else the shipped table is used)."""
        return prevalence(self.settings.prevalence_file) if self.settings.prevalence_file else None

    # ------------------------------------------------------------ questions

    def nearby(
        self,
        place_text: str,
        *,
        need: str | Sequence[str] | None,
        language: str | None,
        free: bool,
        age: int | None,
        radius_km: float,
        limit: int = 25,
    ) -> tuple[nearby.Place, list[nearby.NearbyService]]:
        """Resolve the place, then find services near it for any of the needs (``kith nearby``)."""
        place = nearby.resolve_place(self.store, place_text)
        needs = [need] if isinstance(need, str) else list(need or ())
        rows = nearby.find_nearby(
            self.store,
            place.lat,
            place.lon,
            needs=needs,
            radius_km=radius_km,
            limit=limit,
            language=language or None,
            free=free,
            age=age,
        )
        return place, rows

    def serving_area(
        self,
        place: Place,
        *,
        need: str | Sequence[str] | None,
        language: str | None,
        free: bool,
        age: int | None,
        besides: Sequence[str] = (),
        limit: int = 25,
    ) -> list[AreaService]:
        """The services whose service area holds the place, besides those already listed (``kith nearby``'s
        "serves this area" rows: never a location)."""
        needs = [need] if isinstance(need, str) else list(need or ())
        return nearby.find_serving_area(
            self.store,
            place.lat,
            place.lon,
            needs=needs,
            limit=limit,
            language=language or None,
            free=free,
            age=age,
            besides=besides,
        )

    def referral_list(
        self,
        rows: list[NearbyService],
        place: Place,
        area_rows: Sequence[AreaService] = (),
        language: str = i18n.SOURCE,
    ) -> str:
        """The printable referral list of a search, in ``language`` (a code of ``i18n.available()``)."""
        return referral.render_referral_list(rows, place, fmt="html", area_rows=area_rows, language=language)

    def gaps(self, need: str, by: str = "cell", demand: str | None = None) -> gaps_q.GapReport:
        """Accessibility per area for a need (2SFCA, 5 km catchment), deserts flagged; computed once.
        ``demand`` names the source (None: the best the graph holds for the need; ``estimate-income``: the
        estimate with its income adjustment)."""
        return self.memo(
            ("gaps", need, by, demand, self._travel_key()),
            lambda: gaps_q.service_gaps(
                self.store,
                need,
                by=cast(gaps_q.By, by),
                suppress_below=self.threshold,
                **_demand_options(demand),
                **self._supply_options(),
            ),
        )

    def what_if(
        self,
        need: str,
        by: str,
        *,
        add_sites: tuple[tuple[float, float, float], ...] = (),
        add_capacity: tuple[tuple[str, float], ...] = (),
        demand: str | None = None,
    ) -> gaps_q.GapReport:
        """The gap report with new sites or capacity, beside its baseline (the store is not changed)."""
        return self.memo(
            ("what-if", need, by, add_sites, add_capacity, demand, self._travel_key()),
            lambda: gaps_q.service_gaps(
                self.store,
                need,
                **_demand_options(demand),
                by=cast(gaps_q.By, by),
                add_sites=add_sites,
                add_capacity=dict(add_capacity),
                suppress_below=self.threshold,
                **self._supply_options(),
            ),
        )

    def _supply_options(self) -> dict[str, Any]:
        travel = self.travel()
        return {
            "default_capacity": self.settings.default_capacity,
            "prevalence": self.prevalence,
            **({"travel": travel[1]} if travel is not None else {}),
        }

    def travel(self) -> tuple[int, pd.DataFrame] | None:
        """The travel-time matrix loaded on the Load data page (``KITH_HOME/travel/matrix.csv``), with the
        time it was written (a part of every gap question's memo key: a new matrix, new answers); None
        without one (straight-line km)."""
        path = travel_path(Path(self.settings.home))
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return None
        return stamp, self.memo(("travel", stamp), lambda: read_travel(path))

    def _travel_key(self) -> int | None:
        travel = self.travel()
        return None if travel is None else travel[0]

    def travel_text(self) -> str:
        """The travel measure the gap questions use, as the pages say it."""
        travel = self.travel()
        if travel is None:
            return "straight-line distance, 5 km"
        return reach_for(5.0, travel=travel[1]).text + f" ({len(travel[1]):,} pairs loaded on the Load data page)"

    def gaps_geojson(self, need: str, by: str, demand: str | None = None) -> dict[str, Any]:
        return gaps_q.gaps_geojson(self.gaps(need, by, demand))

    def gap_summaries(self) -> list[dict[str, Any]]:
        """Per need: its domain, deserts and students in deserts (suppressed), for the domain charts."""

        def compute() -> list[dict[str, Any]]:
            rows = []
            for need in self.needs:
                report = self.gaps(need["code"], "cell")
                rows.append(
                    {
                        **need,
                        "deserts": report.deserts,
                        "students": report.students,
                        "demand_source": report.demand_source,
                        "estimate": report.estimate,
                        "students_in_deserts": report.students_in_deserts,
                        "desert_areas_hidden": report.desert_areas_hidden,
                        "areas": report.areas,
                    }
                )
            return rows

        return self.memo(("gap-summaries", self._travel_key()), compute)

    def warm_up(self) -> None:
        """Compute what the first visitors will ask for (every need's gaps, the network)."""
        self.gap_summaries()
        self.network()
        self.network_layout()

    # ------------------------------------------------------------ the network

    def network(self) -> network_q.NetworkReport:
        return self.memo(
            "network", lambda: network_q.coalition_network(self.store, seed=0, suppress_below=self.threshold)
        )

    def network_layout(self) -> dict[str, Any]:
        """The organisation graph's ties and a fixed drawing position per organisation (seeded)."""

        def compute() -> dict[str, Any]:
            graph = network_q.organisation_graph(self.store)
            from kith.dashboard.figures import largest_sizes

            community_of = {f"{o.label}:{o.id}": o.community for o in self.network().nodes}
            positions = community_positions(graph, community_of, largest_sizes(self.network()))
            ties = [(str(u), str(v), float(d.get("weight", 1.0))) for u, v, d in graph.edges(data=True)]
            return {"positions": positions, "ties": ties}

        return self.memo("network-layout", compute)

    # ------------------------------------------------------------ paths

    def handoffs(
        self, source: str, target: str, *, k: int = 3, radius_km: float = 5.0, candidates: int = 10
    ) -> list[paths_q.Handoff]:
        return self.memo(
            ("handoffs", source, target, k, radius_km, candidates),
            lambda: paths_q.warm_handoffs(self.store, source, target, k=k, radius_km=radius_km, candidates=candidates),
        )

    def providers_near(self, source: str, need: str, radius_km: float, limit: int = 50) -> dict[str, NearbyService]:
        """The services for ``need`` within ``radius_km`` of where ``source`` is, by service id (how to
        reach each, and whether any is in reach at all)."""

        def compute() -> dict[str, NearbyService]:
            lat, lon = point_of(self.store, NodeRef.parse(source))[0]
            rows = nearby.find_nearby(self.store, lat, lon, needs=[need], radius_km=radius_km, limit=limit)
            return {row.service_id: row for row in rows}

        return self.memo(("providers-near", source, need, radius_km), compute)

    def contact(self, ref: str) -> dict[str, str]:
        """How to reach an agency or a school: phone, website, address (what the graph holds)."""
        node = next(iter(self.store.nodes(NodeRef.parse(ref).label, ids={NodeRef.parse(ref).id})), {})
        return {k: str(node[k]) for k in ("phone", "website", "address") if node.get(k)}

    def names(self, refs: list[str]) -> dict[str, str]:
        """Display names of nodes given as ``Label:id`` (schools, agencies, services, sites)."""
        wanted: dict[Label, set[str]] = defaultdict(set)
        for text in refs:
            ref = NodeRef.parse(text)
            wanted[ref.label].add(ref.id)
        names = {}
        for label, node_ids in wanted.items():
            for node in self.store.nodes(label, ids=node_ids):
                names[f"{label.value}:{node['id']}"] = str(node.get("name") or node["id"])
        return names

    @cached_property
    def path_sources(self) -> list[dict[str, str]]:
        """Where a handoff can start, for the picker: schools, then agencies."""
        return [{"label": f"School: {s['name']}", "value": f"School:{s['id']}"} for s in self.schools] + [
            {"label": f"Agency: {a['name']}", "value": f"Agency:{a['id']}"} for a in self.agencies
        ]

    @cached_property
    def path_targets(self) -> list[dict[str, str]]:
        """Where a handoff can go: a need (the nearest services for it), an agency or a school."""
        return [{"label": f"Need: {n['name']}", "value": f"need:{n['code']}"} for n in self.needs] + self.path_sources


#: The demand choice of an estimate with the income adjustment (``kith gaps --demand estimate --income-adjust``).
ESTIMATE_BY_INCOME = "estimate-income"


def _demand_options(demand: str | None) -> dict[str, Any]:
    """``service_gaps``'s demand arguments for a page's demand choice: :data:`ESTIMATE_BY_INCOME` is the
    estimate with the income adjustment."""
    if demand == ESTIMATE_BY_INCOME:
        return {"demand": "estimate", "income_adjust": True}
    return {"demand": demand}


_NO_LONGER_DEMO = (
    "This demo dashboard has stopped: the graph was written to after `kith demo` built it, so it is no "
    "longer the demo city, and demo mode serves nothing else. Rebuild it with `kith demo`, or serve "
    "it with sign-in."
)

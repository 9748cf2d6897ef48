"""The what-if attack of issue 14, on the command line and on the dashboard.

A planner places a site of 1000 places at a hidden cell's centre with a 0.1 km catchment and reads
``1000 / accessibility`` as the cell's count of students; on the dashboard (5 km catchment) a site just
inside the reach of one area does the same. Whatever a released value is made of, it must not tell
apart two cities that publish the same counts: here the second city moves one student with the need
from one hidden cell to another of the same ZIP area, and from one hidden school to another, so every
count that leaves kith is the same in both and only hidden counts differ.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from kith.dashboard.data import DashboardData
from kith.dashboard.pages import gaps as gaps_page
from kith.graph.geo import haversine_km
from kith.graph.memory import MemoryStore
from kith.graph.model import EnrolledIn, Family, HasNeed, MemberOf
from kith.graph.store import open_store
from kith.ingest import demo_city
from kith.queries._gapdata import demand_areas
from kith.queries.gaps import service_gaps
from kith.settings import KithSettings
from kith.trust.suppression import is_suppressed
from tests.unit.test_cli import kith

NEED = "food"
THRESHOLD = 10


class World:
    """One city: its store, and the counts of ``NEED`` by cell and by school."""

    def __init__(self, city: demo_city.City) -> None:
        self.city = city
        self.store = MemoryStore()
        self.store.upsert_nodes(city.nodes)
        self.store.upsert_relationships(city.rels)
        self.cells = _counts(self.store, "cell")
        self.schools = _counts(self.store, "school")


def _counts(store: MemoryStore, by: str) -> dict[str, int]:
    table = demand_areas(store, NEED, by).table
    return dict(zip(table["id"], table["demand"].astype(int)))


def _published(store: MemoryStore) -> dict[str, Any]:
    """Every student count the three gap reports of the need show."""
    shown: dict[str, Any] = {}
    for by in ("cell", "zip", "school"):
        report = service_gaps(store, NEED, by=by, suppress_below=THRESHOLD)
        shown[by] = ({r.area_id: r.demand for r in report.rows}, report.students, report.students_unlocated)
    return shown


def _moved(city: demo_city.City, store: MemoryStore) -> tuple[demo_city.City, dict[str, str]]:
    """The city with one student with the need moved between two hidden cells of one ZIP area and two
    hidden schools, each left between 1 and the threshold: the same published counts, other hidden ones."""
    cells, schools = _counts(store, "cell"), _counts(store, "school")
    report = service_gaps(store, NEED, by="cell", suppress_below=THRESHOLD)
    zip_of = {r.area_id: r.area_name for r in report.rows if is_suppressed(r.demand)}
    family_of = {r.source: r.target for r in city.rels if isinstance(r, MemberOf)}
    school_of = {r.source: r.target for r in city.rels if isinstance(r, EnrolledIn)}
    cell_of = {n.id: n.home_cell for n in city.nodes if isinstance(n, Family)}
    families_in: dict[str, list[str]] = {}
    for family, cell in sorted(cell_of.items()):
        families_in.setdefault(cell, []).append(family)
    with_need = sorted(r.source for r in city.rels if isinstance(r, HasNeed) and r.target == NEED)
    hidden_school = {s for s, n in schools.items() if 0 < n < THRESHOLD}
    for student in with_need:
        here, school = cell_of.get(family_of.get(student)), school_of.get(student)
        if here not in zip_of or cells[here] < 2 or school not in hidden_school or schools[school] < 2:
            continue
        there = next(
            (c for c in sorted(zip_of) if c != here and zip_of[c] == zip_of[here] and cells[c] <= THRESHOLD - 2), None
        )
        other = next((s for s in sorted(hidden_school) if s != school and schools[s] <= THRESHOLD - 2), None)
        if there is None or other is None:
            continue
        rels = [r for r in city.rels if not (isinstance(r, (MemberOf, EnrolledIn)) and r.source == student)]
        rels += [MemberOf(source=student, target=families_in[there][0]), EnrolledIn(source=student, target=other)]
        return demo_city.City(list(city.nodes), rels), {
            "cell": here,
            "other cell": there,
            "school": school,
            "other school": other,
        }
    raise AssertionError("the small city should have a student to move")


@pytest.fixture(scope="module")
def worlds(
    small_city: demo_city.City, small_city_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    first = World(small_city)
    city, moved = _moved(small_city, first.store)
    second = World(city)
    home = tmp_path_factory.mktemp("kith-home-moved")
    store = open_store(KithSettings(_env_file=None, home=home, neo4j_uri=None))
    try:
        store.upsert_nodes(city.nodes)
        store.upsert_relationships(city.rels)
    finally:
        store.close()
    # the premise: only hidden counts differ between the two cities
    assert _published(first.store) == _published(second.store)
    assert first.cells[moved["cell"]] == second.cells[moved["cell"]] + 1
    assert first.schools[moved["school"]] == second.schools[moved["school"]] + 1
    return {"first": first, "second": second, "homes": (small_city_home, home), "moved": moved}


def _area(store: MemoryStore, by: str, area_id: str) -> tuple[float, float]:
    row = next(r for r in service_gaps(store, NEED, by=by).rows if r.area_id == area_id)
    return row.lat, row.lon


@pytest.mark.parametrize(("by", "which"), [("cell", "cell"), ("cell", "other cell"), ("school", "school")])
def test_the_cli_what_if_at_a_hidden_area_tells_nothing_the_published_counts_do_not(worlds, by, which) -> None:
    first = worlds["first"]
    lat, lon = _area(first.store, by, worlds["moved"][which])
    payloads = []
    for home in worlds["homes"]:
        result = kith(
            "gaps",
            "--need",
            NEED,
            "--by",
            by,
            "--catchment-km",
            "0.1",
            "--add-site",
            f"{lat},{lon},1000",
            "--format",
            "json",
            home=home,
        )
        assert result.returncode == 0, result.stderr
        payloads.append(json.loads(result.stdout))
    target = next(r for r in payloads[0]["rows"] if r["area_id"] == worlds["moved"][which])
    assert is_suppressed(target["demand"]) and target["accessibility"] > 0
    # the two cities differ in this area's count: a release that follows the count would differ too
    assert payloads[0] == payloads[1]


def test_the_cli_exports_of_the_attack_are_the_same_in_both_cities(worlds) -> None:
    first = worlds["first"]
    lat, lon = _area(first.store, "cell", worlds["moved"]["cell"])
    for fmt in ("csv", "geojson"):
        outputs = [
            kith(
                "gaps",
                "--need",
                NEED,
                "--by",
                "cell",
                "--catchment-km",
                "0.1",
                "--decay",
                "gaussian",
                "--add-site",
                f"{lat},{lon},1000",
                "--format",
                fmt,
                home=home,
            ).stdout
            for home in worlds["homes"]
        ]
        assert outputs[0] and outputs[0] == outputs[1], fmt


def _edge_of_reach(store: MemoryStore, by: str, target: str, away_from: str, km: float = 4.9) -> tuple[float, float]:
    """A point ``km`` from the target area, on the side away from the other area (out of its 5 km reach)."""
    (lat, lon), (lat2, lon2) = _area(store, by, target), _area(store, by, away_from)
    dy, dx = lat - lat2, (lon - lon2) * math.cos(math.radians(lat))
    norm = math.hypot(dx, dy)
    point = (lat + km / 111.2 * dy / norm, lon + km / 111.2 * dx / norm / math.cos(math.radians(lat)))
    assert float(haversine_km(lat, lon, *point)) < 5.0 < float(haversine_km(lat2, lon2, *point))
    return point


@pytest.mark.parametrize(
    ("by", "target", "other"), [("cell", "cell", "other cell"), ("school", "school", "other school")]
)
def test_the_dashboard_what_if_tells_nothing_the_published_counts_do_not(
    worlds, tmp_path: Path, by, target, other
) -> None:
    first, second, moved = worlds["first"], worlds["second"], worlds["moved"]
    lat, lon = _edge_of_reach(first.store, by, moved[target], moved[other])
    shown = []
    for n, world in enumerate((first, second)):
        data = DashboardData(world.store, KithSettings(_env_file=None, home=tmp_path / str(n), neo4j_uri=None))
        summary, chart, result, view = gaps_page.what_if_run(data, NEED, by, lat, lon, 1000)
        table = gaps_page.table(data, NEED, by)
        # the what-if map, before (the site placed) and after: what it draws and what the browser holds
        maps = [
            gaps_page.what_if_map(data, NEED, by, None, lat, lon, side, result)[0].to_plotly_json()
            for side in ("before", "after")
        ]
        shown.append((str(summary), chart.to_plotly_json()["data"], table[0], table[4], result, maps))
    assert shown[0][1], "the site should change some area's accessibility"
    assert shown[0][4]["rows"] and view == "after"
    assert shown[0] == shown[1]

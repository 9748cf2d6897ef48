"""The planner's first run on public data alone: an HSDS directory and a school GeoJSON layer with
enrollment, no student file. ``kith gaps --demand estimate`` ranks every school with enrollment,
``kith deserts`` lists those with no provider in reach, and the Map, Gaps and Overview pages work and
say which demand source they use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.ingest.conftest import write_csv

# Schools on a line north of 42.30 N, -71.06: (id, name, level, enrollment, km north)
SCHOOLS = [
    ("250001", "Adams Elementary", "Elementary", 410, 0.0),
    ("250002", "Baldwin Middle", "Middle", 620, 2.0),
    ("250003", "Curley High", "High", 1150, 4.0),
    ("250004", "Dever Elementary", "Elementary", 280, 25.0),  # far from every pantry
    ("250005", "Eliot Academy", "Other", 95, 26.0),
    ("250006", "Virtual Academy", "High", None, 1.0),  # no enrollment: not estimated
]
KM = 1 / 111.195  # degrees of latitude per km


def school_layer(path: Path) -> Path:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-71.06, 42.30 + north * KM]},
            "properties": {"NCESSCH": i, "NAME": name, "LEVEL": level, "ENROLLMENT": enrollment},
        }
        for i, name, level, enrollment, north in SCHOOLS
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def directory(folder: Path) -> Path:
    """An HSDS 3 package: two food pantries near the first schools, no capacity stated anywhere."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "organizations.csv", ["id", "name"], [["o1", "Northside Pantry"], ["o2", "Harbor Meals"]])
    write_csv(
        folder / "services.csv",
        ["id", "organization_id", "name", "status"],
        [["s1", "o1", "Food Pantry", "active"], ["s2", "o2", "Free Meals", "active"]],
    )
    write_csv(
        folder / "locations.csv",
        ["id", "organization_id", "name", "latitude", "longitude"],
        [
            ["l1", "o1", "Pantry", f"{42.30 + 1.0 * KM:.6f}", "-71.06"],
            ["l2", "o2", "Kitchen", f"{42.30 + 3.5 * KM:.6f}", "-71.06"],
        ],
    )
    write_csv(
        folder / "service_at_location.csv",
        ["id", "service_id", "location_id"],
        [["a1", "s1", "l1"], ["a2", "s2", "l2"]],
    )
    write_csv(
        folder / "taxonomy_terms.csv",
        ["id", "code", "name", "taxonomy"],
        [["t1", "BD-1800.2000", "Food Pantries", "AIRS"], ["t2", "BD-5000.8300", "Soup Kitchens", "AIRS"]],
    )
    write_csv(
        folder / "attributes.csv",
        ["id", "link_id", "taxonomy_term_id", "link_entity"],
        [["x1", "s1", "t1", "service"], ["x2", "s2", "t2", "service"]],
    )
    return folder


def kith(*args: str, home: Path) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environ["KITH_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "kith.cli", *args], capture_output=True, text=True, env=environ, timeout=180, cwd=home
    )


@pytest.fixture(scope="module")
def public_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("public")
    for args in (
        ("ingest", "hsds", str(directory(home / "211"))),
        ("ingest", "schools", str(school_layer(home / "schools.geojson"))),
    ):
        done = kith(*args, home=home)
        assert done.returncode == 0, done.stdout + done.stderr
    return home


def test_gaps_by_estimate_rank_every_school_with_enrollment(public_home: Path) -> None:
    done = kith(
        "gaps", "--need", "food", "--by", "school", "--demand", "estimate", "--format", "json", home=public_home
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    ranked = [r["area_id"] for r in report["rows"]]
    assert sorted(ranked) == ["250001", "250002", "250003", "250004", "250005"]
    # 17.3% of enrollment (USDA ERS 2022), rounded: 410 -> 71, 620 -> 107, 1150 -> 199, 280 -> 48, 95 -> 16
    assert {r["area_id"]: r["demand"] for r in report["rows"]} == {
        "250001": 71,
        "250002": 107,
        "250003": 199,
        "250004": 48,
        "250005": 16,
    }
    assert ranked[:2] == ["250004", "250005"]  # the deserts first, most students first
    assert report["demand_source"] == "estimate" and report["estimate"] is True
    assert report["demand_years"] == ["2022"] and "17.3%" in report["demand_rates"][0]
    assert report["services_without_capacity"] == 2 and report["capacity"] == 2
    table = " ".join(
        kith("gaps", "--need", "food", "--by", "school", "--demand", "estimate", home=public_home).stdout.split()
    )  # prose is wrapped to the terminal
    assert "demand: estimate" in table and "not a count of students" in table
    assert "2 of 2 service(s) state no capacity" in table


def test_deserts_default_to_the_estimate_and_list_the_schools_with_none_in_reach(public_home: Path) -> None:
    done = kith("deserts", "--need", "food", "--format", "csv", home=public_home)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["250004", "250005"]
    assert all(line.split(",")[-3:-1] == ["estimate", "True"] for line in lines[1:])


def test_the_pages_work_on_public_data_and_say_their_demand_source(public_home: Path) -> None:
    from kith.dashboard.data import DashboardData
    from kith.dashboard.pages import gaps, map, overview
    from kith.graph.memory import MemoryStore
    from kith.settings import KithSettings

    store = MemoryStore.open(public_home / "graph.msgpack", readonly=True)
    data = DashboardData(store, KithSettings(_env_file=None, home=public_home, neo4j_uri=None))
    fig, rule, summary, _ = map.show(data, "food", ["access", "deserts", "schools", "sites"])
    drawn = [cell for trace in fig.data if trace.type == "choroplethmap" for cell in trace.locations]
    assert len(drawn) == len(set(drawn)) == 5  # every school's cell, in one class each (deserts a class of their own)
    assert set(drawn) <= set(data.home_cells)  # the schools' cells can be drawn
    said = str(summary) + str(rule)
    assert "Estimated students" in said and "estimate: enrollment" in said and "places assumed" in said
    rows, _, lat, lon, note = gaps.table(data, "food", "school", "estimate")
    assert len(rows) == 5 and lat is not None and "estimate: enrollment" in str(note)
    best, *_ = gaps.table(data, "food", "school", None)
    assert best == rows
    refused = gaps.table(data, "food", "school", "counts")
    assert refused[0] == [] and "kith ingest demand" in str(refused[-1])
    assert "estimate" in gaps.csv_file(data, "food", "school", "estimate")["content"].splitlines()[1]
    assert "estimates (enrollment" in overview.demand_sources(data.gap_summaries())
    store.close()

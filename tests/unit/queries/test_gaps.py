"""Service gaps and deserts on the small demo city, checked against counts made by hand from the city itself."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from kith.graph.errors import InputError
from kith.graph.model import Addresses, DeliveredAt, EnrolledIn, HasNeed, Label, RelType, School, Service, Site
from kith.queries.gaps import accessibility, find_deserts, gaps_geojson, service_gaps
from kith.trust.suppression import is_suppressed

NEED = "dental"


def _by_school(city) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Demand per school and supply per service site, straight from the generated city."""
    with_need = {r.source for r in city.rels if isinstance(r, HasNeed) and r.target == NEED}
    counts = Counter(r.target for r in city.rels if isinstance(r, EnrolledIn) and r.source in with_need)
    schools = {n.id: n for n in city.nodes if isinstance(n, School)}
    demand = pd.DataFrame(
        [{"id": s, "lat": schools[s].lat, "lon": schools[s].lon, "demand": n} for s, n in sorted(counts.items())]
    )
    services = {r.source for r in city.rels if isinstance(r, Addresses) and r.target == NEED}
    sites = {n.id: n for n in city.nodes if isinstance(n, Site)}
    capacity = {n.id: n.capacity for n in city.nodes if isinstance(n, Service)}
    supply = pd.DataFrame(
        [
            {
                "id": f"{r.source}@{r.target}",
                "lat": sites[r.target].lat,
                "lon": sites[r.target].lon,
                "capacity": capacity[r.source],
            }
            for r in city.rels
            if isinstance(r, DeliveredAt) and r.source in services
        ]
    )
    return demand, supply


def test_school_gaps_are_2sfca_on_the_city_tables(small_city, small_store) -> None:
    demand, supply = _by_school(small_city)
    expected = accessibility(demand, supply, catchment_km=5.0).set_index("id")
    report = service_gaps(small_store, NEED, by="school", catchment_km=5.0, suppress_below=1)
    rows = {r.area_id: r for r in report.rows}
    assert set(rows) == set(demand["id"])
    for area_id, row in rows.items():
        assert row.accessibility == pytest.approx(expected.loc[area_id, "accessibility"], rel=1e-12)
        assert row.providers_in_reach == expected.loc[area_id, "providers_in_reach"]
        assert row.demand == int(demand.set_index("id").loc[area_id, "demand"])
        assert row.desert == (row.providers_in_reach == 0)
    assert report.students == int(demand["demand"].sum())
    assert report.providers == len(supply)


@pytest.mark.parametrize("by", ["cell", "zip", "school"])
def test_every_student_with_the_need_is_counted_once(small_city, small_store, by: str) -> None:
    report = service_gaps(small_store, NEED, by=by, suppress_below=1)
    with_need = {r.source for r in small_city.rels if isinstance(r, HasNeed) and r.target == NEED}
    assert sum(r.demand for r in report.rows) + report.students_unlocated == len(with_need)
    assert report.students_unlocated == 0
    assert len({r.area_id for r in report.rows}) == len(report.rows)


def test_desert_rules_state_their_threshold_and_flag_what_they_say(small_store) -> None:
    none = service_gaps(small_store, "food", by="school")
    assert none.rule_text == "none-in-reach: no provider of food within 5 km"
    assert all(r.desert == (r.providers_in_reach == 0) for r in none.rows)

    ratio = service_gaps(small_store, "food", by="school", rule="below-ratio", threshold=1.0)
    assert ratio.threshold == 1.0 and "< 1 places per student" in ratio.rule_text
    assert all(r.desert == (r.accessibility < 1.0) for r in ratio.rows)

    default = service_gaps(small_store, "food", by="school", rule="below-ratio", suppress_below=1)
    overall = default.capacity / default.students
    assert default.threshold == pytest.approx(overall / 2)
    assert "half the area-wide ratio" in default.rule_text

    pct = service_gaps(small_store, "food", by="school", rule="percentile", threshold=50)
    cut = np.percentile([r.accessibility for r in pct.rows], 50)
    assert all(r.desert == (r.providers_in_reach == 0 or r.accessibility <= cut) for r in pct.rows)
    assert all(r.desert_rule.startswith(("none-in-reach", "percentile")) for r in pct.rows if r.desert)


def test_deserts_are_ranked_by_students_affected(small_store) -> None:
    report = find_deserts(small_store, "tutoring", by="zip", rule="percentile", threshold=60, suppress_below=1)
    assert report.rows and all(r.desert for r in report.rows)
    students = [r.demand for r in report.rows]
    assert students == sorted(students, reverse=True)
    assert report.students_in_deserts == sum(students)
    assert (
        find_deserts(small_store, "tutoring", by="zip", rule="percentile", threshold=60, limit=2).rows
        == find_deserts(small_store, "tutoring", by="zip", rule="percentile", threshold=60).rows[:2]
    )


def test_what_if_recomputes_without_changing_the_store(small_store) -> None:
    counts = small_store.counts()
    capacities = {s["id"]: s.get("capacity") for s in small_store.nodes(Label.SERVICE)}
    before = service_gaps(small_store, "food", by="school", suppress_below=1)
    desert = next(r for r in before.rows if r.desert)
    service = small_store.relationships(RelType.ADDRESSES, targets=["food"])[0]["source"]
    after = service_gaps(
        small_store,
        "food",
        by="school",
        suppress_below=1,
        add_sites=[(desert.lat, desert.lon, 40)],
        add_capacity={service: 25},
    )
    rows = {r.area_id: r for r in after.rows}
    fixed = rows[desert.area_id]
    assert fixed.desert_before and not fixed.desert and fixed.providers_in_reach == 1
    assert fixed.accessibility_before == 0 and fixed.accessibility > 0
    assert after.deserts == before.deserts - 1 and after.deserts_before == before.deserts
    assert after.capacity == before.capacity + 40 + 25 and after.capacity_before == before.capacity
    assert {r.area_id: r.accessibility for r in before.rows} == {r.area_id: r.accessibility_before for r in after.rows}
    assert small_store.counts() == counts
    assert {s["id"]: s.get("capacity") for s in small_store.nodes(Label.SERVICE)} == capacities
    with pytest.raises(InputError, match="does not address"):
        service_gaps(small_store, "food", add_capacity={"svc-nope": 3})


def test_bad_inputs_are_input_errors(small_store) -> None:
    with pytest.raises(InputError, match="unknown need"):
        service_gaps(small_store, "unicorns")
    with pytest.raises(InputError, match="unknown by"):
        service_gaps(small_store, "food", by="county")
    with pytest.raises(InputError, match="LAT,LON,CAPACITY"):
        service_gaps(small_store, "food", add_sites=["42,-71"])


def test_geojson_has_cell_polygons_and_suppressed_counts(small_store) -> None:
    report = service_gaps(small_store, "food", by="cell")
    geo = gaps_geojson(report)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == len(report.rows)
    feature = geo["features"][0]
    ring = feature["geometry"]["coordinates"][0]
    assert feature["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) == 7
    lons, lats = zip(*ring)
    assert min(lats) <= feature["properties"]["lat"] <= max(lats)
    assert all(is_suppressed(f["properties"]["demand"]) or f["properties"]["demand"] >= 10 for f in geo["features"])
    points = gaps_geojson(service_gaps(small_store, "food", by="school"))
    assert {f["geometry"]["type"] for f in points["features"]} == {"Point"}

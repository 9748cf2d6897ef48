"""Service areas in gaps and deserts: a service is in reach of demand inside its area, wherever its
site is (its capacity shared like any other); the 2SFCA core with area pairs against the naive loop."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kith.graph import areas
from kith.graph.geo import distance_km
from kith.graph.memory import MemoryStore
from kith.graph.model import Addresses, DeliveredAt, School, Service, Site, need_types
from kith.queries.gaps import accessibility, find_deserts, service_gaps
from tests.unit.queries.test_fca import DECAYS, random_tables

KM = 1 / 111.195  # degrees of latitude per km
#: A county-sized box around the clinic and the far school (about 60 km tall).
COUNTY = json.dumps(
    {"type": "Polygon", "coordinates": [[[-71.4, 42.0], [-70.7, 42.0], [-70.7, 42.6], [-71.4, 42.6], [-71.4, 42.0]]]}
)


def _county(clinic_area: dict | None = None, *, site: bool = True) -> MemoryStore:
    """Near school N 1 km from the clinic, far school F 30 km away; the clinic's area as given."""
    store = MemoryStore()
    store.upsert_nodes(
        [
            *need_types(),
            School(id="N", name="Near", level="elementary", enrollment=500, lat=42.30 + 1 * KM, lon=-71.06),
            School(id="F", name="Far", level="elementary", enrollment=500, lat=42.30 + 30 * KM, lon=-71.06),
            Service(id="clinic", name="Dental clinic", capacity=40, **(clinic_area or {})),
            Site(id="S", name="Clinic", lat=42.30, lon=-71.06),
        ]
    )
    store.upsert_relationships(
        [Addresses(source="clinic", target="dental"), *([DeliveredAt(source="clinic", target="S")] if site else [])]
    )
    return store


def test_a_county_wide_service_area_makes_a_far_school_no_desert() -> None:
    without = find_deserts(_county(), "dental", catchment_km=5.0)
    assert [r.area_id for r in without.rows] == ["F"]
    county = _county({"area_geojson": areas.parse_extent(COUNTY)})
    assert find_deserts(county, "dental", catchment_km=5.0).rows == ()
    rows = {r.area_id: r for r in service_gaps(county, "dental", catchment_km=5.0).rows}
    assert {a: r.accessibility for a, r in rows.items()} == {"N": pytest.approx(0.2), "F": pytest.approx(0.2)}
    assert all(r.providers_in_reach == 1 for r in rows.values())  # once, though N is also within 5 km


def test_an_area_of_zip_codes_covers_the_demand_in_them() -> None:
    far_zip = areas.zips_in(" ".join(_nearest(42.30 + 30 * KM, -71.06)))
    county = _county({"area_zips": far_zip})
    assert find_deserts(county, "dental", catchment_km=5.0).rows == ()
    elsewhere = _county({"area_zips": ("99501",)})  # Anchorage
    assert [r.area_id for r in find_deserts(elsewhere, "dental", catchment_km=5.0).rows] == ["F"]


def test_a_confidential_site_is_in_reach_by_its_area_alone() -> None:
    shelter = _county({"area_geojson": areas.parse_extent(COUNTY)}, site=False)  # no site given at all
    rows = {r.area_id: r for r in service_gaps(shelter, "dental", catchment_km=5.0).rows}
    assert {a: r.desert for a, r in rows.items()} == {"N": False, "F": False}
    assert {a: r.accessibility for a, r in rows.items()} == {"N": pytest.approx(0.2), "F": pytest.approx(0.2)}


def _nearest(lat: float, lon: float) -> list[str]:
    from kith.queries._gapdata import _nearest_zip

    return _nearest_zip(np.array([lat]), np.array([lon]))[0]


def naive_with_areas(demand: pd.DataFrame, supply: pd.DataFrame, catchment: float, covers: set, decay=None):
    """2SFCA one pair at a time; a covered pair is in reach at distance 0."""
    w = (lambda d: 1.0) if decay is None else (lambda d: float(decay(np.array([d]))[0]))

    def cost(a, s) -> float | None:
        if (a.id, s.id) in covers:
            return 0.0
        if np.isnan(s.lat):
            return None
        d = distance_km(a.lat, a.lon, s.lat, s.lon)
        return d if d <= catchment else None

    pairs = {(a.id, s.id): cost(a, s) for a in demand.itertuples() for s in supply.itertuples()}
    ratio = {}
    for s in supply.itertuples():
        total = sum(a.demand * w(pairs[a.id, s.id]) for a in demand.itertuples() if pairs[a.id, s.id] is not None)
        ratio[s.id] = s.capacity / total if total > 0 else 0.0
    return {
        a.id: sum(ratio[s.id] * w(pairs[a.id, s.id]) for s in supply.itertuples() if pairs[a.id, s.id] is not None)
        for a in demand.itertuples()
    }


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("decay", DECAYS)
def test_area_pairs_match_a_naive_loop(seed: int, decay: str) -> None:
    demand, supply = random_tables(seed)
    supply.loc[[3, 7], ["lat", "lon"]] = np.nan  # two confidential sites, reached by their area alone
    rng = np.random.default_rng(seed)
    covers = {(f"d{i}", f"s{j}") for i, j in zip(rng.integers(0, len(demand), 40), rng.integers(0, len(supply), 40))}
    covers |= {("d0", "s3"), ("d1", "s7")}
    table = pd.DataFrame(sorted(covers), columns=["origin", "destination"])
    result = accessibility(demand, supply, catchment_km=4.0, decay=DECAYS[decay], covers=table)
    expected = naive_with_areas(demand, supply, 4.0, covers, DECAYS[decay])
    np.testing.assert_allclose(result["accessibility"], [expected[i] for i in demand["id"]], rtol=1e-12, atol=1e-15)

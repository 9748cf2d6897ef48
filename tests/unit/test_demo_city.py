"""The demo city: deterministic, realistic in shape, and valid."""

from __future__ import annotations

from collections import Counter

import numpy as np

from kith.graph.model import Label, RelType
from kith.ingest import demo_city


def _signature(city: demo_city.City) -> list:
    return [(type(x).__name__, x.model_dump_json()) for x in (*city.nodes, *city.rels)]


def test_same_seed_same_city_other_seed_other_city(small_city) -> None:
    again = demo_city.generate("small", seed=7)
    other = demo_city.generate("small", seed=8)
    assert _signature(again) == _signature(small_city)
    assert _signature(other) != _signature(small_city)


def test_every_label_and_type_is_present(small_store) -> None:
    counts = small_store.counts()
    surveys = {Label.AREA_COUNT}  # aggregate demand counts come from a district's surveys, not from the city
    assert all(counts[x.value] > 0 for x in (*Label, *RelType) if x not in surveys), counts
    assert all(counts[x.value] == 0 for x in surveys), counts
    assert 9 <= counts["School"] <= 11 and counts["Student"] == 2000


def test_tiers_follow_mtss_prevalence(small_store) -> None:
    tiers = Counter(s["tier"] for s in small_store.nodes(Label.STUDENT))
    n = sum(tiers.values())
    assert tiers[1] / n > 0.75
    assert 0.10 <= tiers[2] / n <= 0.15
    assert tiers[3] / n <= 0.05


def test_higher_tiers_have_more_needs(small_store) -> None:
    per_student = Counter(r["source"] for r in small_store.relationships(RelType.HAS_NEED))
    tier = {s["id"]: s["tier"] for s in small_store.nodes(Label.STUDENT)}
    mean = {t: np.mean([per_student[i] for i, x in tier.items() if x == t]) for t in (1, 2, 3)}
    assert mean[1] < mean[2] < mean[3]


def test_some_neighbourhoods_are_underserved() -> None:
    city = demo_city.generate("district", seed=7)
    sites = [n for n in city.nodes if n.label is Label.SITE]
    schools = [n for n in city.nodes if n.label is Label.SCHOOL]
    from kith.graph.geo import haversine_km

    lat = np.array([s.lat for s in sites])
    lon = np.array([s.lon for s in sites])
    nearby = [int((haversine_km(s.lat, s.lon, lat, lon) <= 1.5).sum()) for s in schools]
    assert min(nearby) <= 2 < max(nearby)  # some schools have almost nothing near, others plenty


def test_families_are_stored_as_cells_only(small_store) -> None:
    for family in small_store.nodes(Label.FAMILY)[:50]:
        assert set(family) <= {"id", "home_cell", "lat", "lon", "language", "size"}
        assert family["home_cell"]


def test_agency_names_are_unique() -> None:
    city = demo_city.generate("district", seed=7)
    names = [n.name for n in city.nodes if n.label is Label.AGENCY]
    assert len(names) == 400 and len(set(names)) == len(names)


def _standard_zips() -> tuple[list[dict], np.ndarray, np.ndarray]:
    import zipcodes

    rows = [z for z in zipcodes.list_all() if z.get("lat") and z.get("zip_code_type") == "STANDARD"]
    return rows, np.array([float(z["lat"]) for z in rows]), np.array([float(z["long"]) for z in rows])


def test_every_address_names_the_zip_nearest_its_point() -> None:
    """A site's address names the ZIP whose centroid is nearest its point, with a town of that ZIP: no
    "Cambridge, MA 02163" drawn a few hundred metres from Roxbury."""
    from kith.graph.geo import haversine_km

    rows, lat, lon = _standard_zips()
    for size in ("small", "district"):
        sites = [n for n in demo_city.generate(size, seed=7).nodes if n.label is Label.SITE]
        assert sites
        for site in sites:
            nearest = rows[int(np.argmin(haversine_km(site.lat, site.lon, lat, lon)))]
            towns = {str(t).title() for t in (nearest["city"], *(nearest.get("acceptable_cities") or ()))}
            street, town, state_zip = (part.strip() for part in site.address.rsplit(",", 2))
            assert (site.zip, state_zip) == (nearest["zip_code"], f"MA {nearest['zip_code']}"), site
            assert town in towns and town == str(nearest["city"]).title(), site
            assert site.name.startswith(town), site

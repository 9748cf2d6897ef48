"""The network's suggestions reach as the gap questions do: an agency whose service area holds a far
school is suggested to it ("serves this area", no distance), beside those with a site in the catchment."""

from __future__ import annotations

from kith.graph import areas
from kith.graph.model import Agency, Offers
from kith.queries.network import coalition_network
from tests.unit.queries.test_service_area_reach import COUNTY, _county


def _with_agency(clinic_area: dict | None = None):
    store = _county(clinic_area)
    store.upsert_nodes([Agency(id="A", name="Harbor Dental")])
    store.upsert_relationships([Offers(source="A", target="clinic")])
    return store


def test_a_county_wide_area_makes_the_agency_a_suggestion_for_the_far_school() -> None:
    without = coalition_network(_with_agency(), demand="estimate", catchment_km=5.0)
    assert [(s.school_id, s.agency_id, s.distance_km) for s in without.suggestions] == [("N", "A", 1.0)]
    assert {p.school_ids for p in without.single_points_of_failure} == {("N",)}
    county = coalition_network(
        _with_agency({"area_geojson": areas.parse_extent(COUNTY)}), demand="estimate", catchment_km=5.0
    )
    found = {s.school_id: s for s in county.suggestions}
    assert set(found) == {"N", "F"}
    assert found["F"].distance_km is None and found["F"].serves_area and found["F"].capacity == 40
    assert (
        found["N"].distance_km == 1.0 and found["N"].capacity == 40
    )  # its site in reach and its area: the service once
    assert {p.school_ids for p in county.single_points_of_failure} == {("F", "N")}

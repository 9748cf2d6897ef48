"""A what-if opens no difference attack: adding a site or capacity changes supply, never demand, so a
report before and after shows the same student counts, and totals over the areas that change (students
in deserts) add up only counts the rows already show."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.queries.gaps import service_gaps
from kith.trust.suppression import is_suppressed

COUNT_FIELDS = ("students", "students_unlocated")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    need=st.sampled_from(["tutoring", "food", "mental_health_counseling", "dental"]),
    by=st.sampled_from(["cell", "zip", "school"]),
    lat=st.floats(42.25, 42.40),
    lon=st.floats(-71.15, -71.00),
    capacity=st.integers(1, 500),
    threshold=st.integers(3, 30),
)
def test_a_what_if_shows_the_same_student_counts_as_the_baseline(
    small_store, need, by, lat, lon, capacity, threshold
) -> None:
    base = service_gaps(small_store, need, by=by, suppress_below=threshold)
    after = service_gaps(small_store, need, by=by, suppress_below=threshold, add_sites=[(lat, lon, capacity)])
    # demand is the same, so the same counts are shown and hidden: a planner who could subtract
    # before from after learns nothing they could not from the baseline and their own new site
    assert {r.area_id: r.demand for r in after.rows} == {r.area_id: r.demand for r in base.rows}
    assert all(getattr(after, f) == getattr(base, f) for f in COUNT_FIELDS)
    assert after.students_in_deserts_before == base.students_in_deserts
    assert after.desert_areas_hidden_before == base.desert_areas_hidden
    # the before and after totals over deserts are sums of shown rows: their difference is too
    for flag, total, hidden in (
        ("desert_before", after.students_in_deserts_before, after.desert_areas_hidden_before),
        ("desert", after.students_in_deserts, after.desert_areas_hidden),
    ):
        rows = [r for r in after.rows if getattr(r, flag)]
        assert total == sum(r.demand for r in rows if isinstance(r.demand, int))
        assert hidden == sum(is_suppressed(r.demand) for r in rows)


def test_a_site_that_closes_one_hidden_desert_does_not_give_its_count_away(small_store) -> None:
    """The attack itself: place a site so that exactly one desert area with a hidden count stops being
    a desert; before minus after must not be that area's count."""
    threshold = 30
    base = service_gaps(small_store, "tutoring", by="cell", catchment_km=1.0, suppress_below=threshold)
    target = next(r for r in base.rows if r.desert and is_suppressed(r.demand))
    after = service_gaps(
        small_store,
        "tutoring",
        by="cell",
        catchment_km=1.0,
        suppress_below=threshold,
        add_sites=[(target.lat, target.lon, 50)],
    )
    closed = [r for r in after.rows if r.desert_before and not r.desert]
    assert target.area_id in {r.area_id for r in closed}
    assert after.students_in_deserts_before - after.students_in_deserts == sum(
        r.demand for r in closed if isinstance(r.demand, int)
    )  # only shown counts, never a hidden one

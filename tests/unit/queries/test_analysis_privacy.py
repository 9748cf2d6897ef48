"""Property: no output of gaps, deserts or network holds a student count between 1 and the threshold."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.model import NeedCode
from queries.gaps import find_deserts, gaps_geojson, service_gaps
from queries.network import coalition_network

STUDENT_COUNTS = {"demand", "students", "students_in_deserts", "students_in_deserts_before", "students_unlocated"}


def _student_counts(value: Any, key: str | None = None):
    """Every student count in a JSON-like output, wherever it is nested."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _student_counts(v, k)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _student_counts(v, key)
    elif key in STUDENT_COUNTS and value is not None:
        yield value


def _assert_safe(output: Any, threshold: int) -> None:
    counts = list(_student_counts(output))
    assert counts, "the output should hold student counts"
    bad = [c for c in counts if isinstance(c, int) and 0 < c < threshold]
    assert not bad, bad
    assert all(c == f"<{threshold}" for c in counts if isinstance(c, str))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    need=st.sampled_from([n.value for n in NeedCode]),
    by=st.sampled_from(["cell", "school", "zip"]),
    rule=st.sampled_from(["none-in-reach", "below-ratio", "percentile"]),
    threshold=st.integers(1, 40),
    catchment=st.floats(0.5, 8.0),
    what_if=st.booleans(),
)
def test_gaps_and_deserts_never_show_a_small_count(small_store, need, by, rule, threshold, catchment, what_if) -> None:
    options = dict(by=by, rule=rule, catchment_km=catchment, suppress_below=threshold,
                   add_sites=[(42.33, -71.08, 20)] if what_if else ())
    report = service_gaps(small_store, need, **options)
    _assert_safe(report.model_dump(), threshold)
    _assert_safe(gaps_geojson(report), threshold) if report.rows else None
    _assert_safe(find_deserts(small_store, need, **options).model_dump(), threshold)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(threshold=st.integers(1, 60), catchment=st.floats(1.0, 8.0), seed=st.integers(0, 5))
def test_network_never_shows_a_small_count(small_store, threshold, catchment, seed) -> None:
    report = coalition_network(small_store, seed=seed, suppress_below=threshold, catchment_km=catchment)
    _assert_safe(report.model_dump(), threshold)

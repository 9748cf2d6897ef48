"""Find help lists the services whose service area holds the place after those in the radius, as
"serves this area", never with an address or a point (the table, the status and the referral list)."""

from __future__ import annotations

from kith.dashboard.data import DashboardData
from kith.dashboard.pages import find_help
from kith.settings import KithSettings
from tests.unit.queries.test_nearby_areas import _store


def test_find_help_lists_the_area_rows_after_the_radius(tmp_path) -> None:
    data = DashboardData(_store(), KithSettings(_env_file=None, home=tmp_path, neo4j_uri=None))
    fig, rows, status, referral = find_help.search(data, "42.30,-71.06", "housing", None, [], None, 5)
    assert [(r["n"], r["service"], r["distance_km"]) for r in rows] == [
        (1, "Clinic", 0.0),
        (2, "Emergency shelter", "serves this area"),
    ]
    assert rows[1]["address"] == "" and rows[1]["phone"] == "617-555-0199"
    assert "Then 1 that serves this area" in status
    assert referral.index("Clinic") < referral.index("Emergency shelter") and "Serves this area" in referral
    drawn = [p for trace in fig.data for p in (getattr(trace, "text", None) or ())]
    assert not any("shelter" in str(t).lower() for t in drawn)  # the map never places it
    # far away, outside the county: nothing in the radius, and the shelter's area does not hold the place
    _, far, status, _ = find_help.search(data, "41.50,-72.50", "housing", None, [], None, 5)
    assert far == [] and "serves" not in status

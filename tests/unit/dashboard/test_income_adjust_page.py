"""The Gaps page offers the estimate's income adjustment (as ``kith gaps --demand estimate --income-adjust``):
the table, its summary, the CSV and the what-if all use it and say so; the plain estimate stays unadjusted."""

from __future__ import annotations

import csv
import io

from kith.dashboard.data import ESTIMATE_BY_INCOME, DashboardData
from kith.dashboard.pages import gaps as gaps_page
from kith.settings import KithSettings
from tests.unit.queries.test_income_adjust import _schools

NEED = "mental_health_counseling"


def test_the_page_picks_the_adjusted_estimate_and_says_so(tmp_path) -> None:
    data = DashboardData(_schools(), KithSettings(_env_file=None, home=tmp_path, neo4j_uri=None))
    assert ESTIMATE_BY_INCOME in dict(gaps_page.DEMAND)
    plain, _, _, _, plain_note = gaps_page.table(data, NEED, "school", "estimate")
    rows, _, _, _, note = gaps_page.table(data, NEED, "school", ESTIMATE_BY_INCOME)
    assert {r["area"]: r["students"] for r in plain} == {"A": "94", "B": "94", "C": "47", "D": "47"}
    assert {r["area"]: r["students"] for r in rows} == {"A": "108", "B": "82", "C": "45", "D": "47"}  # as the CLI's
    assert "free or reduced-price lunch" not in plain_note and "3 of 4 school(s)" in note and "Cree et al." in note
    exported = list(
        csv.DictReader(io.StringIO(gaps_page.csv_file(data, NEED, "school", ESTIMATE_BY_INCOME)["content"]))
    )
    assert {r["Area"]: r["Students with the need"] for r in exported} == {"A": "108", "B": "82", "C": "45", "D": "47"}
    assert all("3 of 4 school(s)" in r["Demand adjustment"] for r in exported)
    plain_csv = csv.DictReader(io.StringIO(gaps_page.csv_file(data, NEED, "school", "estimate")["content"]))
    assert {r["Demand adjustment"] for r in plain_csv} == {""}
    adjusted_what_if = data.what_if(NEED, "school", add_sites=((42.33, -71.06, 50.0),), demand=ESTIMATE_BY_INCOME)
    assert {r.area_id: r.demand for r in adjusted_what_if.rows} == {"A": 108, "B": 82, "C": 45, "D": 47}

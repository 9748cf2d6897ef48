"""The estimate's optional income adjustment: each school's rate times (p R + 1 - p) / (p̄ R + 1 - p̄),
p its free or reduced-price lunch share (Title I without one: 40%), R the cited ratio of
graph/income_ratios.csv; off by default, and named in every report that uses it."""

from __future__ import annotations

import csv
import io

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.model import Addresses, DeliveredAt, School, Service, Site, need_types
from kith.queries._demand import income_ratios
from kith.queries.gaps import find_deserts, service_gaps


def _schools(store: MemoryStore | None = None) -> MemoryStore:
    store = MemoryStore() if store is None else store
    common = {"level": "elementary", "lon": -71.06}
    store.upsert_nodes(
        [
            *need_types(),
            School(id="A", name="A", enrollment=1000, frl_pct=80.0, title_i=True, lat=42.30, **common),
            School(id="B", name="B", enrollment=1000, frl_pct=20.0, title_i=False, lat=42.31, **common),
            School(id="C", name="C", enrollment=500, title_i=True, lat=42.32, **common),  # Title I, no share
            School(id="D", name="D", enrollment=500, lat=42.33, **common),  # neither field
            Service(id="counsel", name="Counselling", capacity=50),
            Site(id="S", name="Clinic", lat=42.31, lon=-71.06),
        ]
    )
    store.upsert_relationships(
        [Addresses(source="counsel", target="mental_health_counseling"), DeliveredAt(source="counsel", target="S")]
    )
    return store


def test_the_ratio_is_cited_beside_the_prevalence_table() -> None:
    ratio = income_ratios()["mental_health_counseling"]
    assert ratio.ratio == pytest.approx(22.1 / 13.9, abs=0.005)
    assert "Cree" in ratio.source and "MMWR 2018;67(50)" in ratio.source and ratio.year == "2016"


def test_the_adjustment_against_a_hand_worked_district() -> None:
    store = _schools()
    plain = service_gaps(store, "mental_health_counseling", demand="estimate", by="school")
    assert {r.area_id: r.demand for r in plain.rows} == {"A": 94, "B": 94, "C": 47, "D": 47}  # 9.4% of enrollment
    assert plain.demand_adjustment == "" and "income" not in plain.demand_text  # off by default
    adjusted = service_gaps(store, "mental_health_counseling", demand="estimate", by="school", income_adjust=True)
    # p̄ = (1000 x 0.8 + 1000 x 0.2 + 500 x 0.4) / 2500 = 0.48; R = 1.59; base = 0.48 x 1.59 + 0.52 = 1.2832
    base = 0.48 * 1.59 + 0.52
    expected = {
        "A": round(94 * (0.8 * 1.59 + 0.2) / base),  # 107.8 -> 108
        "B": round(94 * (0.2 * 1.59 + 0.8) / base),  # 81.9 -> 82
        "C": round(47 * (0.4 * 1.59 + 0.6) / base),  # 45.3 -> 45
        "D": 47,  # no share, not Title I: the stated rate
    }
    assert expected == {"A": 108, "B": 82, "C": 45, "D": 47}
    assert {r.area_id: r.demand for r in adjusted.rows} == expected
    assert "3 of 4 school(s)" in adjusted.demand_adjustment and "Cree et al." in adjusted.demand_adjustment
    assert adjusted.demand_adjustment in adjusted.demand_text and adjusted.demand_adjustment in adjusted.demand_rates
    deserts = find_deserts(store, "mental_health_counseling", demand="estimate", by="school", income_adjust=True)
    assert deserts.demand_adjustment == adjusted.demand_adjustment


def test_a_need_without_a_ratio_says_it_was_not_adjusted() -> None:
    store = _schools()
    store.upsert_relationships([Addresses(source="counsel", target="food")])
    food = service_gaps(store, "food", demand="estimate", by="school", income_adjust=True)
    assert {r.area_id: r.demand for r in food.rows} == {"A": 173, "B": 173, "C": 87, "D": 87}  # 86.5 rounds half up
    assert "no ratio for food: not adjusted" in food.demand_adjustment


def test_the_command_line_names_the_adjustment_in_every_row(tmp_path) -> None:
    from tests.unit.test_cli import kith

    home = tmp_path / "home"
    home.mkdir()
    with MemoryStore.open(home / "graph.msgpack") as store:
        _schools(store)
    args = ("gaps", "--need", "mental_health_counseling", "--demand", "estimate", "--by", "school")
    shown = kith(*args, "--income-adjust", "--format", "csv", home=home)
    assert shown.returncode == 0, shown.stderr
    rows = list(csv.DictReader(io.StringIO(shown.stdout)))
    assert {r["area_id"]: r["demand"] for r in rows}["A"] == "108"
    assert all("income-adjusted: 3 of 4 school(s)" in r["demand_adjustment"] for r in rows)
    table = kith(*args, "--income-adjust", home=home)
    assert "income-adjusted" in table.stderr + table.stdout
    off = kith(*args, "--format", "csv", home=home)
    assert "demand_adjustment" not in off.stdout.splitlines()[0]

"""The accessibility core (2SFCA, Luo & Wang 2003; E2SFCA, Luo & Qi 2009) against
a deliberately naive loop, hand-worked cases and PySAL ``access``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kith.graph.errors import InputError
from kith.graph.geo import distance_km, haversine_km
from kith.queries.gaps import accessibility, decay_named, gaussian_decay, step_decay
from tests._pysal import pysal_accessibility


def naive(demand: pd.DataFrame, supply: pd.DataFrame, catchment: float, decay=None) -> dict[str, float]:
    """2SFCA written as the papers write it, one pair at a time."""
    w = (lambda d: 1.0) if decay is None else (lambda d: float(decay(np.array([d]))[0]))
    dist = {
        (a.id, s.id): distance_km(a.lat, a.lon, s.lat, s.lon) for a in demand.itertuples() for s in supply.itertuples()
    }
    ratio = {}
    for s in supply.itertuples():
        total = sum(a.demand * w(dist[a.id, s.id]) for a in demand.itertuples() if dist[a.id, s.id] <= catchment)
        ratio[s.id] = s.capacity / total if total > 0 else 0.0
    return {
        a.id: sum(ratio[s.id] * w(dist[a.id, s.id]) for s in supply.itertuples() if dist[a.id, s.id] <= catchment)
        for a in demand.itertuples()
    }


def random_tables(seed: int, n_demand: int = 60, n_supply: int = 25):
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame(
        {
            "id": [f"d{k}" for k in range(n_demand)],
            "lat": 42.3 + rng.uniform(-0.1, 0.1, n_demand),
            "lon": -71.1 + rng.uniform(-0.1, 0.1, n_demand),
            "demand": rng.integers(1, 50, n_demand).astype(float),
        }
    )
    supply = pd.DataFrame(
        {
            "id": [f"s{k}" for k in range(n_supply)],
            "lat": 42.3 + rng.uniform(-0.1, 0.1, n_supply),
            "lon": -71.1 + rng.uniform(-0.1, 0.1, n_supply),
            "capacity": rng.integers(0, 30, n_supply).astype(float),
        }
    )
    return demand, supply


DECAYS = {
    "none": None,
    "step": step_decay({1.5: 1.0, 3.0: 0.68, 4.0: 0.22}),
    "gaussian": gaussian_decay(2.0),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("decay", DECAYS)
def test_matches_a_naive_loop(seed: int, decay: str) -> None:
    demand, supply = random_tables(seed)
    result = accessibility(demand, supply, catchment_km=4.0, decay=DECAYS[decay])
    expected = naive(demand, supply, 4.0, DECAYS[decay])
    assert result["id"].tolist() == demand["id"].tolist()
    np.testing.assert_allclose(result["accessibility"], [expected[i] for i in demand["id"]], rtol=1e-12, atol=1e-15)
    in_reach = [
        sum(distance_km(a.lat, a.lon, s.lat, s.lon) <= 4.0 for s in supply.itertuples()) for a in demand.itertuples()
    ]
    assert result["providers_in_reach"].tolist() == in_reach


def _line(xs_km: list[float], lat: float = 42.0) -> tuple[list[float], list[float]]:
    """Points along a meridian, ``xs_km`` km north of ``lat`` (exact great-circle offsets)."""
    return [lat + x / (np.pi * 6371.0088 / 180) for x in xs_km], [-71.0] * len(xs_km)


def test_hand_worked_two_sites() -> None:
    # Demand A (100 students) at 0 km, B (50) at 3 km, C (50) at 20 km; sites S1 (30 places)
    # at 1 km and S2 (10 places) at 4 km; catchment 5 km.
    # In reach: S1 <- A (1 km), B (2 km); S2 <- A (4 km), B (1 km). C reaches nothing.
    # R1 = 30 / (100 + 50) = 0.2; R2 = 10 / (100 + 50) = 1/15.
    # A_A = 0.2 + 1/15 = 4/15; A_B = 4/15; A_C = 0.
    lat, lon = _line([0, 3, 20, 1, 4])
    demand = pd.DataFrame({"id": ["A", "B", "C"], "lat": lat[:3], "lon": lon[:3], "demand": [100, 50, 50]})
    supply = pd.DataFrame({"id": ["S1", "S2"], "lat": lat[3:], "lon": lon[3:], "capacity": [30, 10]})
    out = accessibility(demand, supply, catchment_km=5.0).set_index("id")
    assert out.loc["A", "accessibility"] == pytest.approx(4 / 15, rel=1e-12)
    assert out.loc["B", "accessibility"] == pytest.approx(4 / 15, rel=1e-12)
    assert out.loc["C", "accessibility"] == 0.0
    assert out["providers_in_reach"].tolist() == [2, 2, 0]


def test_hand_worked_step_decay() -> None:
    # Zones <= 2 km: 1.0, <= 4 km: 0.5. A (10) at 0 km, B (30) at 3 km; one site S (12) at 0 km.
    # Weighted demand at S = 10 * 1.0 + 30 * 0.5 = 25; R = 12 / 25 = 0.48.
    # A_A = 0.48 * 1.0 = 0.48; A_B = 0.48 * 0.5 = 0.24.
    lat, lon = _line([0, 3, 0])
    demand = pd.DataFrame({"id": ["A", "B"], "lat": lat[:2], "lon": lon[:2], "demand": [10, 30]})
    supply = pd.DataFrame({"id": ["S"], "lat": lat[2:], "lon": lon[2:], "capacity": [12]})
    out = accessibility(demand, supply, catchment_km=4.0, decay=step_decay({2: 1.0, 4: 0.5}))
    np.testing.assert_allclose(out["accessibility"], [0.48, 0.24], rtol=1e-12)


def test_the_catchment_edge_is_in_reach() -> None:
    # A site exactly at the catchment distance is in reach (<=), as in PySAL access.
    demand = pd.DataFrame({"id": ["A"], "lat": [42.0], "lon": [-71.0], "demand": [4]})
    supply = pd.DataFrame({"id": ["S"], "lat": [42.0312], "lon": [-71.0207], "capacity": [2]})
    edge = float(haversine_km(42.0, -71.0, 42.0312, -71.0207))
    assert accessibility(demand, supply, catchment_km=edge)["accessibility"].tolist() == [0.5]
    assert accessibility(demand, supply, catchment_km=np.nextafter(edge, 0))["accessibility"].tolist() == [0.0]


def test_travel_matrix_replaces_distances_and_unlisted_pairs_are_out_of_reach() -> None:
    # Costs in minutes; catchment 30. A-S1 20 min, B-S1 40 min (out), B-S2 10, A-S2 unlisted (out).
    # R1 = 60 / 30 (A only) = 2; R2 = 5 / 10 (B only) = 0.5. A_A = 2, A_B = 0.5.
    demand = pd.DataFrame({"id": ["A", "B"], "demand": [30, 10]})
    supply = pd.DataFrame({"id": ["S1", "S2"], "capacity": [60, 5]})
    travel = pd.DataFrame(
        {"origin": ["A", "B", "B", "Z"], "destination": ["S1", "S1", "S2", "S1"], "cost": [20.0, 40.0, 10.0, 1.0]}
    )
    out = accessibility(demand, supply, catchment_km=30, travel=travel)
    assert out["accessibility"].tolist() == [2.0, 0.5]
    assert out["providers_in_reach"].tolist() == [1, 1]
    everything = accessibility(demand, supply, travel=travel)  # no catchment: every listed pair
    assert everything["providers_in_reach"].tolist() == [1, 2]


def test_decay_factories_match_pysal_weights() -> None:
    from access import weights

    xs = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 7.0])
    steps = {1.0: 1.0, 2.0: 0.68, 3.0: 0.22}
    assert step_decay(steps)(xs).tolist() == [weights.step_fn(steps)(x) for x in xs]
    np.testing.assert_allclose(gaussian_decay(1.7)(xs), [weights.gaussian(1.7)(x) for x in xs], rtol=1e-15)
    assert decay_named("step", 6.0)(np.array([2.0, 2.1, 6.0, 6.1])).tolist() == [1.0, 0.68, 0.22, 0.0]
    assert decay_named("none", 6.0) is None


@pytest.mark.filterwarnings("ignore:The inplace keyword")
@pytest.mark.parametrize("decay", DECAYS)
def test_agrees_with_pysal_access(decay: str) -> None:
    from access import weights

    demand, supply = random_tables(11, 300, 120)
    catchment = 4.0
    theirs_fn = {
        "none": None,
        "step": weights.step_fn({1.5: 1.0, 3.0: 0.68, 4.0: 0.22}),
        "gaussian": weights.gaussian(2.0),
    }[decay]
    reference = pysal_accessibility(demand, supply, catchment, theirs_fn)
    ours = accessibility(demand, supply, catchment_km=catchment, decay=DECAYS[decay]).set_index("id")["accessibility"]
    defined = reference.dropna()
    assert len(defined) > 250
    np.testing.assert_allclose(ours.loc[defined.index], defined, rtol=1e-9, atol=0)
    assert (ours.drop(defined.index) == 0).all()


def test_a_step_decay_bounds_the_reach_without_a_catchment() -> None:
    demand, supply = random_tables(3)
    decay = step_decay({2.0: 1.0, 3.0: 0.5})
    assert accessibility(demand, supply, decay=decay).equals(
        accessibility(demand, supply, catchment_km=3.0, decay=decay)
    )


def test_every_input_problem_is_reported_at_once() -> None:
    demand = pd.DataFrame({"id": ["a", "a"], "lat": [42.0, 95.0], "lon": [-71.0, -71.0], "demand": [1, -2]})
    supply = pd.DataFrame({"id": ["s"], "lat": [42.0], "capacity": [1]})
    with pytest.raises(InputError) as err:
        accessibility(demand, supply)
    message = str(err.value)
    for part in (
        "demand ids are not unique",
        "demand column demand",
        "impossible coordinates",
        "supply lacks column(s) lon",
        "give catchment_km",
    ):
        assert part in message, message


def test_empty_tables_give_empty_answers() -> None:
    demand = pd.DataFrame({"id": ["a"], "lat": [42.0], "lon": [-71.0], "demand": [3]})
    supply = pd.DataFrame({"id": [], "lat": [], "lon": [], "capacity": []})
    out = accessibility(demand, supply, catchment_km=5)
    assert out["accessibility"].tolist() == [0.0] and out["providers_in_reach"].tolist() == [0]

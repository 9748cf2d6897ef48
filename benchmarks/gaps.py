"""Accessibility (2SFCA / E2SFCA): kith end to end versus PySAL ``access``.

A seeded metro: 10,000 demand points and 5,000 supply points spread over a
68 km x 68 km square around Boston, with a 10 km catchment (about 3 million
pairs in reach). kith computes its own distances from the points (k-d tree
plus the chord's great-circle distance); PySAL ``access`` is given the pair
distances precomputed (haversine, R = 6371.0088 km), and its time covers
building the ``Access`` object and the score. Both must give the same scores
(1e-9 relative); the anchors are kith >= 3x faster for 2SFCA and >= 10x
faster for E2SFCA (Luo & Qi's step decay, and a Gaussian).

With ``--state-estimate``: the estimate path on the ``state`` demo city (1,500
schools, every need; demand = enrollment x the shipped prevalence rates, and a
stated 10% for the needs the table has no rate for). Two kith times: the 2SFCA
on the estimate's tables (``accessibility``, computing its own distances), the
anchor's like for like; and the whole ``service_gaps(..., demand="estimate",
by="school")`` per need (reading the store, the estimate, the supply, the
2SFCA and the report). PySAL ``access`` is given the same demand and supply
tables and the pair distances precomputed, and times the ``Access`` object and
the score. Anchor: the 2SFCA >= 3x, every score equal to 1e-9 relative.

    python benchmarks/gaps.py [--seed 0] [--repeat 5] [--state-estimate [--size state|district] [--store FILE]]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kith.graph.geo import haversine_km  # noqa: E402
from kith.queries._fca import pairs_within  # noqa: E402
from kith.queries.gaps import accessibility, gaussian_decay, step_decay  # noqa: E402

TARGETS = {"2SFCA": 3.0, "E2SFCA step": 10.0, "E2SFCA gaussian": 10.0}
CATCHMENT_KM = 10.0


def metro(seed: int, n_demand: int = 10_000, n_supply: int = 5_000, half_km: float = 34.0):
    rng = np.random.default_rng(seed)
    lat0, lon0 = 42.33, -71.08

    def points(n: int) -> tuple[np.ndarray, np.ndarray]:
        lat = lat0 + rng.uniform(-half_km, half_km, n) / 111.0
        lon = lon0 + rng.uniform(-half_km, half_km, n) / (111.0 * np.cos(np.radians(lat0)))
        return lat, lon

    dlat, dlon = points(n_demand)
    slat, slon = points(n_supply)
    demand = pd.DataFrame(
        {
            "id": [f"d{k:05d}" for k in range(n_demand)],
            "lat": dlat,
            "lon": dlon,
            "demand": rng.integers(1, 500, n_demand).astype(float),
        }
    )
    supply = pd.DataFrame(
        {
            "id": [f"s{k:05d}" for k in range(n_supply)],
            "lat": slat,
            "lon": slon,
            "capacity": rng.integers(1, 100, n_supply).astype(float),
        }
    )
    return demand, supply


def precomputed_costs(demand: pd.DataFrame, supply: pd.DataFrame) -> pd.DataFrame:
    """Every pair within the catchment with its haversine distance (``kith.graph.geo.haversine_km``).

    Candidates come from a generous k-d tree search (1.01 x the catchment); the
    distance and the cut are brute-force haversine on those candidates.
    """
    wide = pairs_within(
        demand["lat"].to_numpy(),
        demand["lon"].to_numpy(),
        supply["lat"].to_numpy(),
        supply["lon"].to_numpy(),
        CATCHMENT_KM * 1.01,
    )
    d = haversine_km(
        demand["lat"].to_numpy()[wide.demand],
        demand["lon"].to_numpy()[wide.demand],
        supply["lat"].to_numpy()[wide.supply],
        supply["lon"].to_numpy()[wide.supply],
    )
    keep = d <= CATCHMENT_KM
    return pd.DataFrame(
        {
            "origin": demand["id"].to_numpy()[wide.demand[keep]],
            "dest": supply["id"].to_numpy()[wide.supply[keep]],
            "cost": d[keep],
        }
    )


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def state_estimate(seed: int, catchment: float = 5.0, size: str = "state", saved: Path | None = None) -> bool:
    """The estimate path on the state city against PySAL ``access`` (see the module docstring)."""
    from access import Access

    from kith.graph.memory import MemoryStore
    from kith.graph.model import Label, NeedCode
    from kith.ingest import demo_city
    from kith.queries._demand import Rate, prevalence, read_demand
    from kith.queries._gapdata import supply_sites
    from kith.queries.gaps import service_gaps

    t = time.perf_counter()
    if saved is not None and saved.exists():
        store = MemoryStore.open(saved, readonly=True)
        built = f"read from {saved}"
    else:
        city = demo_city.generate(size, seed=seed)
        kept = {Label.SCHOOL, Label.AGENCY, Label.SERVICE, Label.SITE, Label.NEED_TYPE}
        store = MemoryStore.open(saved) if saved is not None else MemoryStore()
        store.upsert_nodes(n for n in city.nodes if n.label in kept)
        store.upsert_relationships(r for r in city.rels if r.type.value in ("OFFERS", "DELIVERED_AT", "ADDRESSES"))
        del city
        if saved is not None:
            store.save()
            store.close()
            store = MemoryStore.open(saved, readonly=True)
        built = "built" + (f" and saved to {saved}" if saved is not None else "")
    shipped = prevalence()
    rated = {r.need for r in shipped}
    rates = (
        *shipped,
        *(Rate(c.value, 0.10, "all", "benchmark: a stated rate", "-") for c in NeedCode if c.value not in rated),
    )
    schools = len(store.nodes(Label.SCHOOL))
    print(
        f"{size} city (seed {seed}): {schools:,} schools, {len(NeedCode)} needs, {catchment:g} km catchment "
        f"({built} in {time.perf_counter() - t:.0f} s, not timed)"
    )
    kith_s = core_s = pysal_s = 0.0
    worst, pairs = 0.0, 0
    for code in (c.value for c in NeedCode):
        t = time.perf_counter()
        report = service_gaps(store, code, demand="estimate", by="school", catchment_km=catchment, prevalence=rates)
        kith_s += time.perf_counter() - t
        demand = read_demand(store, code, "school", source="estimate", rates=rates).areas.table
        supply = supply_sites(store, code).table
        t = time.perf_counter()
        core = accessibility(demand, supply, catchment_km=catchment)
        core_s += time.perf_counter() - t
        global CATCHMENT_KM
        CATCHMENT_KM, saved = catchment, CATCHMENT_KM
        costs = precomputed_costs(demand, supply)
        CATCHMENT_KM = saved
        pairs += len(costs)
        t = time.perf_counter()
        acc = Access(
            demand_df=demand[["id", "demand"]].rename(columns={"id": "geoid"}),
            demand_index="geoid",
            demand_value="demand",
            supply_df=supply[["id", "capacity"]].rename(columns={"id": "geoid"}),
            supply_index="geoid",
            supply_value="capacity",
            cost_df=costs,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        theirs = acc.two_stage_fca(name="a", max_cost=catchment).iloc[:, 0]
        pysal_s += time.perf_counter() - t
        mine = pd.Series({r.area_id: r.accessibility for r in report.rows})
        if not np.array_equal(core.set_index("id")["accessibility"].reindex(mine.index).to_numpy(), mine.to_numpy()):
            print(f"{code}: the report differs from the core")
            return False
        reference = theirs.reindex(mine.index).fillna(0.0)
        if not np.allclose(mine.to_numpy(), reference.to_numpy(), rtol=1e-9, atol=0.0):
            print(f"{code}: SCORES DIFFER")
            return False
        nonzero = reference.to_numpy() != 0
        if nonzero.any():
            worst = max(
                worst,
                float(
                    np.max(
                        np.abs(mine.to_numpy()[nonzero] - reference.to_numpy()[nonzero])
                        / np.abs(reference.to_numpy()[nonzero])
                    )
                ),
            )
    ratio = pysal_s / core_s
    ok = ratio >= 3.0
    print(
        f"estimate path, {len(NeedCode)} needs, {pairs:,} pairs in reach: kith 2SFCA {core_s:.3f} s, "
        f"PySAL access {pysal_s:.3f} s (distances given): {ratio:.1f}x (target 3x), max rel diff {worst:.2e}  "
        f"{'ok' if ok else 'SLOWER THAN TARGET'}"
    )
    print(
        f"kith end to end (store, estimate, supply, 2SFCA, report): {kith_s:.3f} s, "
        f"{pysal_s / kith_s:.1f}x PySAL's score alone"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--state-estimate",
        action="store_true",
        help="Only the estimate path on the state demo city (seed 7 unless --seed).",
    )
    parser.add_argument(
        "--size",
        choices=["state", "district"],
        default="state",
        help="With --state-estimate: the demo city (district: a quick check of the script).",
    )
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="With --state-estimate: the city's schools and services saved here on the first run and read back "
        "on later ones (the city of that size and seed is built once).",
    )
    args = parser.parse_args()
    if args.state_estimate:
        logging.getLogger("access").setLevel(logging.WARNING)
        ok = state_estimate(7 if args.seed == 0 else args.seed, size=args.size, saved=args.store)
        print("all anchors met" if ok else "some anchors missed")
        return

    from access import Access, weights

    logging.getLogger("access").setLevel(logging.WARNING)
    demand, supply = metro(args.seed)
    costs = precomputed_costs(demand, supply)
    print(
        f"metro (seed {args.seed}): {len(demand):,} demand x {len(supply):,} supply, "
        f"{CATCHMENT_KM:g} km catchment, {len(costs):,} pairs in reach"
    )

    c = CATCHMENT_KM
    cases = {
        "2SFCA": (None, None),
        "E2SFCA step": (
            step_decay({c / 3: 1.0, 2 * c / 3: 0.68, c: 0.22}),
            weights.step_fn({c / 3: 1.0, 2 * c / 3: 0.68, c: 0.22}),
        ),
        "E2SFCA gaussian": (gaussian_decay(c / 2), weights.gaussian(c / 2)),
    }
    pysal_demand = demand[["id", "demand"]].rename(columns={"id": "geoid"})
    pysal_supply = supply[["id", "capacity"]].rename(columns={"id": "geoid"})
    ok = True
    print(f"{'method':<16} {'kith s':>8} {'PySAL s':>8} {'ratio':>7} {'target':>7} {'max rel diff':>13}  result")
    for name, (ours, theirs) in cases.items():
        kith_s, kith = timed(lambda ours=ours: accessibility(demand, supply, catchment_km=c, decay=ours), args.repeat)

        def pysal(theirs=theirs):
            acc = Access(
                demand_df=pysal_demand,
                demand_index="geoid",
                demand_value="demand",
                supply_df=pysal_supply,
                supply_index="geoid",
                supply_value="capacity",
                cost_df=costs,
                cost_origin="origin",
                cost_dest="dest",
                cost_name="cost",
            )
            return acc.two_stage_fca(name="a", max_cost=c, weight_fn=theirs)

        pysal_s, theirs_out = timed(pysal, max(1, min(args.repeat, 3)))
        reference = theirs_out.iloc[:, 0].reindex(kith["id"]).fillna(0.0).to_numpy()
        mine = kith["accessibility"].to_numpy()
        rel = float(np.max(np.abs(mine - reference) / np.maximum(np.abs(reference), 1e-300)))
        same = bool(np.allclose(mine, reference, rtol=1e-9, atol=0.0))
        ratio = pysal_s / kith_s
        verdict = ("ok" if ratio >= TARGETS[name] else "SLOWER THAN TARGET") if same else "SCORES DIFFER"
        ok &= same and ratio >= TARGETS[name]
        print(
            f"{name:<16} {kith_s:>8.3f} {pysal_s:>8.3f} {ratio:>6.1f}x {TARGETS[name]:>6.0f}x {rel:>13.2e}  {verdict}"
        )
    print("all anchors met" if ok else "some anchors missed")


if __name__ == "__main__":
    main()

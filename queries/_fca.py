"""The floating catchment core: pure functions on arrays and tables, no store.

Two-step floating catchment area (2SFCA, Luo & Wang 2003) and its distance
decay variant (E2SFCA, Luo & Qi 2009):

1. for every supply location *j*, the supply-to-demand ratio
   ``R_j = S_j / sum_i(D_i * w(d_ij))`` over the demand locations *i* in reach;
2. for every demand location *i*, the accessibility
   ``A_i = sum_j(R_j * w(d_ij))`` over the supply locations *j* in reach.

``w`` is 1 in reach for 2SFCA, a decay function for E2SFCA; a pair is in reach
when its distance (or travel cost) is ``<=`` the catchment, as PySAL ``access``
has it. A supply location whose weighted demand in reach is zero serves nobody
and contributes nothing (its ratio is undefined; PySAL gives ``inf``).

The in-reach pairs come from a k-d tree over unit vectors on the sphere (a
ball of the catchment's chord finds every pair, the chord gives the
great-circle distance) and the two steps are two weighted ``bincount`` s over
the pairs, so the work grows with the pairs in reach, not with
demand x supply.

References
----------
Luo, W. & Wang, F. (2003). Measures of spatial accessibility to health care in a
GIS environment: synthesis and a case study in the Chicago region. *Environment
and Planning B*, 30(6), 865-884.

Luo, W. & Qi, Y. (2009). An enhanced two-step floating catchment area (E2SFCA)
method for measuring spatial accessibility to primary care physicians.
*Health & Place*, 15(4), 1100-1107.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from kith.graph.errors import InputError
from kith.graph.geo import EARTH_RADIUS_KM, unit_vectors

#: A decay function: weights (>= 0) for an array of distances or costs.
Decay = Callable[[NDArray[np.float64]], NDArray[np.float64]]

#: Relative margin around a threshold inside which a chord-derived distance is
#: recomputed by the exact haversine (the chord loses ~1e-10 on very short pairs).
_BORDER = 1e-9


# ------------------------------------------------------------------ decay factories


def step_decay(steps: Mapping[float, float] | Sequence[tuple[float, float]]) -> Decay:
    """A step decay: the weight of the first step whose bound is ``>=`` the distance, 0 beyond the last.

    Luo & Qi (2009) weight three travel zones of a 30-minute catchment by
    1.00, 0.68 and 0.22: ``step_decay({10: 1.0, 20: 0.68, 30: 0.22})``.
    Same semantics as PySAL ``access.weights.step_fn``, vectorized.

    >>> w = step_decay({10: 1.0, 20: 0.68, 30: 0.22})
    >>> w(np.array([0.0, 10.0, 10.5, 30.0, 31.0])).tolist()
    [1.0, 1.0, 0.68, 0.22, 0.0]
    """
    items = sorted(dict(steps).items())
    problems = [f"step bound {b!r} is not a finite number" for b, _ in items if not np.isfinite(b)]
    problems += [f"step weight {v!r} is negative or not a number" for _, v in items if not v >= 0]
    if not items:
        problems.append("a step decay needs at least one step")
    if problems:
        raise InputError("; ".join(problems))
    bounds = np.array([b for b, _ in items], dtype=np.float64)
    values = np.array([v for _, v in items] + [0.0], dtype=np.float64)

    def weight(cost: NDArray[np.float64]) -> NDArray[np.float64]:
        return values[np.searchsorted(bounds, np.asarray(cost, dtype=np.float64), side="left")]

    weight.breakpoints = tuple(bounds.tolist())  # type: ignore[attr-defined]
    weight.description = "step " + ", ".join(f"<={b:g}: {v:g}" for b, v in items)  # type: ignore[attr-defined]
    return weight


def gaussian_decay(sigma: float) -> Decay:
    """A Gaussian decay ``w(d) = exp(-d² / (2 sigma²))``, with ``w(0) = 1`` (not normalized).

    The continuous decay of E2SFCA (Luo & Qi 2009); the same function as
    PySAL ``access.weights.gaussian``, vectorized.

    >>> round(float(gaussian_decay(2.0)(np.array([2.0]))[0]), 6)
    0.606531
    """
    if not (np.isfinite(sigma) and sigma > 0):
        raise InputError(f"the Gaussian width sigma must be a positive number, not {sigma!r}")

    def weight(cost: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.asarray(cost, dtype=np.float64)
        return np.exp(-x * x / (2 * sigma**2))

    weight.breakpoints = ()  # type: ignore[attr-defined]
    weight.description = f"gaussian sigma={sigma:g}"  # type: ignore[attr-defined]
    return weight


def describe_decay(decay: Decay | None) -> str:
    """A short description of a decay for reports (``"none"`` for plain 2SFCA)."""
    if decay is None:
        return "none"
    return getattr(decay, "description", getattr(decay, "__name__", "custom"))


# ------------------------------------------------------------------ pairs in reach


@dataclass(frozen=True)
class Pairs:
    """Demand-supply pairs in reach: positions into the demand and supply tables, and their cost."""

    demand: NDArray[np.intp]
    supply: NDArray[np.intp]
    cost: NDArray[np.float64]


def _haversine_pairs(
    lat1: NDArray[np.float64],
    lon1: NDArray[np.float64],
    lat2: NDArray[np.float64],
    lon2: NDArray[np.float64],
    i: NDArray[np.intp],
    j: NDArray[np.intp],
) -> NDArray[np.float64]:
    """``kith.graph.geo.haversine_km`` for the pairs (i, j), operation for operation."""
    p1, l1, p2, l2 = (np.radians(a) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((p2[j] - p1[i]) / 2) ** 2 + np.cos(p1)[i] * np.cos(p2)[j] * np.sin((l2[j] - l1[i]) / 2) ** 2
    distance: NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return distance


def pairs_within(
    demand_lat: NDArray[np.float64],
    demand_lon: NDArray[np.float64],
    supply_lat: NDArray[np.float64],
    supply_lon: NDArray[np.float64],
    radius_km: float,
    *,
    exact_at: Sequence[float] = (),
    exact: bool = False,
) -> Pairs:
    """Every (demand, supply) pair within ``radius_km`` (haversine, R = 6371.0088 km), with its distance.

    Candidates come from a k-d tree on unit vectors with the radius's chord;
    the distance is taken from the chord, and recomputed by the exact
    haversine wherever it lies within a relative 1e-9 of the radius or of a
    value of ``exact_at`` (decay breakpoints), so membership agrees with a
    brute-force haversine. ``exact=True`` recomputes every pair.
    """
    if len(demand_lat) == 0 or len(supply_lat) == 0 or radius_km < 0:
        empty = np.empty(0, dtype=np.intp)
        return Pairs(empty, empty, np.empty(0, dtype=np.float64))
    angle = min(radius_km / EARTH_RADIUS_KM, np.pi)
    chord = 2 * np.sin(angle / 2) * (1 + 4 * _BORDER) + 1e-12
    supply_tree = cKDTree(unit_vectors(supply_lat, supply_lon))
    i, j, chords = _ball_pairs(unit_vectors(demand_lat, demand_lon), supply_tree, chord)
    if exact:
        cost = _haversine_pairs(demand_lat, demand_lon, supply_lat, supply_lon, i, j)
    else:
        cost = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chords / 2, 1.0))
        border = np.zeros(cost.shape, dtype=bool)
        for t in (radius_km, *exact_at):
            border |= np.abs(cost - t) <= _BORDER * max(abs(t), 1e-6) + 1e-12
        if border.any():
            cost[border] = _haversine_pairs(demand_lat, demand_lon, supply_lat, supply_lon, i[border], j[border])
    out = cost > radius_km
    if not out.any():
        return Pairs(i, j, cost)
    keep = ~out
    return Pairs(i[keep], j[keep], cost[keep])


def _ball_pairs(
    demand_xyz: NDArray[np.float64], supply_tree: cKDTree, chord: float
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """(i, j, chord) of every pair within ``chord``; large inputs are split over threads
    (the k-d tree search releases the GIL)."""
    chunks = min(os.cpu_count() or 1, 8) if len(demand_xyz) * supply_tree.n >= 4_000_000 else 1
    bounds = np.linspace(0, len(demand_xyz), chunks + 1).astype(np.intp)

    def search(k: int) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
        part = cKDTree(demand_xyz[bounds[k] : bounds[k + 1]]).sparse_distance_matrix(
            supply_tree, chord, output_type="ndarray"
        )
        return part["i"] + bounds[k], np.ascontiguousarray(part["j"]), np.ascontiguousarray(part["v"])

    if chunks == 1:
        return search(0)
    with ThreadPoolExecutor(chunks) as pool:
        parts = list(pool.map(search, range(chunks)))
    return tuple(np.concatenate([p[f] for p in parts]) for f in range(3))  # type: ignore[return-value]


def pairs_from_matrix(
    demand_ids: pd.Index, supply_ids: pd.Index, travel: pd.DataFrame, catchment: float | None
) -> Pairs:
    """The listed (origin, destination) pairs whose cost is ``<=`` the catchment (all listed when None).

    Pairs naming an id that is not in the tables are ignored (a travel matrix
    often covers more places than one question uses).
    """
    i = demand_ids.get_indexer(travel["origin"])
    j = supply_ids.get_indexer(travel["destination"])
    cost = travel["cost"].to_numpy(dtype=np.float64)
    keep = (i >= 0) & (j >= 0)
    if catchment is not None:
        keep &= cost <= catchment
    return Pairs(i[keep].astype(np.intp), j[keep].astype(np.intp), cost[keep])


def with_covers(pairs: Pairs, demand_ids: pd.Index, supply_ids: pd.Index, covers: pd.DataFrame) -> Pairs:
    """``pairs`` and the (origin: demand id, destination: supply id) pairs of ``covers`` (a service
    area holding the demand), those at cost 0 (in reach wherever the site is); a pair in both once,
    at its least cost. Ids not in the tables are ignored."""
    i = demand_ids.get_indexer(covers["origin"])
    j = supply_ids.get_indexer(covers["destination"])
    keep = (i >= 0) & (j >= 0)
    if not keep.any():
        return pairs
    all_i = np.concatenate([pairs.demand, i[keep].astype(np.intp)])
    all_j = np.concatenate([pairs.supply, j[keep].astype(np.intp)])
    cost = np.concatenate([pairs.cost, np.zeros(int(keep.sum()), dtype=np.float64)])
    key = all_i.astype(np.int64) * max(len(supply_ids), 1) + all_j
    order = np.lexsort((cost, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    kept = order[first]
    return Pairs(all_i[kept], all_j[kept], cost[kept])


# ------------------------------------------------------------------ the two steps


def two_step(
    demand: NDArray[np.float64], capacity: NDArray[np.float64], pairs: Pairs, decay: Decay | None = None
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Accessibility per demand location and supply locations in reach (2SFCA, or E2SFCA with ``decay``).

    Step 1 (Luo & Wang 2003): ``R_j = S_j / sum_i D_i w_ij``; step 2:
    ``A_i = sum_j R_j w_ij``; ``w_ij = decay(d_ij)`` (Luo & Qi 2009) or 1.
    """
    n_demand, n_supply = len(demand), len(capacity)
    if decay is None:
        weighted_demand = np.bincount(pairs.supply, weights=demand[pairs.demand], minlength=n_supply)
    else:
        w = np.asarray(decay(pairs.cost), dtype=np.float64)
        weighted_demand = np.bincount(pairs.supply, weights=demand[pairs.demand] * w, minlength=n_supply)
    ratio = np.zeros(n_supply, dtype=np.float64)
    served = weighted_demand > 0
    ratio[served] = capacity[served] / weighted_demand[served]
    if decay is None:
        access = np.bincount(pairs.demand, weights=ratio[pairs.supply], minlength=n_demand)
    else:
        access = np.bincount(pairs.demand, weights=ratio[pairs.supply] * w, minlength=n_demand)
    in_reach = np.bincount(pairs.demand, minlength=n_demand).astype(np.int64)
    return access.astype(np.float64, copy=False), in_reach  # bincount with weights: float64 already

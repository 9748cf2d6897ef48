"""PySAL ``access``'s 2SFCA on kith's demand and supply tables: the independent answer the gap tests check against."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from kith.graph.geo import haversine_km


def pysal_accessibility(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    catchment_km: float,
    weight_fn: Callable[[float], float] | None = None,
) -> pd.Series:
    """Accessibility by demand id as PySAL ``access`` computes it (NaN where it leaves an area undefined).

    ``demand`` has id, lat, lon, demand; ``supply`` has id, lat, lon, capacity; the costs are the haversine
    distances within the catchment; ``weight_fn`` is one of ``access.weights``' decays (E2SFCA), or None.
    """
    from access import Access

    logging.getLogger("access").setLevel(logging.WARNING)
    d = haversine_km(
        demand["lat"].to_numpy()[:, None],
        demand["lon"].to_numpy()[:, None],
        supply["lat"].to_numpy()[None, :],
        supply["lon"].to_numpy()[None, :],
    )
    i, j = np.nonzero(d <= catchment_km)
    costs = pd.DataFrame({"origin": demand["id"].to_numpy()[i], "dest": supply["id"].to_numpy()[j], "cost": d[i, j]})
    theirs = Access(
        demand_df=demand.rename(columns={"id": "geoid"}),
        demand_index="geoid",
        demand_value="demand",
        supply_df=supply.rename(columns={"id": "geoid"}),
        supply_index="geoid",
        supply_value="capacity",
        cost_df=costs,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    return theirs.two_stage_fca(name="a", max_cost=catchment_km, weight_fn=weight_fn).iloc[:, 0]

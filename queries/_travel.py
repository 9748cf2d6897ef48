"""How far a provider reaches: straight-line km, a travel-time matrix, or a stated estimate by mode.

- ``km`` (the default): great-circle distance, within a catchment in km;
- a **travel matrix** (origin, destination, minutes; the CSV that OSRM, r5py or
  a GIS tool exports): origins are demand area ids (school ids, H3 cells, ZIP
  codes), destinations site ids; a pair the matrix does not list is out of
  reach. The catchment is then in minutes;
- an **estimate by mode** (walk, transit, drive): straight-line distance times
  a detour factor, at a stated speed, within a catchment in minutes. Since the
  minutes are proportional to the distance, the estimate is a km catchment of
  ``minutes / 60 × speed / detour``: every report says the minutes and the km.

The detour factor 1.2 is the circuity of road travel in the United States
found by Ballou, Rahardja & Sakai (2002, "Selected country circuity factors for
road travel distance estimation", Transportation Research Part A 36(9)). The
walking speed is the 3.5 ft/s (1.07 m/s) the Manual on Uniform Traffic Control
Devices (2009, section 4E.06) assumes for pedestrian clearance. The transit and
drive speeds are stated assumptions, door to door with waits and parking; a
travel matrix from a routing engine replaces them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from kith.graph.errors import InputError


class Mode(NamedTuple):
    speed_kmh: float
    detour: float
    cited: str


#: Ballou, Rahardja & Sakai (2002): US road circuity about 1.2.
DETOUR = 1.2
MODES: dict[str, Mode] = {
    "walk": Mode(3.5 * 0.3048 * 3.6, DETOUR, "walking 3.5 ft/s (MUTCD 2009, 4E.06) × detour 1.2 (Ballou et al. 2002)"),
    "transit": Mode(
        12.0,
        DETOUR,
        "transit 12 km/h door to door, waits included (a stated assumption) × detour 1.2 (Ballou et al. 2002)",
    ),
    "drive": Mode(
        30.0, DETOUR, "driving 30 km/h door to door in town (a stated assumption) × detour 1.2 (Ballou et al. 2002)"
    ),
}


@dataclass(frozen=True)
class Reach:
    """The catchment of a question: ``catchment`` in km (or in the matrix's minutes with ``travel``),
    and the sentence every report says it with."""

    catchment: float
    text: str
    travel: pd.DataFrame | None = None  # origin (demand id), destination (site id), cost (minutes)
    minutes: float | None = None
    mode: str = "km"

    def within(self) -> str:
        """``within 5 km`` / ``within 20 min (walk estimate)`` for the desert rule."""
        if self.mode == "km":
            return f"within {self.catchment:g} km"
        return f"within {self.minutes:g} min ({'travel matrix' if self.mode == 'matrix' else self.mode + ' estimate'})"


def reach_for(
    catchment_km: float, *, mode: str | None = None, minutes: float | None = None, travel: pd.DataFrame | None = None
) -> Reach:
    """The reach the options ask for (see the module docstring)."""
    if travel is not None and mode not in (None, "km"):
        raise InputError("give a travel matrix or a mode, not both")
    if travel is not None:
        minutes = 20.0 if minutes is None else float(minutes)
        _check_minutes(minutes)
        return Reach(minutes, f"travel matrix, {minutes:g} minutes", travel, minutes, "matrix")
    if mode in (None, "km"):
        return Reach(float(catchment_km), f"straight-line distance, {catchment_km:g} km")
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r} (use walk, transit or drive)")
    minutes = 20.0 if minutes is None else float(minutes)
    _check_minutes(minutes)
    m = MODES[mode]
    km = minutes / 60 * m.speed_kmh / m.detour
    return Reach(
        km, f"{mode} estimate: {minutes:g} minutes ≈ {km:.3g} km straight-line ({m.cited})", None, minutes, mode
    )


def _check_minutes(minutes: float) -> None:
    if not (np.isfinite(minutes) and minutes > 0):
        raise InputError(f"the catchment must be a positive number of minutes, not {minutes!r}")


def read_travel(path: Path | str) -> pd.DataFrame:
    """A travel-time matrix CSV: columns origin, destination and minutes (or cost, duration, time)."""
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype={"origin": str, "destination": str})
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the travel matrix {path}: {type(exc).__name__}") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    cost = next((c for c in ("minutes", "cost", "duration", "time", "travel_time") if c in table.columns), None)
    problems = [f"no {c} column" for c in ("origin", "destination") if c not in table.columns]
    if cost is None:
        problems.append("no minutes column (or cost, duration, time)")
    if problems:
        raise InputError(f"the travel matrix {path.name} has problems: {'; '.join(problems)}")
    out = pd.DataFrame(
        {
            "origin": table["origin"].astype(str).str.strip(),
            "destination": table["destination"].astype(str).str.strip(),
            "cost": pd.to_numeric(table[cost], errors="coerce"),
        }
    )
    bad = out.index[out["cost"].isna() | (out["cost"] < 0)]
    if len(bad):
        rows = ", ".join(str(k + 2) for k in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise InputError(
            f"the travel matrix {path.name} has minutes that are not numbers >= 0 (field {cost}, row(s) {rows})"
        )
    return out.drop_duplicates(["origin", "destination"], keep="last").reset_index(drop=True)


def supply_travel(travel: pd.DataFrame, supply_ids: list[str]) -> pd.DataFrame:
    """The matrix by supply row (``service@site``): each row takes its site's minutes."""
    site_of = pd.DataFrame({"supply": supply_ids, "destination": [s.rpartition("@")[2] for s in supply_ids]})
    joined = travel.merge(site_of, on="destination", how="inner")
    return pd.DataFrame({"origin": joined["origin"], "destination": joined["supply"], "cost": joined["cost"]})

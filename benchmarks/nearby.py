"""Nearby help at 50,000 sites: kith's in-process query versus a brute-force numpy haversine.

A seeded state: 50,000 sites jittered (2 km) around the Massachusetts ZIP
centroids, so Boston is dense and the west is sparse, each with one to three
services (100,000 in all) from 10,000 agencies, in an embedded store. Queries
start at 1,000 seeded points near ZIP centroids (radius 5 km, limit 10).

Two comparisons, each kith against the brute force answering the same question:

- radius search: the port's ``store.within`` (k-d tree on the unit sphere, exact
  haversine on the candidates) versus haversine from the query point to every
  site (numpy, arrays prepared beforehand), the sites in reach ordered by
  (distance, id);
- nearby rows: ``find_nearby`` (ten whole rows: service, agency, site, address,
  needs, distance) versus the brute force above joined to every site's services
  and ordered by (distance, service id, site id).

Every answer is checked against its brute force (same ids, same order,
distances to 1e-9). The anchors: median <= 100 µs per query and >= 10x faster
than brute force.

    python benchmarks/nearby.py [--seed 0] [--queries 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kith.graph.geo import EARTH_RADIUS_KM  # noqa: E402
from kith.graph.memory import MemoryStore  # noqa: E402
from kith.graph.model import Addresses, Agency, DeliveredAt, Offers, Service, Site, need_types  # noqa: E402
from kith.queries.nearby import find_nearby  # noqa: E402

SITES, RADIUS_KM, LIMIT = 50_000, 5.0, 10
TARGET_US, TARGET_RATIO = 100.0, 10.0


def build(seed: int) -> tuple[MemoryStore, dict]:
    import zipcodes

    rng = np.random.default_rng(seed)
    zips = [z for z in zipcodes.filter_by(state="MA") if z["lat"] and z["zip_code_type"] == "STANDARD"]
    centre_lat = np.array([float(z["lat"]) for z in zips])
    centre_lon = np.array([float(z["long"]) for z in zips])
    pick = rng.integers(len(zips), size=SITES)
    lat = np.round(centre_lat[pick] + rng.normal(0, 2.0 / 111.0, SITES), 6)
    lon = np.round(centre_lon[pick] + rng.normal(0, 2.0 / 82.0, SITES), 6)
    store = MemoryStore()
    store.upsert_nodes(need_types())
    store.upsert_nodes(Agency(id=f"agy-{a:05d}", name=f"Agency {a}", phone="(617) 555-0100") for a in range(SITES // 5))
    store.upsert_nodes(
        Site(id=f"site-{i:05d}", name=f"Site {i}", lat=float(lat[i]), lon=float(lon[i]), address=f"{i} Main Street")
        for i in range(SITES)
    )
    codes = [n.code for n in need_types()]
    services, rels, service_site = [], [], []
    for i in range(SITES):
        for _ in range(int(rng.integers(1, 4))):
            sid = f"svc-{len(services):06d}"
            services.append(Service(id=sid, name="Service", cost="free", languages=("en",)))
            rels += [
                Offers(source=f"agy-{i // 5:05d}", target=sid),
                DeliveredAt(source=sid, target=f"site-{i:05d}"),
                Addresses(source=sid, target=codes[int(rng.integers(len(codes)))]),
            ]
            service_site.append((sid, i))
    store.upsert_nodes(services)
    store.upsert_relationships(rels)
    arrays = {
        "lat": np.radians(lat),
        "lon": np.radians(lon),
        "cos_lat": np.cos(np.radians(lat)),
        "service_ids": np.array([s for s, _ in service_site]),
        "service_site": np.array([i for _, i in service_site]),
        "site_ids": np.array([f"site-{i:05d}" for i in range(SITES)]),
        "zip_lat": centre_lat,
        "zip_lon": centre_lon,
    }
    return store, arrays


def _distances(arrays: dict, lat: float, lon: float) -> np.ndarray:
    p, lam = np.radians(lat), np.radians(lon)
    a = np.sin((arrays["lat"] - p) / 2) ** 2 + np.cos(p) * arrays["cos_lat"] * np.sin((arrays["lon"] - lam) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def brute_force_sites(arrays: dict, lat: float, lon: float) -> list[tuple[str, float]]:
    """The radius search by brute force: every site's distance, those in reach, by distance then id."""
    dist = _distances(arrays, lat, lon)
    near = np.flatnonzero(dist <= RADIUS_KM)
    order = near[np.argsort(dist[near], kind="stable")]  # site ids are in id order: stable keeps ties by id
    return list(zip(arrays["site_ids"][order].tolist(), dist[order].tolist()))


def brute_force(arrays: dict, lat: float, lon: float) -> list[tuple[float, str, str]]:
    """The nearby answer by brute force: sites in reach, their services, by (distance, service, site)."""
    dist = _distances(arrays, lat, lon)
    near = np.flatnonzero(dist <= RADIUS_KM)
    rows = np.flatnonzero(np.isin(arrays["service_site"], near))
    site = arrays["service_site"][rows]
    order = np.lexsort((arrays["site_ids"][site], arrays["service_ids"][rows], dist[site]))[:LIMIT]
    return [
        (float(dist[site[o]]), str(arrays["service_ids"][rows[o]]), str(arrays["site_ids"][site[o]])) for o in order
    ]


def timed(func, points) -> tuple[list[float], list]:
    times, answers = [], []
    for lat, lon in points:
        start = time.perf_counter()
        answers.append(func(lat, lon))
        times.append(time.perf_counter() - start)
    return times, answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()

    start = time.perf_counter()
    store, arrays = build(args.seed)
    print(
        f"store: {SITES:,} sites, {len(arrays['service_ids']):,} services, built in {time.perf_counter() - start:.1f} s"
    )
    rng = np.random.default_rng(args.seed + 1)
    pick = rng.integers(len(arrays["zip_lat"]), size=args.queries)
    points = list(
        zip(
            (arrays["zip_lat"][pick] + rng.normal(0, 0.01, args.queries)).tolist(),
            (arrays["zip_lon"][pick] + rng.normal(0, 0.01, args.queries)).tolist(),
        )
    )
    store.within(*points[0], RADIUS_KM)  # the index is built on first use: not part of a query
    find_nearby(store, *points[0])

    kith_t, kith_rows = timed(lambda a, b: find_nearby(store, a, b, radius_km=RADIUS_KM, limit=LIMIT), points)
    within_t, within_rows = timed(lambda a, b: store.within(a, b, RADIUS_KM), points)
    brute_t, brute_rows = timed(lambda a, b: brute_force(arrays, a, b), points)
    brute_sites_t, brute_sites = timed(lambda a, b: brute_force_sites(arrays, a, b), points)

    wrong = sum(
        [i for i, _ in got] != [i for i, _ in want]
        or not np.allclose([d for _, d in got], [d for _, d in want], rtol=1e-9, atol=1e-9)
        for got, want in zip(within_rows, brute_sites)
    )
    for got, want in zip(kith_rows, brute_rows):
        same = [(r.service_id, r.site_id) for r in got] == [(s, t) for _, s, t in want] and np.allclose(
            [r.distance_km for r in got], [d for d, _, _ in want], rtol=1e-9, atol=1e-9
        )
        wrong += not same
    in_radius = statistics.median(len(rows) for rows in within_rows)
    kith_us, within_us, brute_us, brute_sites_us = (
        statistics.median(t) * 1e6 for t in (kith_t, within_t, brute_t, brute_sites_t)
    )
    print(
        f"queries: {args.queries:,} (radius {RADIUS_KM:g} km, limit {LIMIT}; median {in_radius:,.0f} sites "
        "in the radius)"
    )
    print(f"exact: {2 * args.queries - wrong:,}/{2 * args.queries:,} answers equal the brute force's")
    print("                                  kith      brute force   speed-up")
    met = not wrong
    for name, mine, theirs in (
        ("radius search (store.within)", within_us, brute_sites_us),
        ("nearby rows (find_nearby)", kith_us, brute_us),
    ):
        ok = mine <= TARGET_US and theirs / mine >= TARGET_RATIO
        met = met and ok
        print(
            f"{name:29s} {mine:8.1f} µs  {theirs:8.1f} µs  {theirs / mine:6.1f}x   "
            f"{'met' if ok else 'NOT met'} (<= {TARGET_US:g} µs, >= {TARGET_RATIO:g}x)"
        )
    print("anchors:", "met" if met else "NOT met")
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())

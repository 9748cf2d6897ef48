"""Warm-handoff paths on the ``state`` demo city (about 1,500 schools, 4,500 agencies,
13,500 services, 600,000 students) in the embedded store.

Timed, per query, median over seeded queries:

- plain shortest path: ``store.shortest_paths(school, [agency])`` along the
  organisational relationships (partnerships, collaborations, offers), and
  ``kith path school:ID agency:ID --k 3`` in process (``warm_handoffs``, with
  ranking and explanations); half the agencies are near the school (first site
  within 10 km), half anywhere in the state (mostly out of reach: the search
  must prove it);
- ``kith path school:ID need:CODE --k 3`` (``warm_handoffs``: nearby search
  for the candidate services, paths, ranking, explanations), from schools
  and from students.

Hop counts are checked against NetworkX shortest-path lengths on the
projection in the same run. Anchors: plain shortest path median <= 5 ms;
``need:CODE --k 3`` median <= 50 ms.

    python benchmarks/paths.py [--seed 0] [--queries 200] [--store PATH]

``--store`` reads a saved embedded store (``KITH_HOME/graph.msgpack`` after
``kith demo --size state --no-serve``) instead of building the city (a couple
of minutes).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kith.graph.geo import haversine_km  # noqa: E402
from kith.graph.memory import MemoryStore  # noqa: E402
from kith.graph.model import Label, NodeRef, RelType  # noqa: E402
from kith.queries.paths import ORGANISATIONAL, warm_handoffs  # noqa: E402

PLAIN_MS, NEED_MS = 5.0, 50.0
NEEDS = ("tutoring", "mental_health_counseling", "food", "dental", "housing", "after_school", "behavioral_support")


def load(path: str | None) -> MemoryStore:
    start = time.perf_counter()
    if path:
        store = MemoryStore.open(Path(path), readonly=True)
        print(f"store: read {path} in {time.perf_counter() - start:.1f} s")
    else:
        from kith.ingest import demo_city

        store = MemoryStore()
        demo_city.build(store, "state")
        print(f"store: built the state demo city in {time.perf_counter() - start:.1f} s")
    counts = store.counts()
    print(
        "        "
        + ", ".join(
            f"{counts[x.value]:,} {x.value}" for x in (Label.SCHOOL, Label.AGENCY, Label.SERVICE, Label.STUDENT)
        )
    )
    return store


def timed(func, items) -> tuple[float, list]:
    times, answers = [], []
    for item in items:
        start = time.perf_counter()
        answers.append(func(item))
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--store", default=None, help="a saved embedded store to read instead of building")
    args = parser.parse_args()
    store = load(args.store)
    rng = np.random.default_rng(args.seed)
    n = args.queries

    schools = store.nodes(Label.SCHOOL)
    agencies = store.nodes(Label.AGENCY)
    first_site = _first_sites(store)
    a_ids = [a["id"] for a in agencies if a["id"] in first_site]
    a_lat = np.array([first_site[a][0] for a in a_ids])
    a_lon = np.array([first_site[a][1] for a in a_ids])
    pairs = []
    for i in range(n):
        school = schools[int(rng.integers(len(schools)))]
        if i % 2 == 0:
            near = np.flatnonzero(haversine_km(school["lat"], school["lon"], a_lat, a_lon) <= 10.0)
            agency = a_ids[int(rng.choice(near))] if near.size else a_ids[int(rng.integers(len(a_ids)))]
        else:
            agency = a_ids[int(rng.integers(len(a_ids)))]
        pairs.append((NodeRef(Label.SCHOOL, school["id"]), NodeRef(Label.AGENCY, agency)))
    students = [
        NodeRef(Label.STUDENT, s)
        for s in rng.choice([r["source"] for r in store.relationships(RelType.MEMBER_OF)][::50], size=n // 2)
    ]
    need_queries = [(pairs[i][0], NEEDS[i % len(NEEDS)]) for i in range(n)]
    student_queries = [(s, NEEDS[i % len(NEEDS)]) for i, s in enumerate(students)]

    warm_handoffs(store, pairs[0][0], pairs[0][1])  # first use builds the site index
    plain_ms, plain = timed(lambda p: store.shortest_paths(p[0], [p[1]], rel_types=ORGANISATIONAL), pairs)
    node_ms, _ = timed(lambda p: warm_handoffs(store, p[0], p[1], k=3), pairs)
    need_ms, need = timed(lambda q: warm_handoffs(store, q[0], f"need:{q[1]}", k=3), need_queries)
    student_ms, by_student = timed(lambda q: warm_handoffs(store, q[0], f"need:{q[1]}", k=3), student_queries)

    agree, checked = _check_with_networkx(store, pairs, plain, need_queries, need)
    reached = sum(bool(p) for p in plain)
    print(
        f"queries: {n} school -> agency pairs ({reached} within 6 hops), {n} school -> need, "
        f"{len(student_queries)} student -> need (k = 3)"
    )
    print(f"hops agree with NetworkX on the projection: {agree}/{checked}")
    print(
        f"plain shortest path (store)        median {plain_ms:7.2f} ms   (target <= {PLAIN_MS:g} ms: "
        f"{PLAIN_MS / plain_ms:.0f}x under)"
    )
    print(f"path school:ID agency:ID --k 3     median {node_ms:7.2f} ms")
    print(
        f"path school:ID need:CODE --k 3     median {need_ms:7.2f} ms   (target <= {NEED_MS:g} ms: "
        f"{NEED_MS / need_ms:.0f}x under; {sum(bool(x) for x in need)}/{n} found a path)"
    )
    print(
        f"path student:ID need:CODE --k 3    median {student_ms:7.2f} ms   "
        f"({sum(bool(x) for x in by_student)}/{len(student_queries)} found a path)"
    )
    met = agree == checked and plain_ms <= PLAIN_MS and need_ms <= NEED_MS
    print("anchors:", "met" if met else "NOT met")
    return 0 if agree == checked else 1


def _first_sites(store: MemoryStore) -> dict[str, tuple[float, float]]:
    site = {s["id"]: (s["lat"], s["lon"]) for s in store.nodes(Label.SITE) if "lat" in s}
    at = {r["source"]: r["target"] for r in store.relationships(RelType.DELIVERED_AT)}
    first: dict[str, tuple[float, float]] = {}
    for r in store.relationships(RelType.OFFERS):
        if r["target"] in at and at[r["target"]] in site:
            first.setdefault(r["source"], site[at[r["target"]]])
    return first


def _check_with_networkx(store, pairs, plain, need_queries, need) -> tuple[int, int]:
    view = nx.Graph(store.project([Label.SCHOOL, Label.AGENCY, Label.SERVICE], ORGANISATIONAL))
    agree = checked = 0
    for (source, target), found in zip(pairs, plain):
        try:
            length = nx.shortest_path_length(view, source, target)
        except nx.NetworkXNoPath:
            length = None
        expected = [length] if length is not None and length <= 6 else []
        agree += [p.hops for p in found] == expected
        checked += 1
    for (source, _), handoffs in zip(need_queries, need):
        for h in handoffs:
            agree += h.hops == nx.shortest_path_length(view, source, NodeRef.parse(h.nodes[-1]))
            checked += 1
    return agree, checked


if __name__ == "__main__":
    sys.exit(main())

"""The coalition network on the ``state`` demo city (about 6,000 organisations).

Anchor (issue 4): every measure of ``kith network`` in <= 10 s. Prints the
time of each step and the total; exact betweenness comes from igraph, and the
script also times NetworkX's exact betweenness on a sample of sources to show
what the plain-Python route would cost.

    python benchmarks/network.py [--seed 7]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.memory import MemoryStore  # noqa: E402
from ingest import demo_city  # noqa: E402
from queries import network  # noqa: E402

TARGET_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7, help="Seed of the demo city.")
    args = parser.parse_args()

    t = time.perf_counter()
    store = MemoryStore()
    demo_city.build(store, "state", seed=args.seed)
    print(f"state city built in {time.perf_counter() - t:.0f} s (not timed below)")

    steps: dict[str, float] = {}
    t = time.perf_counter()
    graph = network.organisation_graph(store)
    steps["projection"] = time.perf_counter() - t
    t = time.perf_counter()
    measures = network._measures(graph, 0)
    steps["degree, betweenness, eigenvector, components, Louvain"] = time.perf_counter() - t
    t = time.perf_counter()
    needs = network._NeedData.read(store, 5.0)
    steps["needs, partners and reach"] = time.perf_counter() - t
    t = time.perf_counter()
    report = network._report(graph, measures, needs, seed=0, suppress_below=10, catchment_km=5.0, brokers=10,
                             per_school=3)
    steps["report (suggestions, single points of failure)"] = time.perf_counter() - t

    t = time.perf_counter()
    whole = network.coalition_network(store, seed=0)
    total = time.perf_counter() - t
    a, b = whole.model_dump(), report.model_dump()
    differs = sorted(k for k in a if a[k] != b[k])
    if differs:
        print(f"note: repeated run differs in {differs}")

    print(f"{report.organisations:,} organisations ({report.schools:,} schools, {report.agencies:,} agencies), "
          f"{report.ties:,} ties, {report.components:,} components, {len(report.communities):,} communities, "
          f"{len(report.suggestions):,} suggestions, {len(report.single_points_of_failure):,} single points of failure")
    for name, seconds in steps.items():
        print(f"  {name:<52} {seconds:7.2f} s")
    print(f"coalition_network end to end: {total:.2f} s (target <= {TARGET_S:g} s, "
          f"{TARGET_S / total:.1f}x under) -> {'ok' if total <= TARGET_S else 'MISSED'}")

    import networkx as nx

    k = 200
    t = time.perf_counter()
    nx.betweenness_centrality(graph, k=k, seed=0)
    sampled = time.perf_counter() - t
    print(f"NetworkX betweenness from {k} of {report.organisations:,} sources: {sampled:.1f} s "
          f"(exact would take about {sampled * report.organisations / k:.0f} s)")


if __name__ == "__main__":
    main()

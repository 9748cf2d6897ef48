"""The coalition network on the ``state`` demo city (about 6,000 organisations).

Anchor (issue 4): every measure of ``kith network`` in <= 10 s. Prints the
time of each step and the total; exact betweenness comes from igraph, and the
script also times NetworkX's exact betweenness on a sample of sources to show
what the plain-Python route would cost.

    python benchmarks/network.py [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import gc
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
    parser.add_argument("--store", type=Path, default=None,
                        help="A saved state city (graph.pickle) to load instead of building one.")
    args = parser.parse_args()

    t = time.perf_counter()
    if args.store:
        store = MemoryStore.open(args.store, readonly=True)
    else:
        store = MemoryStore()
        demo_city.build(store, "state", seed=args.seed)
    gc.collect()  # the first full collection after loading millions of objects is the store's, not the network's
    print(f"state city {'loaded' if args.store else 'built'} in {time.perf_counter() - t:.0f} s (not timed below)")

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

    t, cpu = time.perf_counter(), time.process_time()
    whole = network.coalition_network(store, seed=0)
    total, total_cpu = time.perf_counter() - t, time.process_time() - cpu
    a, b = whole.model_dump(), report.model_dump()
    differs = sorted(k for k in a if a[k] != b[k])
    if differs:
        print(f"note: repeated run differs in {differs}")

    print(f"{report.organisations:,} organisations ({report.schools:,} schools, {report.agencies:,} agencies), "
          f"{report.ties:,} ties, {report.components:,} components, {len(report.communities):,} communities, "
          f"{len(report.suggestions):,} suggestions, {len(report.single_points_of_failure):,} single points of failure")
    for name, seconds in steps.items():
        print(f"  {name:<52} {seconds:7.2f} s")
    print(f"coalition_network end to end: {total:.2f} s wall, {total_cpu:.2f} s CPU (target <= {TARGET_S:g} s) "
          f"-> {'ok' if total <= TARGET_S else 'MISSED'}")
    print(f"load average during the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs (wall times stretch when other work shares the machine)")

    import networkx as nx

    k = 200
    t = time.perf_counter()
    nx.betweenness_centrality(graph, k=k, seed=0)
    sampled = time.perf_counter() - t
    print(f"NetworkX betweenness from {k} of {report.organisations:,} sources: {sampled:.1f} s "
          f"(exact would take about {sampled * report.organisations / k:.0f} s)")


if __name__ == "__main__":
    main()

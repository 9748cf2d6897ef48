"""The coalition network on the ``state`` demo city (about 6,000 organisations).

Anchor: every measure of ``kith network`` in <= 10 s, end to end. Prints the
time of each step run one after the other in one process, then the whole of
``coalition_network`` (which, on a network this large, computes the measures in
a second process while it reads and suppresses the needs). Exact betweenness
comes from igraph; the script also times NetworkX's exact betweenness on a
sample of sources to show what the plain-Python route would cost.

    python benchmarks/network.py [--seed 7]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kith.graph._files import paused_gc  # noqa: E402
from kith.graph.memory import MemoryStore  # noqa: E402
from kith.ingest import demo_city  # noqa: E402
from kith.queries import _gapdata, network  # noqa: E402

TARGET_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7, help="Seed of the demo city.")
    parser.add_argument(
        "--store", type=Path, default=None, help="A saved state city (graph.msgpack) to load instead of building one."
    )
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

    def step(name: str, work):
        t = time.perf_counter()
        result = work()
        steps[name] = time.perf_counter() - t
        return result

    with paused_gc():  # as coalition_network runs
        graph = step("projection", lambda: network.organisation_graph(store))
        measures = step("degree, betweenness, eigenvector, components, Louvain", lambda: network._measures(graph, 0))
        students = step("students with needs (read)", lambda: _gapdata.StudentNeeds.read(store))
        codes = list(students.students_of)
        counts = step("counts by need, cell and school", lambda: _gapdata.NeedCounts.count(store, codes, students))
        shown = step("suppression of the counts", lambda: _gapdata.shown_from_counts(counts, 10))
        needs = step("partners and reach", lambda: network._NeedData.read(store, 5.0, students))
        shown_at = network._SchoolCounts(needs, 10, shown)
        suggestions, single_points = step(
            "suggestions, single points of failure",
            lambda: (network._suggestions(needs, shown_at, 3), network._single_points(needs, shown_at)),
        )
        report = network._report(
            graph, measures, seed=0, catchment_km=5.0, brokers=10, suggestions=suggestions, single_points=single_points
        )
    one_process = sum(steps.values())

    t, cpu = time.perf_counter(), time.process_time()
    whole = network.coalition_network(store, seed=0)
    total, total_cpu = time.perf_counter() - t, time.process_time() - cpu
    a, b = whole.model_dump(), report.model_dump()
    differs = sorted(k for k in a if a[k] != b[k])
    for key in differs:
        pairs = zip(a[key], b[key]) if isinstance(a[key], (list, tuple)) else [(a[key], b[key])]
        first = next((x, y) for x, y in pairs if x != y)
        print(f"note: repeated run differs in {key}, first: {first[0]} != {first[1]}")

    print(
        f"{report.organisations:,} organisations ({report.schools:,} schools, {report.agencies:,} agencies), "
        f"{report.ties:,} ties, {report.components:,} components, {len(report.communities):,} communities, "
        f"{len(report.suggestions):,} suggestions, {len(report.single_points_of_failure):,} single points of failure"
    )
    print("each step in this process, one after the other:")
    for name, seconds in steps.items():
        print(f"  {name:<52} {seconds:7.2f} s")
    print(f"  {'sum':<52} {one_process:7.2f} s")
    parallel = report.organisations >= network.PARALLEL_FROM
    print(
        f"coalition_network end to end: {total:.2f} s wall, {total_cpu:.2f} s CPU in this process"
        f"{' (measures and suppression in a second process, beside the reading)' if parallel else ''}; "
        f"target <= {TARGET_S:g} s -> {'met' if total <= TARGET_S else 'NOT met'} ({total / TARGET_S:.2f} of the target)"
    )
    print(
        f"load average during the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} CPUs (wall times stretch when other work shares the machine)"
    )

    import networkx as nx

    k = 200
    t = time.perf_counter()
    nx.betweenness_centrality(graph, k=k, seed=0)
    sampled = time.perf_counter() - t
    print(
        f"NetworkX betweenness from {k} of {report.organisations:,} sources: {sampled:.1f} s "
        f"(exact would take about {sampled * report.organisations / k:.0f} s)"
    )


if __name__ == "__main__":
    main()

"""Neo4j ingest: rows per second for ``kith export --to neo4j`` of the ``district`` demo city.

Target (issue "Neo4j"): >= 20,000 rows/s. The anchor measured in the same run
is the rate at which the same rows are read back into kith's models (the work
the export does before anything reaches Neo4j), so the ratio shows how much of
the time the database takes. A second export of the same graph must change
nothing; its time is reported too.

Two rates are printed. The first export goes into the engine as it is; under
``tools/neo4j/run-with-neo4j`` that is a fresh engine, whose Java code is not yet
compiled, so that export also pays the engine's warm-up (on 2 cores about as
much engine CPU as the writes). A Neo4j server that districts run stays up for
weeks, so the target is judged on its steady state: the median of ``--repeats``
exports into the emptied engine after the first two and ``--warm-up`` more (a
JVM reaches its compiled speed only after a few passes over the same code).

Runs when ``KITH_NEO4J_URI`` is set (``KITH_NEO4J_PASSWORD``, ``KITH_NEO4J_DATABASE``
as for kith), against an empty database, which it empties again afterwards;
otherwise it prints why it did not run and exits 0.

    KITH_NEO4J_URI=bolt://localhost:7687 KITH_NEO4J_PASSWORD=... python benchmarks/neo4j_ingest.py [--size district]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kith._cli_export import copy_graph  # noqa: E402
from kith.graph.errors import KithError  # noqa: E402
from kith.graph.memory import MemoryStore  # noqa: E402
from kith.graph.model import NODE_MODELS, REL_MODELS, Label, RelType  # noqa: E402
from kith.ingest import demo_city  # noqa: E402
from kith.settings import KithSettings  # noqa: E402

TARGET_ROWS_PER_S = 20_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "district", "state"], default="district")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--warm-up", type=int, default=2, help="exports into the emptied engine before timing")
    parser.add_argument("--repeats", type=int, default=3, help="timed exports into the emptied, warm engine")
    args = parser.parse_args()
    settings = KithSettings()
    if not settings.neo4j_uri:
        print(
            "neo4j_ingest: skipped: KITH_NEO4J_URI is not set (docker compose up neo4j, then set it "
            "with KITH_NEO4J_PASSWORD)"
        )
        return 0
    from kith.graph.neo4j_store import Neo4jStore

    try:
        neo4j = Neo4jStore.from_settings(settings)
    except KithError as exc:
        print(f"neo4j_ingest: skipped: {' '.join(str(exc).split())}")
        return 0
    try:
        if any(neo4j.counts().values()):
            print(
                f"neo4j_ingest: skipped: the database {settings.neo4j_database!r} at {settings.neo4j_uri} "
                "is not empty (the benchmark only writes to an empty one)"
            )
            return 0
        embedded = MemoryStore()
        demo_city.build(embedded, args.size, seed=7)
        rows = sum(embedded.counts().values())

        started = time.perf_counter()
        for label in Label:
            [NODE_MODELS[label].model_validate(r) for r in embedded.nodes(label)]
        for t in RelType:
            [REL_MODELS[t].model_validate(r) for r in embedded.relationships(t)]
        anchor_s = time.perf_counter() - started

        started = time.perf_counter()
        copy_graph(embedded, neo4j, batch_size=args.batch_size)
        first_s = time.perf_counter() - started
        counts = neo4j.counts()
        started = time.perf_counter()
        copy_graph(embedded, neo4j, batch_size=args.batch_size)
        second_s = time.perf_counter() - started
        unchanged = neo4j.counts() == counts == embedded.counts()
        steady: list[float] = []
        for i in range(args.warm_up + args.repeats):
            neo4j.clear()
            started = time.perf_counter()
            copy_graph(embedded, neo4j, batch_size=args.batch_size)
            if i >= args.warm_up:
                steady.append(time.perf_counter() - started)
        unchanged = unchanged and neo4j.counts() == counts
    finally:
        try:
            neo4j.clear()
        finally:
            neo4j.close()

    first_rate, anchor_rate = rows / first_s, rows / anchor_s
    rate = rows / statistics.median(steady) if steady else first_rate
    print(
        f"neo4j_ingest ({args.size}): {rows:,} rows; steady state (median of {len(steady)} exports into the "
        f"emptied engine after {2 + args.warm_up} exports): {rate:,.0f} rows/s "
        f"(target >= {TARGET_ROWS_PER_S:,}: {'met' if rate >= TARGET_ROWS_PER_S else 'NOT met'})"
    )
    print(f"  steady exports: {', '.join(f'{t:.1f} s' for t in steady)}")
    print(f"  first export, into the engine as it was: {first_s:.1f} s = {first_rate:,.0f} rows/s")
    print(
        f"  anchor: reading the rows into kith's models: {anchor_rate:,.0f} rows/s; "
        f"steady export / anchor = {rate / anchor_rate:.2f}"
    )
    print(
        f"  second export of the same graph: {second_s:.1f} s, "
        f"{'changed nothing' if unchanged else 'CHANGED THE COUNTS'}"
    )
    return 0 if unchanged else 1


if __name__ == "__main__":
    sys.exit(main())

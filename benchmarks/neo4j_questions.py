"""The questions on Neo4j against the embedded store, in the same run: nearby, path (plain and
``need:CODE --k 3``), gaps and network, on the ``district`` and the ``state`` demo cities.

Each city is built into the embedded store, exported to Neo4j (``kith export``'s copy), and every
question is asked of both stores with the same seeded places; the answers must be equal, and each
line prints the p50 on both and their ratio. Targets on the ``state`` city (issue "A real Neo4j in
every test run"): path and nearby p50 <= 50 ms on Neo4j; gaps and network on Neo4j within 3x of
the embedded store.

Runs when ``KITH_NEO4J_URI`` is set (``KITH_NEO4J_PASSWORD``, ``KITH_NEO4J_DATABASE`` as for kith),
on an empty database, which it empties again afterwards; otherwise it says why and exits 0. To run
it on an engine of its own:

    tools/neo4j/run-with-neo4j .venv/bin/python benchmarks/neo4j_questions.py [--sizes district state]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kith._cli_export import copy_graph  # noqa: E402
from kith.graph.errors import KithError  # noqa: E402
from kith.graph.memory import MemoryStore  # noqa: E402
from kith.graph.model import Label, NodeRef  # noqa: E402
from kith.graph.store import GraphStore  # noqa: E402
from kith.ingest import demo_city  # noqa: E402
from kith.queries.gaps import service_gaps  # noqa: E402
from kith.queries.nearby import find_nearby  # noqa: E402
from kith.queries.network import coalition_network  # noqa: E402
from kith.queries.paths import NeedTarget, warm_handoffs  # noqa: E402
from kith.settings import KithSettings  # noqa: E402

P50_MS = 50.0
WITHIN = 3.0
NEEDS = ("food", "tutoring", "mental_health_counseling")


def _dump(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [_dump(v) for v in value]
    return value


def _questions(store: MemoryStore, queries: int, seed: int) -> dict[str, list[Callable[[GraphStore], Any]]]:
    rng = random.Random(seed)
    schools = store.nodes(Label.SCHOOL)
    agencies = [a["id"] for a in store.nodes(Label.AGENCY)]
    picked = [rng.choice(schools) for _ in range(queries)]
    return {
        "nearby": [
            lambda s, p=p, n=rng.choice(NEEDS): find_nearby(  # noqa: B008 (each question's own pick)
                s,
                p["lat"],
                p["lon"],
                needs=[n],
                radius_km=5,
                limit=10,
            )
            for p in picked
        ],
        "path plain": [
            lambda s, p=p, a=rng.choice(agencies): warm_handoffs(  # noqa: B008 (each question's own pick)
                s, NodeRef(Label.SCHOOL, p["id"]), NodeRef(Label.AGENCY, a), k=3
            )
            for p in picked
        ],
        "path need --k 3": [
            lambda s, p=p, n=rng.choice(NEEDS): warm_handoffs(  # noqa: B008 (each question's own pick)
                s, NodeRef(Label.SCHOOL, p["id"]), NeedTarget(n), k=3
            )
            for p in picked
        ],
        "gaps": [lambda s, n=n: service_gaps(s, n, by="school") for n in NEEDS[:2]],
        "network": [lambda s: coalition_network(s, seed=0)],
    }


def _timed(ask: Callable[[GraphStore], Any], store: GraphStore) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = ask(store)
    return (time.perf_counter() - started) * 1000, _dump(answer)


def run(size: str, neo4j: GraphStore, queries: int, seed: int) -> bool:
    started = time.perf_counter()
    embedded = MemoryStore()
    demo_city.build(embedded, size, seed=7)
    built_s = time.perf_counter() - started
    started = time.perf_counter()
    copy_graph(embedded, neo4j)
    print(
        f"{size}: {sum(embedded.counts().values()):,} rows; built in {built_s:.0f} s, "
        f"exported to Neo4j in {time.perf_counter() - started:.0f} s"
    )
    same = True
    for name, asks in _questions(embedded, queries, seed).items():
        on_embedded, on_neo4j, differ = [], [], 0
        for ask in asks:
            t_embedded, expected = _timed(ask, embedded)
            t_neo4j, got = _timed(ask, neo4j)
            on_embedded.append(t_embedded)
            on_neo4j.append(t_neo4j)
            differ += expected != got
        p50_e, p50_n = statistics.median(on_embedded), statistics.median(on_neo4j)
        if name in ("gaps", "network"):
            target, met = f"within {WITHIN:.0f}x of embedded", p50_n <= WITHIN * p50_e
        else:
            target, met = f"p50 <= {P50_MS:.0f} ms", p50_n <= P50_MS
        print(
            f"  {name:16} p50 Neo4j {p50_n:9.1f} ms, embedded {p50_e:9.1f} ms, Neo4j / embedded "
            f"{p50_n / max(p50_e, 1e-9):6.1f}x ({len(asks)} asked; target {target}: "
            f"{'met' if met else 'NOT met'}{'' if size == 'state' else ', set for the state city'})"
            f"{'' if not differ else f'; {differ} ANSWERS DIFFER'}"
        )
        same &= not differ
    neo4j.clear()
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=["small", "district", "state"], default=["district", "state"])
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    settings = KithSettings()
    if not settings.neo4j_uri:
        print(
            "neo4j_questions: skipped: KITH_NEO4J_URI is not set "
            "(tools/neo4j/run-with-neo4j .venv/bin/python benchmarks/neo4j_questions.py starts an engine)"
        )
        return 0
    from kith.graph.neo4j_store import Neo4jStore

    try:
        neo4j = Neo4jStore.from_settings(settings)
    except KithError as exc:
        print(f"neo4j_questions: skipped: {' '.join(str(exc).split())}")
        return 0
    try:
        if any(neo4j.counts().values()):
            print(
                f"neo4j_questions: skipped: the database {settings.neo4j_database!r} at {settings.neo4j_uri} "
                "is not empty (the benchmark only writes to an empty one)"
            )
            return 0
        same = all([run(size, neo4j, args.queries, args.seed) for size in args.sizes])
    finally:
        try:
            neo4j.clear()
        finally:
            neo4j.close()
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

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

Exporting the state city takes many minutes, so ``--keep`` leaves the last city in the database,
marked as the demo city it is (``mark_demo_city``; any later write removes the mark), and a later
run asks its questions of that city without exporting it again: only when the database carries the
mark of the size asked for, holds exactly the counts of the city just built, and the same schools,
agencies, services, sites and need types. A database holding anything else is never written to.
A city this run did not export is left as it was found (``--keep`` or not). With ``--questions``,
only those questions are asked.
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
QUESTIONS = ("nearby", "path plain", "path need --k 3", "gaps", "network")


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


#: The labels compared node by node before a kept city is reused (beside the counts of every label and type).
COMPARED = (Label.SCHOOL, Label.AGENCY, Label.SERVICE, Label.SITE, Label.NEED_TYPE)


def same_city(neo4j: GraphStore, embedded: GraphStore, size: str) -> bool:
    """Whether ``neo4j`` holds the city ``embedded`` holds, as a run with ``--keep`` left it: marked as
    the demo city of ``size`` (no write since), the same counts, and the same nodes of :data:`COMPARED`."""
    return (
        neo4j.demo_city() == size
        and neo4j.counts() == embedded.counts()
        and all(neo4j.nodes(label) == embedded.nodes(label) for label in COMPARED)
    )


def run(
    size: str, neo4j: GraphStore, queries: int, seed: int, *, keep: bool = False, only: tuple[str, ...] = ()
) -> bool | None:
    """Ask the questions of ``size`` on both stores; True when every answer is the same, None when the
    database holds something other than this city (nothing is asked, nothing written). A city this
    run exports is cleared afterwards (also when the run fails), unless ``keep``."""
    started = time.perf_counter()
    embedded = MemoryStore()
    demo_city.build(embedded, size, seed=7)
    built_s = time.perf_counter() - started
    started = time.perf_counter()
    exported = not any(neo4j.counts().values())
    kept = False
    try:
        if exported:
            copy_graph(embedded, neo4j)
            neo4j.mark_demo_city(size)  # the city as kith demo builds it (seed 7); the next write unmarks it
            how = f"exported to Neo4j in {time.perf_counter() - started:.0f} s"
        elif same_city(neo4j, embedded, size):
            how = f"asked of the city a run with --keep left (checked in {time.perf_counter() - started:.0f} s)"
        else:
            print(f"{size}: skipped: the Neo4j database holds something other than the {size} city")
            return None
        print(f"{size}: {sum(embedded.counts().values()):,} rows; built in {built_s:.0f} s, {how}")
        same = _ask(size, embedded, neo4j, queries, seed, only)
        kept = keep
        return same
    finally:
        if exported and not kept:
            neo4j.clear()


def _ask(size: str, embedded: MemoryStore, neo4j: GraphStore, queries: int, seed: int, only: tuple[str, ...]) -> bool:
    """Each question on both stores, one line each; True when every answer is the same."""
    same = True
    for name, asks in _questions(embedded, queries, seed).items():
        if only and name not in only:
            continue
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
            f"{'' if not differ else f'; {differ} ANSWERS DIFFER'}",
            flush=True,
        )
        same &= not differ
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=["small", "district", "state"], default=["district", "state"])
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--keep", action="store_true", help="leave the last city in the database, for a later run to ask again"
    )
    parser.add_argument("--questions", nargs="+", choices=QUESTIONS, default=[], help="only these questions")
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
    results: list[bool | None] = []
    try:
        for k, size in enumerate(args.sizes):
            keep = args.keep and k == len(args.sizes) - 1  # one city fits: the last one asked for
            results.append(run(size, neo4j, args.queries, args.seed, keep=keep, only=tuple(args.questions)))
    finally:
        neo4j.close()
    if None in results:
        print(
            f"neo4j_questions: the database {settings.neo4j_database!r} at {settings.neo4j_uri} held something "
            "else for the sizes skipped (the benchmark writes only to an empty database, or asks a city it kept)"
        )
    return 0 if all(r is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

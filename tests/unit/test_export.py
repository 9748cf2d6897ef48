"""``kith export``: the copy between stores, and the command's errors (the Neo4j side of a real
copy runs in the contract suite's question test when KITH_NEO4J_URI is set)."""

from __future__ import annotations

import socket
from pathlib import Path

from kith._cli_export import copy_graph
from kith.graph.memory import MemoryStore
from kith.graph.model import Label, RelType, School
from tests.unit.test_cli import kith


def _everything(store: MemoryStore) -> tuple[list, list]:
    return ([store.nodes(label) for label in Label], [store.relationships(t) for t in RelType])


def test_copy_holds_the_same_graph_and_twice_changes_nothing(small_store: MemoryStore) -> None:
    target = MemoryStore()
    seen: list[int] = []
    copied = copy_graph(small_store, target, batch_size=700, progress=seen.append)
    assert copied == sum(small_store.counts().values()) == sum(seen)
    assert max(seen) == 700
    assert target.counts() == small_store.counts()
    assert _everything(target) == _everything(small_store)
    copy_graph(small_store, target, batch_size=10_000)
    assert _everything(target) == _everything(small_store)


def test_export_needs_a_neo4j(tmp_path: Path) -> None:
    done = kith("export", "--to", "neo4j", home=tmp_path)
    assert done.returncode == 1
    assert (
        done.stderr.strip() == "kith: error: kith export needs KITH_NEO4J_URI (and KITH_NEO4J_PASSWORD): "
        "the Neo4j to copy with"
    )


def test_export_needs_an_embedded_graph(tmp_path: Path) -> None:
    done = kith("export", "--to", "neo4j", home=tmp_path, env={"KITH_NEO4J_URI": "bolt://127.0.0.1:1"})
    assert done.returncode == 1
    assert "there is no embedded graph at" in done.stderr and "kith demo" in done.stderr


def test_export_to_a_server_that_is_down_says_so(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = MemoryStore.open(tmp_path / "graph.msgpack")
    store.upsert_nodes([School(id="s1", name="Lincoln")])
    store.close()
    for to in ("neo4j", "file"):
        done = kith("export", "--to", to, home=tmp_path, env={"KITH_NEO4J_URI": f"bolt://127.0.0.1:{port}"})
        assert done.returncode == 1
        assert done.stderr.startswith(f"kith: error: cannot reach Neo4j at bolt://127.0.0.1:{port}")
        assert len(done.stderr.strip().splitlines()) == 1

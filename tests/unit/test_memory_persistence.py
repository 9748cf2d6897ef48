"""The embedded store on disk: round trip, crash safety, one writer at a time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import networkx as nx
import pytest

from kith.graph.errors import StoreLocked, StoreUnavailable
from kith.graph.memory import MemoryStore
from kith.graph.model import Agency, Label, RelType


def _fill(path: Path, city) -> None:
    with MemoryStore.open(path) as store:
        store.upsert_nodes(city.nodes)
        store.upsert_relationships(city.rels)


def test_save_then_load_gives_an_equal_graph(tmp_path: Path, small_city, small_store: MemoryStore) -> None:
    path = tmp_path / "graph.pickle"
    _fill(path, small_city)
    loaded = MemoryStore.open(path, readonly=True)
    assert loaded.counts() == small_store.counts()
    for label in Label:
        assert loaded.nodes(label) == small_store.nodes(label)
    for t in RelType:
        assert loaded.relationships(t) == small_store.relationships(t)
    everything = (list(Label), list(RelType))
    assert nx.utils.edges_equal(loaded.project(*everything).edges(keys=True, data=True),
                                small_store.project(*everything).edges(keys=True, data=True))


def test_a_save_killed_mid_write_leaves_the_previous_graph(tmp_path: Path, small_city) -> None:
    path = tmp_path / "graph.pickle"
    _fill(path, small_city)
    before = MemoryStore.open(path, readonly=True).counts()
    # A child process that adds data and saves, slowed so we can kill it mid-write.
    child = textwrap.dedent(f"""
        import pickle, time, sys
        from kith.graph.memory import MemoryStore
        from kith.graph.model import Agency
        real_dump = pickle.dump
        def slow_dump(obj, f, protocol=None):
            f.write(b"partial garbage" * 1000); f.flush()
            print("writing", flush=True); time.sleep(30)
            real_dump(obj, f, protocol=protocol)
        pickle.dump = slow_dump
        store = MemoryStore.open({str(path)!r})
        store.upsert_nodes(Agency(id=f"new{{i}}", name="n") for i in range(1000))
        store.save()
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout.readline().strip() == "writing"
    proc.kill()
    proc.wait()
    assert list(tmp_path.glob("graph.pickle.*.tmp")), "the kill should have left a partial temporary file"
    after = MemoryStore.open(path, readonly=True)
    assert after.counts() == before
    with MemoryStore.open(path) as store:  # the next save clears what the killed one left
        store.upsert_nodes([Agency(id="later", name="L")])
    assert not list(tmp_path.glob("graph.pickle.*.tmp"))
    assert MemoryStore.open(path, readonly=True).counts()["Agency"] == before["Agency"] + 1


def test_a_second_writer_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "graph.pickle"
    first = MemoryStore.open(path)
    with pytest.raises(StoreLocked, match="another kith process is writing"):
        MemoryStore.open(path)
    MemoryStore.open(path, readonly=True).close()  # readers never wait
    first.close()
    MemoryStore.open(path).close()  # the lock is released


def test_a_file_that_is_not_a_graph_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "graph.pickle"
    path.write_bytes(b"not a pickle at all")
    with pytest.raises(StoreUnavailable, match="cannot read the graph"):
        MemoryStore.open(path, readonly=True)


def test_readonly_store_refuses_to_save(tmp_path: Path) -> None:
    path = tmp_path / "graph.pickle"
    MemoryStore.open(path).close()
    store = MemoryStore.open(path, readonly=True)
    store.upsert_nodes([Agency(id="a", name="A")])
    with pytest.raises(StoreUnavailable, match="read-only"):
        store.save()


@pytest.mark.parametrize("rel_type", list(RelType))
def test_reading_by_scan_and_by_walking_from_the_ends_gives_the_same_rows(small_store: MemoryStore, rel_type,
                                                                           monkeypatch) -> None:
    import random

    from kith.graph import memory

    every = small_store.relationships(rel_type)
    sources, targets = sorted({r["source"] for r in every}), sorted({r["target"] for r in every})
    rng = random.Random(rel_type.value)
    asks = [{"sources": sources}, {"targets": targets}, {"sources": rng.sample(sources, len(sources) // 3)},
            {"targets": rng.sample(targets, max(1, len(targets) // 3))},
            {"sources": rng.sample(sources, len(sources) // 2), "targets": rng.sample(targets, len(targets) // 2)},
            {"sources": ["nobody", *sources[:2]]}] if every else [{"sources": ["nobody"]}]
    for ask in asks:
        monkeypatch.setattr(memory, "_WALK_COST", 10**9)  # always scan
        scanned = small_store.relationships(rel_type, **ask)
        monkeypatch.setattr(memory, "_WALK_COST", 0)  # always walk
        walked = small_store.relationships(rel_type, **ask)
        wanted_s, wanted_t = set(ask.get("sources", sources)), set(ask.get("targets", targets))
        assert scanned == walked == [r for r in every if r["source"] in wanted_s and r["target"] in wanted_t]

"""The embedded store on disk: round trip, crash safety, one writer at a time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import networkx as nx
import pytest

from kith.graph.errors import StoreLocked, StoreUnavailable
from kith.graph.memory import GRAPH_FILE, OLD_GRAPH_FILE, MemoryStore
from kith.graph.model import Agency, Label, RelType


def _fill(path: Path, city) -> None:
    with MemoryStore.open(path) as store:
        store.upsert_nodes(city.nodes)
        store.upsert_relationships(city.rels)


def test_save_then_load_gives_an_equal_graph(tmp_path: Path, small_city, small_store: MemoryStore) -> None:
    path = tmp_path / "graph.msgpack"
    _fill(path, small_city)
    loaded = MemoryStore.open(path, readonly=True)
    assert loaded.counts() == small_store.counts()
    for label in Label:
        assert loaded.nodes(label) == small_store.nodes(label)
    for t in RelType:
        assert loaded.relationships(t) == small_store.relationships(t)
    everything = (list(Label), list(RelType))
    assert nx.utils.edges_equal(
        loaded.project(*everything).edges(keys=True, data=True),
        small_store.project(*everything).edges(keys=True, data=True),
    )


def test_a_save_killed_mid_write_leaves_the_previous_graph(tmp_path: Path, small_city) -> None:
    path = tmp_path / "graph.msgpack"
    _fill(path, small_city)
    before = MemoryStore.open(path, readonly=True).counts()
    # A child process that adds data and saves, slowed so we can kill it mid-write.
    child = textwrap.dedent(f"""
        import time, sys
        from kith.graph.memory import GRAPH_FILE, OLD_GRAPH_FILE, MemoryStore
        from kith.graph.model import Agency
        real_write = MemoryStore._write
        def slow_write(self, f):
            f.write(b"partial garbage" * 1000); f.flush()
            print("writing", flush=True); time.sleep(30)
            real_write(self, f)
        MemoryStore._write = slow_write
        store = MemoryStore.open({str(path)!r})
        store.upsert_nodes(Agency(id=f"new{{i}}", name="n") for i in range(1000))
        store.save()
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", child], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2]
    )
    assert proc.stdout.readline().strip() == "writing"
    proc.kill()
    proc.wait()
    assert list(tmp_path.glob("graph.msgpack.*.tmp")), "the kill should have left a partial temporary file"
    after = MemoryStore.open(path, readonly=True)
    assert after.counts() == before
    with MemoryStore.open(path) as store:  # the next save clears what the killed one left
        store.upsert_nodes([Agency(id="later", name="L")])
    assert not list(tmp_path.glob("graph.msgpack.*.tmp"))
    assert MemoryStore.open(path, readonly=True).counts()["Agency"] == before["Agency"] + 1


def test_a_second_writer_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "graph.msgpack"
    first = MemoryStore.open(path)
    with pytest.raises(StoreLocked, match="another kith process is writing"):
        MemoryStore.open(path)
    MemoryStore.open(path, readonly=True).close()  # readers never wait
    first.close()
    MemoryStore.open(path).close()  # the lock is released


def test_a_file_that_is_not_a_graph_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "graph.msgpack"
    path.write_bytes(b"not a graph at all")
    with pytest.raises(StoreUnavailable, match="cannot read the graph"):
        MemoryStore.open(path, readonly=True)


def test_readonly_store_refuses_to_save(tmp_path: Path) -> None:
    path = tmp_path / "graph.msgpack"
    MemoryStore.open(path).close()
    store = MemoryStore.open(path, readonly=True)
    store.upsert_nodes([Agency(id="a", name="A")])
    with pytest.raises(StoreUnavailable, match="read-only"):
        store.save()


@pytest.mark.parametrize("rel_type", list(RelType))
def test_reading_by_scan_and_by_walking_from_the_ends_gives_the_same_rows(
    small_store: MemoryStore, rel_type, monkeypatch
) -> None:
    import random

    from kith.graph import memory

    every = small_store.relationships(rel_type)
    sources, targets = sorted({r["source"] for r in every}), sorted({r["target"] for r in every})
    rng = random.Random(rel_type.value)
    asks = (
        [
            {"sources": sources},
            {"targets": targets},
            {"sources": rng.sample(sources, len(sources) // 3)},
            {"targets": rng.sample(targets, max(1, len(targets) // 3))},
            {"sources": rng.sample(sources, len(sources) // 2), "targets": rng.sample(targets, len(targets) // 2)},
            {"sources": ["nobody", *sources[:2]]},
        ]
        if every
        else [{"sources": ["nobody"]}]
    )
    for ask in asks:
        monkeypatch.setattr(memory, "_WALK_COST", 10**9)  # always scan
        scanned = small_store.relationships(rel_type, **ask)
        monkeypatch.setattr(memory, "_WALK_COST", 0)  # always walk
        walked = small_store.relationships(rel_type, **ask)
        wanted_s, wanted_t = set(ask.get("sources", sources)), set(ask.get("targets", targets))
        assert scanned == walked == [r for r in every if r["source"] in wanted_s and r["target"] in wanted_t]


class _Planted:
    """A pickle that runs a command when unpickled: it writes the file named in ``ran``."""

    def __init__(self, ran: Path) -> None:
        self.ran = ran

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.ran}",)


@pytest.mark.parametrize("name", [GRAPH_FILE, OLD_GRAPH_FILE])
@pytest.mark.parametrize("readonly", [True, False])
def test_a_planted_pickle_never_runs(tmp_path: Path, name: str, readonly: bool) -> None:
    """A pickle with a ``__reduce__`` payload, planted as the graph file or as the old graph.pickle:
    opening the home refuses it, and the payload never runs."""
    import pickle

    ran = tmp_path / "payload-ran"
    (tmp_path / name).write_bytes(pickle.dumps({"format": "kith-memory-store", "version": 1, "x": _Planted(ran)}))
    expected = "not a kith graph file" if name == GRAPH_FILE else "older kith as a pickle.*no longer opens it"
    with pytest.raises(StoreUnavailable, match=expected):
        MemoryStore.open(tmp_path / GRAPH_FILE, readonly=readonly)
    assert not ran.exists()
    pickle.loads((tmp_path / name).read_bytes())  # the payload is real: unpickling runs it
    assert ran.exists()


def test_the_file_is_data_only_and_versioned(tmp_path: Path, small_city) -> None:
    import msgpack

    from kith.graph import memory

    path = tmp_path / GRAPH_FILE
    _fill(path, small_city)
    data = path.read_bytes()
    assert data.startswith(memory._MAGIC)
    header = next(msgpack.Unpacker(__import__("io").BytesIO(data[len(memory._MAGIC) :]), raw=False))
    assert header["format"] == "kith-memory-store" and header["version"] == memory._VERSION
    assert header["labels"]["Student"] == len(small_city_nodes(small_city, "Student"))
    newer = memory._MAGIC + msgpack.packb({**header, "version": memory._VERSION + 1})
    path.write_bytes(newer)
    with pytest.raises(StoreUnavailable, match="written by another kith version"):
        MemoryStore.open(path, readonly=True)


def small_city_nodes(city, label: str) -> list:
    return [n for n in city.nodes if n.label.value == label]


@pytest.mark.parametrize("damage", ["truncated", "rows of the wrong shape", "an unknown endpoint", "extra rows"])
def test_a_damaged_file_is_reported_not_half_loaded(tmp_path: Path, small_city, damage: str) -> None:
    import msgpack

    from kith.graph import memory

    path = tmp_path / GRAPH_FILE
    _fill(path, small_city)
    data = path.read_bytes()
    head = memory._MAGIC + msgpack.packb(
        {
            "format": "kith-memory-store",
            "version": memory._VERSION,
            "marks": {},
            "labels": {"Agency": 1},
            "types": {"OFFERS": 1},
        }
    )
    agency = msgpack.packb([["a"], [{"id": "a", "name": "A"}]])
    bad = {
        "truncated": data[: len(data) // 2],
        "rows of the wrong shape": head + msgpack.packb([["a", "A"]]) + msgpack.packb([["a"], ["s"], [{}]]),
        "an unknown endpoint": head + agency + msgpack.packb([["a"], ["nowhere"], [{}]]),
        "extra rows": memory._MAGIC
        + msgpack.packb(
            {
                "format": "kith-memory-store",
                "version": memory._VERSION,
                "marks": {},
                "labels": {"Agency": 1},
                "types": {},
            }
        )
        + agency
        + agency,
    }[damage]
    path.write_bytes(bad)
    with pytest.raises(StoreUnavailable, match="cannot read the graph"):
        MemoryStore.open(path, readonly=True)


def test_the_demo_mark_lasts_until_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / GRAPH_FILE
    with MemoryStore.open(path) as store:
        store.upsert_nodes([Agency(id="a", name="A")])
        store.mark_demo_city("small")
    assert MemoryStore.open(path, readonly=True).demo_city() == "small"
    with MemoryStore.open(path) as store:
        store.upsert_nodes([Agency(id="a", name="A again")])  # any write: no longer the city as built
    assert MemoryStore.open(path, readonly=True).demo_city() is None
    with MemoryStore.open(path) as store:
        store.mark_demo_city("small")
        store.clear()
    assert MemoryStore.open(path, readonly=True).demo_city() is None


def test_an_interrupted_write_is_never_saved(tmp_path: Path) -> None:
    """Ctrl-C (or any error) half-way through an upsert: ``close`` does not save the half."""
    path = tmp_path / GRAPH_FILE
    with MemoryStore.open(path) as store:
        store.upsert_nodes([Agency(id="before", name="B")])

    def agencies():
        for i in range(100):
            if i == 50:
                raise KeyboardInterrupt
            yield Agency(id=f"a{i}", name="A")

    store = MemoryStore.open(path)
    with pytest.raises(KeyboardInterrupt):
        store.upsert_nodes(agencies())
    store.close()
    assert [n["id"] for n in MemoryStore.open(path, readonly=True).nodes(Label.AGENCY)] == ["before"]
    MemoryStore.open(path).close()  # the lock was released


def test_an_error_inside_the_with_block_saves_nothing(tmp_path: Path) -> None:
    path = tmp_path / GRAPH_FILE
    with pytest.raises(OSError), MemoryStore.open(path) as store:
        store.upsert_nodes([Agency(id="a", name="A")])
        raise OSError("the quarantine file could not be written")
    assert not path.exists()
    MemoryStore.open(path).close()  # the lock was released

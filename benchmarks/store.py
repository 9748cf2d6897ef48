"""Embedded store: generate, save and load times and peak memory, for the
``district`` and ``state`` demo cities.

Targets (issue "Foundation"): ``state`` loads in <= 20 s with <= 4 GiB peak;
``district`` loads in <= 2 s. Each load runs in a fresh process so its peak
memory (max RSS) is the load's own. The anchors measured in the same run are
the time to read the file's bytes (the I/O floor of any loader) and the time
to unpickle the same graph as kith saved it before (``pickle.load`` of the
NetworkX graph and its tables: fast, but it can run code, which is why the
store's file is MessagePack data now). The pickle is written and read here
only, of the graph this run just built.

    python benchmarks/store.py [--sizes district,state]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"district": {"load_s": 2.0, "peak_gib": None}, "state": {"load_s": 20.0, "peak_gib": 4.0}}

_LOAD = """
import json, resource, sys, time
t, cpu = time.perf_counter(), time.process_time()
from kith.graph.memory import MemoryStore
store = MemoryStore.open(sys.argv[1], readonly=True)
elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
counts = store.counts()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"load_s": elapsed, "load_cpu_s": cpu, "peak_bytes": peak, "nodes": sum(counts[k] for k in counts if k[0].isupper()
      and not k.isupper()), "rels": sum(counts[k] for k in counts if k.isupper())}))
"""

_BUILD = """
import json, resource, sys, time
from kith.graph.memory import MemoryStore
from kith.ingest import demo_city
store = MemoryStore.open(sys.argv[1])
t = time.perf_counter()
demo_city.build(store, sys.argv[2], seed=7)
generate = time.perf_counter() - t
t = time.perf_counter()
store.save()
save = time.perf_counter() - t
import pickle  # the anchor: the graph as the pickle-era store saved it
with open(sys.argv[1] + ".anchor-pickle", "wb") as f:
    pickle.dump({"graph": store._graph, "labels": store._labels, "types": store._types}, f,
                protocol=pickle.HIGHEST_PROTOCOL)
store.close()
print(json.dumps({"generate_s": generate, "save_s": save,
                  "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


_LOAD_PICKLE = """
import gc, json, pickle, sys, time
t, cpu = time.perf_counter(), time.process_time()
import kith.graph.memory  # the same imports as the store's load
gc.disable()
with open(sys.argv[1], "rb") as f:
    pickle.load(f)
print(json.dumps({"pickle_load_s": time.perf_counter() - t, "pickle_load_cpu_s": time.process_time() - cpu}))
"""


def _run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(size: str, workdir: Path) -> dict:
    path = workdir / f"{size}.msgpack"
    built = _run(_BUILD, str(path), size)
    t = time.perf_counter()
    path.read_bytes()
    read_s = time.perf_counter() - t
    loaded = min((_run(_LOAD, str(path)) for _ in range(3)), key=lambda r: r["load_s"])
    anchor = min((_run(_LOAD_PICKLE, str(path) + ".anchor-pickle") for _ in range(3)), key=lambda r: r["pickle_load_s"])
    return {**built, **loaded, **anchor, "read_bytes_s": read_s, "file_mib": path.stat().st_size / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="district,state")
    sizes = parser.parse_args().sizes.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            r = measure(size, Path(tmp))
            target = TARGETS[size]
            peak_gib = r["peak_bytes"] / 2**30
            print(f"{size}: {r['nodes']:,} nodes, {r['rels']:,} relationships, file {r['file_mib']:.0f} MiB")
            print(
                f"  generate {r['generate_s']:.1f} s   save {r['save_s']:.1f} s   "
                f"load {r['load_s']:.2f} s (best of 3)   load peak memory {peak_gib:.2f} GiB"
            )
            print(f"  load / read-bytes anchor = {r['load_s'] / max(r['read_bytes_s'], 1e-9):.1f}x")
            print(
                f"  load / pickle-load anchor ({r['pickle_load_s']:.2f} s, the format before) = "
                f"{r['load_s'] / max(r['pickle_load_s'], 1e-9):.2f}x; in CPU time "
                f"{r['load_cpu_s']:.2f} s / {r['pickle_load_cpu_s']:.2f} s = "
                f"{r['load_cpu_s'] / max(r['pickle_load_cpu_s'], 1e-9):.2f}x (steadier on a shared machine)"
            )
            verdict = "meets" if r["load_s"] <= target["load_s"] else "MISSES"
            print(f"  load / target {target['load_s']:.0f} s = {r['load_s'] / target['load_s']:.2f} ({verdict})")
            if target["peak_gib"]:
                verdict = "meets" if peak_gib <= target["peak_gib"] else "MISSES"
                print(f"  peak / target {target['peak_gib']:.0f} GiB = {peak_gib / target['peak_gib']:.2f} ({verdict})")


if __name__ == "__main__":
    main()

"""Opening the embedded store imports what reading its file needs, not the site index's KD-tree (SciPy's
spatial module costs a good part of a second of every ``kith`` command and of the state city's 20 s load)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kith.graph.memory import MemoryStore
from kith.graph.model import Site

ROOT = Path(__file__).resolve().parents[2]


def test_opening_a_store_does_not_import_scipy_spatial(tmp_path: Path) -> None:
    path = tmp_path / "graph.msgpack"
    with MemoryStore.open(path) as store:
        store.upsert_nodes([Site(id="s1", name="Center", lat=42.3, lon=-71.1)])
    code = (
        "import sys\nfrom kith.graph.memory import MemoryStore\n"
        "store = MemoryStore.open(sys.argv[1], readonly=True)\n"
        "print('scipy.spatial' in sys.modules)\n"
        "print(store.within(42.3, -71.1, 1.0))\n"
        "print('scipy.spatial' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT, check=True, timeout=120
    )
    assert done.stdout.split("\n")[:3] == ["False", "[('s1', 0.0)]", "True"]

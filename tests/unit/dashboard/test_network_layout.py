"""The network drawing's positions are a function of the graph alone: a coalition that meets again after a
restart of kith finds each organisation where it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys

#: Three communities of twelve organisations, each a ring with a chord, and a tie between neighbours.
_POSITIONS = """
import json
import networkx as nx
from kith.dashboard._network_layout import community_positions

graph = nx.Graph()
community_of = {}
for c in range(3):
    names = [f"Agency:c{c}-{k:02d}" for k in range(12)]
    community_of.update({name: c for name in names})
    graph.add_edges_from(zip(names, names[1:] + names[:1]), weight=1.0)
    graph.add_edge(names[0], names[6], weight=2.0)
graph.add_edge("Agency:c0-03", "Agency:c1-03")
graph.add_edge("Agency:c1-09", "Agency:c2-09")
print(json.dumps(sorted(community_positions(graph, community_of).items())))
"""


def test_the_positions_are_the_same_whatever_pythons_string_hashing() -> None:
    """A subgraph view of NetworkX lists its nodes in the order of a set of strings: the layout had changed
    with PYTHONHASHSEED, so with every start of the server."""
    drawn = []
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", _POSITIONS], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        drawn.append(json.loads(out.stdout))
    assert len(drawn[0]) == 36 and drawn[0] == drawn[1] == drawn[2]

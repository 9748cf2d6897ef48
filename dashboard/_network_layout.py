"""The network drawing's layout: a position for each organisation that keeps each community together and
depends on the graph alone (not on the store's order of rows, nor on Python's string hashing), so a coalition
finds its organisations where they were, visit after visit and restart after restart."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def community_positions(
    graph: Any, community_of: dict[str, int], sizes: dict[str, float] | None = None
) -> dict[str, tuple[float, float]]:
    """Positions that keep each community together ("group-in-a-box", Rodrigues et al. 2011, with
    discs for boxes): each community a disc of area in proportion to its members, the discs placed by
    a force-directed layout of the graph of communities (ties between them as weights) and pushed
    apart until none overlap; inside each disc, its members by Fruchterman-Reingold (NetworkX, seed 0).
    Organisations alone in their community (isolates) line up in rows below. Units: screen pixels at
    zoom 1; ``sizes``: each node's largest width (no two nodes overlap; default 30)."""
    import networkx as nx
    import numpy as np

    if graph.number_of_nodes() == 0:
        return {}
    members: dict[int, list[Any]] = defaultdict(list)
    for node in sorted(graph.nodes, key=str):  # in one order whatever the store's order of rows
        members[community_of.get(str(node), 0)].append(node)
    groups = sorted((c for c in members if len(members[c]) > 1), key=lambda c: (-len(members[c]), c))
    alone = sorted((n for c in members if len(members[c]) == 1 for n in members[c]), key=str)
    width = {str(n): float((sizes or {}).get(str(n), 30.0)) for n in graph.nodes}
    radius = {c: 0.62 * sum(width[str(n)] ** 2 for n in members[c]) ** 0.5 + 8.0 for c in groups}
    between: Any = nx.Graph()
    between.add_nodes_from(groups)
    for u, v in graph.edges:
        cu, cv = community_of.get(str(u), 0), community_of.get(str(v), 0)
        if cu != cv and cu in radius and cv in radius:
            w = between.get_edge_data(cu, cv, {"weight": 0.0})["weight"]
            between.add_edge(cu, cv, weight=w + 1.0)
    r = np.array([radius[c] for c in groups])
    centre = np.zeros((len(groups), 2))
    if len(groups) > 1:
        raw = nx.spring_layout(between, seed=0, weight="weight", iterations=200)
        centre = np.array([raw[c] for c in groups], dtype=float)
        centre -= centre.mean(axis=0)
        # as spread as a packing of the discs (about half of the area covered), then pushed apart
        # where they overlap and drawn gently to the middle
        area = float((np.pi * r**2).sum() * 2)
        span = float(np.abs(centre).max()) or 1.0
        centre *= (area**0.5 / 2) / span
        for _ in range(400):
            centre = _spread(centre, 0.0, rounds=1, radii=r + 8.0)
            centre *= 0.995
        centre = _spread(centre, 0.0, radii=r + 8.0)
    positions: dict[str, tuple[float, float]] = {}
    for k, c in enumerate(groups):
        # the community's own graph, its nodes in a fixed order: a subgraph view lists them in the
        # order of a set, which changes with Python's string hashing, and so would the layout
        own: Any = nx.Graph()
        own.add_nodes_from(members[c])
        own.add_edges_from(graph.subgraph(members[c]).edges(data=True))
        inner = nx.spring_layout(own, seed=0, iterations=100)
        xy = np.array([inner[n] for n in members[c]])
        xy -= xy.mean(axis=0)
        span = float(np.hypot(xy[:, 0], xy[:, 1]).max()) or 1.0
        half = np.array([width[str(n)] / 2 + 2.0 for n in members[c]])
        xy = _spread(xy / span * (r[k] - 20.0), 0.0, radii=half) + centre[k]
        for n, (x, y) in zip(members[c], xy.tolist()):
            positions[str(n)] = (x, y)
    if positions:  # members pushed past their disc's edge may touch a neighbour's: part them
        keys = list(positions)
        xy = _spread([positions[k] for k in keys], 0.0, rounds=100, radii=[width[k] / 2 + 2.0 for k in keys])
        positions = {k: (round(float(x), 1), round(float(y), 1)) for k, (x, y) in zip(keys, xy)}
    if alone:
        low = max((y for _, y in positions.values()), default=0.0) + 60.0
        left = min((x for x, _ in positions.values()), default=0.0)
        per_row = max(10, int(len(alone) ** 0.5 * 2))
        for i, n in enumerate(alone):
            positions[str(n)] = (round(left + 40.0 * (i % per_row), 1), round(low + 40.0 * (i // per_row), 1))
    return positions


def _spread(xy: Any, apart: float, rounds: int = 200, radii: Any = None) -> Any:
    """Points moved until no two are nearer than ``apart`` plus their ``radii`` (or ``rounds``
    passes): each too-near pair pushed apart along the line joining them, half each."""
    import numpy as np

    xy = np.array(xy, dtype=float)
    n = len(xy)
    if n < 2:
        return xy
    r = np.zeros(n) if radii is None else np.asarray(radii, dtype=float)
    for _ in range(rounds):
        d = xy[:, None, :] - xy[None, :, :]
        dist = np.hypot(d[..., 0], d[..., 1]) + np.eye(n)
        gap = apart + r[:, None] + r[None, :] - dist
        np.fill_diagonal(gap, 0.0)
        if (gap <= 0).all():
            break
        xy += (d * np.where(gap > 0, gap / 2 / dist, 0.0)[..., None]).sum(axis=1)
    return xy

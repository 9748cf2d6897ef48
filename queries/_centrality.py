"""Measures of a network given as numbered ties, with few imports, so that a second process
(``kith.queries._beside``) starts on them at once: degree, exact betweenness (igraph), eigenvector
centrality, component sizes and Louvain communities (NetworkX). ``kith.queries.network`` says what each
measure means and how it is normalized.
"""

from __future__ import annotations

import warnings
from typing import Any

import igraph
import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix


def measures_of(n: int, edges: list[tuple[int, int, float]], seed: int) -> tuple[Any, ...]:
    """Degree, betweenness, eigenvector, component sizes, Louvain communities (lists of numbers) and
    their modularity, of the organisations numbered 0..n-1 joined by ``edges`` (i, j, weight).

    Louvain runs on a graph built in the same order as the organisation graph, so it makes the same
    moves: the same seed gives the same communities in either process."""
    ig = igraph.Graph(n=n, edges=[(i, j) for i, j, _ in edges], directed=False)
    degree = np.array(ig.degree(), dtype=np.int64) if n else np.empty(0, dtype=np.int64)
    betweenness = np.array(ig.betweenness(), dtype=np.float64) if n else np.empty(0)
    if n > 2:
        betweenness *= 2.0 / ((n - 1) * (n - 2))
    else:
        betweenness[:] = 0.0
    eigenvector = eigenvector_centrality(ig)
    component_size = np.zeros(n, dtype=np.int64)
    for members in ig.connected_components() if n else []:
        component_size[members] = len(members)
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from(edges)
    communities = [sorted(c) for c in nx.community.louvain_communities(graph, weight="weight", seed=seed)] if n else []
    modularity = float(nx.community.modularity(graph, map(set, communities), weight="weight")) if edges else 0.0
    return degree, betweenness, eigenvector, component_size, communities, modularity


#: Power-iteration steps before the eigenvector is left to ARPACK (a state's network needs under 1,000).
EIGENVECTOR_STEPS = 20_000


def eigenvector_centrality(ig: Any) -> np.ndarray:
    """Eigenvector centrality of the whole graph, unit Euclidean norm, non-negative (as NetworkX).

    Power iteration on ``A + I`` from the all-ones vector, as NetworkX does it,
    until no value moves by 1e-14: the same arithmetic in the same order on
    every run, so a report is repeatable to the last digit (ARPACK's answers
    vary in the last bits from run to run). A graph that has not settled after
    ``EIGENVECTOR_STEPS`` steps is left to ARPACK (igraph). Values are rounded
    to 12 decimals.
    """
    n = ig.vcount()
    if n == 0 or ig.ecount() == 0:
        return np.full(n, 1.0 / np.sqrt(n)) if n else np.empty(0)
    ends = np.array(ig.get_edgelist(), dtype=np.int64)
    rows, cols = np.concatenate((ends[:, 0], ends[:, 1])), np.concatenate((ends[:, 1], ends[:, 0]))
    adjacency = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    values = np.full(n, 1.0 / np.sqrt(n))
    for _ in range(EIGENVECTOR_STEPS):
        step = adjacency @ values + values
        step /= np.linalg.norm(step)
        settled = np.abs(step - values).max() < 1e-14
        values = step
        if settled:
            break
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "not meaningful for disconnected graphs": we say so
            values = np.abs(np.array(ig.eigenvector_centrality(), dtype=np.float64))
    values[values < 1e-12] = 0.0
    norm = np.linalg.norm(values)
    return np.round(values / norm, 12) if norm else values

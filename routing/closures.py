"""Closed roads (snow, a landslide, works): which edges a closure takes out, and the travel matrix without them.

A `Closure` is a set of graph edges ``(u, v, key)`` closed from one moment to
another. Its edges are given as they are, found from OSM way ids
(`edges_of_ways`: every edge whose ``osmid`` holds one of them) or from two
points on the map (`edges_between`: the fastest road path between the nodes
they snap to, both directions of every road on it).

`apply_closures` turns a matrix computed on the open graph into the matrix with
the edges closed, searching again only where it must. With ``W`` the combined
weight of `routing.network` (``travel_time * K + length``, exact in float64), a
pair (s, t) *used* a closed edge u → v of weight w when

    dist(s, u) + w + dist(v, t) == dist(s, t)

i.e. some fastest path from s to t runs along it. ``dist(·, u)`` for every
source is one search from u on the reversed graph and ``dist(v, ·)`` one search
from v, so k closed edges cost 2 searches each (batched), then one search per
source row (or target column, whichever are fewer) that holds a used pair, on
the graph with the edges dropped. Pairs whose fastest paths avoid every closed
edge keep their figures: dropping edges never shortens a path, and one of their
fastest paths survives. ``used`` is therefore a superset of ``changed`` (the
pairs whose figures moved); they differ only on ties, when an equally fast
path avoids the closed road.

A pair left with no road path at all gets `UNREACHABLE_S` seconds and
`UNREACHABLE_M` metres (a week of driving: no shift can serve it) and is listed
in `ClosureResult.unreachable`; `ClosureResult.cut_off` names the points a depot
can no longer reach and come back from.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from routing.errors import InputError
from routing.network import Matrix, Point, RoadNetwork

__all__ = ["UNREACHABLE_M", "UNREACHABLE_S", "ClosedNetwork", "Closure", "ClosureResult", "Edge",
           "apply_closures", "edges_between", "edges_of_ways"]

log = logging.getLogger(__name__)

#: Seconds and metres given to a pair with no road path while roads are closed (a week: no shift fits it).
UNREACHABLE_S = 7 * 86_400
UNREACHABLE_M = 10_000_000

Edge = tuple[int, int, int]  # (u, v, key) of the MultiDiGraph


@dataclass(frozen=True)
class Closure:
    """Edges of the road graph closed from `start` until `end` (``from`` / ``until``).

    Raises
    ------
    InputError
        ``until`` not after ``from`` (named ``until``), or no edge (named ``edges``).
    """

    edges: tuple[Edge, ...]
    start: dt.datetime
    end: dt.datetime
    note: str = ""

    def __post_init__(self) -> None:
        if not self.edges:
            raise InputError.of("edges", "a closure needs at least one road")
        if self.end <= self.start:
            raise InputError.of("until", "{until} is not after from ({start})", until=self.end.isoformat(),
                                start=self.start.isoformat())

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Return whether the road is closed at any moment of [start, end)."""
        return self.start < end and start < self.end


def edges_of_ways(G: nx.MultiDiGraph, way_ids: Iterable[int]) -> list[Edge]:
    """Return every edge of `G` that is part of one of the OSM ways (both directions, sorted).

    A simplified edge lists the ways it merged in ``osmid`` (an int or a list).

    Raises
    ------
    InputError
        Naming ``way_ids`` and the first way with no edge in the graph.
    """
    wanted = {int(w) for w in way_ids}
    if not wanted:
        raise InputError.of("way_ids", "give at least one OSM way id")
    found: dict[int, list[Edge]] = {w: [] for w in wanted}
    for u, v, key, osmid in G.edges(keys=True, data="osmid"):
        for w in osmid if isinstance(osmid, list) else [osmid]:
            if w is not None and int(w) in found:
                found[int(w)].append((int(u), int(v), int(key)))
    missing = sorted(w for w, edges in found.items() if not edges)
    if missing:
        raise InputError.of("way_ids", "way {way} is not a road of the graph", way=missing[0])
    return sorted({e for edges in found.values() for e in edges})


def edges_between(network: RoadNetwork, a: tuple[float, float], b: tuple[float, float]) -> list[Edge]:
    """Return the edges of the fastest road path between two map points ``(lat, lon)``, both directions.

    Each point is snapped to its nearest node (refused beyond the snap limit,
    naming ``points``); every edge between two consecutive nodes of the path,
    either way, is closed.

    Raises
    ------
    InputError
        Naming ``points``: the same node for both points, or no road path between them.
    """
    from scipy.sparse.csgraph import dijkstra

    try:
        start, end = network.snap([("from", *a), ("to", *b)])
    except InputError as exc:
        raise InputError.of("points", "{problem}", problem=exc) from exc
    if start.node == end.node:
        raise InputError.of("points", "both points are at the same crossing: no road between them")
    src, dst = network._index[start.node], network._index[end.node]
    _, pred = dijkstra(network._weights(), directed=True, indices=[src], return_predecessors=True)
    if pred[0, dst] < 0:
        raise InputError.of("points", "no road path between the two points")
    path = [dst]
    while path[-1] != src:
        path.append(int(pred[0, path[-1]]))
    nodes = [int(network.node_ids[i]) for i in reversed(path)]
    G = network.G
    edges = set()
    for u, v in itertools.pairwise(nodes):
        for x, y in ((u, v), (v, u)):
            if G.has_edge(x, y):
                edges.update((x, y, int(k)) for k in G[x][y])
    return sorted(edges)


@dataclass
class ClosureResult:
    """A matrix with roads closed, and which of its pairs the closure touched.

    Attributes
    ----------
    matrix
        The new matrix (`UNREACHABLE_S` / `UNREACHABLE_M` where no road is left).
    used
        (i, j) point pairs some fastest path of which ran along a closed edge.
    changed
        (i, j) pairs whose duration or distance moved (a subset of `used`).
    unreachable
        (i, j) pairs with no road path left.
    rows_searched
        How many searches the update ran on the closed graph (for benchmarks).
    """

    matrix: Matrix
    used: set[tuple[int, int]] = field(default_factory=set)
    changed: set[tuple[int, int]] = field(default_factory=set)
    unreachable: set[tuple[int, int]] = field(default_factory=set)
    rows_searched: int = 0

    def cut_off(self, anchors: Sequence[str]) -> list[str]:
        """Return the ids of the points no anchor (a depot) can reach and come back from, in matrix order."""
        ids = self.matrix.ids
        where = [i for i, pid in enumerate(ids) if pid in set(anchors)]
        if not self.unreachable or not where:
            return []
        return [pid for j, pid in enumerate(ids)
                if all((a, j) in self.unreachable or (j, a) in self.unreachable for a in where)]


def closed_weights(network: RoadNetwork, edges: Iterable[Edge]):
    """Return the CSR weights with `edges` dropped, and the ``(row, col, old weight)`` entries that rose.

    Parallel edges: the CSR keeps the best of u → v; closing it leaves the next
    best open one, closing all removes the entry. Unknown edges are ignored
    (logged), so a rebuilt graph never fails a stored closure.
    """
    base = network._weights()
    k = network._k
    closed: dict[tuple[int, int], set[int]] = {}
    for u, v, key in edges:
        if not network.G.has_edge(u, v, key):
            log.warning("closed edge %s -> %s (key %s) is not in the road graph; ignored", u, v, key)
            continue
        closed.setdefault((int(u), int(v)), set()).add(int(key))
    A = base.copy()
    rose = []
    for (u, v), keys in closed.items():
        if u == v:
            continue
        r, c = network._index[u], network._index[v]
        left = [int(d["travel_time"]) * k + round(float(d["length"]))
                for key, d in network.G[u][v].items() if int(key) not in keys]
        pos = A.indptr[r] + int(np.flatnonzero(A.indices[A.indptr[r]:A.indptr[r + 1]] == c)[0])
        old = float(A.data[pos])
        new = float(min(left)) if left else 0.0  # 0 marks the entry for removal below
        if new != old:
            A.data[pos] = new
            rose.append((r, c, old))
    A.eliminate_zeros()
    return A, rose


def apply_closures(network: RoadNetwork, matrix: Matrix, edges: Iterable[Edge]) -> ClosureResult:
    """Return `matrix` (computed on the open graph of `network`) with `edges` closed.

    Only the source rows, or target columns when fewer, that hold a pair whose
    fastest path used a closed edge are searched again (module docstring).
    """
    from scipy.sparse.csgraph import dijkstra

    A, rose = closed_weights(network, edges)
    if not rose:
        return ClosureResult(matrix)
    k = network._k
    unique = list(dict.fromkeys(matrix.nodes))
    first = {n: i for i, n in reversed(list(enumerate(matrix.nodes)))}
    keep = [first[n] for n in unique]
    old = (matrix.durations[np.ix_(keep, keep)] * k + matrix.distances[np.ix_(keep, keep)]).astype(np.float64)
    idx = np.array([network._index[n] for n in unique], dtype=np.int64)
    tails = np.array([r for r, _, _ in rose], dtype=np.int64)
    heads = np.array([c for _, c, _ in rose], dtype=np.int64)
    to_tail = dijkstra(network._weights_reversed(), directed=True, indices=tails)[:, idx]  # [e, source]
    from_head = dijkstra(network._weights(), directed=True, indices=heads)[:, idx]  # [e, target]
    used = np.zeros_like(old, dtype=bool)
    for e, (_, _, w) in enumerate(rose):
        used |= (to_tail[e][:, None] + w + from_head[e][None, :]) == old
    new = old.copy()
    rows, cols = np.flatnonzero(used.any(axis=1)), np.flatnonzero(used.any(axis=0))
    if len(rows) <= len(cols):
        if len(rows):
            new[rows] = dijkstra(A, directed=True, indices=idx[rows])[:, idx]
        searched = len(rows)
    else:
        new[:, cols] = dijkstra(A.T.tocsr(), directed=True, indices=idx[cols])[:, idx].T
        searched = len(cols)
    return _result(matrix, unique, new, old, used, k, searched)


def _result(matrix: Matrix, unique: list[int], new: np.ndarray, old: np.ndarray, used: np.ndarray, k: int,
            searched: int) -> ClosureResult:
    """Spread the unique nodes' figures back over the points and list the pairs by point index."""
    where = {n: i for i, n in enumerate(unique)}
    pos = np.array([where[n] for n in matrix.nodes], dtype=np.int64)
    grid = np.ix_(pos, pos)
    combined, moved, used_p = new[grid], (new != old)[grid], used[grid]
    finite = np.isfinite(combined)
    w = np.where(finite, combined, 0).astype(np.int64)
    durations = np.where(finite, w // k, UNREACHABLE_S)
    distances = np.where(finite, w % k, UNREACHABLE_M)

    def pairs(mask: np.ndarray) -> set[tuple[int, int]]:
        return {(int(i), int(j)) for i, j in np.argwhere(mask)}

    return ClosureResult(Matrix(list(matrix.ids), list(matrix.nodes), durations, distances),
                         used=pairs(used_p), changed=pairs(moved), unreachable=pairs(~finite), rows_searched=searched)


class ClosedNetwork:
    """A matrix provider: `network` with `edges` closed, its matrices repaired from `base`'s.

    Parameters
    ----------
    network
        The road network (its graph and weights).
    edges
        The closed edges.
    base
        Where open-road matrices come from (default `network`; a cache in front of it such as
        the booking's `OfferMatrices`, whose answers are then repaired).

    ``last`` holds the `ClosureResult` of the latest matrix (the pairs touched, the unreachable ones).
    """

    def __init__(self, network: RoadNetwork, edges: Iterable[Edge], *, base: Any = None) -> None:
        self.network = network
        self.edges = sorted(set(edges))
        self.base = base if base is not None else network
        self.last: ClosureResult | None = None

    @property
    def snap_limit_m(self) -> float:
        """The network's snapping limit."""
        return self.network.snap_limit_m

    def off_road(self, points: Iterable[Point]) -> dict[str, float]:
        """Return the points too far from any road (`RoadNetwork.off_road`)."""
        return self.network.off_road(points)

    def snap(self, points: Iterable[Point]):
        """Snap points as the network does."""
        return self.network.snap(points)

    def matrix(self, points: Iterable[Point]) -> Matrix:
        """Return the matrix between `points` with the closed roads left out."""
        pts = list(points)
        m = self.base.matrix(pts)
        if not hasattr(m, "nodes"):
            m = Matrix(list(m.ids), [s.node for s in self.network.snap(pts)], m.durations, m.distances)
        self.last = apply_closures(self.network, m, self.edges)
        return self.last.matrix

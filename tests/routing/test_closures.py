"""Tests of routing.closures: closed edges found from ways and points, the matrix repaired against a full search."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import networkx as nx
import numpy as np
import pytest

from routing.closures import (
    UNREACHABLE_M,
    UNREACHABLE_S,
    ClosedNetwork,
    Closure,
    apply_closures,
    edges_between,
    edges_of_ways,
)
from routing.errors import InputError
from routing.network import RoadNetwork


def _points(G, n, seed):
    rng = random.Random(seed)
    nodes = rng.sample(sorted(G.nodes), n)
    return [(f"p{i}", G.nodes[v]["y"], G.nodes[v]["x"]) for i, v in enumerate(nodes)]


def _busy_edges(net: RoadNetwork, m, count: int, seed: int):
    """Edges in the middle of fastest paths between random pairs of the matrix's points (both directions)."""
    rng = random.Random(seed)
    G = net.G
    edges = set()
    while len(edges) < count:
        a, b = rng.sample(m.nodes, 2)
        path = nx.shortest_path(G, a, b, weight="travel_time")
        if len(path) < 3:
            continue
        u, v = path[len(path) // 2], path[len(path) // 2 + 1]
        edges.update((u, v, k) for k in G[u][v])
    return sorted(edges)


def _full(G, edges, points):
    """The matrix searched again from scratch with networkx on a copy of the graph without the edges.

    Fastest, then shortest (the combined weight of `routing.network`); no path -> the UNREACHABLE figures.
    """
    H = G.copy()
    H.remove_edges_from(edges)
    k = round(sum(float(d) for _, _, d in G.edges(data="length"))) + len(G.edges) + 1

    def weight(u, v, keyed):
        return min(int(d["travel_time"]) * k + round(float(d["length"])) for d in keyed.values())

    nodes = [s.node for s in RoadNetwork(G).snap(points)]
    n = len(nodes)
    durations = np.full((n, n), UNREACHABLE_S, dtype=np.int64)
    distances = np.full((n, n), UNREACHABLE_M, dtype=np.int64)
    for i, a in enumerate(nodes):
        found = nx.single_source_dijkstra_path_length(H, a, weight=weight)
        for j, b in enumerate(nodes):
            if b in found:
                durations[i, j], distances[i, j] = divmod(found[b], k)
    return durations, distances


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_equals_full_recomputation(sample_network, seed):
    """30 random points, 3 busy roads closed: the repaired matrix is a full search's; changed pairs are exact."""
    G = sample_network.G
    pts = _points(G, 30, seed)
    before = sample_network.matrix(pts)
    edges = _busy_edges(sample_network, before, 3, seed)
    result = apply_closures(sample_network, before, edges)
    durations, distances = _full(G, edges, pts)
    assert np.array_equal(result.matrix.durations, durations)
    assert np.array_equal(result.matrix.distances, distances)
    moved = {(int(i), int(j)) for i, j in np.argwhere((durations != before.durations)
                                                    | (distances != before.distances))}
    assert moved, "the closed roads were on some fastest path"
    assert result.changed == moved
    assert result.changed <= result.used
    # no equally fast and short detour on these roads: "used the closed road" is exactly "changed"
    assert result.used == result.changed
    assert result.rows_searched < 30
    assert result.unreachable == {(int(i), int(j)) for i, j in np.argwhere(durations == UNREACHABLE_S)}


def test_closing_a_road_nobody_uses_changes_nothing(sample_network):
    """An edge on no fastest path between the points: nothing used, nothing changed, no search."""
    G = sample_network.G
    pts = _points(G, 10, 5)
    before = sample_network.matrix(pts)
    full_search_edges = [(u, v, k) for u, v, k in G.edges(keys=True)]
    for edge in full_search_edges:
        result = apply_closures(sample_network, before, [edge])
        if not result.used:
            break
    else:
        pytest.fail("every edge is on some fastest path")
    assert result.changed == set() and result.rows_searched == 0
    assert np.array_equal(result.matrix.durations, before.durations)


def test_cut_off_point_is_unreachable(sample_network):
    """Every road into and out of one point's crossing closed: its pairs are unreachable, the depot lists it."""
    G = sample_network.G
    pts = _points(G, 8, 7)
    before = sample_network.matrix(pts)
    node = before.nodes[3]
    edges = [(u, v, k) for u, v, k in G.in_edges(node, keys=True)]
    edges += [(u, v, k) for u, v, k in G.out_edges(node, keys=True)]
    result = apply_closures(sample_network, before, edges)
    assert result.matrix.durations[0, 3] == UNREACHABLE_S and result.matrix.distances[3, 0] == UNREACHABLE_M
    assert {(0, 3), (3, 0)} <= result.unreachable
    assert all(3 in pair for pair in result.unreachable)
    assert result.cut_off(["p0"]) == ["p3"]
    assert result.cut_off(["p3"]) == [p[0] for i, p in enumerate(pts) if i != 3]


def test_parallel_edge_left_open_carries_the_traffic():
    """Two parallel roads a -> b: closing the faster one moves traffic to the other, closing both cuts b off."""
    G = nx.MultiDiGraph(crs="epsg:4326")
    for n, x in ((1, 135.0), (2, 135.01)):
        G.add_node(n, x=x, y=35.0)
    G.add_edge(1, 2, 0, travel_time=60, length=900.0, osmid=11)
    G.add_edge(1, 2, 1, travel_time=90, length=800.0, osmid=12)
    G.add_edge(2, 1, 0, travel_time=60, length=900.0, osmid=11)
    net = RoadNetwork(G)
    before = net.matrix([("a", 35.0, 135.0), ("b", 35.0, 135.01)])
    one = apply_closures(net, before, [(1, 2, 0)])
    assert one.matrix.durations[0, 1] == 90 and one.matrix.distances[0, 1] == 800 and one.changed == {(0, 1)}
    assert apply_closures(net, before, [(1, 2, 1)]).used == set()
    both = apply_closures(net, before, edges_of_ways(G, [11, 12]))
    assert both.unreachable == {(0, 1), (1, 0)} and both.cut_off(["a"]) == ["b"]


def test_edges_of_ways(sample_network):
    """A way's edges are found both ways, list-valued osmid included; an unknown way is named."""
    G = sample_network.G
    u, v, k, osmid = next(iter(G.edges(keys=True, data="osmid")))
    way = osmid[0] if isinstance(osmid, list) else osmid
    edges = edges_of_ways(G, [way])
    assert (u, v, k) in edges
    for a, b, key in edges:
        ids = G[a][b][key]["osmid"]
        assert way in (ids if isinstance(ids, list) else [ids])
    known = {w for _, _, o in G.edges(data="osmid") for w in (o if isinstance(o, list) else [o])}
    unknown = max(known) + 1
    with pytest.raises(InputError, match=f"way_ids: way {unknown} is not a road of the graph"):
        edges_of_ways(G, [way, unknown])
    with pytest.raises(InputError, match="way_ids"):
        edges_of_ways(G, [])


def test_edges_between_two_points(sample_network):
    """Two points on the map: the fastest path between them closed in both directions."""
    G = sample_network.G
    pts = _points(G, 2, 11)
    a, b = (pts[0][1], pts[0][2]), (pts[1][1], pts[1][2])
    edges = edges_between(sample_network, a, b)
    path = nx.shortest_path(G, sample_network.snap([("a", *a)])[0].node, sample_network.snap([("b", *b)])[0].node,
                            weight="travel_time")
    pairs = {(u, v) for u, v, _ in edges}
    assert {(u, v) for u, v in itertools.pairwise(path)} <= pairs
    assert all(G.has_edge(u, v, k) for u, v, k in edges)
    with pytest.raises(InputError, match="points: both points are at the same crossing"):
        edges_between(sample_network, a, a)
    with pytest.raises(InputError, match="points: .* from the nearest road"):
        edges_between(sample_network, a, (0.0, 0.0))


def test_closure_checks_its_period():
    """`until` must come after `from`, and a closure needs an edge; overlaps are half-open."""
    t = dt.datetime(2026, 12, 1, 8)
    with pytest.raises(InputError, match="until: .* is not after from"):
        Closure(((1, 2, 0),), t, t)
    with pytest.raises(InputError, match="edges:"):
        Closure((), t, t + dt.timedelta(hours=1))
    c = Closure(((1, 2, 0),), t, t + dt.timedelta(hours=2))
    assert c.overlaps(t - dt.timedelta(hours=1), t + dt.timedelta(minutes=1))
    assert not c.overlaps(t + dt.timedelta(hours=2), t + dt.timedelta(hours=3))


def test_closed_network_is_a_provider(sample_network):
    """ClosedNetwork answers matrix(points) like the network, with the roads closed, and keeps the result."""
    G = sample_network.G
    pts = _points(G, 12, 4)
    edges = _busy_edges(sample_network, sample_network.matrix(pts), 2, 4)
    closed = ClosedNetwork(sample_network, edges)
    m = closed.matrix(pts)
    assert np.array_equal(m.durations, _full(G, edges, pts)[0])
    assert closed.last is not None and closed.last.matrix is m
    assert closed.snap_limit_m == sample_network.snap_limit_m

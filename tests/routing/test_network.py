"""Tests of routing.network: snapping, matrices, extend, cache, route shapes."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse.csgraph

from routing.errors import InputError
from routing.graph import load_graph
from routing.network import _EARTH_RADIUS_M, Matrix, RoadNetwork, SnapError
from tests.routing.osmxml import LAT0, LON0, loop_network, write

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def loop_net(tmp_path_factory):
    """RoadNetwork on the 1-km square with the one-way side P4 -> P1."""
    path = write(tmp_path_factory.mktemp("loop") / "loop.osm", loop_network())
    return RoadNetwork(load_graph(path))


def _random_points(G, n, seed):
    """Pick n graph nodes at random and move each up to ~50 m away."""
    rng = random.Random(seed)
    nodes = rng.sample(sorted(G.nodes), n)
    return [(f"p{i}", G.nodes[v]["y"] + rng.uniform(-3e-4, 3e-4), G.nodes[v]["x"] + rng.uniform(-3e-4, 3e-4))
            for i, v in enumerate(nodes)]


def test_one_way_asymmetry(loop_net):
    """P4 -> P1 takes the one-way side (120 s); P1 -> P4 goes round (3 × 120 = 360 s)."""
    pts = [("P1", LAT0, LON0), ("P4", LAT0, LON0 + 0.0113)]
    m = loop_net.matrix(pts)
    assert m.ids == ["P1", "P4"] and m.nodes == [1, 4]
    assert m.durations.tolist() == [[0, 360], [120, 0]]
    # metres: 1000.76 + 1003.4 + 1000.76 ≈ 3005 one way round, ≈ 1003 direct
    assert abs(m.distances[0, 1] - 3005) <= 2 and abs(m.distances[1, 0] - 1003) <= 2
    assert m.durations.dtype == np.int64 and m.distances.dtype == np.int64


def test_snap_within_and_beyond_limit(loop_net):
    """A point 0.003° (333.6 m) north of P1 snaps to it; 0.0054° (600 m) south is refused."""
    (s,) = loop_net.snap([("near", LAT0 - 0.003, LON0)])
    assert s.node == 1 and s.offset_m == pytest.approx(333.6, abs=0.5)
    with pytest.raises(SnapError, match=r"point 'far' .* is 600 m from the nearest road \(limit 500 m\)") as info:
        loop_net.snap([("far", LAT0 - 0.0054, LON0)])
    assert info.value.point_id == "far"


def test_snap_limit_is_read_at_call_time(loop_net, monkeypatch):
    """Lowering routing.settings.snap_limit_m takes effect without a new RoadNetwork."""
    from routing import settings

    monkeypatch.setattr(settings, "snap_limit_m", 300)
    with pytest.raises(SnapError, match=r"limit 300 m"):
        loop_net.snap([("near", LAT0 - 0.003, LON0)])


def _haversine_m(lat, lon, lats, lons):
    """Great-circle metres from one point to each of many (degrees), by the haversine formula."""
    p1, p2 = np.radians(lat), np.radians(lats)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def test_nearest_node_equals_brute_force(sample_graph):
    """The k-d tree finds the node a haversine search over every node finds, at the same distance.

    Points in and around the sample district (its box widened by ~2 km), some
    on nodes, some farther than the snap limit; snap and off_road report the
    same node and distance.
    """
    net = RoadNetwork(sample_graph, snap_limit_m=1e7)
    lats, lons = net._lat, net._lon
    rng = np.random.default_rng(7)
    n = 300
    q_lat = rng.uniform(lats.min() - 0.02, lats.max() + 0.02, n)
    q_lon = rng.uniform(lons.min() - 0.02, lons.max() + 0.02, n)
    on_node = rng.choice(len(lats), 20, replace=False)
    q_lat[:20], q_lon[:20] = lats[on_node], lons[on_node]
    dist_m, idx = net._nearest(q_lat, q_lon)
    snapped = net.snap([(f"q{i}", la, lo) for i, (la, lo) in enumerate(zip(q_lat, q_lon))])
    far = RoadNetwork(sample_graph, snap_limit_m=500).off_road(
        [(f"q{i}", la, lo) for i, (la, lo) in enumerate(zip(q_lat, q_lon))])
    assert 0 < len(far) < n  # some beyond the snap limit, most not
    for i in range(n):
        brute = _haversine_m(q_lat[i], q_lon[i], lats, lons)
        best = int(np.argmin(brute))
        if idx[i] != best:  # a tie: either node is right
            assert abs(brute[idx[i]] - brute[best]) < 1e-6, i
        assert abs(dist_m[i] - brute[best]) < 0.01, i
        assert snapped[i].node == int(net.node_ids[idx[i]])
        assert snapped[i].offset_m == round(float(dist_m[i]), 1)
        if dist_m[i] > 500:
            assert far[f"q{i}"] == round(float(dist_m[i]), 1)
        else:
            assert f"q{i}" not in far
    assert (dist_m[:20] < 1e-6).all()


def test_snapping_does_not_import_sklearn(sample_instance, tmp_path):
    """Opening a built instance's network and snapping a point in a fresh process imports no scikit-learn."""
    shutil.copytree(sample_instance / "graph", tmp_path / "graph")
    G = RoadNetwork.from_instance(tmp_path, cache_dir=None).G
    v = sorted(G.nodes)[100]
    lat, lon = G.nodes[v]["y"] + 2e-4, G.nodes[v]["x"] - 1e-4
    code = ("import sys; from routing.network import RoadNetwork; "
            f"net = RoadNetwork.from_instance({str(tmp_path)!r}); "
            f"(s,) = net.snap([('p', {lat!r}, {lon!r})]); "
            "print(s.node, s.offset_m, 'sklearn' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True,
                         text=True, check=True, timeout=120)
    (s,) = RoadNetwork(G).snap([("p", lat, lon)])
    assert out.stdout.split() == [str(s.node), str(s.offset_m), "False"], out.stderr


@pytest.mark.parametrize("bad", [("x", "north", 140.0), ("x", 95.0, 140.0), ("x", 37.0, float("nan")), ("x", 1)])
def test_bad_points(loop_net, bad):
    """Non-numeric, out-of-range or malformed points raise InputError naming the point."""
    with pytest.raises(InputError, match=r"point"):
        loop_net.matrix([bad])


def test_empty_points(loop_net):
    """An empty list of points is an InputError, not an empty matrix."""
    with pytest.raises(InputError, match=r"no points given"):
        loop_net.matrix([])


def test_matrix_equals_networkx(sample_graph, sample_network):
    """Durations equal networkx Dijkstra on travel_time; distances follow a fastest path."""
    pts = _random_points(sample_graph, 25, seed=7)
    m = sample_network.matrix(pts)
    k = sample_network._k

    def combined(u, v, d):  # the documented tie-break: fastest, then shortest
        return min(int(e["travel_time"]) * k + round(e["length"]) for e in d.values())

    for i, src in enumerate(m.nodes):
        times = nx.single_source_dijkstra_path_length(sample_graph, src, weight="travel_time")
        both = nx.single_source_dijkstra_path_length(sample_graph, src, weight=combined)
        for j, dst in enumerate(m.nodes):
            assert m.durations[i, j] == times[dst]
            assert m.durations[i, j] == both[dst] // k
            assert m.distances[i, j] == both[dst] % k
    assert (np.diag(m.durations) == 0).all()


def test_shared_node_points(loop_net):
    """Two points snapped to the same node have 0 between them and equal rows."""
    m = loop_net.matrix([("a", LAT0, LON0), ("b", LAT0 + 1e-4, LON0), ("c", LAT0 + 0.009, LON0)])
    assert m.nodes[0] == m.nodes[1]
    assert m.durations[0, 1] == 0 and m.durations[0].tolist() == m.durations[1].tolist()
    assert m.durations[0, 2] == 120


def test_extend_equals_full_rebuild(sample_graph, sample_network):
    """Adding a point with extend gives the same matrix as computing all points anew."""
    pts = _random_points(sample_graph, 12, seed=3)
    small = sample_network.matrix(pts[:-1])
    grown = sample_network.extend(small, pts[-1])
    full = sample_network.matrix(pts)
    assert grown.ids == full.ids and grown.nodes == full.nodes
    assert np.array_equal(grown.durations, full.durations)
    assert np.array_equal(grown.distances, full.distances)


def test_cache_hit_after_restart(sample_graph, tmp_path, monkeypatch):
    """A new RoadNetwork on the same cache folder reads the matrix instead of searching."""
    pts = _random_points(sample_graph, 10, seed=11)
    first = RoadNetwork(sample_graph, cache_dir=tmp_path)
    expected = first.matrix(pts)
    assert first.cache_stats == {"hits": 0, "misses": 1, "corrupt": 0}
    assert len(list(tmp_path.glob("matrix-*.npz"))) == 1

    def no_search(*args, **kwargs):
        raise AssertionError("dijkstra must not run on a cache hit")

    monkeypatch.setattr(scipy.sparse.csgraph, "dijkstra", no_search)
    restarted = RoadNetwork(sample_graph, cache_dir=tmp_path)
    again = restarted.matrix(pts)
    assert restarted.cache_stats["hits"] == 1
    assert np.array_equal(again.durations, expected.durations)
    assert np.array_equal(again.distances, expected.distances)
    assert not list(tmp_path.glob(".matrix-*"))  # no temp files left


def test_corrupt_cache_is_rebuilt(sample_graph, tmp_path):
    """A damaged cache file is ignored, recomputed and replaced by a good one."""
    pts = _random_points(sample_graph, 6, seed=5)
    expected = RoadNetwork(sample_graph, cache_dir=tmp_path).matrix(pts)
    (path,) = tmp_path.glob("matrix-*.npz")
    path.write_bytes(path.read_bytes()[:50])
    net = RoadNetwork(sample_graph, cache_dir=tmp_path)
    got = net.matrix(pts)
    assert net.cache_stats["corrupt"] == 1
    assert np.array_equal(got.durations, expected.durations)
    third = RoadNetwork(sample_graph, cache_dir=tmp_path)
    third.matrix(pts)
    assert third.cache_stats["hits"] == 1


def test_to_json():
    """Matrix.to_json gives plain lists under ids, durations, distances."""
    m = Matrix(["a", "b"], [1, 2], np.array([[0, 5], [7, 0]], dtype=np.int64),
               np.array([[0, 50], [70, 0]], dtype=np.int64))
    assert m.to_json() == {"ids": ["a", "b"], "durations": [[0, 5], [7, 0]], "distances": [[0, 50], [70, 0]]}


def test_route_geojson_loop(loop_net):
    """P1 -> P4 runs P1, P2, P3, P4 (lon, lat) with the matrix's 360 s."""
    fc = loop_net.route_geojson([("P1", LAT0, LON0), ("P4", LAT0, LON0 + 0.0113)])
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 1
    (feature,) = fc["features"]
    assert feature["geometry"]["type"] == "LineString"
    coords = feature["geometry"]["coordinates"]
    expected = [(LON0, LAT0), (LON0, LAT0 + 0.009), (LON0 + 0.0113, LAT0 + 0.009), (LON0 + 0.0113, LAT0)]
    assert [tuple(round(c, 7) for c in xy) for xy in coords] == expected
    assert feature["properties"] == {"from": "P1", "to": "P4", "duration_s": 360,
                                     "distance_m": int(loop_net.matrix([("a", LAT0, LON0),
                                                                        ("b", LAT0, LON0 + 0.0113)]).distances[0, 1])}


def test_route_geojson_sample(sample_graph, sample_network):
    """On the sample, each leg follows edge geometry, starts/ends at the snapped nodes."""
    pts = _random_points(sample_graph, 4, seed=13)
    fc = sample_network.route_geojson(pts)
    m = sample_network.matrix(pts)
    assert len(fc["features"]) == 3
    for i, feature in enumerate(fc["features"]):
        coords = feature["geometry"]["coordinates"]
        a, b = m.nodes[i], m.nodes[i + 1]
        assert coords[0] == pytest.approx([sample_graph.nodes[a]["x"], sample_graph.nodes[a]["y"]])
        assert coords[-1] == pytest.approx([sample_graph.nodes[b]["x"], sample_graph.nodes[b]["y"]])
        assert feature["properties"]["duration_s"] == m.durations[i, i + 1]
        assert all(140.5 < lon < 141.0 and 37.0 < lat < 37.3 for lon, lat in coords)


def test_from_instance_without_graph(tmp_path):
    """Opening an instance with no graph names the folder and the command to run."""
    with pytest.raises(InputError, match=r"no road graph in .*graph: run `odekake graph build` first"):
        RoadNetwork.from_instance(tmp_path)


def test_instance_network_json_sets_the_snap_limit(tmp_path):
    """``network.json`` sets the snap limit per instance; a bad value or key is named."""
    from routing.network import instance_snap_limit_m

    assert instance_snap_limit_m(tmp_path) is None
    (tmp_path / "network.json").write_text('{"snap_limit_m": 300}', encoding="utf-8")
    assert instance_snap_limit_m(tmp_path) == 300.0
    for text, needle in [('{"snap_limit_m": -5}', "snap_limit_m must be a positive"),
                         ('{"snap_limit_m": "far"}', "snap_limit_m must be a positive"),
                         ('{"snap": 300}', "unknown key 'snap'"), ("[300]", "expected a JSON object"),
                         ("{", "not a readable JSON file")]:
        (tmp_path / "network.json").write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=needle):
            instance_snap_limit_m(tmp_path)


def test_network_of_an_instance_uses_its_snap_limit(sample_instance, tmp_path):
    """A network opened from an instance folder snaps with the limit of its ``network.json``."""
    import shutil

    shutil.copytree(sample_instance / "graph", tmp_path / "graph")
    assert RoadNetwork.from_instance(tmp_path, cache_dir=None).snap_limit_m == 500
    (tmp_path / "network.json").write_text('{"snap_limit_m": 120}', encoding="utf-8")
    assert RoadNetwork.from_instance(tmp_path, cache_dir=None).snap_limit_m == 120

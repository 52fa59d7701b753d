"""Tests of the instance graph cache (graph.pickle): the same graph as the GraphML, without OSMnx."""

from __future__ import annotations

import logging
import os
import pickle
import random
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
import shapely

from routing import graph as graph_mod
from routing.graph import (
    CACHE_FILE,
    GRAPH_FILE,
    GraphError,
    build_graph,
    file_sha256,
    load_instance_graph,
)
from routing.instance import graph_dir
from tests.routing.osmxml import line_network, write

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def instance(sample_instance, tmp_path):
    """A copy of the sample instance's graph folder (the session's own is never written)."""
    inst = tmp_path / "inst"
    shutil.copytree(graph_dir(sample_instance), graph_dir(inst))
    assert (graph_dir(inst) / CACHE_FILE).is_file()  # the build wrote it
    return inst


def _graphml_only(monkeypatch):
    """Make reading the GraphML fail, so a load that succeeds came from the cache."""
    def refuse(path):
        raise AssertionError(f"{path} read although the cache is valid")

    monkeypatch.setattr(graph_mod, "_read_instance_graphml", refuse)


def _header(inst: Path) -> dict:
    with open(graph_dir(inst) / CACHE_FILE, "rb") as fh:
        return graph_mod._GraphUnpickler(fh).load()


def _write_cache(inst: Path, header: dict, G) -> None:
    (graph_dir(inst) / CACHE_FILE).write_bytes(pickle.dumps(header) + pickle.dumps(G))


def _same(a, b, where: str) -> None:
    """Assert `a` and `b` are equal values of the same types, all the way down."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, shapely.Geometry):
        assert a.wkb == b.wkb, where
    else:
        assert a == b, where


def _assert_same_graph(A: nx.MultiDiGraph, B: nx.MultiDiGraph) -> None:
    assert type(A) is type(B) is nx.MultiDiGraph
    _same(A.graph, B.graph, "graph")
    _same(list(A.nodes(data=True)), list(B.nodes(data=True)), "nodes")
    _same(list(A.edges(keys=True, data=True)), list(B.edges(keys=True, data=True)), "edges")


def test_cache_equals_graphml(instance, monkeypatch):
    """The cached graph is the GraphML's: nodes, keyed edges, attributes and their types, graph attrs."""
    with monkeypatch.context() as m:
        _graphml_only(m)
        cached = load_instance_graph(instance)
    (graph_dir(instance) / CACHE_FILE).unlink()
    from_graphml = load_instance_graph(instance)
    _assert_same_graph(cached, from_graphml)
    assert cached.graph["crs"] == "epsg:4326" and cached.graph["simplified"] is True
    assert any(isinstance(d.get("geometry"), shapely.LineString) for _, _, d in cached.edges(data=True))
    assert any(isinstance(d["osmid"], list) for _, _, d in cached.edges(data=True))
    # against OSMnx's own load, before info.json's dropped_nodes/source/fingerprint are set
    import osmnx as ox

    raw = ox.load_graphml(graph_dir(instance) / GRAPH_FILE, edge_dtypes={"travel_time": graph_mod._int_from_text})
    for key in ("dropped_nodes", "source", "fingerprint"):
        raw.graph[key] = cached.graph[key]
    _assert_same_graph(cached, raw)


def test_valid_cache_loads_without_osmnx(instance):
    """With a valid cache, loading the instance graph in a fresh process imports no OSMnx."""
    code = ("import sys; from routing.graph import load_instance_graph; "
            f"G = load_instance_graph({str(instance)!r}); "
            "print(G.number_of_nodes(), G.number_of_edges(), 'osmnx' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=instance, capture_output=True,
                         text=True, check=True, timeout=120)
    assert out.stdout.split() == ["644", "1344", "False"], out.stderr


def test_first_load_without_cache_writes_it(instance, monkeypatch):
    """A graph built before the cache existed loads from the GraphML and leaves a valid cache."""
    graphml = graph_dir(instance) / GRAPH_FILE
    os.chmod(graphml, 0o640)
    (graph_dir(instance) / CACHE_FILE).unlink()
    G = load_instance_graph(instance)
    cache = graph_dir(instance) / CACHE_FILE
    assert _header(instance)["graphml_sha256"] == file_sha256(graphml)
    assert cache.stat().st_mode & 0o777 == 0o640  # as readable as the GraphML, no more
    _graphml_only(monkeypatch)
    _assert_same_graph(load_instance_graph(instance), G)
    assert [p.name for p in graph_dir(instance).iterdir() if p.name.startswith(".")] == []


def test_stale_cache_not_used(instance):
    """A GraphML changed after the cache was written is loaded itself, and the cache rewritten."""
    import osmnx as ox

    graphml = graph_dir(instance) / GRAPH_FILE
    G = ox.load_graphml(graphml)
    u, v, k = next(iter(G.edges(keys=True)))
    G.edges[u, v, k]["travel_time"] = 4321
    ox.save_graphml(G, graphml)
    assert load_instance_graph(instance).edges[u, v, k]["travel_time"] == 4321
    assert _header(instance)["graphml_sha256"] == file_sha256(graphml)


@pytest.mark.parametrize("field", ["graphml_sha256", "format", "osmnx", "networkx"])
def test_cache_of_other_graphml_or_versions_not_used(instance, field):
    """Only a cache whose header matches the GraphML's hash, the format and the versions is used."""
    marker = nx.MultiDiGraph(marker=True)
    _write_cache(instance, _header(instance), marker)
    assert load_instance_graph(instance).graph.get("marker") is True  # the mechanism reads the cache
    header = _header(instance)
    header[field] = 0 if field == "format" else "other"
    _write_cache(instance, header, marker)
    G = load_instance_graph(instance)
    assert "marker" not in G.graph and G.number_of_nodes() == 644
    assert _header(instance)[field] != header[field]  # rewritten


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated", "no graph", "not a graph",
                                    "foreign class", "foreign header"])
def test_damaged_cache_falls_back_and_is_rewritten(instance, monkeypatch, caplog, damage):
    """A damaged cache is logged and passed over for the GraphML, then replaced by a good one."""
    cache = graph_dir(instance) / CACHE_FILE
    good = cache.read_bytes()
    header = _header(instance)
    bad = {
        "garbage": random.Random(0).randbytes(5000),
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "no graph": pickle.dumps(header),
        "not a graph": pickle.dumps(header) + pickle.dumps({"nodes": []}),
        "foreign class": pickle.dumps(header) + pickle.dumps(Path("/")),  # no code but the graph's runs
        "foreign header": pickle.dumps(os.getcwd) + good,
    }[damage]
    cache.write_bytes(bad)
    with caplog.at_level(logging.INFO, logger="routing.graph"):
        G = load_instance_graph(instance)
    assert G.number_of_nodes() == 644 and G.number_of_edges() == 1344
    assert "graph cache damaged" in caplog.text
    assert cache.read_bytes() != bad
    _graphml_only(monkeypatch)
    _assert_same_graph(load_instance_graph(instance), G)


def test_cache_write_failure_does_not_fail_the_load(instance, monkeypatch, caplog):
    """A folder the cache cannot be written to (read-only) costs speed, not the load."""
    (graph_dir(instance) / CACHE_FILE).unlink()

    def read_only(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(graph_mod, "write_atomic", read_only)
    with caplog.at_level(logging.DEBUG, logger="routing.graph"):
        G = load_instance_graph(instance)
    assert G.number_of_nodes() == 644
    assert "graph cache not written (PermissionError" in caplog.text
    assert not (graph_dir(instance) / CACHE_FILE).exists()


def test_missing_or_unreadable_graphml_same_errors(instance):
    """Without the GraphML the cache is not enough; a broken GraphML is still named as before."""
    folder = graph_dir(instance)
    graphml = folder / GRAPH_FILE
    text = graphml.read_bytes()
    graphml.write_text("this is not GraphML", encoding="utf-8")
    with pytest.raises(GraphError, match=rf"{GRAPH_FILE}: unreadable road graph .*run `odekake graph build` again"):
        load_instance_graph(instance)
    graphml.unlink()
    with pytest.raises(GraphError, match=r"no road graph in .*graph: run `odekake graph build` first"):
        load_instance_graph(instance)
    graphml.write_bytes(text)
    assert load_instance_graph(instance).number_of_nodes() == 644


def test_build_writes_the_cache(tmp_path, monkeypatch):
    """build_graph leaves the cache of the GraphML it wrote beside it, and no temporary file."""
    build_graph(write(tmp_path / "line.osm", line_network()), tmp_path / "inst")
    folder = graph_dir(tmp_path / "inst")
    assert sorted(p.name for p in folder.iterdir()) == [GRAPH_FILE, CACHE_FILE, "info.json"]
    assert _header(tmp_path / "inst")["graphml_sha256"] == file_sha256(folder / GRAPH_FILE)
    _graphml_only(monkeypatch)
    assert load_instance_graph(tmp_path / "inst").number_of_nodes() == 3

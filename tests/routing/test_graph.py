"""Tests of routing.graph and routing.settings: loading, speeds, pruning, storage."""

from __future__ import annotations

import bz2
import json
import re

import pytest

from routing import graph as graph_mod
from routing import settings
from routing.errors import InputError, OfflineError
from routing.graph import (
    GraphError,
    build_graph,
    graph_fingerprint,
    graph_info,
    load_graph,
    load_instance_graph,
)
from routing.speeds import speed_model
from tests.routing.osmxml import line_network, osm_xml, write


def _edge(G, u, v, attr="travel_time"):
    (data,) = G[u][v].values()
    return data[attr]


def test_load_xml_travel_times_and_pruning(tmp_path):
    """Load a hand-made .osm file: times per class and maxspeed, one-way dead end dropped."""
    G = load_graph(write(tmp_path / "line.osm", line_network()))
    # 1000.76 m at 30 km/h = 120.09 s -> 120; maxspeed 60 x 0.8 = 48 km/h: 75.06 s -> 75
    # (no node is an intersection or tagged, so no delays)
    assert _edge(G, 1, 2) == 120 and _edge(G, 2, 1) == 120
    assert _edge(G, 2, 3) == 75 and _edge(G, 3, 2) == 75
    assert _edge(G, 1, 2, "length") == pytest.approx(1000.76, abs=0.05)
    assert all(isinstance(d["travel_time"], int) for _, _, d in G.edges(data=True))
    # D (4) can be entered but not left: outside the largest strongly connected part
    assert 4 not in G and G.graph["dropped_nodes"] == 1
    # E (5) is only on a footway: not a road node, so not counted as dropped
    assert 5 not in G
    assert sorted(G.nodes) == [1, 2, 3]


def test_load_bz2_equals_plain_xml(tmp_path):
    """A .osm.bz2 file gives the same graph as the plain XML."""
    plain = load_graph(write(tmp_path / "line.osm", line_network()))
    packed = load_graph(write(tmp_path / "line.osm.bz2", line_network()))
    assert graph_fingerprint(plain) == graph_fingerprint(packed)


def test_speeds_are_set_before_simplifying(tmp_path, monkeypatch):
    """Merging A-B (residential) and B-C (maxspeed 60 -> 48 km/h) sums their own times: 120 + 75 = 195 s."""
    monkeypatch.setattr(settings, "keep_node_spacing_m", None)
    G = load_graph(write(tmp_path / "line.osm", line_network()))
    assert sorted(G.nodes) == [1, 3]  # B was only a bend between two roads
    # one speed for the whole 2001.5 m would give 240 s (30 km/h) or 150 s (48 km/h)
    assert _edge(G, 1, 3) == 195
    assert _edge(G, 1, 3, "length") == pytest.approx(2001.5, abs=0.1)


def test_speed_profile_override(tmp_path):
    """A custom profile (residential 60 km/h) halves A-B: 1000.76 m / 16.67 m/s = 60 s."""
    G = load_graph(write(tmp_path / "line.osm", line_network()), speeds_kmh={**settings.speeds_kmh,
                                                                            "residential": 60})
    assert _edge(G, 1, 2) == 60
    assert _edge(G, 2, 3) == 75  # the tagged maxspeed (x 0.8) still wins


def test_instance_speeds_json(tmp_path):
    """build_graph honours <instance>/speeds.json and records the profile in info.json."""
    src = write(tmp_path / "line.osm", line_network())
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "speeds.json").write_text('{"residential": 15}', encoding="utf-8")
    info = build_graph(src, instance)
    G = load_instance_graph(instance)
    assert _edge(G, 1, 2) == 240  # 1000.76 m at 15 km/h = 240.2 s
    assert info["speeds_kmh"]["residential"] == 15


def test_instance_speeds_json_invalid(tmp_path):
    """A speeds.json with a non-positive speed is an InputError naming the file and class."""
    (tmp_path / "speeds.json").write_text('{"residential": -5}', encoding="utf-8")
    with pytest.raises(InputError, match=r"speeds\.json: speed of 'residential'"):
        speed_model(tmp_path)


def test_load_pbf(tmp_path):
    """An .osm.pbf file (written here with osmium) gives the same graph as its XML."""
    import osmium

    xml_path = write(tmp_path / "line.osm", line_network())
    pbf = tmp_path / "line.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml_path)):
            writer.add(obj)
    assert graph_fingerprint(load_graph(pbf)) == graph_fingerprint(load_graph(xml_path))


def test_load_graphml_bz2(tmp_path):
    """A GraphML file (plain and .bz2) is re-timed from its tags with the same result."""
    import osmnx as ox

    G = load_graph(write(tmp_path / "line.osm", line_network()))
    ox.save_graphml(G, tmp_path / "g.graphml")
    text = (tmp_path / "g.graphml").read_bytes()
    (tmp_path / "g.graphml.bz2").write_bytes(bz2.compress(text))
    for name in ("g.graphml", "g.graphml.bz2"):
        H = load_graph(tmp_path / name)
        assert _edge(H, 1, 2) == 120 and _edge(H, 2, 3) == 75, name


def test_build_and_load_instance(tmp_path):
    """build_graph writes graph + info.json; the reloaded graph has the same fingerprint."""
    src = write(tmp_path / "line.osm", line_network())
    info = build_graph(src, tmp_path / "inst")
    G = load_instance_graph(tmp_path / "inst")
    assert graph_fingerprint(G) == info["fingerprint"]
    stored = json.loads((tmp_path / "inst" / "graph" / "info.json").read_text(encoding="utf-8"))
    assert stored["nodes"] == 3 and stored["dropped_nodes"] == 1
    assert stored["edges"] == 4  # A<->B, B<->C
    assert [p.name for p in (tmp_path / "inst").iterdir()] == ["graph"]  # no temp folders left


def test_graph_info_area(tmp_path):
    """graph_info: area of the convex hull; a line of nodes has none."""
    G = load_graph(write(tmp_path / "line.osm", line_network()))
    info = graph_info(G)
    assert info["area_km2"] == 0.0
    assert info["bbox"]["south"] == pytest.approx(37.0)
    assert re.fullmatch(r"[0-9a-f]{64}", info["fingerprint"])


def test_sample_area(sample_graph):
    """The sample district spans roughly 25 × 20 km: its hull is 250-600 km²."""
    assert 250 < graph_info(sample_graph)["area_km2"] < 600


@pytest.mark.parametrize(("name", "content", "pattern"), [
    ("missing.osm", None, r"missing\.osm: no such file"),
    ("cut.osm.bz2", "truncated", r"cut\.osm\.bz2: not a readable OSM XML file"),
    ("junk.osm", "this is not XML", r"junk\.osm: not a readable OSM XML file"),
    ("paths.osm", "footways", r"paths\.osm: no drivable roads"),
    ("map.txt", "whatever", r"map\.txt: unknown road-graph format"),
])
def test_bad_sources(tmp_path, name, content, pattern):
    """Missing, truncated, non-XML, road-less and unknown files raise GraphError naming the file."""
    path = tmp_path / name
    if content == "truncated":
        path.write_bytes(bz2.compress(line_network().encode())[:200])
    elif content == "footways":
        path.write_text(osm_xml({1: (37.0, 140.0), 2: (37.001, 140.0)},
                                [([1, 2], {"highway": "footway"})]), encoding="utf-8")
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(GraphError, match=pattern):
        load_graph(path)


def test_download_by_place_name_offline(tmp_path, offline):
    """Without a network download_graph fails at once with OfflineError, asking only Nominatim."""
    import osmnx as ox

    with pytest.raises(OfflineError, match=r"cannot download 'Kawamae, Iwaki': no network"):
        graph_mod.download_graph("Kawamae, Iwaki", cache_dir=tmp_path)
    assert offline and all("nominatim.openstreetmap.org" in u for u in offline)
    assert ox.settings.requests_timeout == settings.requests_timeout
    assert ox.settings.overpass_rate_limit is False and ox.settings.doh_url_template is None


def test_download_by_polygon_offline(tmp_path, offline):
    """A polygon query goes to Overpass only, and fails with OfflineError when unreachable."""
    from shapely.geometry import box

    with pytest.raises(OfflineError, match=r"cannot download 'polygon': no network"):
        graph_mod.download_graph(box(140.70, 37.10, 140.71, 37.11), cache_dir=tmp_path)
    assert offline and all("overpass-api.de" in u for u in offline)


def test_every_setting_documented():
    """Each name in routing.settings.SETTINGS exists and is described in the module docstring."""
    for name in settings.SETTINGS:
        assert hasattr(settings, name), name
        assert re.search(rf"^{name} : ", settings.__doc__, re.MULTILINE), name

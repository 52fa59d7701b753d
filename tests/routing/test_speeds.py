"""Tests of routing.speeds: maxspeed, node delays, intersections, dense areas, speeds.json."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from routing import settings
from routing.errors import InputError
from routing.graph import build_graph, load_graph, read_instance_info
from routing.network import RoadNetwork
from routing.speeds import default_speed_model, parse_maxspeed_kmh, speed_model
from tests.routing.osmxml import LAT0, LON0, STEP_DEG, osm_xml, write

# 0.009° of latitude = 1000.76 m (see tests/routing/osmxml.py); at 30 km/h that is 120.09 s.
HOP_M = 1000.76


@pytest.fixture
def whole_edges(monkeypatch):
    """Simplify fully, so a line between two end nodes becomes one edge (one rounding)."""
    monkeypatch.setattr(settings, "keep_node_spacing_m", None)


def _line(n_hops: int, tags: dict, node_tags: dict[int, dict[str, str]] | None = None) -> str:
    """A straight north-south way of `n_hops` hops of 1000.76 m, nodes 1..n_hops+1."""
    nodes = {i + 1: (LAT0 + i * STEP_DEG, LON0) for i in range(n_hops + 1)}
    return osm_xml(nodes, [(list(nodes), tags)], node_tags=node_tags)


def _leg_s(path, a: int, b: int, **kwargs) -> int:
    """Driving seconds from node a to node b on the graph of `path`."""
    G = load_graph(path, **kwargs)
    net = RoadNetwork(G)
    pts = [(str(n), G.nodes[n]["y"], G.nodes[n]["x"]) for n in (a, b)]
    return int(net.matrix(pts).durations[0, 1])


@pytest.mark.parametrize(("value", "expected"), [
    ("40", 40), ("40 km/h", 40), ("30 mph", 30 * 1.609344), ("JP:urban", 40), ("JP:nsl", 60),
    ("40;60", 40), (["50", "30"], 30), (50, 50), ("signals", None), (None, None), ("0", None),
])
def test_parse_maxspeed(value, expected):
    """maxspeed tags: numbers, units, Japanese zone values and lists (lowest wins)."""
    result = parse_maxspeed_kmh(value)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_leg_through_signals_is_slower_by_the_signal_delays(tmp_path, whole_edges):
    """A 5-km residential leg through 3 signals takes 3 x traffic_signal_s more than without them."""
    plain = write(tmp_path / "plain.osm", _line(5, {"highway": "residential"}))
    signals = {n: {"highway": "traffic_signals"} for n in (2, 3, 4)}
    signalled = write(tmp_path / "signals.osm", _line(5, {"highway": "residential"}, signals))
    # 5 x 1000.76 m at 30 km/h = 600.46 s -> 600; plus 3 x 20 s = 660.46 s -> 660
    assert _leg_s(plain, 1, 6) == 600
    assert _leg_s(signalled, 1, 6) - _leg_s(plain, 1, 6) == 3 * settings.traffic_signal_s == 60
    # the delay belongs to entering the node: the way back passes the same 3 signals
    assert _leg_s(signalled, 6, 1) == 660


@pytest.mark.parametrize(("tags", "knob"), [
    ({"highway": "traffic_signals"}, "traffic_signal_s"),
    ({"highway": "crossing", "crossing": "traffic_signals"}, "traffic_signal_s"),
    ({"highway": "stop"}, "stop_s"),
    ({"railway": "level_crossing"}, "stop_s"),
    ({"highway": "crossing"}, "crossing_s"),
    ({"highway": "bus_stop"}, None),
])
def test_tagged_node_delays(tmp_path, whole_edges, tags, knob):
    """Each tagged node on a 2-km line adds its knob's seconds (a bus stop adds nothing)."""
    path = write(tmp_path / "line.osm", _line(2, {"highway": "residential"}, {2: tags}))
    expected = round(2 * HOP_M / (30 / 3.6) + (getattr(settings, knob) if knob else 0))
    assert _leg_s(path, 1, 3) == expected


def test_motorway_leg_stays_near_its_reduced_limit(tmp_path, whole_edges):
    """10 km of motorway (maxspeed 100) past an interchange averages 0.8 x 100 = 80 km/h, no delays."""
    nodes = {i + 1: (LAT0 + i * STEP_DEG, LON0) for i in range(11)}
    nodes[20] = (LAT0 + 5 * STEP_DEG, LON0 + 0.01)  # an exit ramp at node 6 to a local road
    nodes[21] = (LAT0 + 6 * STEP_DEG, LON0 + 0.01)
    ways = [
        (list(range(1, 12)), {"highway": "motorway", "maxspeed": "100", "oneway": "no"}),
        ([6, 20], {"highway": "motorway_link", "oneway": "no"}),
        ([20, 21, 7], {"highway": "residential"}),
    ]
    path = write(tmp_path / "motorway.osm", osm_xml(nodes, ways))
    seconds = _leg_s(path, 1, 11)
    # 10 x 1000.76 m = 10,007.6 m at 80 km/h = 450.3 s; nodes 6 and 7 are junctions, but on
    # free-flow roads no junction delay applies
    assert seconds == 450
    assert 10_007.6 / seconds * 3.6 == pytest.approx(80, abs=0.5)


def test_junction_delay_spares_the_priority_road(tmp_path):
    """At a T junction a side street pays junction_s; the through road of a higher class does not."""
    nodes = {1: (LAT0, LON0), 2: (LAT0 + STEP_DEG, LON0), 3: (LAT0 + 2 * STEP_DEG, LON0),
             4: (LAT0 + STEP_DEG, LON0 + 0.0113)}
    ways = [([1, 2, 3], {"highway": "secondary"}), ([2, 4], {"highway": "residential"})]
    G = load_graph(write(tmp_path / "t.osm", osm_xml(nodes, ways)))
    (through,) = G[1][2].values()
    (side,) = G[4][2].values()
    # secondary 1000.76 m at 40 km/h = 90.07 s -> 90, no delay along the priority road;
    # residential ~1003.4 m at 30 km/h = 120.4 s, + 7.5 s entering the junction = 127.9 -> 128
    assert through["travel_time"] == 90
    assert side["travel_time"] == round(side["length"] / (30 / 3.6) + settings.junction_s) == 128
    (leaving,) = G[2][4].values()  # node 4 is a dead end, no delay
    assert leaving["travel_time"] == 120


def test_dense_area_slows_a_grid(tmp_path):
    """On a grid of 100-m blocks (≈100 intersections/km²) every street runs at dense_factor x speed."""
    step = 0.0009  # ≈ 100 m of latitude
    nodes = {r * 10 + c + 1: (LAT0 + r * step, LON0 + c * step * 1.25) for r in range(10) for c in range(10)}
    ways = [([r * 10 + c + 1 for c in range(10)], {"highway": "residential"}) for r in range(10)]
    ways += [([r * 10 + c + 1 for r in range(10)], {"highway": "residential"}) for c in range(10)]
    path = write(tmp_path / "grid.osm", osm_xml(nodes, ways))
    model = replace(default_speed_model(), junction_s=0.0, dense_junctions_per_km2=50)
    sparse = load_graph(path, model=replace(model, dense_factor=1.0))
    dense = load_graph(path, model=model)
    (a,) = sparse[45][46].values()
    (b,) = dense[45][46].values()
    # a 100-m block at 30 km/h = 12 s; at 0.8 x 30 = 24 km/h = 15 s
    assert (a["travel_time"], b["travel_time"]) == (12, 15)


def test_speeds_json_structured_form(tmp_path):
    """A speeds.json with classes and knobs changes both, and info.json records the model."""
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "speeds.json").write_text(json.dumps(
        {"highway": {"residential": 20}, "traffic_signal_s": 30, "maxspeed_factor": 0.9}), encoding="utf-8")
    model = speed_model(instance)
    assert model.highway_kmh["residential"] == 20 and model.highway_kmh["primary"] == settings.speeds_kmh["primary"]
    assert (model.traffic_signal_s, model.maxspeed_factor, model.junction_s) == (30, 0.9, settings.junction_s)
    src = write(tmp_path / "line.osm", _line(2, {"highway": "residential"}, {2: {"highway": "traffic_signals"}}))
    build_graph(src, instance)
    info = read_instance_info(instance)
    assert info["speed_model"]["traffic_signal_s"] == 30 and info["speeds_kmh"]["residential"] == 20


def test_speeds_json_old_flat_form_still_works(tmp_path):
    """The older flat {class: km/h} file sets class speeds and leaves every knob at its default."""
    (tmp_path / "speeds.json").write_text('{"residential": 15, "unclassified": 20}', encoding="utf-8")
    model = speed_model(tmp_path)
    assert model.highway_kmh["residential"] == 15 and model.highway_kmh["unclassified"] == 20
    assert replace(model, highway_kmh={}) == replace(default_speed_model(), highway_kmh={})


@pytest.mark.parametrize(("content", "match"), [
    ({"trafic_signal_s": 20}, r"unknown key 'trafic_signal_s'"),
    ({"highway": {"residental": 20}}, r"unknown highway class 'residental'"),
    ({"highway": {"residential": 0}}, r"speed of 'residential' must be a positive number"),
    ({"highway": 30}, r'"highway" must be an object'),
    ({"traffic_signal_s": -1}, r"traffic_signal_s must be zero or more"),
    ({"maxspeed_factor": 0}, r"maxspeed_factor must be positive"),
    ({"dense_factor": 1.2}, r"dense_factor must be at most 1"),
    ({"junction_s": "7"}, r"junction_s must be a number"),
    ([20, 30], r"expected a JSON object"),
])
def test_speeds_json_errors_name_the_key(tmp_path, content, match):
    """A bad speeds.json is an InputError naming the file and the bad key."""
    (tmp_path / "speeds.json").write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(InputError, match=r"speeds\.json: " + match):
        speed_model(tmp_path)


def test_speeds_json_not_json(tmp_path):
    """A speeds.json that is not JSON is an InputError naming the file."""
    (tmp_path / "speeds.json").write_text("{residential: 20", encoding="utf-8")
    with pytest.raises(InputError, match=r"speeds\.json: not a readable JSON file"):
        speed_model(tmp_path)

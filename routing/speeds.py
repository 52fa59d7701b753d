"""The travel-time model: what makes town driving slow, per road segment.

A road segment's time is its length at its speed plus the delay of the node it
enters. The model follows the shape of OSRM's car profile (``car.lua``): a
tagged ``maxspeed`` reduced by a factor, a speed per ``highway`` class where no
limit is tagged, seconds lost at traffic signals and at intersections. Two
parts are our own: intersections stand in for OSRM's turn penalties (this
graph is node-based, so the turn angle is not known), and a factor slows roads
in densely built areas, where the census measures the slowest traffic.
Every value is documented in ``docs/TRAVEL_TIMES.md`` with its calibration.

`SpeedModel` holds the knobs; `speed_model` makes one from
`routing.settings` (read at call time) and an instance's ``speeds.json``;
`apply_speed_model` sets ``travel_time`` on a raw (unsimplified) graph, so
simplification sums segment times and delays correctly.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from routing import settings
from routing.errors import InputError
from routing.files import read_settings_json

SPEEDS_FILE = "speeds.json"

#: ``highway`` values a speeds.json may name besides the classes of `settings.speeds_kmh`.
EXTRA_HIGHWAY_CLASSES = frozenset({"pedestrian", "escape", "raceway", "bus_guideway", "rest_area",
                                   "services", "construction", "emergency_bay"})

_EARTH_M_PER_DEG = 6_371_009.0 * math.pi / 180


@dataclass(frozen=True)
class SpeedModel:
    """The knobs of the travel-time model (see ``docs/TRAVEL_TIMES.md``).

    Their defaults are the settings of the same names in `routing.settings`
    (`default_speed_model`); ``highway_kmh`` defaults to ``settings.speeds_kmh``.

    Attributes
    ----------
    highway_kmh
        Speed in km/h per ``highway`` class where no usable ``maxspeed`` is tagged.
    maxspeed_factor
        Share of a tagged ``maxspeed`` a van averages between intersections (OSRM: 0.8).
    traffic_signal_s
        Seconds added when entering a ``highway=traffic_signals`` node (or a
        crossing tagged ``crossing=traffic_signals``).
    stop_s
        Seconds added when entering a ``highway=stop`` or ``highway=give_way``
        node or a railway level crossing (in Japan every vehicle stops before one).
    crossing_s
        Seconds added when entering an unsignalled ``highway=crossing`` node.
    junction_s
        Seconds added when entering any other intersection (a node with three or
        more road neighbours), except on free-flow roads (motorways).
    dense_factor
        Speed multiplier on segments in densely built areas (free-flow roads excepted).
    dense_junctions_per_km2
        Intersections per km² within `dense_radius_m` from which an area counts as dense.
    dense_radius_m
        Radius in metres of the circle in which intersections are counted.
    """

    highway_kmh: dict[str, float]
    maxspeed_factor: float
    traffic_signal_s: float
    stop_s: float
    crossing_s: float
    junction_s: float
    dense_factor: float
    dense_junctions_per_km2: float
    dense_radius_m: float

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name == "highway_kmh":
                for key, value in self.highway_kmh.items():
                    _check_number(f"highway.{key}", value, positive=True)
            else:
                _check_number(f.name, getattr(self, f.name), positive=f.name not in _MAY_BE_ZERO)
        if self.maxspeed_factor > 1.5 or self.dense_factor > 1.0:
            name = "maxspeed_factor" if self.maxspeed_factor > 1.5 else "dense_factor"
            msg = f"{name} must be at most {1.5 if name == 'maxspeed_factor' else 1.0}, got {getattr(self, name)!r}"
            raise ValueError(msg)

    def knobs(self) -> dict[str, Any]:
        """Return the model as the JSON object a ``speeds.json`` holds."""
        out: dict[str, Any] = {"highway": dict(self.highway_kmh)}
        out.update({f.name: getattr(self, f.name) for f in fields(self) if f.name != "highway_kmh"})
        return out


#: Knobs that may be 0 (no delay); every other knob must be positive.
_MAY_BE_ZERO = frozenset({"traffic_signal_s", "stop_s", "crossing_s", "junction_s"})
#: The top-level keys of a structured speeds.json besides "highway".
KNOBS = tuple(f.name for f in fields(SpeedModel) if f.name != "highway_kmh")


def _check_number(name: str, value: Any, *, positive: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        msg = f"{name} must be a number, got {value!r}"
        raise ValueError(msg)
    if value < 0 or (positive and value == 0):
        msg = f"{name} must be {'positive' if positive else 'zero or more'}, got {value!r}"
        raise ValueError(msg)


# ------------------------------------------------------------------ the model
def default_speed_model() -> SpeedModel:
    """Return the model of the current `routing.settings` values."""
    return SpeedModel(highway_kmh={k: float(v) for k, v in settings.speeds_kmh.items()},
                      **{k: float(getattr(settings, k)) for k in KNOBS})


def speed_model(instance: str | os.PathLike | None = None) -> SpeedModel:
    """Return the model for an instance: `default_speed_model` updated by its ``speeds.json``.

    ``speeds.json`` is either a flat object of class speeds (``{"residential": 20}``,
    the older form) or ``{"highway": {class: km/h}, knob: value, ...}``; a flat
    object may also hold knobs. Only the keys given change the defaults.

    Raises
    ------
    routing.errors.InputError
        If the file is not JSON, names an unknown key or class, or holds a value
        out of range; the message names the file and the key.
    """
    model = default_speed_model()
    if instance is None:
        return model
    path = Path(instance) / SPEEDS_FILE
    if not path.exists():
        return model
    data = read_settings_json(path)
    try:
        return model_from_json(data, base=model)
    except (TypeError, ValueError) as exc:
        msg = f"{path}: {exc}"
        raise InputError(msg) from None


def model_from_json(data: Any, *, base: SpeedModel) -> SpeedModel:
    """Return `base` updated by a parsed ``speeds.json`` object.

    Raises
    ------
    ValueError
        Naming the first bad key or value.
    TypeError
        If `data` is not an object.
    """
    if not isinstance(data, dict):
        msg = 'expected a JSON object such as {"highway": {"residential": 20}, "traffic_signal_s": 20}'
        raise TypeError(msg)
    classes: dict[str, Any] = {}
    knobs: dict[str, Any] = {}
    for key, value in data.items():
        if key == "highway":
            if not isinstance(value, dict):
                msg = f'"highway" must be an object {{class: km/h}}, got {value!r}'
                raise ValueError(msg)
            classes.update(value)
        elif key in KNOBS:
            knobs[key] = value
        elif key in settings.speeds_kmh or key in EXTRA_HIGHWAY_CLASSES:
            classes[key] = value
        else:
            msg = (f"unknown key {key!r}: expected \"highway\", a knob ({', '.join(KNOBS)}) "
                   "or a highway class of the profile")
            raise ValueError(msg)
    for key, value in classes.items():
        if key not in settings.speeds_kmh and key not in EXTRA_HIGHWAY_CLASSES:
            msg = f"unknown highway class {key!r}"
            raise ValueError(msg)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            msg = f"speed of {key!r} must be a positive number of km/h, got {value!r}"
            raise ValueError(msg)
    return replace(base, highway_kmh={**base.highway_kmh, **{k: float(v) for k, v in classes.items()}},
                   **{k: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                      for k, v in knobs.items()})


# ------------------------------------------------------------- edge speeds
def parse_maxspeed_kmh(value: Any) -> float | None:
    """Return the speed in km/h a ``maxspeed`` tag means, or None when unusable.

    Accepts ``"40"``, ``"40 km/h"``, ``"25 mph"``, zone values listed in
    `routing.settings.maxspeed_zones_kmh` (``"JP:urban"``), and several values
    (``"40;60"`` or a list after simplification), of which the lowest wins.

    Parameters
    ----------
    value
        The tag value (string, number or list of them).
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple, set)):
        parts = [parse_maxspeed_kmh(v) for v in value]
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if value > 0 else None
    else:
        text = str(value).strip()
        if ";" in text or "|" in text:
            parts = [parse_maxspeed_kmh(v) for v in re.split(r"[;|]", text)]
        else:
            zones = settings.maxspeed_zones_kmh
            if text in zones:
                return float(zones[text])
            match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?", text, re.IGNORECASE)
            if not match:
                return None
            speed = float(match.group(1))
            if (match.group(2) or "").lower() == "mph":
                speed *= 1.609344
            return speed if speed > 0 else None
    usable = [p for p in parts if p is not None]
    return min(usable) if usable else None


def _classes(data: dict[str, Any]) -> list[Any]:
    highway = data.get("highway")
    return highway if isinstance(highway, list) else [highway]


def edge_speed_kmh(data: dict[str, Any], model: SpeedModel) -> float:
    """Return the free speed of one edge, before the dense-area factor and node delays.

    A usable ``maxspeed`` tag times `SpeedModel.maxspeed_factor`, else the class
    speed. A simplified edge may carry a list of ``highway`` classes; then the
    mean of their speeds is used (their share of the length is no longer known).
    """
    maxspeed = parse_maxspeed_kmh(data.get("maxspeed"))
    if maxspeed is not None:
        return maxspeed * model.maxspeed_factor
    speeds = [float(model.highway_kmh.get(h, settings.default_speed_kmh)) for h in _classes(data)]
    return sum(speeds) / len(speeds)


def _is_free_flow(data: dict[str, Any]) -> bool:
    return all(h in settings.free_flow_highways for h in _classes(data))


# ------------------------------------------------------------- node delays
#: Road classes from the most to the least important; a junction's priority road
#: is the incident road of the best rank.
_RANKS = (
    ("motorway",), ("trunk", "motorway_link"), ("primary", "trunk_link"), ("secondary", "primary_link"),
    ("tertiary", "secondary_link"), ("unclassified", "residential", "tertiary_link", "road", "busway"),
    ("living_street", "service", "track"),
)
_RANK = {h: r for r, group in enumerate(_RANKS) for h in group}


def _rank(data: dict[str, Any]) -> int:
    return min(_RANK.get(h, len(_RANKS)) for h in _classes(data))


@dataclass(frozen=True)
class _NodeCost:
    """What entering one node costs: its tagged delay, and whether it is a junction."""

    tagged_s: float
    junction: bool
    priority_rank: int  # best rank among the node's roads
    has_side_road: bool  # a road of a worse rank meets it


def _node_costs(G: nx.MultiDiGraph, model: SpeedModel) -> dict[Any, _NodeCost]:
    """Return the cost of every node that has a tagged delay or is an intersection.

    Tagged delays: traffic signals (``highway=traffic_signals`` or
    ``crossing=traffic_signals``), a stop (``highway=stop|give_way``,
    ``railway=level_crossing``), an unsignalled ``highway=crossing``. An
    intersection is a node with three or more road neighbours.
    """
    costs: dict[Any, _NodeCost] = {}
    for n, d in G.nodes(data=True):
        highway, crossing = d.get("highway"), d.get("crossing")
        tagged = 0.0
        if highway == "traffic_signals" or crossing == "traffic_signals":
            tagged = model.traffic_signal_s
        elif highway in {"stop", "give_way"} or d.get("railway") == "level_crossing":
            tagged = model.stop_s
        elif highway == "crossing":
            tagged = model.crossing_s
        junction = _is_junction(G, n)
        if not (tagged or junction):
            continue
        ranks = {_rank(e) for _, _, e in G.in_edges(n, data=True)} | {_rank(e) for _, _, e in G.out_edges(n, data=True)}
        costs[n] = _NodeCost(tagged, junction, min(ranks), max(ranks) > min(ranks))
    return costs


def _entry_delay_s(cost: _NodeCost | None, data: dict[str, Any], model: SpeedModel) -> float:
    """Seconds lost entering a node along an edge: the larger of its tagged and junction delays.

    The junction delay is not paid on free-flow roads, nor along the priority
    road of a junction where side roads of a lower class meet it.
    """
    if cost is None:
        return 0.0
    junction = 0.0
    if cost.junction and not _is_free_flow(data):
        through = cost.has_side_road and _rank(data) == cost.priority_rank
        junction = 0.0 if through else model.junction_s
    return max(cost.tagged_s, junction)


def _is_junction(G: nx.MultiDiGraph, n: Any) -> bool:
    neighbours = set(G.successors(n)) | set(G.predecessors(n))
    neighbours.discard(n)
    return len(neighbours) >= 3


def dense_nodes(G: nx.MultiDiGraph, model: SpeedModel) -> set[Any]:
    """Return the nodes with at least `SpeedModel.dense_junctions_per_km2` intersections around them.

    Intersections are counted within `SpeedModel.dense_radius_m` on a local
    equirectangular projection (a KD-tree query, well under a second on a city).
    """
    from scipy.spatial import cKDTree

    if model.dense_factor >= 1.0 or G.number_of_nodes() == 0:
        return set()
    nodes = list(G.nodes)
    lat0 = math.radians(sum(float(G.nodes[n]["y"]) for n in nodes) / len(nodes))

    def xy(ns: list[Any]) -> np.ndarray:
        return np.array([[float(G.nodes[n]["x"]) * _EARTH_M_PER_DEG * math.cos(lat0),
                          float(G.nodes[n]["y"]) * _EARTH_M_PER_DEG] for n in ns]).reshape(-1, 2)

    junctions = [n for n in nodes if _is_junction(G, n)]
    if not junctions:
        return set()
    counts = cKDTree(xy(junctions)).query_ball_point(xy(nodes), model.dense_radius_m, return_length=True)
    needed = model.dense_junctions_per_km2 * math.pi * model.dense_radius_m ** 2 / 1e6
    return {n for n, c in zip(nodes, counts) if c >= needed}


def apply_speed_model(G: nx.MultiDiGraph, model: SpeedModel) -> None:
    """Set every edge's ``travel_time`` (float seconds) in place.

    ``travel_time = length / speed + delay of the node entered`` (`_entry_delay_s`), where the speed
    is `edge_speed_kmh`, times `SpeedModel.dense_factor` when both ends lie in
    a dense area (free-flow roads excepted). Call it on the raw graph, before
    simplification, so merged edges sum their parts.
    """
    costs = _node_costs(G, model)
    dense = dense_nodes(G, model)
    for u, v, d in G.edges(data=True):
        length_m = float(d.get("length") or 0.0)
        d["length"] = length_m
        free_flow = _is_free_flow(d)
        speed = edge_speed_kmh(d, model)
        if not free_flow and u in dense and v in dense:
            speed *= model.dense_factor
        d["travel_time"] = length_m / (speed / 3.6) + _entry_delay_s(costs.get(v), d, model)

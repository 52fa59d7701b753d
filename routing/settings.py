"""Settings of the road graph layer, read at call time.

Change a setting by assigning to the module attribute (``routing.settings.snap_limit_m
= 300``); every function reads the current value when it runs, as OSMnx's
``settings`` module does. An instance folder may override the speed profile
with ``<instance>/speeds.json`` (a JSON object ``{"highway class": km/h}``).

Settings
--------
speeds_kmh : dict[str, float]
    Travel speed in km/h per OSM ``highway`` class, a Japanese profile: what a
    small van really averages on that class of road (mountain roads included),
    not the legal limit. Used when a way has no usable ``maxspeed`` tag.
default_speed_kmh : float
    Speed for a drivable ``highway`` class missing from `speeds_kmh`.
maxspeed_zones_kmh : dict[str, float]
    Speed for zone-style ``maxspeed`` values that carry no number
    (``JP:urban``, ``JP:rural``, ``JP:nsl``, ``JP:motorway``, ``JP:zone30``, ``walk``).
    The Japanese legal limit without a sign is 60 km/h on ordinary roads, but
    vans average less in built-up areas, hence 40 for ``JP:urban``.
drivable_highways : frozenset[str]
    ``highway`` values kept as roads a van can drive; every other way
    (footways, paths, cycleways, steps, construction, ...) is dropped.
undrivable_access : frozenset[str]
    ``access`` values that exclude a way (e.g. ``private``, ``no``).
keep_node_spacing_m : float or None
    Grid cell size in metres for keeping nodes through simplification: in every
    square cell of this size that holds a road node, one node stays a graph
    node even if it is only a bend. Points beside long winding roads then snap
    within about ``1.5 ×`` this distance of a node. None simplifies fully.
snap_limit_m : float
    Farthest a point may lie from the nearest graph node before snapping fails
    with `routing.network.SnapError`.
matrix_chunk_sources : int
    Sources per `scipy.sparse.csgraph.dijkstra` call when building a matrix;
    each call holds a ``chunk × all nodes`` float64 array in memory.
requests_timeout : int
    Seconds OSMnx waits for a server (applied by `apply_osmnx_settings`), so an
    offline machine fails within seconds.
overpass_rate_limit : bool
    Whether OSMnx asks the Overpass status endpoint how long to pause first; off,
    because that request waits up to a minute when the network is down.
doh_url_template : str or None
    OSMnx's DNS-over-HTTPS fallback resolver; None so that OSMnx never contacts a
    public resolver, only the configured Overpass and Nominatim servers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

speeds_kmh: dict[str, float] = {
    "motorway": 80,
    "motorway_link": 50,
    "trunk": 60,
    "trunk_link": 40,
    "primary": 50,
    "primary_link": 35,
    "secondary": 40,
    "secondary_link": 30,
    "tertiary": 40,
    "tertiary_link": 30,
    "unclassified": 30,
    "residential": 30,
    "living_street": 15,
    "service": 15,
    "track": 15,
    "road": 25,
    "busway": 30,
}

default_speed_kmh: float = 25

maxspeed_zones_kmh: dict[str, float] = {
    "JP:urban": 40,
    "JP:rural": 60,
    "JP:nsl": 60,
    "JP:motorway": 100,
    "JP:zone30": 30,
    "walk": 10,
}

drivable_highways: frozenset[str] = frozenset(speeds_kmh)

undrivable_access: frozenset[str] = frozenset({"no", "private"})

keep_node_spacing_m: float | None = 250

snap_limit_m: float = 500

matrix_chunk_sources: int = 256

requests_timeout: int = 10

overpass_rate_limit: bool = False

doh_url_template: str | None = None

#: Names of the settings above; a test checks each is documented here.
SETTINGS = (
    "speeds_kmh",
    "default_speed_kmh",
    "maxspeed_zones_kmh",
    "drivable_highways",
    "undrivable_access",
    "keep_node_spacing_m",
    "snap_limit_m",
    "matrix_chunk_sources",
    "requests_timeout",
    "overpass_rate_limit",
    "doh_url_template",
)

SPEEDS_FILE = "speeds.json"


def apply_osmnx_settings() -> None:
    """Copy the offline-safety settings into ``osmnx.settings``."""
    import osmnx as ox

    ox.settings.requests_timeout = requests_timeout
    ox.settings.overpass_rate_limit = overpass_rate_limit
    ox.settings.doh_url_template = doh_url_template


def instance_speeds_kmh(instance: str | os.PathLike | None) -> dict[str, float]:
    """Return the speed profile for an instance: `speeds_kmh` updated by its ``speeds.json``.

    Parameters
    ----------
    instance
        Instance folder; None means the module setting alone.

    Raises
    ------
    routing.errors.InputError
        If ``speeds.json`` is not a JSON object of positive numbers.
    """
    from routing.errors import InputError

    speeds = dict(speeds_kmh)
    if instance is None:
        return speeds
    path = Path(instance) / SPEEDS_FILE
    if not path.exists():
        return speeds
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{path}: not a readable JSON file ({exc})"
        raise InputError(msg) from None
    if not isinstance(data, dict):
        msg = f"{path}: expected a JSON object {{\"highway class\": km/h}}"
        raise InputError(msg)
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            msg = f"{path}: speed of {key!r} must be a positive number of km/h, got {value!r}"
            raise InputError(msg)
        speeds[str(key)] = float(value)
    return speeds

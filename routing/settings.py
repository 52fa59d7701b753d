"""Settings of the road graph layer, read at call time.

Change a setting by assigning to the module attribute (``routing.settings.snap_limit_m
= 300``); every function reads the current value when it runs, as OSMnx's
``settings`` module does. The travel-time settings (speeds, maxspeed factor,
delays, dense areas) are the defaults of `routing.speeds.SpeedModel`; an
instance folder may override any of them with ``<instance>/speeds.json``
(see ``docs/TRAVEL_TIMES.md``, which also gives each value's calibration).

Settings
--------
speeds_kmh : dict[str, float]
    Travel speed in km/h per OSM ``highway`` class, a Japanese profile: what a
    small van really averages on that class of road between intersections
    (mountain roads included), not the legal limit. Used when a way has no
    usable ``maxspeed`` tag. Delays at signals and intersections and the
    dense-area factor come on top.
maxspeed_factor : float
    Share of a tagged ``maxspeed`` used as the speed between intersections
    (OSRM's car profile uses 0.8).
traffic_signal_s : float
    Seconds lost entering a ``highway=traffic_signals`` node (or a crossing
    tagged ``crossing=traffic_signals``): the mean wait at a fixed-time signal
    over arrivals on green and red.
stop_s : float
    Seconds lost entering a ``highway=stop`` / ``highway=give_way`` node or a
    ``railway=level_crossing`` (Japanese law: stop before every level crossing).
crossing_s : float
    Seconds lost entering an unsignalled ``highway=crossing`` (pedestrians first).
junction_s : float
    Seconds lost entering any other intersection (three or more road
    neighbours): slowing, turning, yielding. It stands in for OSRM's turn
    penalties, which need an edge-based graph. Not applied on free-flow roads.
dense_factor : float
    Speed multiplier for segments whose two ends both lie in a dense area
    (not on free-flow roads): the traffic of a built-up district.
dense_junctions_per_km2 : float
    Intersection density from which an area counts as dense.
dense_radius_m : float
    Radius of the circle in which intersections are counted for the density.
free_flow_highways : frozenset[str]
    Grade-separated classes (motorways) exempt from intersection delays and
    the dense-area factor.
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

maxspeed_factor: float = 0.8

traffic_signal_s: float = 20

stop_s: float = 8

crossing_s: float = 2

junction_s: float = 7.5

dense_factor: float = 0.8

dense_junctions_per_km2: float = 100

dense_radius_m: float = 300

free_flow_highways: frozenset[str] = frozenset({"motorway", "motorway_link"})

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
    "maxspeed_factor",
    "traffic_signal_s",
    "stop_s",
    "crossing_s",
    "junction_s",
    "dense_factor",
    "dense_junctions_per_km2",
    "dense_radius_m",
    "free_flow_highways",
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


def apply_osmnx_settings() -> None:
    """Copy the offline-safety settings into ``osmnx.settings``."""
    import osmnx as ox

    ox.settings.requests_timeout = requests_timeout
    ox.settings.overpass_rate_limit = overpass_rate_limit
    ox.settings.doh_url_template = doh_url_template

"""Map data drawn from the instance's own road graph: no tile server, works offline.

`roads_geojson` returns the graph's edges inside a bounding box (the route's
area plus a margin) as GeoJSON LineStrings: the map's base layer. The
edges are indexed once per process (`_road_index`, cached with the road
network of `webapp.db.road_network`). `shift_geometry` draws a shift's
route along the roads (`routing.network.RoadNetwork.route_geojson`) with the
roads around it: the Leaflet map reads it as JSON, the printed stop sheet
draws it as SVG (`webapp.sheet.route_svg`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing.network import RoadNetwork
from webapp.kinds import KIND_COLOURS

#: KIND_COLOURS is webapp.kinds' table (the board reads it from here): one table of kind colours.
__all__ = ["KIND_COLOURS", "Bbox", "roads_geojson", "route_bbox", "shift_geometry"]



@dataclass(frozen=True)
class Bbox:
    """A box in degrees: south, west, north, east."""

    south: float
    west: float
    north: float
    east: float

    def grown(self, margin_deg: float) -> Bbox:
        return Bbox(self.south - margin_deg, self.west - margin_deg,
                    self.north + margin_deg, self.east + margin_deg)


@dataclass(frozen=True)
class _RoadIndex:
    lines: list[list[list[float]]]  # (lon, lat) positions per road segment
    highway: list[str]
    bounds: np.ndarray  # n × 4: min lon, min lat, max lon, max lat


@functools.lru_cache(maxsize=4)
def _road_index(network: RoadNetwork) -> _RoadIndex:
    G = network.G
    lines, kinds, seen = [], [], set()
    for u, v, data in G.edges(data=True):
        if (v, u) in seen or (u, v) in seen:  # a two-way road is drawn once
            continue
        seen.add((u, v))
        geom = data.get("geometry")
        if geom is not None:
            coords = [[float(x), float(y)] for x, y in geom.coords]
        else:
            coords = [[float(G.nodes[u]["x"]), float(G.nodes[u]["y"])],
                      [float(G.nodes[v]["x"]), float(G.nodes[v]["y"])]]
        lines.append(coords)
        highway = data.get("highway", "road")
        kinds.append(highway[0] if isinstance(highway, list) else str(highway))
    arr = [np.array(c) for c in lines]
    bounds = np.array([[a[:, 0].min(), a[:, 1].min(), a[:, 0].max(), a[:, 1].max()] for a in arr])
    return _RoadIndex(lines, kinds, bounds.reshape(-1, 4))


def roads_geojson(network: RoadNetwork, box: Bbox) -> dict[str, Any]:
    """Return the roads that touch `box` as a GeoJSON FeatureCollection (property ``highway``)."""
    index = _road_index(network)
    b = index.bounds
    hit = (b[:, 0] <= box.east) & (b[:, 2] >= box.west) & (b[:, 1] <= box.north) & (b[:, 3] >= box.south)
    features = [{"type": "Feature", "properties": {"highway": index.highway[i]},
                 "geometry": {"type": "LineString", "coordinates": index.lines[i]}}
                for i in np.flatnonzero(hit)]
    return {"type": "FeatureCollection", "features": features}


def route_bbox(points: list[tuple[float, float]]) -> Bbox:
    """Return the box around ``(lat, lon)`` points."""
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return Bbox(min(lats), min(lons), max(lats), max(lons))


def shift_geometry(network: RoadNetwork, points: list[tuple[str, float, float]], *,
                   margin_deg: float) -> tuple[dict[str, Any], dict[str, Any], Bbox]:
    """Return a route along the roads, the roads around it and the box they were cut to.

    Parameters
    ----------
    network
        The instance's road network.
    points
        ``(id, lat, lon)`` of the stops in route order.
    margin_deg
        Roads drawn around the route's box, in degrees (``ODEKAKE_MAP_MARGIN_DEG``).

    Returns
    -------
    tuple
        The route (`RoadNetwork.route_geojson`), the roads (`roads_geojson`)
        and the grown box.
    """
    route = network.route_geojson(points)
    box = route_bbox([(lat, lon) for f in route["features"] for lon, lat in f["geometry"]["coordinates"]]
                     or [(lat, lon) for _, lat, lon in points]).grown(margin_deg)
    return route, roads_geojson(network, box), box

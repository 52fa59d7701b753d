"""Tiny hand-made OSM XML road networks for tests, with distances worked out by hand.

Distances use OSMnx's great-circle formula with Earth radius 6,371,009 m, so one
thousandth of a degree of latitude is 6,371,009 × π / 180 / 1000 = 111.195 m and
0.009° of latitude is 1000.76 m.
"""

from __future__ import annotations

import bz2
from pathlib import Path
from xml.sax.saxutils import quoteattr

LAT0, LON0 = 37.0, 140.0
STEP_DEG = 0.009  # 1000.76 m north-south


def osm_xml(nodes: dict[int, tuple[float, float]], ways: list[tuple[list[int], dict[str, str]]],
            *, node_tags: dict[int, dict[str, str]] | None = None) -> str:
    """Return OSM XML text for `nodes` {id: (lat, lon)} and `ways` [(refs, tags)]."""
    node_tags = node_tags or {}
    out = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="odekake tests">']
    for nid, (lat, lon) in nodes.items():
        tags = node_tags.get(nid, {})
        out.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">')
        out += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        out.append("  </node>")
    for wid, (refs, tags) in enumerate(ways, start=1):
        out.append(f'  <way id="{wid}" version="1">')
        out += [f'    <nd ref="{r}"/>' for r in refs]
        out += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        out.append("  </way>")
    out.append("</osm>")
    return "\n".join(out) + "\n"


def line_network() -> str:
    """Return a 3-km line A-B-C-D plus a footway, with hand-computable times.

    A(1) —residential— B(2) —secondary, maxspeed "60 km/h"— C(3) —one-way residential→ D(4),
    and a footway A(1)–E(5). Each hop is 0.009° of latitude = 1000.76 m:
    A↔B at 30 km/h = 1000.76 / 8.333 = 120.09 s → 120 s;
    B↔C at 60 km/h = 60.05 s → 60 s; D can be entered but not left (dropped).
    """
    nodes = {i + 1: (LAT0 + i * STEP_DEG, LON0) for i in range(4)}
    nodes[5] = (LAT0, LON0 + 0.01)
    ways = [
        ([1, 2], {"highway": "residential", "name": "A-B"}),
        ([2, 3], {"highway": "secondary", "maxspeed": "60 km/h"}),
        ([3, 4], {"highway": "residential", "oneway": "yes"}),
        ([1, 5], {"highway": "footway"}),
    ]
    return osm_xml(nodes, ways)


def loop_network() -> str:
    """Return a 1-km square with one one-way side, for asymmetric times.

    P1(1)=(37.0, 140.0), P2(2) 0.009° north, P3(3) 0.0113° east of P2, P4(4) south of P3.
    Sides P1-P2, P2-P3, P3-P4 are two-way residential; P4→P1 is one-way.
    North-south sides: 1000.76 m → 120 s at 30 km/h. East-west sides:
    0.0113° × 111,195 m × cos(37.0045°) ≈ 1003.4 m → 120.4 s → 120 s.
    So P4→P1 = 120 s but P1→P4 = P1→P2→P3→P4 = 360 s.
    """
    nodes = {1: (LAT0, LON0), 2: (LAT0 + STEP_DEG, LON0),
             3: (LAT0 + STEP_DEG, LON0 + 0.0113), 4: (LAT0, LON0 + 0.0113)}
    ways = [
        ([1, 2], {"highway": "residential"}),
        ([2, 3], {"highway": "residential"}),
        ([3, 4], {"highway": "residential"}),
        ([4, 1], {"highway": "residential", "oneway": "yes"}),
    ]
    return osm_xml(nodes, ways)


def write(path: Path, text: str) -> Path:
    """Write `text` to `path`, bzip2-compressed when the name ends in .bz2."""
    data = text.encode("utf-8")
    path.write_bytes(bz2.compress(data) if path.name.endswith(".bz2") else data)
    return path

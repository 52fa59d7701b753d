"""Generate the fictional sample district 架空・山里地区 as OSM XML.

The district is invented: a hill area of about 25 × 20 km placed inland in
Fukushima-like coordinates (south-west corner lat 37.02, lon 140.58) with no
relation to any real place. It has a river valley with a prefectural road
(``highway=secondary``), a national road at the east end (``highway=primary``),
side valleys with hamlets (集落) on narrow unclassified, residential and track
roads, loops over the ridges, bridges and one-way lanes, and points of interest
tagged as OpenStreetMap tags them (community halls, the branch office that is
the van depot, shops, a pharmacy, a clinic).

The generator is seeded, so it writes the same bytes every time; the committed
``data/sample_district.osm.bz2`` is its output, checked by a test.

Run ``python -m routing.sample_district [-o PATH]`` to regenerate it.
`build_sample_graph` builds its road graph into an instance folder and
`ensure_sample_graph` does so only when that graph is missing or stale; every
command and fixture that needs the sample graph goes through them.
"""

from __future__ import annotations

import argparse
import bz2
import itertools
import math
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import quoteattr

from routing.errors import InputError
from routing.files import write_atomic

DISTRICT_NAME = "架空・山里地区 (fictional)"
SEED = 20240601
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "sample_district.osm.bz2"

# south-west corner of the district and the size of one km in degrees there
_LAT0, _LON0 = 37.02, 140.58
_KM_PER_DEG_LAT = 6371.009 * math.pi / 180
_KM_PER_DEG_LON = _KM_PER_DEG_LAT * math.cos(math.radians(_LAT0 + 0.09))

_HAMLET_NAMES = [
    "上沢", "中平", "大倉", "小滝", "栃窪", "日向", "桑原", "芦沢", "萩野", "石神",
    "松ヶ平", "竹ノ内", "柏木", "湯ノ岐", "細田", "戸草", "鬼越", "馬場平", "荻", "根小屋",
]

# side valleys: (branch x in km, +1 north / -1 south, length km, hamlets, valley name)
_VALLEYS = [
    (2.5, +1, 6.0, 2, "上沢川"),
    (5.0, -1, 5.0, 2, "小滝川"),
    (6.5, +1, 6.5, 3, "栃窪川"),
    (9.5, -1, 6.0, 2, "桑原川"),
    (14.5, +1, 7.0, 3, "萩野川"),
    (16.5, -1, 5.5, 2, "松ヶ平川"),
    (19.5, +1, 6.0, 2, "柏木川"),
    (21.0, -1, 6.5, 2, "細田川"),
]


class _Osm:
    """Collect nodes and ways with sequential ids and write them as OSM XML."""

    def __init__(self) -> None:
        self.nodes: list[tuple[int, float, float, dict[str, str]]] = []
        self.ways: list[tuple[int, list[int], dict[str, str]]] = []
        self.xy: dict[int, tuple[float, float]] = {}

    def node(self, x_km: float, y_km: float, tags: dict[str, str] | None = None) -> int:
        nid = len(self.nodes) + 1
        lat = round(_LAT0 + y_km / _KM_PER_DEG_LAT, 7)
        lon = round(_LON0 + x_km / _KM_PER_DEG_LON, 7)
        self.nodes.append((nid, lat, lon, dict(tags or {})))
        self.xy[nid] = (x_km, y_km)
        return nid

    def way(self, refs: list[int], tags: dict[str, str]) -> int:
        wid = len(self.ways) + 1
        self.ways.append((wid, list(refs), dict(tags)))
        return wid

    def line(self, start: int | None, points: list[tuple[float, float]], end: int | None = None) -> list[int]:
        """Create nodes along `points`, reusing `start`/`end` node ids at the ends."""
        refs = [start] if start is not None else []
        body = points[1:] if start is not None else points
        if end is not None:
            body = body[:-1]
        refs += [self.node(x, y) for x, y in body]
        if end is not None:
            refs.append(end)
        return refs

    def xml(self) -> str:
        out = [
            "<?xml version='1.0' encoding='UTF-8'?>",
            '<osm version="0.6" generator="odekake routing.sample_district (fictional data, not OpenStreetMap)">',
            (f"  <note>{DISTRICT_NAME}: an invented district generated with seed {SEED} "
            "by routing/sample_district.py; no real place, road or facility is shown.</note>"),
        ]
        lats = [n[1] for n in self.nodes]
        lons = [n[2] for n in self.nodes]
        out.append(f'  <bounds minlat="{min(lats):.7f}" minlon="{min(lons):.7f}" '
                   f'maxlat="{max(lats):.7f}" maxlon="{max(lons):.7f}"/>')
        for nid, lat, lon, tags in self.nodes:
            head = f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"'
            if not tags:
                out.append(head + "/>")
                continue
            out.append(head + ">")
            out += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
            out.append("  </node>")
        for wid, refs, tags in self.ways:
            out.append(f'  <way id="{wid}" version="1">')
            out += [f'    <nd ref="{r}"/>' for r in refs]
            out += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
            out.append("  </way>")
        out.append("</osm>")
        return "\n".join(out) + "\n"


def _river_y(x: float) -> float:
    return 10 + 1.8 * math.sin(x / 3.2) + 0.6 * math.sin(x / 1.3)


def _sample(f, t0: float, t1: float, step_km: float) -> list[tuple[float, float]]:
    """Sample the parametric curve f(t) -> (x, y) about every `step_km` (t in km)."""
    n = max(1, round(abs(t1 - t0) / step_km))
    return [f(t0 + (t1 - t0) * i / n) for i in range(n + 1)]


def generate(*, seed: int = SEED) -> str:
    """Return the district as OSM XML text (deterministic for a given seed)."""
    rng = random.Random(seed)
    osm = _Osm()
    junction = _national_road(osm)
    _river(osm)
    valley_road = _valley_road(osm, junction)
    _town(osm, valley_road)
    tops = _side_valleys(osm, rng, valley_road)
    _ridge_loops(osm, rng, tops)
    # a convenience store by the national road junction
    jx, jy = osm.xy[junction]
    osm.node(jx - 0.05, jy + 0.04, {"shop": "convenience", "name": "やまざとマート国道店"})
    return osm.xml()


def _jitter(rng: random.Random, scale: float) -> float:
    return rng.uniform(-scale, scale)


def _national_road(osm: _Osm) -> int:
    """Add the national road along the east end; return the node where the valley road joins it."""
    def national(t: float) -> tuple[float, float]:
        return 24.0 + 0.4 * math.sin(t / 2.0), t

    nat_pts = _sample(national, 0.0, 20.0, 0.1)
    nat_refs = osm.line(None, nat_pts)
    junction_y = _river_y(24.0) + 0.15
    junction_i = min(range(len(nat_pts)), key=lambda i: abs(nat_pts[i][1] - junction_y))
    nat_tags = {"highway": "primary", "ref": "349", "name": "国道349号", "maxspeed": "60"}
    osm.way(nat_refs[: junction_i + 1], nat_tags)
    osm.way(nat_refs[junction_i:], nat_tags)
    return nat_refs[junction_i]


def _river(osm: _Osm) -> None:
    """Add the river along the valley."""
    river_pts = _sample(lambda x: (x, _river_y(x)), 0.0, 24.8, 0.25)
    osm.way(osm.line(None, river_pts), {"waterway": "river", "name": "山里川"})


class _ValleyRoad:
    """The prefectural valley road: its nodes and their positions, to branch other roads off it."""

    def __init__(self, refs: list[int], points: list[tuple[float, float]]) -> None:
        self.refs = refs
        self.points = points

    def node_at(self, x: float) -> int:
        """Return the road's node nearest to the east-west position `x` (km)."""
        return self.refs[min(range(len(self.points) - 1), key=lambda i: abs(self.points[i][0] - x))]


def _valley_road(osm: _Osm, junction: int) -> _ValleyRoad:
    """Add the prefectural road up the valley to the national road `junction`, in sections."""
    def valley(x: float) -> tuple[float, float]:
        return x, _river_y(x) + 0.15 + 0.03 * math.sin(x * 7.0)

    main_pts = _sample(valley, 0.5, 24.0, 0.06)
    main_refs = osm.line(None, main_pts[:-1]) + [junction]
    main_tags = {"highway": "secondary", "ref": "251", "name": "県道251号 山里川線"}
    cuts = [0] + [i for i in range(40, len(main_refs) - 20, 40)] + [len(main_refs) - 1]
    for k, (a, b) in enumerate(itertools.pairwise(cuts)):
        tags = dict(main_tags)
        if k % 3 == 1:
            tags["maxspeed"] = "50"
        osm.way(main_refs[a: b + 1], tags)
    return _ValleyRoad(main_refs, main_pts)


def _town(osm: _Osm, valley_road: _ValleyRoad) -> None:
    """Add the town around the branch office (支所): a street grid with a one-way ring and its POIs."""
    town_x0 = 11.6
    base_y = _river_y(12.0) + 0.45
    grid = [[osm.node(town_x0 + 0.2 * i, base_y + 0.2 * j) for j in range(4)] for i in range(4)]
    ring = {((1, 1), (1, 2)), ((1, 2), (2, 2)), ((2, 2), (2, 1)), ((2, 1), (1, 1))}  # clockwise

    def street(a: tuple[int, int], b: tuple[int, int], name: str) -> None:
        tags = {"highway": "residential", "name": name}
        if (a, b) in ring:
            tags["oneway"] = "yes"
        elif (b, a) in ring:
            a, b = b, a
            tags["oneway"] = "yes"
        pa, pb = osm.xy[grid[a[0]][a[1]]], osm.xy[grid[b[0]][b[1]]]
        mid = [((pa[0] * (3 - s) + pb[0] * s) / 3, (pa[1] * (3 - s) + pb[1] * s) / 3) for s in range(4)]
        osm.way(osm.line(grid[a[0]][a[1]], mid, grid[b[0]][b[1]]), tags)

    for i in range(4):
        for j in range(4):
            if i < 3:
                street((i, j), (i + 1, j), f"山里{j + 1}丁目通り")
            if j < 3:
                street((i, j), (i, j + 1), f"山里{i + 1}番町通り")
    for i in range(4):  # connect the grid's south row to the valley road
        g = grid[i][0]
        m = valley_road.node_at(osm.xy[g][0])
        osm.way(osm.line(m, [osm.xy[m], osm.xy[g]], g), {"highway": "residential", "name": "駅前通り"})
    town_poi = [
        ((0, 1), {"amenity": "townhall", "name": "架空市役所 山里支所", "townhall:type": "branch"}),
        ((1, 0), {"amenity": "community_centre", "name": "山里公民館"}),
        ((2, 0), {"shop": "supermarket", "name": "スーパーやまざと"}),
        ((3, 1), {"amenity": "pharmacy", "name": "やまざと薬局", "healthcare": "pharmacy"}),
        ((3, 2), {"amenity": "clinic", "name": "山里診療所", "healthcare": "clinic"}),
        ((2, 3), {"shop": "convenience", "name": "やまざとマート本町店"}),
    ]
    for (i, j), tags in town_poi:
        x, y = osm.xy[grid[i][j]]
        osm.node(x + 0.03, y + 0.03, tags)
    osm.node(town_x0 + 0.3, base_y + 0.3, {"place": "village", "name": "山里"})


def _side_valleys(osm: _Osm, rng: random.Random, valley_road: _ValleyRoad) -> dict[int, int]:
    """Add every side valley with its hamlets; return each valley's top node by valley index."""
    tops: dict[int, int] = {}
    names = itertools.cycle(_HAMLET_NAMES)
    first = True
    for v_index, (xb, side, length, n_hamlets, vname) in enumerate(_VALLEYS):
        refs, hamlet_at = _side_valley_road(osm, rng, valley_road.node_at(xb), side, length, n_hamlets, vname)
        tops[v_index] = refs[-1]
        for h, i in enumerate(hamlet_at):
            _hamlet(osm, rng, refs, i, next(names), side=side, west=(v_index + h) % 2 != 0, one_way=first,
                    hall=h % 2 == 0 or n_hamlets == 3)
            first = False
        if v_index in (2, 6):
            x, y = osm.xy[refs[hamlet_at[0]]]
            shop = "やまざとマート" + ("栃窪店" if v_index == 2 else "柏木店")
            osm.node(x + 0.05, y - 0.03, {"shop": "convenience", "name": shop})
    return tops


def _side_valley_road(osm: _Osm, rng: random.Random, start: int, side: int, length: float, n_hamlets: int,
                      vname: str) -> tuple[list[int], list[int]]:
    """Add a side valley's road from `start` (bridge, road, forest track); return its nodes and hamlet positions."""
    sx, sy = osm.xy[start]
    phase = rng.uniform(0, math.tau)
    amp = rng.uniform(0.25, 0.5)

    def side_road(t: float) -> tuple[float, float]:
        return sx + amp * math.sin(t / 0.9 + phase) - amp * math.sin(phase), sy + side * t

    pts = _sample(side_road, 0.0, length, 0.05)
    refs = osm.line(start, pts)
    hamlet_at = sorted({round(len(pts) * (k + 1) / (n_hamlets + 1.3)) for k in range(n_hamlets)})
    track_from = len(pts) - 1 - round(1.2 / 0.05)
    road = {"highway": "unclassified", "name": f"{vname}線"}
    # a south valley starts across the river: a bridge of 3 segments
    bridge_end = 3 if side < 0 else 0
    if bridge_end:
        osm.way(refs[: bridge_end + 1], {**road, "bridge": "yes", "layer": "1",
                                         "name": f"{vname}橋"})
    cut_points = sorted({bridge_end, *hamlet_at, track_from, len(refs) - 1})
    for a, b in itertools.pairwise(cut_points):
        tags = dict(road) if b <= track_from else {"highway": "track", "tracktype": "grade2",
                                                     "name": f"{vname}林道"}
        osm.way(refs[a: b + 1], tags)
    return refs, hamlet_at


def _hamlet(osm: _Osm, rng: random.Random, refs: list[int], i: int, name: str, *, side: int, west: bool,
            one_way: bool, hall: bool) -> None:
    """Add a hamlet at node ``refs[i]`` of a valley road: a loop lane, a dead-end lane, maybe a hall."""
    centre = refs[i]
    cx, cy = osm.xy[centre]
    osm.node(cx + 0.02, cy + 0.02, {"place": "hamlet", "name": name})
    # loop lane: out to one side, along the valley, back to the road
    back = refs[min(i + 8, len(refs) - 2)]
    bx, by = osm.xy[back]
    off = -0.3 if west else 0.3
    loop_pts = [(cx, cy), (cx + off, cy + side * 0.05), (bx + off, by - side * 0.05), (bx, by)]
    dense = []
    for (ax, ay), (qx, qy) in itertools.pairwise(loop_pts):
        steps = max(1, round(math.hypot(qx - ax, qy - ay) / 0.07))
        dense += [(ax + (qx - ax) * s / steps + _jitter(rng, 0.01), ay + (qy - ay) * s / steps + _jitter(rng, 0.01))
                  for s in range(steps)]
    dense.append((bx, by))
    lane_tags = {"highway": "residential", "name": f"{name}集落線"}
    if one_way:
        lane_tags["oneway"] = "yes"  # a narrow one-way lane in the first hamlet
    osm.way(osm.line(centre, dense, back), lane_tags)
    # a dead-end lane to the other side
    spur = _sample(lambda t: (cx - math.copysign(t, off), cy + _jitter(rng, 0.01)), 0.0, 0.35, 0.07)
    osm.way(osm.line(centre, spur), {"highway": "residential"})
    if hall:
        osm.node(cx - math.copysign(0.04, off), cy + 0.03, {"amenity": "community_centre", "name": f"{name}集会所"})


def _ridge_loops(osm: _Osm, rng: random.Random, tops: dict[int, int]) -> None:
    """Add the pass roads (峠道) joining the tops of neighbouring side valleys."""
    for a, b, tags in [
        (0, 2, {"highway": "track", "tracktype": "grade3", "name": "上沢峠林道"}),
        (4, 6, {"highway": "unclassified", "name": "萩野柏木線", "maxspeed": "30"}),
        (3, 5, {"highway": "unclassified", "name": "桑原松ヶ平線"}),
    ]:
        pa, pb = osm.xy[tops[a]], osm.xy[tops[b]]
        mid = ((pa[0] + pb[0]) / 2 + _jitter(rng, 0.3), (pa[1] + pb[1]) / 2 + math.copysign(0.8, pa[1] - 10))
        pts = _sample(lambda t, pa=pa, pb=pb, mid=mid: _bezier(pa, mid, pb, t), 0.0, 1.0,
                      0.07 / max(1.0, math.dist(pa, pb)))
        osm.way(osm.line(tops[a], pts, tops[b]), tags)


def _bezier(a: tuple[float, float], m: tuple[float, float], b: tuple[float, float], t: float) -> tuple[float, float]:
    return ((1 - t) ** 2 * a[0] + 2 * (1 - t) * t * m[0] + t * t * b[0],
            (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * m[1] + t * t * b[1])


def write(path: str | os.PathLike = DEFAULT_PATH, *, seed: int = SEED) -> Path:
    """Write the district to `path` (bzip2 when it ends in ``.bz2``), atomically."""
    target = Path(path)
    data = generate(seed=seed).encode("utf-8")
    if target.name.endswith(".bz2"):
        data = bz2.compress(data, compresslevel=9)
    return write_atomic(target, data, mode=0o644)


def build_sample_graph(instance: str | os.PathLike) -> dict:
    """Build the road graph of the committed sample district into an instance folder.

    The graph's info is marked ``fictional`` and carries the district's name.

    Parameters
    ----------
    instance
        The instance folder (its ``graph`` folder is replaced atomically).

    Returns
    -------
    dict
        The info of the built graph (see `routing.graph.build_graph`).
    """
    from routing.graph import build_graph

    return build_graph(DEFAULT_PATH, instance, extra_info={"fictional": True, "name": DISTRICT_NAME})


def ensure_sample_graph(instance: str | os.PathLike, *, on_build: Callable[[], None] | None = None) -> dict:
    """Build the sample district's graph into `instance` when missing or stale; return its info.

    Stale means built from another version of the sample file or by an older
    build. An instance holding a graph of some other area is left alone.

    Parameters
    ----------
    instance
        The instance folder.
    on_build
        Called just before a (re)build, e.g. to tell the user it takes a moment.

    Raises
    ------
    InputError
        If the instance holds the road graph of another area.
    """
    from routing.graph import BUILD_VERSION, file_sha256, read_instance_info

    info = read_instance_info(instance)
    if info is not None and not info.get("fictional"):
        msg = (f"{instance} holds the road graph of {info.get('source')!r}, not the sample district; "
               "run the demo with a fresh --instance folder")
        raise InputError(msg)
    if (info is None or info.get("source_sha256") != file_sha256(DEFAULT_PATH)
            or info.get("build_version") != BUILD_VERSION):
        if on_build is not None:
            on_build()
        info = build_sample_graph(instance)
    return info


def main(argv: list[str] | None = None) -> int:
    """Regenerate the sample district file."""
    parser = argparse.ArgumentParser(prog="python -m routing.sample_district", description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(DEFAULT_PATH), help="output file (.osm or .osm.bz2)")
    args = parser.parse_args(argv)
    path = write(args.output)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

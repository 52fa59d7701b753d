"""Calibrate the travel-time model: mean road speed of plan-like legs against the road census.

Run ``python -m benchmarks speeds [--tours 20] [--stops 12] [--seed 1]``. On each
road graph (Kumamoto's Chuo ward when ``../shared/osm/kumamoto_chuo_drive.osm.bz2``
exists: a dense city; the fictional sample district: hills) it draws random
road nodes as stops, orders each tour of ``--stops`` stops by nearest neighbour
(by travel time, from and back to a random depot node) as a van's day would
be, and measures over all legs:

- mean road speed = total road length / total travel time of the legs (km/h);
- road / straight line = total road length / total great-circle length.

Each graph is timed with several models: the one before the model existed
(class speeds only: tagged ``maxspeed`` as is, no delays, no dense factor),
the defaults with one part switched off (to show what each part adds), and the
defaults. The census anchors are in ``docs/TRAVEL_TIMES.md``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import networkx as nx

from benchmarks.report import SHARED, machine_line, markdown_table, write_section
from routing.graph import load_graph
from routing.network import RoadNetwork
from routing.sample_district import DEFAULT_PATH
from routing.speeds import SpeedModel, default_speed_model

KUMAMOTO = SHARED / "osm" / "kumamoto_chuo_drive.osm.bz2"
#: The class speeds of the profile before the model (all other parts off).
CLASS_SPEEDS_BEFORE = {
    "motorway": 80, "motorway_link": 50, "trunk": 60, "trunk_link": 40, "primary": 50, "primary_link": 35,
    "secondary": 40, "secondary_link": 30, "tertiary": 40, "tertiary_link": 30, "unclassified": 30,
    "residential": 30, "living_street": 15, "service": 15, "track": 15, "road": 25, "busway": 30,
}
#: Census anchors (道路交通センサス; see docs/TRAVEL_TIMES.md for the source and caveats).
ANCHORS = {"city": "DID ≈ 21 km/h", "hills": "non-DID ≈ 35–40 km/h"}


def variants() -> list[tuple[str, SpeedModel]]:
    """Return the models compared: before, the defaults without one part each, the defaults."""
    d = default_speed_model()
    before = replace(d, highway_kmh={k: float(v) for k, v in CLASS_SPEEDS_BEFORE.items()},
                     maxspeed_factor=1.0, traffic_signal_s=0.0, stop_s=0.0, crossing_s=0.0,
                     junction_s=0.0, dense_factor=1.0)
    return [
        ("before (class speeds only)", before),
        ("defaults without node delays", replace(d, traffic_signal_s=0.0, stop_s=0.0, crossing_s=0.0,
                                                 junction_s=0.0)),
        ("defaults without dense factor", replace(d, dense_factor=1.0)),
        ("**defaults**", d),
    ]


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_009.0 * math.asin(math.sqrt(h))


def tour_stops(G: nx.MultiDiGraph, *, tours: int, stops: int, seed: int) -> list[list[tuple[str, float, float]]]:
    """Draw `tours` lists of a depot and `stops` stops, each a random road node."""
    rng = random.Random(seed)
    nodes = sorted(G.nodes)
    return [[(f"t{t}n{n}", float(G.nodes[n]["y"]), float(G.nodes[n]["x"])) for n in rng.sample(nodes, stops + 1)]
            for t in range(tours)]


def leg_figures(G: nx.MultiDiGraph, tours: list[list[tuple[str, float, float]]]) -> dict[str, float]:
    """Order each tour by nearest neighbour and sum its legs' road metres, seconds and straight metres."""
    points = [p for tour in tours for p in tour]
    m = RoadNetwork(G).matrix(points)
    road_m = time_s = straight_m = 0.0
    legs = 0
    start = 0
    for tour in tours:
        idx = list(range(start, start + len(tour)))
        start += len(tour)
        order, todo = [idx[0]], set(idx[1:])
        while todo:
            nxt = min(todo, key=lambda j: (m.durations[order[-1], j], j))
            todo.remove(nxt)
            order.append(nxt)
        order.append(idx[0])
        for a, b in itertools.pairwise(order):
            road_m += float(m.distances[a, b])
            time_s += float(m.durations[a, b])
            straight_m += _metres(points[a][1:], points[b][1:])
            legs += 1
    return {"legs": legs, "leg_km": road_m / legs / 1000, "ratio": road_m / straight_m,
            "speed_kmh": road_m / 1000 / (time_s / 3600)}


def bench_graph(label: str, kind: str, path: Path, args: argparse.Namespace) -> tuple[list[list[object]], list[str]]:
    """Time one graph with every model; return table rows and notes (build times)."""
    rows, notes = [], []
    stops = None
    for name, model in variants():
        t0 = time.perf_counter()
        G = load_graph(path, model=model)
        build_s = time.perf_counter() - t0
        if stops is None:  # the same stops for every model (node ids do not depend on the model)
            stops = tour_stops(G, tours=args.tours, stops=args.stops, seed=args.seed)
        f = leg_figures(G, stops)
        rows.append([label, name, f["legs"], f"{f['leg_km']:.2f}", f"{f['ratio']:.2f}",
                     f"{f['speed_kmh']:.1f}", ANCHORS[kind]])
        notes.append(f"{label}, {name.strip('*')}: graph build {build_s:.1f} s")
        print(markdown_table(HEADERS, rows[-1:]).splitlines()[-1], f"(build {build_s:.1f} s)", file=sys.stderr)
    return rows, notes


HEADERS = ["graph", "model", "legs", "mean leg km", "road / straight", "mean road speed km/h", "census anchor"]


def main(argv: list[str]) -> int:
    """Run the speeds benchmark, print the table and write its section of docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks speeds")
    parser.add_argument("--tours", type=int, default=20, help="tours per graph (default 20)")
    parser.add_argument("--stops", type=int, default=12, help="stops per tour besides the depot (default 12)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print only, do not update docs/BENCHMARKS.md")
    args = parser.parse_args(argv)

    graphs = []
    if KUMAMOTO.exists():
        graphs.append(("Kumamoto Chuo (OSM, city)", "city", KUMAMOTO))
    else:
        print(f"skipping Kumamoto: {KUMAMOTO} not found", file=sys.stderr)
    graphs.append(("sample district (fictional hills)", "hills", DEFAULT_PATH))
    rows, notes = [], []
    for label, kind, path in graphs:
        graph_rows, graph_notes = bench_graph(label, kind, path, args)
        rows += graph_rows
        notes += graph_notes
    table = markdown_table(HEADERS, rows)
    print(table)
    body = "\n".join([
        (f"Machine: {machine_line()}. Command: `python -m benchmarks speeds --tours {args.tours} "
         f"--stops {args.stops} --seed {args.seed}`."),
        "",
        f"{args.tours} tours per graph, each a random depot node and {args.stops} random road nodes ordered by",
        "nearest neighbour (travel time) and back: the legs a van's day is made of. *mean road speed* =",
        "total road km / total hours of all legs; *road / straight* = road km / great-circle km.",
        "The model, its knobs and the census anchors (道路交通センサス) are in `docs/TRAVEL_TIMES.md`;",
        "the defaults must land within 18–30 km/h on the city graph.",
        "",
        table,
        "",
        *[f"- {n}" for n in notes],
    ])
    if not args.no_write:
        write_section("speeds", "Travel times against the road census (routing)", body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

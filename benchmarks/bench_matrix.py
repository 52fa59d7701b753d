"""Benchmark travel-matrix building: scipy (RoadNetwork) against a networkx baseline.

Run ``python -m benchmarks matrix [--sizes 100,300,1000] [--seed N]``. For each
road graph (the fictional sample district, and Kumamoto's Chuo ward when
``../shared/osm/kumamoto_chuo_drive.osm.bz2`` exists) and each N it times:

- ``RoadNetwork.matrix`` on N random snapped points (durations *and* distances,
  no disk cache, CSR matrix already built — its one-off build time is listed);
- networkx ``single_source_dijkstra_path_length`` (weight ``travel_time``) from
  every source, durations only; for N = 1000 only a sample of sources is timed
  and the total extrapolated (marked "est.");
- ``RoadNetwork.extend``: one new point's row and column, mean of 20 points;
- a cache hit: the same matrix read back by a new RoadNetwork from its cache folder.

The networkx figures are also checked against the scipy durations for the timed sources.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

from benchmarks.report import SHARED, machine_line, markdown_table, write_section
from routing.graph import load_graph
from routing.network import RoadNetwork
from routing.sample_district import DEFAULT_PATH

KUMAMOTO = SHARED / "osm" / "kumamoto_chuo_drive.osm.bz2"
NX_SAMPLE_SOURCES = 100  # sources timed on networkx when N is larger than this × 3


def _points(G: nx.MultiDiGraph, n: int, rng: random.Random) -> list[tuple[str, float, float]]:
    """Pick n graph nodes (distinct when the graph has enough) and move each up to ~30 m."""
    everything = sorted(G.nodes)
    nodes = rng.sample(everything, n) if n <= len(everything) else rng.choices(everything, k=n)
    return [(f"p{i}", G.nodes[v]["y"] + rng.uniform(-2.5e-4, 2.5e-4), G.nodes[v]["x"] + rng.uniform(-2.5e-4, 2.5e-4))
            for i, v in enumerate(nodes)]


def _networkx(G, nodes: list[int], sources: list[int]) -> tuple[float, np.ndarray]:
    """Time networkx Dijkstra from `sources`; return seconds and the duration rows."""
    rows = np.empty((len(sources), len(nodes)), dtype=np.int64)
    t0 = time.perf_counter()
    for i, s in enumerate(sources):
        lengths = nx.single_source_dijkstra_path_length(G, s, weight="travel_time")
        rows[i] = [lengths[t] for t in nodes]
    return time.perf_counter() - t0, rows


def bench_graph(label: str, path: Path, sizes: list[int], seed: int) -> tuple[list[list[object]], nx.MultiDiGraph, float, float]:
    """Run every measurement on one road graph; return the rows, the graph and load/CSR seconds."""
    t0 = time.perf_counter()
    G = load_graph(path)
    load_s = time.perf_counter() - t0
    net = RoadNetwork(G)
    t0 = time.perf_counter()
    net._weights()
    csr_s = time.perf_counter() - t0
    print(f"{label}: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges; "
          f"load {load_s:.1f} s, CSR build {csr_s:.3f} s", file=sys.stderr)
    rng = random.Random(seed)
    rows = []
    for n in sizes:
        pts = _points(G, n, rng)
        t0 = time.perf_counter()
        m = net.matrix(pts)
        scipy_s = time.perf_counter() - t0

        unique = list(dict.fromkeys(m.nodes))
        if n > 3 * NX_SAMPLE_SOURCES:
            picked = sorted(rng.sample(range(len(unique)), NX_SAMPLE_SOURCES))
            nx_part_s, nx_rows = _networkx(G, unique, [unique[i] for i in picked])
            nx_s = nx_part_s * len(unique) / len(picked)
            nx_label = f"{nx_s:.2f} (est. from {len(picked)} sources)"
        else:
            picked = list(range(len(unique)))
            nx_s, nx_rows = _networkx(G, unique, unique)
            nx_label = f"{nx_s:.2f}"
        first = {node: i for i, node in reversed(list(enumerate(m.nodes)))}
        cols = [first[u] for u in unique]
        agree = all(np.array_equal(m.durations[first[unique[i]], cols], nx_rows[k]) for k, i in enumerate(picked))

        extra = _points(G, 20, rng)
        t0 = time.perf_counter()
        for p in extra:
            net.extend(m, p)
        extend_s = (time.perf_counter() - t0) / len(extra)

        with tempfile.TemporaryDirectory() as tmp:
            RoadNetwork(G, cache_dir=tmp).matrix(pts)
            again = RoadNetwork(G, cache_dir=tmp)
            t0 = time.perf_counter()
            again.matrix(pts)
            cache_s = time.perf_counter() - t0
            assert again.cache_stats["hits"] == 1

        rows.append([label, n, round(scipy_s, 3), nx_label, f"{nx_s / scipy_s:.0f}×",
                     "yes" if agree else "NO", round(extend_s, 4), round(cache_s, 3)])
        print(markdown_table(HEADERS, rows[-1:]).splitlines()[-1], file=sys.stderr)
    return rows, G, load_s, csr_s


HEADERS = ["graph", "N", "scipy matrix s", "networkx s", "speed-up", "same durations",
           "extend 1 point s", "cache hit s"]


def main(argv: list[str]) -> int:
    """Run the matrix benchmark, print the table and write its section of docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks matrix")
    parser.add_argument("--sizes", default="100,300,1000", help="comma-separated N (default 100,300,1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print only, do not update docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    graphs = [("sample district (fictional)", DEFAULT_PATH)]
    if KUMAMOTO.exists():
        graphs.append(("Kumamoto Chuo (OSM)", KUMAMOTO))
    else:
        print(f"skipping Kumamoto: {KUMAMOTO} not found", file=sys.stderr)
    rows, notes = [], []
    for label, path in graphs:
        graph_rows, G, load_s, csr_s = bench_graph(label, path, sizes, args.seed)
        rows += graph_rows
        notes.append(f"- {label}: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges after "
                     f"simplification; loading the OSM file {load_s:.1f} s, CSR build {csr_s:.3f} s (once).")
        if max(sizes) > G.number_of_nodes():
            notes.append(f"  With N > {G.number_of_nodes()} nodes, points share nodes (drawn with replacement); "
                         "shared nodes are searched once, so the figures cover fewer distinct sources.")
    table = markdown_table(HEADERS, rows)
    print(table)
    body = "\n".join([
        f"Machine: {machine_line()}. Command: `python -m benchmarks matrix --sizes {args.sizes}`.",
        "",
        table,
        "",
        "- *scipy matrix*: `RoadNetwork.matrix` on N random points (snap + `scipy.sparse.csgraph.dijkstra`,",
        "  durations and distances in one pass, no disk cache).",
        "- *networkx*: `single_source_dijkstra_path_length(weight='travel_time')` per source, durations only;",
        "  \"est.\" = a sample of sources timed and scaled to N. *same durations*: scipy and networkx agree",
        "  on every timed source.",
        "- *extend 1 point*: one new point's row and column (`RoadNetwork.extend`), mean of 20.",
        "- *cache hit*: the same matrix read back from the `.npz` cache by a new `RoadNetwork`.",
        *notes,
    ])
    if not args.no_write:
        write_section("matrix", "Travel-time matrices (routing)", body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

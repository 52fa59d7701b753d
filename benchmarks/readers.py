"""Read Solomon (VRPTW) and Li & Lim (PDPTW) instances into problem dicts.

The problem format works in integers, the instances in real Euclidean
coordinates. The scaling used here:

- **Solomon**: every arc is ``floor(10 * euclidean)``, i.e. the distance
  truncated to one decimal and multiplied by 10 (the DIMACS convention of the
  ``dist_only_*`` best-known values); ready times, due dates and service
  times are multiplied by 10 too. Travel time equals distance.
  A solution's cost / 10 is therefore exactly its one-decimal-truncated
  distance, comparable with ``dist_only_distance_trunc1``.
- **Li & Lim**: every arc is ``round(1000 * euclidean)``; windows and service
  times are multiplied by 1000. The best-known values (``hier_distance``) use
  full double precision, so a solution's distance is recomputed unrounded
  from the coordinates (`route_distance`).

Demands of Solomon customers become ``delivery`` amounts (loaded at the
depot); Li & Lim pairs become shipments whose ``amount`` is the pickup's
demand. Every instance has one depot (node 0) where vehicles start and end,
inside the depot's window.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Instance", "read_lilim", "read_solomon", "route_distance"]

SOLOMON_SCALE = 10
LILIM_SCALE = 1000


@dataclass
class Instance:
    """A benchmark instance: its problem dict plus what is needed to score it."""

    name: str
    problem: dict
    coords: list[tuple[float, float]]
    scale: int
    vehicles: int
    capacity: int


def _matrix(coords, scale: int, *, truncate: bool) -> list[list[int]]:
    out = []
    for xa, ya in coords:
        row = []
        for xb, yb in coords:
            d = math.hypot(xa - xb, ya - yb) * scale
            # 1e-9 guards exact decimals (e.g. 5.0) against floating-point noise
            row.append(math.floor(d + 1e-9) if truncate else round(d))
        out.append(row)
    return out


def route_distance(coords, locations: list[int], *, truncate_decimals: int | None = None) -> float:
    """Return the Euclidean length of a route through `locations`, depot to depot.

    Parameters
    ----------
    coords
        Node coordinates (index 0 = depot).
    locations
        Location indices visited, without the depot.
    truncate_decimals
        Truncate each arc to this many decimals (DIMACS: 1); ``None`` keeps
        full precision.
    """
    path = [0, *locations, 0]
    total = 0.0
    for a, b in itertools.pairwise(path):
        d = math.hypot(coords[a][0] - coords[b][0], coords[a][1] - coords[b][1])
        if truncate_decimals is not None:
            f = 10 ** truncate_decimals
            d = math.floor(d * f + 1e-9) / f
        total += d
    return total


def read_solomon(path: str | Path) -> Instance:
    """Read a Solomon VRPTW instance (header, vehicle block, customer rows).

    Parameters
    ----------
    path
        A file such as ``C101.txt``.
    """
    path = Path(path)
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    name = lines[0][0]
    n_vehicles = capacity = None
    rows = []
    for i, parts in enumerate(lines):
        if parts[0] == "NUMBER":
            n_vehicles, capacity = int(lines[i + 1][0]), int(lines[i + 1][1])
        if len(parts) == 7 and all(p.replace(".", "", 1).isdigit() for p in parts):
            rows.append([float(p) for p in parts])
    if n_vehicles is None or not rows:
        raise ValueError(f"{path}: not a Solomon instance")
    s = SOLOMON_SCALE
    coords = [(r[1], r[2]) for r in rows]
    matrix = _matrix(coords, s, truncate=True)
    depot = rows[0]
    jobs = [{"id": int(r[0]), "location_index": i, "service": int(r[6] * s),
             "delivery": [int(r[3])], "time_windows": [[int(r[4] * s), int(r[5] * s)]]}
            for i, r in enumerate(rows) if i > 0]
    vehicles = [{"id": k + 1, "start_index": 0, "end_index": 0, "capacity": [capacity],
                 "time_window": [int(depot[4] * s), int(depot[5] * s)]} for k in range(n_vehicles)]
    problem = {"vehicles": vehicles, "jobs": jobs,
               "matrices": {"car": {"durations": matrix, "distances": matrix}}}
    return Instance(name=name, problem=problem, coords=coords, scale=s, vehicles=n_vehicles,
                    capacity=capacity)


def read_lilim(path: str | Path) -> Instance:
    """Read a Li & Lim PDPTW instance (``vehicles capacity speed``, then node rows).

    Parameters
    ----------
    path
        A file such as ``lc101.txt``.
    """
    path = Path(path)
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    n_vehicles, capacity = int(lines[0][0]), int(lines[0][1])
    rows = [[float(p) for p in parts] for parts in lines[1:]]
    s = LILIM_SCALE
    coords = [(r[1], r[2]) for r in rows]
    matrix = _matrix(coords, s, truncate=False)
    depot = rows[0]
    shipments = []
    for i, r in enumerate(rows):
        if i == 0 or int(r[7]) != 0:  # r[7] = pickup index: nonzero on a delivery row
            continue
        d = int(r[8])
        drop = rows[d]

        def step(node, row):
            return {"id": node, "location_index": node, "service": int(row[6] * s),
                    "time_windows": [[int(row[4] * s), int(row[5] * s)]]}

        shipments.append({"pickup": step(i, r), "delivery": step(d, drop), "amount": [int(r[3])]})
    vehicles = [{"id": k + 1, "start_index": 0, "end_index": 0, "capacity": [capacity],
                 "time_window": [int(depot[4] * s), int(depot[5] * s)]} for k in range(n_vehicles)]
    problem = {"vehicles": vehicles, "shipments": shipments,
               "matrices": {"car": {"durations": matrix, "distances": matrix}}}
    return Instance(name=path.stem, problem=problem, coords=coords, scale=s, vehicles=n_vehicles,
                    capacity=capacity)

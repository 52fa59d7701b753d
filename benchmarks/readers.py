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

Solomon files are parsed by ``vrplib`` (``instance_format="solomon"``, its
own edge weights unused: the matrix is scaled and truncated here); vrplib has
no Li & Lim format, so those files are parsed here.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import vrplib

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
    """Read a Solomon VRPTW instance (header, vehicle block, customer rows) with ``vrplib``.

    Parameters
    ----------
    path
        A file such as ``C101.txt``; customers are numbered 0 (the depot)
        to n in file order, and their number is the job id.
    """
    path = Path(path)
    try:
        data = vrplib.read_instance(path, instance_format="solomon", compute_edge_weights=False)
    except (RuntimeError, ValueError, IndexError) as exc:  # vrplib: RuntimeError
        raise ValueError(f"{path}: not a Solomon instance") from exc
    s = SOLOMON_SCALE
    coords = [(float(x), float(y)) for x, y in data["node_coord"]]
    matrix = _matrix(coords, s, truncate=True)
    windows = [(float(a), float(b)) for a, b in data["time_window"]]
    service = [float(x) for x in data["service_time"]]
    jobs = [{"id": i, "location_index": i, "service": int(service[i] * s),
             "delivery": [int(data["demand"][i])], "time_windows": [[int(windows[i][0] * s), int(windows[i][1] * s)]]}
            for i in range(1, len(coords))]
    n_vehicles, capacity = int(data["vehicles"]), int(data["capacity"])
    vehicles = [{"id": k + 1, "start_index": 0, "end_index": 0, "capacity": [capacity],
                 "time_window": [int(windows[0][0] * s), int(windows[0][1] * s)]} for k in range(n_vehicles)]
    problem = {"vehicles": vehicles, "jobs": jobs,
               "matrices": {"car": {"durations": matrix, "distances": matrix}}}
    return Instance(name=data["name"], problem=problem, coords=coords, scale=s, vehicles=n_vehicles,
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

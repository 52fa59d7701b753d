"""Read Solomon (VRPTW), Li & Lim (PDPTW) and Cordeau (DARP) instances into problem dicts.

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
- **Cordeau** (dial-a-ride): every arc is ``ceil(1000 * euclidean)``; windows,
  service times, the maximum ride time and the route duration limit are
  multiplied by 1000. Rounding each arc up keeps every plan feasible in the
  instance's own real-valued times too (the plan's service starts, with real
  drives no longer than the integer ones, keep every window and ride limit);
  the best-known values use unrounded distances, so a solution's distance is
  recomputed from the coordinates (`route_distance`).

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

__all__ = ["CORDEAU_SCALE", "Instance", "read_cordeau", "read_lilim", "read_solomon", "route_distance"]

SOLOMON_SCALE = 10
LILIM_SCALE = 1000
CORDEAU_SCALE = 1000


@dataclass
class Instance:
    """A benchmark instance: its problem dict plus what is needed to score it."""

    name: str
    problem: dict
    coords: list[tuple[float, float]]
    scale: int
    vehicles: int
    capacity: int


def _matrix(coords, scale: int, *, truncate: bool, ceil: bool = False) -> list[list[int]]:
    out = []
    for xa, ya in coords:
        row = []
        for xb, yb in coords:
            d = math.hypot(xa - xb, ya - yb) * scale
            # 1e-9 guards exact decimals (e.g. 5.0) against floating-point noise
            if ceil:
                row.append(math.ceil(d - 1e-9))
            else:
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
    import vrplib  # a bench extra (setup.cfg [bench]): read_cordeau and read_lilim need only the standard library

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


def read_cordeau(path: str | Path, *, priority: int = 100) -> Instance:
    """Read a Cordeau dial-a-ride instance (``K n T Q L``, then ``2n + 2`` node rows).

    Node rows are ``id x y service load ready due``: node 0 the start depot,
    1..n the pick-ups, n+1..2n the matching drop-offs, 2n+1 the end depot
    (at the start depot's place in every instance of the set). Request ``i``
    becomes shipment ``i`` (pick-up id ``i``, delivery id ``n + i``) with both
    windows, both service times, the pick-up's load as its ``amount`` (seats)
    and the instance's maximum ride time ``L`` (delivery start minus pick-up
    end, the literature's and the format's definition); each of the ``K``
    vehicles has ``Q`` seats and the depot's window ``[0, T]`` as its
    ``time_window``, which in these instances is the route duration limit
    ``T`` itself (every depot window starts at 0 and ends at ``T``, checked).
    Every request gets `priority` (100: a commitment; the optimum serves all).

    Parameters
    ----------
    path
        A file such as ``a2-16`` (no extension).
    priority
        The priority of every shipment.
    """
    path = Path(path)
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    try:
        n_vehicles, n, limit, capacity, ride = (int(float(x)) for x in lines[0][:5])
        rows = [[float(x) for x in parts[:7]] for parts in lines[1:2 * n + 3]]
    except (ValueError, IndexError) as exc:
        raise ValueError(f"{path}: not a Cordeau instance") from exc
    if len(rows) != 2 * n + 2:
        raise ValueError(f"{path}: expected {2 * n + 2} node rows, found {len(rows)}")
    s = CORDEAU_SCALE
    depot, end = rows[0], rows[2 * n + 1]
    if (depot[1], depot[2]) != (end[1], end[2]) or depot[5] != 0 or depot[6] != limit:
        raise ValueError(f"{path}: depot window [{depot[5]:g}, {depot[6]:g}] is not [0, T={limit}]")
    coords = [(r[1], r[2]) for r in rows[:2 * n + 1]]

    def step(node: int) -> dict:
        r = rows[node]
        return {"id": node, "location_index": node, "service": round(r[3] * s),
                "time_windows": [[round(r[5] * s), round(r[6] * s)]]}

    shipments = [{"pickup": step(i), "delivery": step(n + i), "amount": [int(rows[i][4])],
                  "priority": priority, "max_ride_time": ride * s} for i in range(1, n + 1)]
    matrix = _matrix(coords, s, truncate=False, ceil=True)
    vehicles = [{"id": k + 1, "start_index": 0, "end_index": 0, "capacity": [capacity],
                 "time_window": [0, limit * s]} for k in range(n_vehicles)]
    problem = {"vehicles": vehicles, "shipments": shipments,
               "matrices": {"car": {"durations": matrix, "distances": matrix}}}
    return Instance(name=path.name, problem=problem, coords=coords, scale=s, vehicles=n_vehicles,
                    capacity=capacity)

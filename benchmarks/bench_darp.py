"""Dial-a-ride benchmark: odekake on Cordeau's a- and b-series against the optima.

    python -m benchmarks darp [--time-limit 10] [--instances a2-16,b4-48,a6...]
        [--workers 2] [--seed 0] [--no-write]

Each instance of ``cordeau/`` (``/work/shared/benchmarks``, or
``$ODEKAKE_BENCH_DATA``) is converted by `benchmarks.readers.read_cordeau`
(every request a pick-up and delivery shipment of priority 100 with both
windows, service times, seats as its amount and the instance's maximum ride
time; ``K`` vehicles of ``Q`` seats whose time window ``[0, T]`` is the route
duration limit; arcs ``ceil(1000 x Euclidean)``), solved once with the time
limit, and its plan checked by the project's independent validator
(`scheduler.vrp.validator.validate`). The distance is recomputed unrounded from
the coordinates along the plan's stops (`benchmarks.readers.route_distance`), so
it is comparable with ``BKS.csv`` (total routing cost, unrounded Euclidean; 15
of the 48 have a proven optimum). The mean and worst gap are taken over the
instances with an optimum, and only when every one of them is fully served.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

from benchmarks.readers import Instance, read_cordeau, route_distance
from benchmarks.report import SHARED, machine_line, markdown_table, write_section

DATA = Path(os.environ.get("ODEKAKE_BENCH_DATA", SHARED / "benchmarks")) / "cordeau"
HEADERS = ["instance", "served", "valid", "distance", "BKS", "gap %", "s", "stopped"]


def instance_paths(data: Path, only: list[str] | None) -> list[Path]:
    """Return the instance files of `data` (a-series then b-series, by size), those named by `only` if given."""
    paths = [p for p in data.iterdir() if p.is_file() and p.name[:1] in "ab" and "-" in p.name]
    paths.sort(key=lambda p: (p.name[0], *(int(x) for x in p.name[1:].split("-"))))
    if only:
        paths = [p for p in paths if any(p.name == o or p.name.startswith(o) for o in only)]
    return paths


def read_bks(data: Path) -> dict[str, float]:
    """Return ``BKS.csv`` as instance -> best-known (here: optimal) routing cost."""
    with open(data / "BKS.csv", newline="") as fh:
        return {row["instance"]: float(row["bks_cost"]) for row in csv.DictReader(fh)}


def plan_distance(inst: Instance, solution: dict) -> float:
    """Return the plan's Euclidean length from the coordinates, depot to depot, unrounded."""
    total = 0.0
    for route in solution["routes"]:
        stops = [s["location_index"] for s in route["steps"] if s["type"] in {"pickup", "delivery"}]
        if stops:
            total += route_distance(inst.coords, stops)
    return total


def served_requests(solution: dict) -> int:
    """Return how many requests the plan serves (its pick-ups on routes)."""
    return sum(1 for route in solution["routes"] for s in route["steps"] if s["type"] == "pickup")


def run_instance(path: Path, bks: dict[str, float], time_limit: float, workers: int, seed: int) -> dict:
    """Convert, solve, validate and measure one instance; return its row's data."""
    from scheduler.vrp.params import SolveParams
    from scheduler.vrp.solver import solve
    from scheduler.vrp.validator import validate

    inst = read_cordeau(path)
    began = time.perf_counter()
    solution = solve(inst.problem, SolveParams(time_limit_s=time_limit, workers=workers, seed=seed))
    seconds = time.perf_counter() - began
    errors = validate(inst.problem, solution)
    distance = plan_distance(inst, solution)
    best = bks.get(inst.name)
    return {"name": inst.name, "served": served_requests(solution), "total": len(inst.problem["shipments"]),
            "valid": not errors, "errors": errors[:3], "distance": distance, "bks": best,
            "gap": None if best is None else 100.0 * (distance - best) / best, "seconds": seconds,
            "stopped": solution["summary"].get("search", {}).get("stopped", "")}


def table_row(r: dict) -> list[object]:
    """Return one instance's row of the table (`HEADERS`)."""
    return [r["name"], f"{r['served']}/{r['total']}", "yes" if r["valid"] else "NO", f"{r['distance']:.2f}",
            "" if r["bks"] is None else f"{r['bks']:.2f}", "" if r["gap"] is None else f"{r['gap']:+.2f}",
            f"{r['seconds']:.1f}", r["stopped"]]


def summary_lines(results: list[dict]) -> list[str]:
    """Return the summary: served and valid counts, and the mean and worst gap over the instances with an optimum.

    The gaps are summarised only when every instance with an optimum is
    fully served with a valid plan: a plan that leaves a rider at home is
    shorter, and its gap would flatter the mean.
    """
    full = sum(1 for r in results if r["served"] == r["total"])
    valid = sum(1 for r in results if r["valid"])
    lines = [f"{full} of {len(results)} instances fully served, {valid} of {len(results)} plans valid."]
    optimal = [r for r in results if r["gap"] is not None]
    if not optimal:
        return lines
    short = [r["name"] for r in optimal if r["served"] != r["total"] or not r["valid"]]
    if short:
        lines.append(f"Not fully served or not valid among the {len(optimal)} with an optimum: {', '.join(short)} "
                     "(no mean gap).")
        return lines
    gaps = [r["gap"] for r in optimal]
    worst = max(optimal, key=lambda r: r["gap"])
    lines.append(f"Over the {len(optimal)} instances with a proven optimum: mean gap {sum(gaps) / len(gaps):+.2f} %, "
                 f"worst {worst['gap']:+.2f} % ({worst['name']}).")
    return lines


def _body(argv: list[str], args, results: list[dict]) -> str:
    return (
        f"{machine_line()}. Command: `python -m benchmarks darp {' '.join(argv)}`.\n\n"
        f"Cordeau's dial-a-ride instances (a- and b-series, `cordeau/` of the shared benchmarks), time limit "
        f"{args.time_limit:g} s per instance, {args.workers} worker(s), seed {args.seed}; load average "
        f"{os.getloadavg()[0]:.1f} at the end of the run (other work shares the cores: the figures of a wall-clock "
        "limit depend on it).\n\n"
        "Conversion (`benchmarks.readers.read_cordeau`): every request is a shipment of priority 100 (a "
        "commitment) from its pick-up node to its drop-off node, with both time windows, both service times, "
        "its seats as `amount` and the instance's maximum ride time `L` as `max_ride_time` (delivery start "
        "minus pick-up end, as in the literature); each of the `K` vehicles has `Q` seats and the depot's "
        "window `[0, T]` as its `time_window`, which in every instance of the set is the route duration limit "
        "`T` (the reader checks it). Travel time = distance = Euclidean; the integer matrices hold "
        "`ceil(1000 x Euclidean)` and every time is multiplied by 1000, so a plan that keeps every rule in "
        "integers keeps them with the real distances too (its service starts stay feasible, no drive being "
        "longer). Every plan is checked by `scheduler.vrp.validator.validate`; the distance is recomputed "
        "unrounded from the coordinates along the plan's stops, comparable with `BKS.csv` (proven optima for "
        "15 instances). Gap = (distance - BKS) / BKS.\n\n"
        + "\n".join(f"- {line}" for line in summary_lines(results)) + "\n\n"
        + markdown_table(HEADERS, [table_row(r) for r in results]) + "\n"
    )


def main(argv: list[str]) -> int:
    """Run the dial-a-ride benchmark and write the ``darp`` section of BENCHMARKS.md (``darp-60s`` at 60 s)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks darp")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--instances", help="comma-separated instance names or prefixes (a2-16, b4, a6-72...)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"error: no Cordeau instances in {DATA}", file=sys.stderr)
        return 2
    only = [o.strip() for o in args.instances.split(",")] if args.instances else None
    bks = read_bks(DATA)
    results = []
    for path in instance_paths(DATA, only):
        r = run_instance(path, bks, args.time_limit, args.workers, args.seed)
        results.append(r)
        print(" | ".join(str(c) for c in table_row(r)) + ("" if r["valid"] else f"  {r['errors']}"), flush=True)
    for line in summary_lines(results):
        print(line)
    if not args.no_write and results:
        # the table is at 10 s; another limit gets a section of its own beside it
        section, title = ("darp", "Dial-a-ride (Cordeau)") if args.time_limit == 10 else \
            (f"darp-{args.time_limit:g}s", f"Dial-a-ride (Cordeau), {args.time_limit:g} s")
        write_section(section, title, _body(argv, args, results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

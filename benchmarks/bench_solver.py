"""Solver benchmark: odekake vs best-known, VROOM and PyVRP on Solomon and Li & Lim.

    python -m benchmarks solver [--time-limit 10] [--only C1,R101,...] [--quick]
        [--sets solomon,lilim,homberger] [--workers 2] [--no-vroom] [--no-pyvrp]
        [--no-write] [--first-solution NAME] [--metaheuristic NAME] [--gls-lambda X]

Instances: the 56 Solomon 100-customer VRPTW instances, the 29 Li & Lim
100-task PDPTW instances of the first series (lc1*, lr1*, lrc1*) and, with
``--sets ...,homberger``, a sample of Gehring & Homberger's 200-customer VRPTW
instances (the 1st and 6th of each of the six classes: `HOMBERGER_SAMPLE`), read by
`benchmarks.readers` (integer scaling documented there; the 200-customer files
are in Solomon's format). Every solver gets
the same integer matrices and the same time limit per instance (VROOM:
``exploration_level=5, nb_threads=2`` with the time limit as timeout;
PyVRP 0.14: ``MaxRuntime``, the VRPTW sets only). Each odekake solution goes
through `scheduler.vrp.validator.validate`.

Distances are reported in the instances' own unit, recomputed from the
coordinates: Solomon with each arc truncated to one decimal (compare with
``dist_only_distance_trunc1``), Li & Lim unrounded (compare with
``hier_distance``, whose vehicle count is minimised first).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.readers import Instance, read_lilim, read_solomon, route_distance
from benchmarks.report import SHARED, machine_line, markdown_table, write_section

DATA = Path(os.environ.get("ODEKAKE_BENCH_DATA", SHARED / "benchmarks"))
QUICK = ["C101", "C201", "R101", "R201", "RC101", "RC201", "lc101", "lr101", "lrc101"]
#: The Gehring & Homberger 200-customer sample: a rule, not a choice (the 1st and 6th of each class).
HOMBERGER_SAMPLE = [f"{cls}_2_{i}" for cls in ("c1", "c2", "r1", "r2", "rc1", "rc2") for i in (1, 6)]
SETS = ("solomon", "lilim", "homberger")


def _instances(only: list[str] | None, quick: bool, sets: tuple[str, ...] = ("solomon", "lilim")
               ) -> list[tuple[str, Path]]:
    found = []
    if "solomon" in sets:
        for path in sorted((DATA / "solomon100").glob("*.txt")):
            found.append(("solomon", path))
    if "lilim" in sets:
        for path in sorted((DATA / "lilim100").glob("l*1[0-9][0-9].txt")):
            found.append(("lilim", path))
    if "homberger" in sets:
        for name in HOMBERGER_SAMPLE:
            found.append(("homberger", DATA / "homberger200" / f"{name}.txt"))
    if quick:
        found = [f for f in found if f[1].stem in QUICK]
    if only:
        found = [f for f in found if any(f[1].stem.lower().startswith(o.lower()) for o in only)]
    return found


def _bks() -> dict[str, dict[str, str]]:
    table = {}
    for sub in ("solomon100", "lilim100", "homberger200"):
        if not (DATA / sub / "BKS.csv").exists():
            continue
        with open(DATA / sub / "BKS.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                table[row["instance"]] = row
    return table


def _distance(kind: str, inst: Instance, routes: list[list[int]]) -> float:
    trunc = 1 if kind in {"solomon", "homberger"} else None
    return sum(route_distance(inst.coords, r, truncate_decimals=trunc) for r in routes)


def _run_odekake(inst: Instance, args) -> dict:
    from scheduler.vrp.params import SolveParams
    from scheduler.vrp.solver import solve
    from scheduler.vrp.validator import validate

    params = SolveParams(time_limit_s=args.time_limit, workers=args.workers,
                         first_solution=args.first_solution, metaheuristic=args.metaheuristic,
                         gls_lambda=args.gls_lambda, stall_s=args.stall)
    t = time.perf_counter()
    sol = solve(inst.problem, params)
    elapsed = time.perf_counter() - t
    errors = validate(inst.problem, sol)
    routes = [[s["location_index"] for s in r["steps"] if s["type"] not in {"start", "end", "break"}]
              for r in sol["routes"]]
    return {"routes": routes, "vehicles": len(routes), "unassigned": sol["summary"]["unassigned"],
            "time_s": elapsed, "valid": not errors, "errors": errors[:3]}


def _run_vroom(inst: Instance, args) -> dict:
    import vroom

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(inst.problem, fh)
    try:
        problem = vroom.Input.from_json(fh.name)
    finally:
        os.unlink(fh.name)
    t = time.perf_counter()
    sol = problem.solve(exploration_level=5, nb_threads=2,
                        timeout=datetime.timedelta(seconds=args.time_limit))
    elapsed = time.perf_counter() - t
    frame = sol.routes
    routes = []
    for _, group in frame.groupby("vehicle_id", sort=True):
        locs = [int(x) for x, kind in zip(group["location_index"], group["type"])
                if kind not in {"start", "end", "break"}]
        if locs:
            routes.append(locs)
    return {"routes": routes, "vehicles": len(routes), "unassigned": int(sol.summary.unassigned),
            "time_s": elapsed, "valid": True}


def _run_pyvrp(inst: Instance, args) -> dict:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    problem = inst.problem
    matrix = problem["matrices"]["car"]["durations"]
    m = pyvrp.Model()
    locs = [m.add_location(x=x, y=y) for x, y in inst.coords]
    tw = problem["vehicles"][0]["time_window"]
    depot = m.add_depot(locs[0], tw_early=tw[0], tw_late=tw[1])
    m.add_vehicle_type(num_available=len(problem["vehicles"]), capacity=[inst.capacity],
                       start_depot=depot, end_depot=depot, tw_early=tw[0], tw_late=tw[1])
    for job in problem["jobs"]:
        w = job["time_windows"][0]
        m.add_client(locs[job["location_index"]], delivery=job["delivery"], service_duration=job["service"],
                     tw_early=w[0], tw_late=w[1])
    for a, la in enumerate(locs):
        for b, lb in enumerate(locs):
            if a != b:
                m.add_edge(la, lb, distance=matrix[a][b], duration=matrix[a][b])
    t = time.perf_counter()
    res = m.solve(stop=MaxRuntime(args.time_limit), seed=0, display=False)
    elapsed = time.perf_counter() - t
    # activities of clients carry the client's index; clients were added in
    # location order after the depot, so client c sits at location c + 1
    # (checked against PyVRP's own distance; the other numbering is the fallback)
    routes = [[a.idx + 1 for a in route if a.is_client()] for route in res.best.routes()]
    if routes and abs(_distance("solomon", inst, routes) * inst.scale - res.best.distance()) > 0.5:
        routes = [[a.idx for a in route if a.is_client()] for route in res.best.routes()]
    return {"routes": routes, "vehicles": len(routes), "unassigned": 0 if res.is_feasible() else -1,
            "time_s": elapsed, "valid": res.is_feasible()}


def _gap(value: float, best: float) -> float:
    return 100.0 * (value - best) / best


def main(argv: list[str]) -> int:
    """Run the solver benchmark and write the ``solver`` section of BENCHMARKS.md."""
    from scheduler.vrp.params import FIRST_SOLUTIONS, METAHEURISTICS

    parser = argparse.ArgumentParser(prog="python -m benchmarks solver")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--only", help="comma-separated instance name prefixes (C1, R101, lrc1...)")
    parser.add_argument("--quick", action="store_true", help="one instance per class")
    parser.add_argument("--sets", default="solomon,lilim",
                        help=f"comma-separated instance sets among {', '.join(SETS)}")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--first-solution", default="AUTO", choices=FIRST_SOLUTIONS)
    parser.add_argument("--metaheuristic", default="ITERATED_LOCAL_SEARCH", choices=METAHEURISTICS)
    parser.add_argument("--gls-lambda", type=float, default=0.1)
    parser.add_argument("--stall", type=float, default=None,
                        help="early stop after this many seconds without a real gain (default: by size; 0: off)")
    parser.add_argument("--no-vroom", action="store_true")
    parser.add_argument("--no-pyvrp", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    only = [o.strip() for o in args.only.split(",")] if args.only else None
    sets = tuple(s.strip() for s in args.sets.split(","))
    unknown = [s for s in sets if s not in SETS]
    if unknown:
        parser.error(f"--sets: unknown set {unknown[0]!r} (known: {', '.join(SETS)})")
    bks = _bks()
    solvers = ["odekake"] + ([] if args.no_vroom else ["vroom"]) + ([] if args.no_pyvrp else ["pyvrp"])
    runners = {"odekake": _run_odekake, "vroom": _run_vroom, "pyvrp": _run_pyvrp}
    rows = []
    results: dict[str, dict[str, dict]] = {}
    for kind, path in _instances(only, args.quick, sets):
        vrptw = kind in {"solomon", "homberger"}
        inst = read_solomon(path) if vrptw else read_lilim(path)
        best_row = bks.get(inst.name, {})
        best = float(best_row["dist_only_distance_trunc1"] if vrptw else best_row["hier_distance"])
        best_veh = int(best_row["dist_only_vehicles"] if vrptw else best_row["hier_vehicles"])
        results[inst.name] = {}
        row = [inst.name, f"{best:.1f}/{best_veh}"]
        for name in solvers:
            if name == "pyvrp" and not vrptw:
                row += ["", "", ""]
                continue
            try:
                res = runners[name](inst, args)
            except ImportError as exc:
                print(f"skipping {name}: {exc}", file=sys.stderr)
                row += ["n/a", "", ""]
                continue
            res["distance"] = _distance(kind, inst, res["routes"])
            res["gap"] = _gap(res["distance"], best)
            res["kind"] = kind
            results[inst.name][name] = res
            flag = "" if res["valid"] and res["unassigned"] == 0 else " (!)"
            row += [f"{res['distance']:.1f}/{res['vehicles']}{flag}", f"{res['gap']:+.2f}", f"{res['time_s']:.1f}"]
        rows.append(row)
        print(" | ".join(str(c) for c in row), flush=True)

    headers = ["instance", "BKS dist/veh"]
    for name in solvers:
        headers += [f"{name} dist/veh", f"{name} gap %", f"{name} s"]
    summary_rows = []
    for kind, label in (("solomon", "Solomon (vs dist_only trunc1)"), ("lilim", "Li & Lim 1xx (vs hier)"),
                        ("homberger", "Gehring-Homberger 200 sample (vs dist_only trunc1)")):
        names = [n for n, r in results.items() if r and next(iter(r.values()))["kind"] == kind]
        if not names:
            continue
        line = [label, f"{len(names)} instances"]
        for name in solvers:
            got = [results[n][name] for n in names if name in results[n]]
            if not got:
                line += ["", "", ""]
                continue
            bad = sum(1 for g in got if not g["valid"] or g["unassigned"] != 0)
            line += [f"veh {sum(g['vehicles'] for g in got) / len(got):.2f}"
                     + (f", {bad} infeasible/unserved" if bad else ""),
                     f"{sum(g['gap'] for g in got) / len(got):+.2f}",
                     f"{sum(g['time_s'] for g in got) / len(got):.1f}"]
        summary_rows.append(line)
        # odekake's mean cost relative to each peer on the same instances
        for peer in solvers[1:]:
            pairs = [(results[n]["odekake"]["distance"], results[n][peer]["distance"]) for n in names
                     if "odekake" in results[n] and peer in results[n]]
            if pairs:
                rel = sum(100.0 * (a - b) / b for a, b in pairs) / len(pairs)
                print(f"{label}: odekake vs {peer}: {rel:+.2f} % mean distance difference", flush=True)
                summary_rows.append([label, f"odekake vs {peer}", f"{rel:+.2f} % mean distance"]
                                    + [""] * (len(headers) - 3))
    table = markdown_table(headers, rows)
    averages = markdown_table(headers, summary_rows)
    print(averages)
    if not args.no_write:
        body = (
            f"{machine_line()}. Command: `python -m benchmarks solver {' '.join(argv)}`.\n\n"
            f"Time limit {args.time_limit:g} s per instance and solver; odekake with {args.workers} worker(s), "
            f"first solution {args.first_solution}, {args.metaheuristic} (OR-Tools' iterated local search with "
            "SISR ruin-and-recreate by default; a second worker runs savings + iterated local search "
            "on VRPTW, insertion + tabu search on pickup-and-delivery; best kept); VROOM exploration_level=5, "
            "nb_threads=2, same timeout; PyVRP 0.14 MaxRuntime, seed 0 (VRPTW only).\n\n"
            "Integer matrices (same for every solver): Solomon arcs = floor(10 x Euclidean) (DIMACS "
            "one-decimal truncation, x10), windows and service x10; Li & Lim arcs = round(1000 x Euclidean), "
            "windows and service x1000. Distances below are recomputed from the coordinates: Solomon with "
            "one-decimal truncation per arc (BKS = `dist_only_distance_trunc1`), Li & Lim unrounded "
            "(BKS = `hier_distance`, vehicles minimised first, so a distance-only solver may beat it with "
            "more vehicles). Gap = (distance - BKS) / BKS. `(!)` marks an invalid or incomplete solution.\n\n"
            f"### Averages\n\n{averages}\n\n### Per instance\n\n{table}\n"
        )
        if sets == ("solomon", "lilim"):
            write_section("solver", "Solver: Solomon and Li & Lim vs best-known, VROOM, PyVRP", body)
        else:  # another choice of sets gets a section of its own beside the default table
            write_section("solver-" + "-".join(sets), f"Solver: {', '.join(sets)} vs best-known and peers", body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Benchmark: plan the FICTIONAL sample week end to end (compile + solve + store).

``python -m benchmarks planning [--time-limit S] [--seeds N] [--workers 1,2] [--week YYYY-MM-DD]``

Builds the sample district's road graph in a temporary instance, loads the
sample week (3 vehicles × 5 days, about 150 requests of all four kinds) into
a fresh database per run and plans it with the time limit a dispatcher would
wait for. Records requests served, driving hours, promises kept, the
validator's verdict (`plan_week` refuses an invalid plan, and the validator is
run again here on the stored solution) and the wall time split into compile /
solve / store. Writes the "planning" section of docs/BENCHMARKS.md. Target:
under 30 s wall, every promise kept, validator clean. No assertion on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from benchmarks.report import machine_line, markdown_table, write_section


def _run(network, week: dt.date, time_limit_s: float, seed: int, workers: int, early: bool) -> dict:
    from scheduler.io.sample import load_sample
    from scheduler.planning import plan_week
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams
    from scheduler.vrp.validator import validate

    with Store.open(":memory:") as store:
        t0 = time.perf_counter()
        report = load_sample(store, network, week)
        load_s = time.perf_counter() - t0
        result = plan_week(store, network, week, params=SolveParams(time_limit_s=time_limit_s, seed=seed,
                                                                      workers=workers,
                                                                      stall_s=None if early else 0),
                           user="benchmark", now=report.now)
        errors = validate(result.compiled.problem, result.solution)
        s = result.plan.summary
        return {
            "workers": workers,
            "early": "on" if early else "off",
            "stopped": result.solution["summary"].get("search", {}).get("stopped", ""),
            "seed": seed,
            "requests": s["requests"],
            "served": s["served"],
            "by_kind": ", ".join(f"{k} {v}/{v + s['unassigned_by_kind'].get(k, 0)}"
                                 for k, v in sorted(s["served_by_kind"].items())),
            "tasks": s["tasks"],
            "promises": f"{s['promises_kept']}/{s['promised']}",
            "driving_h": s["driving_s"] / 3600,
            "distance_km": s["distance_m"] / 1000,
            "validator": "clean" if not errors else f"{len(errors)} errors",
            "load_s": load_s,
            "compile_s": result.timings["compile_s"],
            "solve_s": result.timings["solve_s"],
            "store_s": result.timings["store_s"],
            "total_s": result.timings["total_s"],
        }


def main(argv: list[str]) -> int:
    """Run the planning benchmark and write its section of docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks planning", description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=20.0, help="solver seconds per plan (default 20)")
    parser.add_argument("--seeds", type=int, default=2, help="solver seeds to run (default 2)")
    parser.add_argument("--workers", default="1,2",
                        help="solver worker counts to compare, comma-separated (default 1,2)")
    parser.add_argument("--early-stop", default="on,off",
                        help="early stop settings to compare, comma-separated (default on,off: the default and "
                             "a run to the time limit)")
    parser.add_argument("--week", default="2026-11-30", help="Monday of the sample week (default 2026-11-30)")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch docs/BENCHMARKS.md")
    args = parser.parse_args(argv)

    from routing.graph import build_graph
    from routing.network import RoadNetwork
    from routing.sample_district import DEFAULT_PATH

    week = dt.date.fromisoformat(args.week)
    with tempfile.TemporaryDirectory(prefix="odekake-bench-planning-") as tmp:
        t0 = time.perf_counter()
        build_graph(DEFAULT_PATH, Path(tmp))
        network = RoadNetwork.from_instance(Path(tmp), cache_dir=None)
        graph_s = time.perf_counter() - t0
        rows = [_run(network, week, args.time_limit, seed, int(workers), early == "on")
                for early in args.early_stop.split(",")
                for workers in args.workers.split(",") for seed in range(args.seeds)]

    headers = ["early stop", "stopped", "workers", "seed", "served / due", "served by kind", "tasks", "promises kept", "driving h", "km",
               "validator", "compile s", "solve s", "store s", "plan wall s"]
    table = markdown_table(headers, [
        [r["early"], r["stopped"], r["workers"], r["seed"], f"{r['served']}/{r['requests']}", r["by_kind"], r["tasks"], r["promises"], r["driving_h"],
         r["distance_km"], r["validator"], r["compile_s"], r["solve_s"], r["store_s"], r["total_s"]]
        for r in rows])
    body = (
        f"Sample week {week} (fictional district, 3 vehicles × 5 service days = 15 shifts), planned end to end "
        f"by `scheduler.planning.plan_week` with a {args.time_limit:g} s solver time limit; one fresh database "
        f"per seed. Compile includes the single travel-matrix computation; store is the plan version with its "
        f"stops and status changes in one transaction. Graph build (once, not in the figures): {graph_s:.1f} s; "
        f"loading the sample: {rows[0]['load_s']:.2f} s.\n\n{table}\n\n"
        f"Targets: every promise kept, validator clean; with the default early stop (*on*: the search stops "
        f"once no real gain came for a while, `SolveParams.stall_s`) a plan in at most 10 s serving as much "
        f"as a run to the time limit (*off*). *workers* = solver processes (the default is 2, each from the "
        f"commitments-first plan with its own seed).\n\n"
        f"Measured on {machine_line()}. Run: `python -m benchmarks planning --time-limit {args.time_limit:g} "
        f"--seeds {args.seeds} --workers {args.workers} --early-stop {args.early_stop}`."
    )
    print(table)
    if not args.no_write:
        write_section("planning", "Weekly planning of the sample week", body)
    return 0

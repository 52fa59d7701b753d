"""Fingerprint the engine's plans: a SHA-256 per instance, to show a refactoring changed no plan.

``python -m benchmarks fingerprint [--only NAME,...] [--json]``

Solves a fixed set of problems with a fixed seed, one worker and a solution
limit (the search then depends on the input and the seed alone, see
`scheduler.vrp.search.clock_free`) and prints, per problem, the SHA-256 of
the canonical JSON of its routes (per route: the vehicle, and per step its
type, task id, arrival and waiting: the service start) and unassigned task ids, with the
summary cost. Run it before and after a change that must not change
behaviour: the hashes must be identical. No assertion, no file written.

The problems: the FICTIONAL sample week (loaded into an in-memory store as
``odekake sample load`` does, compiled at the sample's planning time) with
the constructed plan alone (limit 1) and with ruin and recreate and a short
OR-Tools search; a generated 500-stop rich week (`benchmarks.rich_week`,
above the size where the engine builds its own first plan); a Solomon
VRPTW and a Li & Lim pickup-and-delivery instance from
``/work/shared/benchmarks`` when present.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BENCHMARKS_DIR = Path(os.environ.get("ODEKAKE_BENCHMARKS", "/work/shared/benchmarks"))
SAMPLE_WEEK = dt.date(2026, 11, 30)


def fingerprint(solution: dict) -> str:
    """Return the SHA-256 of a solution's routes and unassigned ids (canonical JSON; times excluded)."""
    routes = [{"vehicle": r["vehicle"],
               "steps": [[s["type"], s.get("id"), s["arrival"], s["waiting_time"]]
                         for s in r["steps"]]}
              for r in solution["routes"]]
    unassigned = sorted(u["id"] for u in solution["unassigned"])
    text = json.dumps({"routes": routes, "unassigned": unassigned}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _sample_week(network) -> dict:
    from scheduler.io.sample import load_sample
    from scheduler.planning.run import compile_from_store
    from scheduler.store import Store

    with Store.open(":memory:") as store:
        report = load_sample(store, network, SAMPLE_WEEK)
        return compile_from_store(store, network, SAMPLE_WEEK, now=report.now).problem


def _cases(network) -> list[tuple[str, Callable[[], dict], dict]]:
    """Return (name, problem factory, SolveParams fields) of each fingerprinted solve."""
    from benchmarks.readers import read_lilim, read_solomon
    from benchmarks.rich_week import rich_week

    cases = [
        ("sample week, limit 1", lambda: _sample_week(network), {"solution_limit": 1}),
        ("sample week, R&R 30 + limit 20", lambda: _sample_week(network),
         {"solution_limit": 20, "improve_iterations": 30}),
        ("rich week 500, R&R 20 + limit 2", lambda: rich_week(network, 500, seed=1),
         {"solution_limit": 2, "improve_iterations": 20}),
    ]
    solomon, lilim = BENCHMARKS_DIR / "solomon100" / "R101.txt", BENCHMARKS_DIR / "lilim100" / "lc101.txt"
    if solomon.exists():
        cases.append(("Solomon R101, limit 200", lambda: read_solomon(solomon).problem, {"solution_limit": 200}))
    if lilim.exists():
        cases.append(("Li & Lim lc101, limit 200", lambda: read_lilim(lilim).problem, {"solution_limit": 200}))
    return cases


def main(argv: list[str]) -> int:
    """Print each problem's plan fingerprint."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks fingerprint", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated name prefixes to run (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)

    from routing.graph import build_graph
    from routing.network import RoadNetwork
    from routing.sample_district import DEFAULT_PATH
    from scheduler.vrp.params import SolveParams
    from scheduler.vrp.solver import solve

    only = [p.strip() for p in args.only.split(",") if p.strip()]
    out = {}
    with tempfile.TemporaryDirectory(prefix="odekake-fingerprint-") as tmp:
        build_graph(DEFAULT_PATH, Path(tmp))
        network = RoadNetwork.from_instance(Path(tmp), cache_dir=None)
        for name, problem_of, fields in _cases(network):
            if only and not any(name.startswith(p) for p in only):
                continue
            problem = problem_of()
            t0 = time.perf_counter()
            solution = solve(problem, SolveParams(time_limit_s=600, seed=0, workers=1, **fields))
            out[name] = {"sha256": fingerprint(solution), "cost": solution["summary"]["cost"],
                         "unassigned": len(solution["unassigned"]),
                         "stopped": solution["summary"]["search"]["stopped"],
                         "seconds": round(time.perf_counter() - t0, 1)}
            if not args.json:
                r = out[name]
                print(f"{name:34} {r['sha256'][:16]}  cost {r['cost']:>10}  unassigned {r['unassigned']:>3}  "
                      f"{r['stopped']:>14}  {r['seconds']:>6} s", flush=True)
    if args.json:
        print(json.dumps(out, indent=2))
    return 0

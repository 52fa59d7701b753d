"""Benchmark re-planning the rest of a day (issue 26): the sample Tuesday at 11:00, and vehicle 2 breaking down.

Run ``python -m benchmarks replan [--time-limit S] [--solution-limit N]``. The sample
week (2026-11-30) is planned and published in a temporary instance; every crew
reports the stops it reached by 11:00 on Tuesday at their planned times (vehicle
1 ten minutes late). Two re-plans from that state, each in a fresh copy:

- *rest of the day*: `scheduler.planning.replan_day.replan_day` at 11:00 (compile with
  the vans' places, solve, validate, store). Target ≤ 3 s.
- *vehicle 2 out at 11:00*: the same with vehicle 2 out of service.

For each, the same remaining work is also solved *from scratch* (the same day
problem without told times) and both answers are counted by the residents told
a time whom they move beyond 15 minutes or leave out (`count_moved`), with the
commitments each keeps. Results go to the "Re-planning a day" section of
docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import machine_line, markdown_table, write_section

WEEK = dt.date(2026, 11, 30)
DAY = WEEK + dt.timedelta(days=1)
ELEVEN = dt.datetime.combine(DAY, dt.time(11))
HEADERS = ["scenario", "seed", "tasks", "vehicles", "total s", "solve s", "moved (re-plan)", "moved (from scratch)",
           "commitments kept (re-plan)", "commitments kept (from scratch)", "unassigned (re-plan / scratch)",
           "valid"]


def _published(folder: Path, time_limit_s: float) -> None:
    from routing.graph import build_graph
    from routing.network import RoadNetwork
    from routing.sample_district import DEFAULT_PATH
    from scheduler.io.sample import load_sample
    from scheduler.planning import plan_week, publish
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams

    build_graph(DEFAULT_PATH, folder)
    network = RoadNetwork.from_instance(folder)
    with Store.for_instance(folder) as store:
        report = load_sample(store, network, WEEK)
        result = plan_week(store, network, WEEK, params=SolveParams(time_limit_s=time_limit_s, solution_limit=1),
                           user="benchmark", now=report.now)
        publish(store, result.plan.id, user="benchmark")


def report_morning(store, late_s: dict[int, int]) -> None:
    """Report every stop the crews reached by 11:00 on Tuesday (arrived; done when over), some vans late."""
    from scheduler.domain import DAY_S
    from scheduler.live.day import live_day

    def at(s: int) -> dt.datetime:
        return dt.datetime.combine(DAY, dt.time()) + dt.timedelta(seconds=s % DAY_S)

    for vday in live_day(store, DAY, dt.datetime.combine(DAY, dt.time(6))).vehicles:
        late = late_s.get(vday.vehicle_id, 0)
        for step in vday.steps:
            stop = step.stop
            if stop.request_id is None:
                continue
            if stop.arrival_s % DAY_S + late > 11 * 3600:
                break
            store.mark_stop(stop.id, "arrived", user="benchmark", at=at(stop.arrival_s + late), now=ELEVEN)
            if stop.departure_s % DAY_S + late > 11 * 3600:
                break
            store.mark_stop(stop.id, "done", user="benchmark", at=at(stop.departure_s + late), now=ELEVEN)


def _commitments_kept(problem: dict, solution: dict) -> tuple[int, int]:
    tasks = [t["id"] for t in problem["jobs"] if t.get("priority") == 100]
    tasks += [s["pickup"]["id"] for s in problem["shipments"] if s.get("priority") == 100]
    left = {u["id"] for u in solution["unassigned"]}
    return sum(1 for t in tasks if t not in left), len(tasks)


def _scenario(name: str, source: Path, outages: list, params) -> list[object]:
    """Return the table row of one re-plan (its seed in `params`) and of the same work solved from scratch."""
    from routing.network import RoadNetwork
    from scheduler.planning.replan_calls import count_moved, untold
    from scheduler.planning.replan_day import replan_day
    from scheduler.store import Store
    from scheduler.vrp.solver import solve
    from scheduler.vrp.validator import validate

    with tempfile.TemporaryDirectory(prefix="odekake-bench-replan-") as tmp:
        folder = Path(tmp) / "inst"
        shutil.copytree(source, folder)
        network = RoadNetwork.from_instance(folder)
        with Store.for_instance(folder) as store:
            report_morning(store, {1: 600})
            t0 = time.perf_counter()
            out = replan_day(store, network, DAY, now=ELEVEN, user="benchmark", params=params, outages=outages)
            total = time.perf_counter() - t0
        scratch_problem = untold(out.problem)
        scratch = solve(scratch_problem, params)
        valid = not validate(out.problem, out.solution) and not validate(scratch_problem, scratch)
        kept, of = _commitments_kept(out.problem, out.solution)
        scratch_kept, _ = _commitments_kept(out.problem, scratch)
        tasks = len(out.problem["jobs"]) + 2 * len(out.problem["shipments"])
        return [name, params.seed, tasks, len(out.problem["vehicles"]), total, out.timings["solve_s"], out.moved,
                count_moved(scratch_problem, scratch, told_problem=out.problem), f"{kept}/{of}",
                f"{scratch_kept}/{of}", f"{len(out.solution['unassigned'])} / {len(scratch['unassigned'])}",
                "yes" if valid else "NO"]


def _verdict(name: str, rows: list[list]) -> str:
    """Return what the rows of one scenario (one per seed) say: fewer moved than from scratch at every seed?"""
    pairs = [(row[6], row[7]) for row in rows if row[0] == name]
    said = ", ".join(f"{ours} against {theirs}" for ours, theirs in pairs)
    if all(ours < theirs for ours, theirs in pairs):
        return f"{name}: the re-plan moves fewer residents than from scratch at every seed ({said})"
    return f"{name}: the re-plan does NOT move fewer than from scratch at every seed ({said})"


def main(argv: list[str]) -> int:
    """Run the re-planning benchmark, print the table and write its section of docs/BENCHMARKS.md."""
    from scheduler.planning.replan_day import Outage
    from scheduler.vrp.params import SolveParams

    parser = argparse.ArgumentParser(prog="python -m benchmarks replan")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--solution-limit", type=int, default=1)
    parser.add_argument("--seeds", default="0,1,2", help="solver seeds, one row per seed and scenario")
    parser.add_argument("--no-write", action="store_true", help="print only, do not update docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    seeds = [int(x) for x in args.seeds.split(",")]
    scenarios = [("rest of Tuesday from 11:00", []), ("vehicle 2 out at 11:00", [Outage(2, ELEVEN)])]
    with tempfile.TemporaryDirectory(prefix="odekake-bench-replan-") as tmp:
        source = Path(tmp) / "published"
        source.mkdir()
        _published(source, 60.0)
        rows = [_scenario(name, source, outages, SolveParams(time_limit_s=args.time_limit,
                                                             solution_limit=args.solution_limit, seed=seed))
                for name, outages in scenarios for seed in seeds]
    table = markdown_table(HEADERS, rows)
    print(table)
    body = "\n".join([
        (f"Machine: {machine_line()}. Command: `python -m benchmarks replan --time-limit {args.time_limit:g} "
         f"--solution-limit {args.solution_limit} --seeds {args.seeds}`."),
        "",
        table,
        "",
        "- The sample week 2026-11-30 planned and published; every crew reports the Tuesday stops it reached by",
        "  11:00 at their planned times (vehicle 1 ten minutes late); `replan_day` at 11:00 (target ≤ 3 s, *total s*:",
        "  compile with the vans' places, solve, validate, store).",
        "- *moved*: residents told a time (the promise, else the published window) whom the answer serves more than",
        "  15 minutes outside it, or leaves out; *from scratch*: the same day problem solved without told times,",
        "  counted by the same told times. *commitments kept*: promised windows and hall sessions in the day problem.",
        "- Each scenario is re-planned and solved from scratch once per seed (the same seed for both).",
        "- " + "; ".join(_verdict(name, rows) for name, _ in scenarios) + ".",
    ])
    if not args.no_write:
        write_section("replan", "Re-planning a day (issue 26)", body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Shapes benchmark: the 2,000-stop rich week bent into other shapes a new city might bring.

    python -m benchmarks shapes [--stops 2000] [--limit 10] [--seed 0] [--only NAME,...] [--no-write]

Issue 8 asks for a valid, non-empty plan within 10 s for *any* valid problem
up to 2,000 stops and 60 shifts, not only for the generated rich weeks of the
scale benchmark. Each shape here is that week (`benchmarks.rich_week`, on
Kumamoto's Chuo ward) with one thing changed: every time window removed
(errands "any time this week": nothing pins a task to a day), only shipments,
only jobs, no lunch breaks, no skills, every shift on the same day, every
task a commitment, every vehicle with one seat and one box. Each is solved by
``python -m scheduler solve`` in a child process at the given limit (the
default two workers); every plan goes through the validator. Reported: the
child's wall time, the solver's time to its first valid plan, tasks left
out, weight and commitments left out, cost, peak memory.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench_scale import KUMAMOTO, _fmt, _run_odekake
from benchmarks.report import machine_line, markdown_table, write_section
from benchmarks.rich_week import rich_week, stops_of


def _steps(problem: dict):
    yield from problem["jobs"]
    for ship in problem["shipments"]:
        yield ship["pickup"]
        yield ship["delivery"]


def _no_windows(p: dict) -> dict:
    for step in _steps(p):
        step.pop("time_windows", None)
    return p


def _shipments_only(p: dict) -> dict:
    p["jobs"] = []
    return p


def _jobs_only(p: dict) -> dict:
    p["shipments"] = []
    return p


def _no_breaks(p: dict) -> dict:
    for v in p["vehicles"]:
        v.pop("breaks", None)
    return p


def _no_skills(p: dict) -> dict:
    for item in [*p["vehicles"], *p["jobs"], *p["shipments"]]:
        item.pop("skills", None)
    return p


def _one_day(p: dict) -> dict:
    """Every shift on the first day (same hours); tasks keep their windows, so most cannot be served."""
    for v in p["vehicles"]:
        shift = v.get("time_window")
        if not shift:
            continue
        back = shift[0] // 86400 * 86400
        v["time_window"] = [shift[0] - back, shift[1] - back]
        for b in v.get("breaks", []):
            b["time_windows"] = [[a - back, z - back] for a, z in b["time_windows"]]
    return p


def _all_commitments(p: dict) -> dict:
    for task in [*p["jobs"], *p["shipments"]]:
        task["priority"] = 100
    return p


def _one_seat(p: dict) -> dict:
    for v in p["vehicles"]:
        v["capacity"] = [1 for _ in v.get("capacity", [])]
    return p


SHAPES: dict[str, tuple[str, Callable[[dict], dict]]] = {
    "rich": ("the rich week as generated", lambda p: p),
    "no_windows": ("no time window on any task", _no_windows),
    "shipments_only": ("shipments only", _shipments_only),
    "jobs_only": ("jobs only", _jobs_only),
    "no_breaks": ("no lunch breaks", _no_breaks),
    "no_skills": ("no skills", _no_skills),
    "one_day": ("all 60 shifts on one day", _one_day),
    "all_commitments": ("every task a commitment", _all_commitments),
    "one_seat": ("one seat and one box per vehicle", _one_seat),
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks shapes", description=__doc__.split("\n")[0])
    parser.add_argument("--stops", type=int, default=2000)
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="comma-separated shape names")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if not KUMAMOTO.exists():
        print(f"shapes: {KUMAMOTO} not found; skipped", file=sys.stderr)
        return 1
    names = [n for n in args.only.split(",") if n] or list(SHAPES)
    unknown = [n for n in names if n not in SHAPES]
    if unknown:
        print(f"shapes: unknown shape(s) {', '.join(unknown)}; choose from {', '.join(SHAPES)}", file=sys.stderr)
        return 2
    from routing.graph import load_graph
    from routing.network import RoadNetwork

    base = rich_week(RoadNetwork(load_graph(KUMAMOTO)), args.stops, seed=args.seed)
    rows = []
    with tempfile.TemporaryDirectory(prefix="odekake-shapes-") as tmp:
        for name in names:
            words, bend = SHAPES[name]
            problem = bend(copy.deepcopy(base))
            path = Path(tmp) / f"{name}.json"
            path.write_text(json.dumps(problem), encoding="utf-8")
            tasks = len(problem["jobs"]) + len(problem["shipments"])
            got = _run_odekake(path, args.limit)
            if "error" in got:
                rows.append([words, stops_of(problem), tasks, "failed: " + got["error"]] + ["–"] * 9)
            else:
                rows.append([words, stops_of(problem), tasks, _fmt(got["solve_s"], 2), _fmt(got["wall_s"]),
                             _fmt(got["first_s"]),
                             got["routes"], got["unassigned"], got["wu"], got["commitments"], got["cost"],
                             _fmt(got["mem_mb"], 0), "yes" if got["valid"] else f"NO {got['errors']}"])
            print(" | ".join(str(c) for c in rows[-1]), flush=True)
    headers = ["shape", "stops", "tasks", "solve s", "process s", "first plan s", "routes", "unassigned", "weighted unassigned",
               "commitments left out", "cost", "peak MB", "valid"]
    table = markdown_table(headers, rows)
    print(table)
    if not args.no_write:
        body = (f"{machine_line()}; `python -m benchmarks shapes --stops {args.stops} --limit {args.limit:g} "
                f"--seed {args.seed}`. The {args.stops}-stop rich week of the scale benchmark with one thing changed "
                "per row (`benchmarks/bench_shapes.py`), solved by `python -m scheduler solve` in a child process "
                f"at a {args.limit:g} s limit; *solve s* is the solver's own loading and solving time (what the "
                "limit bounds), *process s* the child's whole run (Python start-up, reading and writing the JSON "
                "included), *first plan s* the solver's time to its first valid plan; *unassigned* counts a shipment's two steps (as the solver's "
                "summary does). Target (issue 8): a valid, non-empty plan within 10 s for any valid problem up to "
                "2,000 stops and 60 shifts.\n\n" + table)
        write_section("shapes", "Shapes: the 2,000-stop week bent into other shapes", body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

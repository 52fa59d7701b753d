"""Kill-safe writes, the long run: `python -m benchmarks reliability [--kills N] [--seed S]`.

Kills writers (CSV import, plan version, publish, crew report) with SIGKILL at
seeded random moments, half of them aimed at the open write transaction, and
checks every database afterwards (`benchmarks.kill_harness`). Writes the
figures to docs/RELIABILITY.md (its figures section) and a section of
docs/BENCHMARKS.md. Exit status 1 when any trial left a third state or a
failed check.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

from benchmarks.kill_harness import OPERATIONS, run
from benchmarks.report import REPO, machine_line, markdown_table, write_section

RELIABILITY_MD = REPO / "docs" / "RELIABILITY.md"


def _table(trials, refs) -> str:
    rows = []
    for op in OPERATIONS:
        mine = [t for t in trials if t.operation == op]
        states = Counter(t.state for t in mine)
        rows.append([op, len(mine), sum(t.aimed for t in mine), sum(t.in_write for t in mine),
                     states["before"], states["after"], states["neither"],
                     sum(bool(t.problems) for t in mine), round(refs[op].duration_s, 2),
                     round(refs[op].lock_s, 3)])
    return markdown_table(["write", "kills", "aimed", "killed holding the write lock", "before", "after",
                           "neither", "failed checks", "run s", "write lock s"], rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks reliability")
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    from routing.sample_district import build_sample_graph

    with tempfile.TemporaryDirectory(prefix="odekake-kill-") as tmp:
        graph_instance = Path(tmp) / "graph-instance"
        build_sample_graph(graph_instance)
        trials, refs = run(Path(tmp), graph_instance, kills=args.kills, seed=args.seed)
    table = _table(trials, refs)
    bad = [t for t in trials if t.state == "neither" or t.problems]
    body = (f"{len(trials)} kills (seed {args.seed}), {len(bad)} left a third state or failed a check. "
            f"{machine_line()}.\n\n{table}\n")
    print(body)
    write_section("reliability", "Kill-safe writes (python -m benchmarks reliability)", body)
    write_section("figures", "Figures of the last run", body, path=RELIABILITY_MD)
    return 1 if bad else 0

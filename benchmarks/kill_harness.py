"""Kill writers at random moments and check the database is exactly as before or as after.

Used by the test suite (a dozen kills, `tests/scheduler/store/test_kill_safety.py`)
and by `python -m benchmarks reliability` (hundreds, figures in docs/RELIABILITY.md).

A *base* instance holds the fictional sample week planned once. Each write
under test is an `odekake` command (or, for a crew report, a short Python
call of the store) run in a subprocess on a fresh copy of the base:

- ``import``: ``odekake import requests`` of a file of many requests (each
  with its first status event);
- ``plan``: ``odekake plan-week`` with a solution limit of 1 (a new plan
  version, its stops and unassigned list, the status events it causes);
- ``publish``: ``odekake plan publish``;
- ``status``: ``Store.mark_stop`` (到着/完了 report: events and a status change).

One uninterrupted run per write gives the *after* snapshot, its duration T
and how long it holds the write lock L. Half the trials send SIGKILL after a
seeded random delay in [0, 1.1 T]; the other half are aimed: the harness
polls until the writer holds the write lock (its transaction is open) and
kills after a delay in [0, L]. Each trial then
opens the database (SQLite recovers from its log), runs every check of
`scheduler.store.check` and compares every table with the before and after
snapshots. Columns written from the clock (``at``, ``created_at``,
``published_at``, a report's ``received_at``, the timings in a plan's summary) are left out of the
comparison; everything else must match exactly.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

WEEK = "2026-11-30"
OPERATIONS = ("import", "plan", "publish", "status")
_CLOCK_COLUMNS = {"at", "created_at", "published_at"}
_CLOCK_SUMMARY_KEYS = {"compile_s", "solve_s"}
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Trial:
    """One killed write: which, when, and what the database looked like afterwards."""

    operation: str
    delay_s: float
    state: str  # "before", "after" or "neither"
    problems: list[str] = field(default_factory=list)
    finished: bool = False  # the process had ended before the kill
    in_write: bool = False  # the writer held the write lock when it was killed
    aimed: bool = False  # the kill was aimed at the open write transaction


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _odekake(instance: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "webapp.cli", "--instance", str(instance), *args]


def prepare_base(folder: Path, graph_instance: Path, *, requests: int = 400, scale: float = 0.2) -> Path:
    """Make the base instance: sample week loaded and planned once, a large requests file beside it."""
    from routing.network import RoadNetwork
    from scheduler.io.sample import load_sample
    from scheduler.planning import plan_week
    from scheduler.service_calendar import parse_monday
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams

    base = folder / "base"
    shutil.copytree(graph_instance / "graph", base / "graph")
    network = RoadNetwork.from_instance(base)
    with Store.for_instance(base) as store:
        load_sample(store, network, parse_monday(WEEK), scale=scale)
        plan_week(store, network, parse_monday(WEEK), params=SolveParams(time_limit_s=60, solution_limit=1),
                  user="kill-test")
        people = [r.external_id for r in store.residents.all()]
    with open(folder / "requests.csv", "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["external_id", "kind", "resident", "received_at", "windows", "notes", "services"])
        for i in range(requests):
            out.writerow([f"KILL-{i:05d}", "visit", people[i % len(people)], "2026-11-24 09:00",
                          "2026-12-01 9:00-12:00", f"試験 {i}", "住民票の写し"])
    return base


def _stop_to_report(base: Path) -> int:
    with sqlite3.connect(base / "odekake.db") as conn:
        return conn.execute("SELECT id FROM plan_stops WHERE step_type = 'visit' ORDER BY id LIMIT 1").fetchone()[0]


def command(operation: str, instance: Path, base_folder: Path, stop_id: int) -> list[str]:
    """Return the command line of one write under test."""
    if operation == "import":
        return _odekake(instance, "import", "requests", str(base_folder / "requests.csv"))
    if operation == "plan":
        return _odekake(instance, "plan-week", WEEK, "--solution-limit", "1", "--time-limit", "60")
    if operation == "publish":
        return _odekake(instance, "plan", "publish", "--week", WEEK)
    if operation == "status":
        code = ("import datetime as dt, sys; from pathlib import Path; from scheduler.store import Store\n"
                "with Store.for_instance(Path(sys.argv[1])) as s:\n"
                "    stop = s.plan_stops.get(int(sys.argv[2]))\n"
                "    s.mark_stop(stop.id, 'done', user='crew', now=dt.datetime.combine(stop.day, dt.time(17)))")
        return [sys.executable, "-c", code, str(instance), str(stop_id)]
    msg = f"unknown operation {operation!r}"
    raise ValueError(msg)


def _fresh_copy(base: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (target / "graph").symlink_to(base / "graph", target_is_directory=True)
    if (base / "cache").exists():
        shutil.copytree(base / "cache", target / "cache")
    with sqlite3.connect(base / "odekake.db") as src, sqlite3.connect(target / "odekake.db") as dst:
        src.backup(dst)
    return target


def snapshot(database: Path) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, without the columns written from the clock."""
    conn = sqlite3.connect(database)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        result = {}
        for table in tables:
            cur = conn.execute(f"SELECT * FROM [{table}]")
            names = [d[0] for d in cur.description]
            rows = [tuple(_masked(table, n, v) for n, v in zip(names, row, strict=True)) for row in cur]
            result[table] = sorted(rows, key=repr)
        return result
    finally:
        conn.close()


def _masked(table: str, column: str, value: object) -> object:
    if column in _CLOCK_COLUMNS or (table, column) in {("_sqlite_migrations", "applied_at"),
                                                       ("request_events", "received_at")}:
        return None
    if table == "plans" and column == "summary":
        summary = json.loads(value)
        return json.dumps({k: v for k, v in summary.items() if k not in _CLOCK_SUMMARY_KEYS}, sort_keys=True)
    return value


def check(database: Path) -> list[str]:
    """Open the database as odekake does (recovering its log) and run every check."""
    from scheduler.store import Store
    from scheduler.store.check import check_database

    with Store.open(database) as store:
        return check_database(store.db)


def writer_holds_lock(database: Path) -> bool:
    """Return whether another process holds the database's write lock (a write transaction is open)."""
    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def _wait_for_lock(proc: subprocess.Popen, database: Path, *, poll_s: float = 0.002) -> float | None:
    """Poll until the writer takes the write lock; return when (perf_counter), None if it ended first."""
    while proc.poll() is None:
        if database.exists() and writer_holds_lock(database):
            return time.perf_counter()
        time.sleep(poll_s)
    return None


def _wait_for_unlock(proc: subprocess.Popen, database: Path, *, poll_s: float = 0.002) -> float:
    """Poll until the writer lets go of the write lock (or ends); return when."""
    while proc.poll() is None and writer_holds_lock(database):
        time.sleep(poll_s)
    return time.perf_counter()


@dataclass
class Reference:
    """A write's before and after snapshots, how long it takes and how long it holds the write lock."""

    operation: str
    before: dict
    after: dict
    duration_s: float
    lock_s: float


def reference(operation: str, base: Path, base_folder: Path, work: Path) -> Reference:
    """Run the write to its end once on a fresh copy, timing it and its write lock."""
    instance = _fresh_copy(base, work / f"ref-{operation}")
    database = instance / "odekake.db"
    before = snapshot(database)
    t0 = time.perf_counter()
    proc = subprocess.Popen(command(operation, instance, base_folder, _stop_to_report(base)), env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    locked_at = _wait_for_lock(proc, database)
    released_at = _wait_for_unlock(proc, database) if locked_at is not None else None
    proc.wait()
    end = time.perf_counter()
    if proc.returncode != 0:
        msg = f"{operation}: the uninterrupted write failed (exit {proc.returncode})"
        raise RuntimeError(msg)
    after = snapshot(database)
    if after == before:
        msg = f"{operation}: the write changed nothing; the kill test would prove nothing"
        raise RuntimeError(msg)
    return Reference(operation, before, after, end - t0, 0.0 if locked_at is None else released_at - locked_at)


def kill_trial(ref: Reference, base: Path, base_folder: Path, work: Path, rng: random.Random, *,
               aimed: bool) -> Trial:
    """Run the write, SIGKILL it at a random moment, then check and compare the database.

    Not `aimed`: the kill comes after a delay drawn from [0, 1.1 × duration].
    `aimed`: the harness waits until the writer holds the write lock (its
    transaction is open) and kills after a delay drawn from [0, lock time].
    """
    instance = _fresh_copy(base, work / "trial")
    database = instance / "odekake.db"
    proc = subprocess.Popen(command(ref.operation, instance, base_folder, _stop_to_report(base)), env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    delay = rng.uniform(0.0, (ref.lock_s if aimed else 1.1 * ref.duration_s))
    in_write = False
    if aimed and _wait_for_lock(proc, database) is None:
        delay = 0.0
    try:
        proc.wait(timeout=delay)
        finished = True
    except subprocess.TimeoutExpired:
        in_write = writer_holds_lock(database)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        finished = False
    problems = check(database)
    state = snapshot(database)
    which = "before" if state == ref.before else "after" if state == ref.after else "neither"
    return Trial(ref.operation, delay, which, problems, finished, in_write, aimed)


def run(folder: Path, graph_instance: Path, *, kills: int, seed: int,
        operations: tuple[str, ...] = OPERATIONS, requests: int = 400,
        scale: float = 0.2) -> tuple[list[Trial], dict[str, Reference]]:
    """Run `kills` killed writes spread over `operations`, every other one aimed at the open transaction."""
    base = prepare_base(folder, graph_instance, requests=requests, scale=scale)
    refs = {op: reference(op, base, folder, folder) for op in operations}
    rng = random.Random(seed)
    trials = []
    for n in range(kills):
        ref = refs[operations[n % len(operations)]]
        trials.append(kill_trial(ref, base, folder, folder, rng, aimed=(n // len(operations)) % 2 == 1))
    return trials, refs

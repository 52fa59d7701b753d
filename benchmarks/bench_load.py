"""Under load: operators booking on the phone while a dispatcher re-plans the week; nothing told is lost.

``python -m benchmarks load [--users 20] [--seconds 60] [--replan-limit 30] [--replan-at 5] [--week YYYY-MM-DD]``

1. Builds a copy of the sample district in a temporary instance folder as
   ``odekake demo`` does (the road graph, the sample week with 220 residents
   — the sample's requests, more people to phone in — planned with a
   solution limit and published), adds one ``operator`` account per user
   and a ``dispatcher``, each with an API token.
2. Starts ``odekake --instance DIR serve --port P`` (waitress, the embedded
   job consumer) as a subprocess and offers one draft to load the road graph
   (not counted).
3. Runs locust headless (``benchmarks/locustfile.py``: the operators and the
   dispatcher, their think time and what they record)::

       locust -f benchmarks/locustfile.py --headless -u USERS+1 -r 5 -t SECONDSs \\
           -H http://127.0.0.1:P --csv OUT/locust --stop-timeout 60

4. Waits for the planning job, stops the server with Ctrl+C (SIGINT) as a
   person would, and checks against the database what every client was told:

   - **lost**: a request a client got 201 for and did not cancel that is not,
     in the LATEST plan version of its week, on a route or in that version's
     unassigned list with a reason; or that is missing, cancelled by nobody,
     or promised another window than the one read out; once the dispatcher
     has published, also one missing from the latest published version;
   - **double**: two live requests of one resident and kind with overlapping
     promised windows, one of them made in the run (clients never mean it:
     see the locustfile);
   - **errors**: 5xx answers (a 503 is tried again, as a person would, but
     counts) and calls without an answer; 409 (just taken) is normal and
     counted apart, as are "already booked" and other 4xx;
   - offers and bookings p50/p95 (target p95 ≤ 1 s on 2 cores; reported,
     never asserted), and ``odekake --instance DIR check``.

Prints a table and writes it to docs/RELIABILITY.md ("Under load") and the
"load" section of docs/BENCHMARKS.md (``--no-write``: print only). Exit status
1 when anything was lost, double-booked or answered 5xx.

This module is long because it is one benchmark from start to end (the instance,
the server, locust, every answer checked against the database); the simulated
people are in benchmarks/locustfile.py.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from benchmarks.report import REPO, machine_line, markdown_table, write_section

RELIABILITY_MD = REPO / "docs" / "RELIABILITY.md"
LOCUSTFILE = Path(__file__).resolve().with_name("locustfile.py")
#: Kinds the operators book (the claims of the locustfile are per resident and kind).
KINDS = ("visit", "errand")
#: Seconds a locust user may finish its call after the run's time is up (its answer is recorded).
STOP_TIMEOUT_S = 60
_PASSWORD = "load-password-1"


# --------------------------------------------------------------------------- the instance

def build_instance(instance: Path, week: dt.date, *, users: int, replan_limit_s: int,
                   plan_limit_s: float = 30, solution_limit: int = 50) -> dict:
    """Build the planned, published sample week with accounts; return the clients' settings (tokens, drafts)."""
    from routing.network import RoadNetwork
    from routing.sample_district import build_sample_graph
    from scheduler.domain import RequestStatus
    from scheduler.io.sample import load_sample
    from scheduler.planning import plan_week, publish
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams
    from webapp.cli.user import add_user
    from webapp.security import new_api_token
    from webapp.settings import defaults

    build_sample_graph(instance)
    limits = tuple(sorted({*defaults()["ODEKAKE_PLAN_TIME_LIMITS"], int(replan_limit_s)}))
    (instance / "webapp.py").write_text(f"ODEKAKE_PLAN_TIME_LIMITS = {limits!r}\n", encoding="utf-8")
    network = RoadNetwork.from_instance(instance)
    with Store.for_instance(instance) as store:
        load_sample(store, network, week, n_residents=220)
        result = plan_week(store, network, week, params=SolveParams(time_limit_s=plan_limit_s,
                                                                    solution_limit=solution_limit),
                           user="benchmark")
        publish(store, result.plan.id, user="benchmark")
        operators = []
        for i in range(users):
            account = add_user(store, f"operator{i}", "operator", vehicle_id=None, password=_PASSWORD)
            operators.append(new_api_token(store, account))
        dispatcher = new_api_token(store, add_user(store, "dispatcher", "dispatcher", vehicle_id=None,
                                                   password=_PASSWORD))
        taken = sorted({(r.resident_id, r.kind.value) for r in store.requests.all()
                        if r.resident_id is not None and r.kind.value in KINDS
                        and r.status != RequestStatus.CANCELLED})
        return {
            "week": week.isoformat(), "friday": (week + dt.timedelta(days=4)).isoformat(),
            "operators": operators, "dispatcher": dispatcher,
            "residents": [r.id for r in store.residents.all()], "kinds": list(KINDS), "taken": taken,
            "services": [s.code for s in store.services.all()],
            "shops": [s.id for s in store.sites.all() if s.kind.value in ("shop", "pharmacy")],
            "plan": {"version": result.plan.version, "served": result.plan.summary.get("served"),
                     "unassigned": result.plan.summary.get("unassigned")},
            "requests_before": len(store.requests.all()),
            "first_new_request_id": 1 + max((r.id for r in store.requests.all()), default=0),
        }


# --------------------------------------------------------------------------- the server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _odekake() -> list[str]:
    script = Path(sys.executable).with_name("odekake")
    return [str(script)] if script.exists() else [sys.executable, "-m", "webapp.cli"]


def _http(url: str, token: str, *, method: str = "GET", body: dict | None = None, timeout: float = 120):
    """Call the server; return (status, JSON answer)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


#: ``odekake`` with a stack dump of every thread on SIGUSR1 (its forked solver workers too): a job that hangs says where.
_SERVE = ("import faulthandler, signal, sys; faulthandler.register(signal.SIGUSR1, all_threads=True); "
          "from webapp.cli import main; sys.exit(main(sys.argv[1:]))")


def start_server(instance: Path, port: int, log_path: Path) -> subprocess.Popen:
    """Start ``odekake -v --instance DIR serve --port P`` with its output in `log_path`."""
    with log_path.open("wb") as log:
        return subprocess.Popen([sys.executable, "-c", _SERVE, "-v", "--instance", str(instance), "serve",
                                 "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, cwd=REPO)


def _descendants(pid: int) -> list[int]:
    """Return the process ids below `pid` (Linux /proc), children first."""
    out, todo = [], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                kids = [int(k) for k in task.read_text().split()]
                out += kids
                todo += kids
    return out


def dump_stacks(server: subprocess.Popen) -> int:
    """Ask the server and its children (solver workers) to write every thread's stack to the server log."""
    pids = [server.pid, *_descendants(server.pid)]
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGUSR1)
    time.sleep(1)
    return len(pids)


def wait_ready(url: str, token: str, server: subprocess.Popen, *, timeout: float = 120) -> None:
    """Wait until the server answers ``/api/me``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            msg = f"the server stopped at start (exit {server.returncode}); see its log"
            raise RuntimeError(msg)
        with contextlib.suppress(OSError):
            if _http(f"{url}/api/me", token, timeout=5)[0] == 200:
                return
        time.sleep(0.3)
    msg = f"the server did not answer within {timeout:.0f} s"
    raise RuntimeError(msg)


def stop_server(server: subprocess.Popen, *, timeout: float = 60) -> bool:
    """Stop the server with Ctrl+C (SIGINT); return whether it ended by itself within `timeout`."""
    if server.poll() is not None:
        return False
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        return False
    return True


def wait_for_jobs(instance: Path, *, timeout: float) -> bool:
    """Wait until no planning job of the instance is queued or running; return False if one still is."""
    from scheduler.store import Store

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Store.for_instance(instance) as store:
            if not store.db.execute("SELECT 1 FROM jobs WHERE state IN ('queued', 'running')").fetchone():
                return True
        time.sleep(1)
    return False


class LockProbe(threading.Thread):
    """Sample, every `every_s`, whether some writer holds the database's write lock (``BEGIN IMMEDIATE``, no wait).

    Gives the share of samples found locked and the longest stretch found locked
    without a break (one long write, or writes back to back: what a waiting
    writer sees either way). The probe holds the lock for microseconds when free.
    """

    def __init__(self, db_path: Path, *, every_s: float = 0.05) -> None:
        super().__init__(name="lock-probe", daemon=True)
        self.db_path, self.every_s = db_path, every_s
        self.stopping = threading.Event()
        self.samples = self.locked = 0
        self.longest_s = 0.0

    def run(self) -> None:
        conn = sqlite3.connect(self.db_path, timeout=0, isolation_level=None)
        since = None
        try:
            while not self.stopping.wait(self.every_s):
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute("ROLLBACK")
                    since = None
                except sqlite3.OperationalError:
                    self.locked += 1
                    now = time.monotonic()
                    since = since or now
                    self.longest_s = max(self.longest_s, now - since + self.every_s)
                self.samples += 1
        finally:
            conn.close()

    def stop(self) -> str:
        """Stop sampling; return the figures as text."""
        self.stopping.set()
        self.join()
        share = 100 * self.locked / self.samples if self.samples else 0
        return f"{share:.0f} % of {self.samples} samples; longest {self.longest_s:.1f} s"


# --------------------------------------------------------------------------- what the clients were told

@dataclasses.dataclass
class Findings:
    """What the database says about what the clients were told (each problem one line, ids only)."""

    booked: int = 0
    cancelled: int = 0
    live: int = 0
    lost: list[str] = dataclasses.field(default_factory=list)
    not_published: list[str] = dataclasses.field(default_factory=list)
    double: list[str] = dataclasses.field(default_factory=list)
    unconfirmed: list[str] = dataclasses.field(default_factory=list)
    cancelled_routed: list[str] = dataclasses.field(default_factory=list)
    published: bool = False
    versions: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def failed(self) -> int:
        """Lost and double bookings (the errors are counted from the answers)."""
        return len(self.lost) + len(self.not_published) + len(self.double)


def _window(promised) -> tuple[str, int, int] | None:
    if promised is None:
        return None
    if isinstance(promised, dict):
        return str(promised["day"]), int(promised["start_s"]), int(promised["end_s"])
    return promised.day.isoformat(), promised.start_s, promised.end_s


def _where(plan, request_id: int) -> str | None:
    """How `plan` holds the request: "route", "unassigned" (with a reason), or None."""
    if any(s.request_id == request_id for s in plan.stops):
        return "route"
    if any(u.request_id == request_id and u.reason.strip() for u in plan.unassigned):
        return "unassigned"
    return None


def check_run(store, records: Iterable[dict], *, first_new_request_id: int) -> Findings:
    """Check every booking and cancellation the clients recorded against the database after the run.

    Parameters
    ----------
    store
        The instance's `scheduler.store.Store` (the server stopped).
    records
        The clients' records (``type`` ``booked`` with ``request_id`` and
        ``promised``, ``cancelled`` with ``request_id``, ``published`` ...).
    first_new_request_id
        The first request id of the run (requests from before are the sample's).
    """
    from scheduler.domain import RequestStatus, week_monday
    from scheduler.store import NotFound

    records = list(records)
    found = Findings()
    booked = {r["request_id"]: r for r in records if r["type"] == "booked"}
    cancelled = {r["request_id"] for r in records if r["type"] == "cancelled"}
    found.booked, found.cancelled = len(booked), len(cancelled)
    found.published = any(r["type"] == "published" and r.get("status") == 200 for r in records)
    live = {rid: r for rid, r in booked.items() if rid not in cancelled}
    found.live = len(live)
    latest: dict[dt.date, object] = {}
    published: dict[dt.date, object] = {}
    for rid, rec in sorted(live.items()):
        told = _window(rec["promised"])
        try:
            req = store.requests.get(rid)
        except NotFound:
            found.lost.append(f"request {rid}: a client got 201 for it; it is not in the database")
            continue
        if req.status == RequestStatus.CANCELLED:
            found.lost.append(f"request {rid}: cancelled, but no client cancelled it")
            continue
        if told is not None and _window(req.promised) != told:
            found.lost.append(f"request {rid}: promised {told}, stored {_window(req.promised)}")
        week = week_monday(dt.date.fromisoformat(told[0]) if told else req.promised.day)
        if week not in latest:
            latest[week] = store.plans.get(week)
            published[week] = store.plans.published(week)
            found.versions[week.isoformat()] = (
                f"latest v{getattr(latest[week], 'version', None)}, "
                f"published v{getattr(published[week], 'version', None)}")
        plan = latest[week]
        if plan is None or _where(plan, rid) is None:
            version = getattr(plan, "version", None)
            found.lost.append(f"request {rid}: not on a route nor unassigned with a reason in v{version} "
                              f"(the latest) of week {week}")
        elif found.published and (published[week] is None or _where(published[week], rid) is None):
            found.not_published.append(f"request {rid}: not in v{getattr(published[week], 'version', None)} "
                                       f"(the latest published) of week {week}")
    for rid in sorted(cancelled):
        week_plans = [p for p in latest.values() if p is not None]
        for plan in week_plans:
            if any(s.request_id == rid for s in plan.stops):
                found.cancelled_routed.append(f"request {rid}: cancelled, still on a route in v{plan.version}")
    kinds = {k for r in records if (k := r.get("kind"))}
    by_pair: dict[tuple[int, str], list] = defaultdict(list)
    for req in store.requests.all():
        if req.status != RequestStatus.CANCELLED and req.promised is not None and req.kind.value in kinds:
            by_pair[(req.resident_id, req.kind.value)].append(req)
            if req.id >= first_new_request_id and req.id not in booked:
                found.unconfirmed.append(f"request {req.id}: stored in the run, but no client got 201 for it")
    for (resident, kind), reqs in sorted(by_pair.items()):
        reqs.sort(key=lambda r: r.id)
        for i, a in enumerate(reqs):
            for b in reqs[i + 1:]:
                if max(a.id, b.id) < first_new_request_id:
                    continue
                pa, pb = a.promised, b.promised
                if pa.day == pb.day and pa.start_s < pb.end_s and pb.start_s < pa.end_s:
                    found.double.append(f"resident {resident} {kind}: requests {a.id} and {b.id} both live, "
                                        f"promised {_window(pa)} and {_window(pb)}")
    return found


def read_records(path: Path) -> list[dict]:
    """Read the clients' JSON lines (a line cut short by a killed client is skipped)."""
    out = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
    return out


# --------------------------------------------------------------------------- figures

def _pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _spread(values: list[float]) -> str:
    """``n / p50 / p95 / max`` of times in ms."""
    if not values:
        return "0 / - / - / -"
    return f"{len(values)} / {_pct(values, 50):.0f} / {_pct(values, 95):.0f} / {max(values):.0f}"


def answer_counts(records: list[dict]) -> dict[str, int]:
    """Count the answers: errors (5xx, no answer), slot taken (409), other 4xx, by call."""
    calls = [r for r in records if "status" in r and r["type"] not in ("job",)]
    statuses = Counter(int(r["status"]) for r in calls)
    taken = sum(1 for r in calls if r["status"] == 409 and r.get("taken", True))
    return {"calls": len(calls), "errors": sum(n for s, n in statuses.items() if s >= 500 or s == 0),
            "slot_taken": taken, "already_booked": statuses[409] - taken,
            "other_4xx": sum(n for s, n in statuses.items() if 400 <= s < 500 and s != 409)}


def long_writes(log_text: str) -> str:
    """Summarise the server's "write lock held S s by WHERE" lines (`scheduler.store.entities.LONG_WRITE_S`)."""
    by: dict[str, list[float]] = defaultdict(list)
    for line in log_text.splitlines():
        if "write lock held " in line and " s by " in line:
            held, where = line.split("write lock held ", 1)[1].split(" s by ", 1)
            with contextlib.suppress(ValueError):
                by[where.strip()].append(float(held))
    if not by:
        return "none"
    parts = [f"{where} {len(v)}× (longest {max(v):.1f} s)" for where, v in
             sorted(by.items(), key=lambda item: -max(item[1]))]
    return "; ".join(parts)


def _server_log_counts(log_text: str) -> dict[str, int]:
    lines = log_text.splitlines()
    queued = sum(int(line.split("wrote ")[1].split()[0]) for line in lines if "audit: wrote" in line
                 and "queued entries" in line)
    return {"locked": sum("database is locked" in line for line in lines),
            "tracebacks": sum(line.startswith("Traceback") for line in lines),
            "answered_503": sum("answered 503" in line for line in lines),
            "audit_queued_written": queued,
            "audit_kept_aside": sum("kept aside in" in line and "written at the next start" in line for line in lines)}


def _run_locust(config_path: Path, url: str, out: Path, *, users: int, seconds: int) -> int:
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users + 1),
               "-r", "5", "-t", f"{seconds}s", "-H", url, "--csv", str(out / "locust"),
               "--stop-timeout", str(STOP_TIMEOUT_S), "--only-summary", "--loglevel", "WARNING"]
    env = {**os.environ, "ODEKAKE_LOAD_CONFIG": str(config_path)}
    with (out / "locust.log").open("wb") as log:
        done = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                              timeout=seconds + STOP_TIMEOUT_S + 300, check=False)
    return done.returncode


def _odekake_check(instance: Path) -> tuple[int, list[str]]:
    done = subprocess.run([*_odekake(), "--instance", str(instance), "check"], capture_output=True, text=True,
                          cwd=REPO, check=False)
    return done.returncode, [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO,
                          check=False)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                           text=True, cwd=REPO, check=False).stdout.strip()
    return (done.stdout.strip() or "unknown") + (" + uncommitted changes" if dirty else "")


def main(argv: list[str]) -> int:
    """Run the load benchmark; write its figures unless --no-write."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks load", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="operators on the phone (default 20)")
    parser.add_argument("--seconds", type=int, default=60, help="length of the run (default 60)")
    parser.add_argument("--replan-limit", type=int, default=30, help="the re-plan's time limit, s (default 30)")
    parser.add_argument("--replan-at", type=float, default=5, help="seconds into the run the re-plan starts (5)")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 6.0), metavar=("MIN", "MAX"),
                        help="an operator's think time between calls and before booking, s (default 2 6)")
    parser.add_argument("--cancel-share", type=float, default=1 / 6, help="share of calls that cancel (1/6)")
    parser.add_argument("--week", default=None, help="Monday of the sample week (default: the city's next Monday)")
    parser.add_argument("--keep", default=None, help="build the instance and keep the run's files in this folder")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch the docs")
    args = parser.parse_args(argv)

    from scheduler.clock import city_today
    from scheduler.service_calendar import next_monday, parse_monday
    from scheduler.store import Store

    week = parse_monday(args.week) if args.week else next_monday(city_today())  # wholly ahead: no slot has begun
    with tempfile.TemporaryDirectory(prefix="odekake-load-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        instance, out = folder / "instance", folder / "run"
        out.mkdir(exist_ok=True)
        print(f"building the sample week {week} in {instance} ...", flush=True)
        settings = build_instance(instance, week, users=args.users, replan_limit_s=args.replan_limit)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(instance, port, out / "server.log")
        try:
            wait_ready(url, settings["dispatcher"], server)
            warm = {"resident": settings["residents"][0], "kind": "visit", "services": settings["services"][:1],
                    "earliest": settings["week"], "latest": settings["friday"]}
            _http(f"{url}/api/offers", settings["operators"][0], method="POST", body=warm)  # loads the road graph
            config = {**settings, "records": str(out / "records.jsonl"), "think_s": list(args.think),
                      "cancel_share": args.cancel_share, "replan_at_s": args.replan_at,
                      "replan_limit_s": args.replan_limit, "started_at": time.time()}
            (out / "config.json").write_text(json.dumps(config), encoding="utf-8")
            print(f"running {args.users} operators and a dispatcher for {args.seconds} s against {url} ...",
                  flush=True)
            load = [os.getloadavg()[0]]
            probe = LockProbe(instance / "odekake.db")
            probe.start()
            locust_status = _run_locust(out / "config.json", url, out, users=args.users, seconds=args.seconds)
            lock_figures = probe.stop()
            load.append(os.getloadavg()[0])
            jobs_ended = wait_for_jobs(instance, timeout=args.replan_limit + 120)
            if not jobs_ended:  # the stacks of the server's threads and solver workers, into its log
                print(f"a planning job is still running; stacks of {dump_stacks(server)} processes in "
                      f"{out / 'server.log'}", flush=True)
        finally:
            clean = stop_server(server)
        records = read_records(out / "records.jsonl")
        with Store.for_instance(instance) as store:
            findings = check_run(store, records, first_new_request_id=settings["first_new_request_id"])
        check_status, check_lines = _odekake_check(instance)
        server_log = (out / "server.log").read_text(encoding="utf-8", errors="replace")
        log_counts, slow_writes = _server_log_counts(server_log), long_writes(server_log)
        client_crashes = (out / "locust.log").read_text(encoding="utf-8", errors="replace").count("Traceback")
        if args.keep:
            print(f"kept: {folder}")
    answers = answer_counts(records)
    names = {"offers": "/api/offers", "bookings": "/api/bookings", "cancellations": "/api/bookings/[id]"}
    times = {kind: [r["ms"] for r in records if "ms" in r and (r["type"] in types or (
                 r["type"] == "busy" and r.get("name") == names[kind]))]
             for kind, types in (("offers", ("offer",)), ("bookings", ("booked", "book_refused", "book_error")),
                                 ("cancellations", ("cancelled", "cancel_error")))}
    events = Counter(r["type"] for r in records)
    replan = next((r for r in records if r["type"] == "job"), {})
    publish = next((r for r in records if r["type"] == "published"), {})
    rows = [
        ["bookings confirmed (201)", findings.booked],
        ["cancelled by clients", findings.cancelled],
        ["live bookings checked", findings.live],
        ["**lost**", len(findings.lost) + len(findings.not_published)],
        ["**double bookings**", len(findings.double)],
        ["**errors** (5xx, no answer)", answers["errors"]],
        ["slot just taken (409 with fresh offers)", answers["slot_taken"]],
        ["already booked (409; no client means one)", answers["already_booked"]],
        ["other 4xx", answers["other_4xx"]],
        ["offers with none to give", sum(1 for r in records if r["type"] == "offer" and r.get("status") == 200
                                         and not r.get("offers"))],
        ["stored without a 201 to the client", len(findings.unconfirmed)],
        ["cancelled but still on a route", len(findings.cancelled_routed)],
    ]
    for kind, values in times.items():
        rows.append([f"{kind}: n / p50 / p95 / max ms", _spread(values)])
    started = any(r["type"] == "replan" and r.get("status") in (202, 409) for r in records)
    job = (f"job {replan['state']} v{replan.get('version')} in {replan.get('s')} s" if replan
           else "job started, never ended" if started else "not run")
    rows += [
        ["re-plan", f"{job} (limit {args.replan_limit} s)" + ("" if jobs_ended else
                                                                 "; STILL RUNNING at the end (stacks in the server log)")],
        ["publish", f"v{publish.get('version')} ({publish.get('status', 'not run')})"],
        ["plan versions at the end", "; ".join(f"{w}: {v}" for w, v in findings.versions.items()) or "-"],
        ["write lock held during the run (sampled every 50 ms)", lock_figures],
        ["write transactions holding the lock > 1 s (server log)", slow_writes],
        ["server log: database is locked / tracebacks / 503",
         " / ".join(str(log_counts[k]) for k in ("locked", "tracebacks", "answered_503"))],
        ["audit entries queued then written / kept aside",
         " / ".join(str(log_counts[k]) for k in ("audit_queued_written", "audit_kept_aside"))],
        ["client crashes (tracebacks in the locust log)", client_crashes],
        ["server stopped cleanly (Ctrl+C)", "yes" if clean else "NO"],
        ["`odekake check`", "clean" if check_status == 0 else f"{len(check_lines)} problems"],
    ]
    table = markdown_table(["under load", "figure"], rows)
    problems = findings.lost + findings.not_published + findings.double + findings.cancelled_routed
    problems += [line for line in check_lines if check_status]
    command = (f"python -m benchmarks load --users {args.users} --seconds {args.seconds} "
               f"--replan-limit {args.replan_limit}")
    body = (
        f"{args.users} operators (think time {args.think[0]:g}–{args.think[1]:g} s between calls and before "
        f"booking; one call in {round(1 / args.cancel_share) if args.cancel_share else '∞'} a cancellation) and a "
        f"dispatcher who re-plans the week ({args.replan_limit} s limit, {args.replan_at:g} s into the run) and "
        f"publishes it, for {args.seconds} s against `odekake serve` on the sample week {week} "
        f"({settings['requests_before']} requests, 220 residents; v{settings['plan']['version']} published). "
        f"Calls: {answers['calls']} ({dict(sorted(events.items()))}).\n\n{table}\n\n"
        + "Targets: 0 lost, 0 double bookings, 0 errors; offers and bookings p95 ≤ 1 s on 2 cores.\n\n"
        + (("Problems found (first 10):\n\n" + "\n".join(f"- {p}" for p in problems[:10]) + "\n\n") if problems
           else "")
        + f"Measured on {machine_line()} (load average {load[0]:.1f} before the run, {load[1]:.1f} after: other "
        f"work on the machine slows every figure), commit {_commit()}, locust exit {locust_status}. "
        f"Run: `{command}`.\n"
    )
    print(body)
    if not args.no_write:
        write_section("load", "Under load: phone booking while the week is re-planned", body)
        write_section("load", "Under load: figures of the last run", body, path=RELIABILITY_MD)
    bad = findings.failed + answers["errors"] + client_crashes + (not jobs_ended)
    return 1 if bad else 0

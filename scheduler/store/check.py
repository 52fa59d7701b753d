"""`odekake check`: SQLite's own checks plus the invariants odekake's writes keep.

Each check returns problems in words (ids, never names); `check_database`
runs them all. A database written only through `scheduler.store.Store` passes
every check, whatever moment a writing process was killed at: that is what
the kill tests (``tests/scheduler/store/test_kill_safety.py``,
``python -m benchmarks reliability``) run after every kill.

Invariants:

- SQLite: ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``;
- every plan version is complete: its summary's counts match its stored
  unassigned list and the requests its stops serve, and every route has its
  start and end;
- every request's status is the one its events put it in (the first event
  starts from nothing, each event starts where the one before ended, the last
  ends at the stored status); a request that is planned, dispatched or done
  is served by a stop of some plan version;
- nothing a resident was told is lost: a booked or planned request is, in
  the latest version of its week (the promised day's week; else a week
  some version served it in), on a route or in the unassigned list;
- no session booking without its session: the request it names exists and is
  a hall session;
- a cancelled seat says why and who cancelled it (``cancel_reason``,
  ``cancelled_by``);
- the audit log holds ids only (its ``subject_ids`` is a JSON list of integers).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import defaultdict
from collections.abc import Callable

import sqlite_utils

__all__ = ["CHECKS", "check_database"]

_SERVED_STATUSES = ("planned", "dispatched", "done")


def _sqlite_integrity(db: sqlite_utils.Database) -> list[str]:
    found = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
    return [] if found == ["ok"] else [f"integrity: {text}" for text in found]


def _foreign_keys(db: sqlite_utils.Database) -> list[str]:
    return [f"foreign key: {table} row {rowid} refers to a missing {parent} row"
            for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check").fetchall()]


def _plans_complete(db: sqlite_utils.Database) -> list[str]:
    problems = []
    for plan_id, week, version, summary_text in db.execute(
            "SELECT id, week_start, version, summary FROM plans ORDER BY id").fetchall():
        label = f"plan {week} v{version} (id {plan_id})"
        try:
            summary = json.loads(summary_text or "{}")
        except ValueError:
            problems.append(f"{label}: summary is not JSON")
            continue
        unassigned = db.execute("SELECT COUNT(*) FROM plan_unassigned WHERE plan_id = ?",
                                [plan_id]).fetchone()[0]
        if "unassigned" in summary and summary["unassigned"] != unassigned:
            problems.append(f"{label}: summary lists {summary['unassigned']} unassigned requests, "
                            f"{unassigned} stored")
        served = db.execute("SELECT COUNT(DISTINCT request_id) FROM plan_stops WHERE plan_id = ? "
                            "AND request_id IS NOT NULL", [plan_id]).fetchone()[0]
        if "served" in summary and summary["served"] != served:
            problems.append(f"{label}: summary says {summary['served']} requests served, "
                            f"stops serve {served}")
        for vehicle, day, starts, ends in db.execute(
                "SELECT vehicle_id, day, SUM(step_type = 'start'), SUM(step_type = 'end') FROM plan_stops "
                "WHERE plan_id = ? GROUP BY vehicle_id, day", [plan_id]).fetchall():
            if starts != 1 or ends != 1:
                problems.append(f"{label}: route of vehicle {vehicle} on {day} has {starts} starts, {ends} ends")
    return problems


def _statuses_follow_events(db: sqlite_utils.Database) -> list[str]:
    events: dict[int, list[tuple]] = defaultdict(list)
    for request_id, from_status, to_status in db.execute(
            "SELECT request_id, from_status, to_status FROM request_events ORDER BY id").fetchall():
        events[request_id].append((from_status, to_status))
    served = {row[0] for row in db.execute(
        "SELECT DISTINCT request_id FROM plan_stops WHERE request_id IS NOT NULL").fetchall()}
    problems = []
    for request_id, status in db.execute("SELECT id, status FROM requests ORDER BY id").fetchall():
        chain = events.get(request_id, [])
        if not chain:
            problems.append(f"request {request_id}: status {status} but no event recorded it")
            continue
        if chain[0][0] is not None:
            problems.append(f"request {request_id}: its first event starts from {chain[0][0]}, not from nothing")
        for n, ((_, prev_to), (nxt_from, _)) in enumerate(itertools.pairwise(chain), start=2):
            if nxt_from != prev_to:
                problems.append(f"request {request_id}: event {n} starts from {nxt_from}, "
                                f"the one before ended at {prev_to}")
                break
        if chain[-1][1] != status:
            problems.append(f"request {request_id}: status {status}, but its last event ended at {chain[-1][1]}")
        if status in _SERVED_STATUSES and request_id not in served:
            problems.append(f"request {request_id}: status {status}, but no plan version serves it")
    return problems


def _latest_versions(db: sqlite_utils.Database) -> dict[str, tuple[int, int]]:
    """Return week -> (plan id, version) of each week's latest plan version."""
    return {week: (plan_id, version) for week, plan_id, version in db.execute(
        "SELECT p.week_start, p.id, p.version FROM plans p WHERE p.version = "
        "(SELECT MAX(version) FROM plans q WHERE q.week_start = p.week_start)").fetchall()}


def _week_of(day: str) -> str:
    date = dt.date.fromisoformat(day)
    return (date - dt.timedelta(days=date.weekday())).isoformat()


def _told_requests_kept(db: sqlite_utils.Database) -> list[str]:
    latest = _latest_versions(db)
    ids = [plan_id for plan_id, _ in latest.values()]
    marks = ",".join("?" * len(ids))
    listed: dict[int, set[int]] = defaultdict(set)  # plan id -> requests on its routes or unassigned
    for plan_id, request_id in db.execute(
            f"SELECT DISTINCT plan_id, request_id FROM plan_stops WHERE request_id IS NOT NULL "
            f"AND plan_id IN ({marks})", ids).fetchall():
        listed[plan_id].add(request_id)
    for plan_id, request_id in db.execute(
            f"SELECT plan_id, request_id FROM plan_unassigned WHERE plan_id IN ({marks})", ids).fetchall():
        listed[plan_id].add(request_id)
    served_in: dict[int, set[str]] = defaultdict(set)  # request -> weeks some version served it in
    for request_id, week in db.execute(
            "SELECT DISTINCT s.request_id, p.week_start FROM plan_stops s JOIN plans p ON p.id = s.plan_id "
            "WHERE s.request_id IS NOT NULL").fetchall():
        served_in[request_id].add(week)
    problems = []
    for request_id, status, promised in db.execute(
            "SELECT id, status, promised FROM requests WHERE status IN ('booked', 'planned') ORDER BY id").fetchall():
        weeks = {_week_of(json.loads(promised)["day"])} if promised else served_in[request_id]
        weeks = {w for w in weeks if w in latest}
        if weeks and not any(request_id in listed[latest[w][0]] for w in weeks):
            where = ", ".join(f"{w} v{latest[w][1]}" for w in sorted(weeks))
            problems.append(f"request {request_id}: {status}, but the latest version of its week ({where}) "
                            "has it neither on a route nor in its unassigned list")
    return problems


def _bookings_have_sessions(db: sqlite_utils.Database) -> list[str]:
    return [f"session booking {booking_id}: request {session_id} is "
            f"{'missing' if kind is None else 'a ' + kind + ', not a session'}"
            for booking_id, session_id, kind in db.execute(
                "SELECT b.id, b.session_request_id, r.kind FROM session_bookings b "
                "LEFT JOIN requests r ON r.id = b.session_request_id "
                "WHERE r.kind IS NULL OR r.kind != 'session' ORDER BY b.id").fetchall()]


def _cancelled_seats_say_why(db: sqlite_utils.Database) -> list[str]:
    return [f"session booking {booking_id}: cancelled without "
            + " and ".join(w for w, blank in (("a reason", no_reason), ("who cancelled it", no_user)) if blank)
            for booking_id, no_reason, no_user in db.execute(
                "SELECT id, trim(cancel_reason) = '', trim(cancelled_by) = '' FROM session_bookings "
                "WHERE cancelled_at IS NOT NULL AND (trim(cancel_reason) = '' OR trim(cancelled_by) = '') "
                "ORDER BY id").fetchall()]


def _audit_ids_only(db: sqlite_utils.Database) -> list[str]:
    problems = []
    for entry_id, ids in db.execute("SELECT id, subject_ids FROM audit_log ORDER BY id").fetchall():
        try:
            parsed = json.loads(ids)
        except ValueError:
            parsed = None
        if not isinstance(parsed, list) or not all(isinstance(i, int) for i in parsed):
            problems.append(f"audit entry {entry_id}: subject_ids is not a list of ids")
    return problems


#: Every check of `odekake check`, in the order they run: (name, function returning problems).
CHECKS: tuple[tuple[str, Callable[[sqlite_utils.Database], list[str]]], ...] = (
    ("sqlite integrity", _sqlite_integrity),
    ("foreign keys", _foreign_keys),
    ("plan versions complete", _plans_complete),
    ("request statuses follow their events", _statuses_follow_events),
    ("what residents were told is in the latest versions", _told_requests_kept),
    ("session bookings have their session", _bookings_have_sessions),
    ("cancelled seats say why and who", _cancelled_seats_say_why),
    ("audit log holds ids only", _audit_ids_only),
)


def check_database(db: sqlite_utils.Database) -> list[str]:
    """Run every check of `CHECKS` and return the problems found, each one line (empty: all well)."""
    problems: list[str] = []
    for _, check in CHECKS:
        problems.extend(check(db))
    return problems

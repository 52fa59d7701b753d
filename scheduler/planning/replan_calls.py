"""Whom a re-planned day needs phoned, and residents moved counted for any answer (`scheduler.planning.replan_day`).

`replan_calls` compares a new version with what residents were told on the
published one: a told resident whose new start leaves the told window (a
promise: any lateness; else beyond the margin), or who is no longer served
that day, is a call; a hall session's call phones each resident booked into
it that day. `untold` and `count_moved` let a from-scratch solve of the
same remaining work (no told times) be counted by the same told times, as the
engine counts ``summary.moved``.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.booking.readback import told_from_stops, waited_stop
from scheduler.domain import (
    OPEN_STATUSES,
    Plan,
    PlanStop,
    Request,
    RequestKind,
    TimeWindow,
    week_seconds,
)
from scheduler.live.day import told_version

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["DEFAULT_MARGIN_S", "ReplanCall", "count_moved", "replan_calls", "untold"]

#: The margin a told time may be left by before the resident counts as moved (the call list's default).
DEFAULT_MARGIN_S = 15 * 60
#: Request statuses whose stops need no call any more.
_CLOSED = frozenset({"cancelled", "done", "no_show", "failed"})


@dataclass(frozen=True)
class ReplanCall:
    """A resident the new version needs phoned: the window told, the new start (None: not served that day), why."""

    request_id: int
    told: TimeWindow
    expected_s: int | None  # seconds of the day
    reason: str  # promise_broken | later | earlier | dropped
    moved_s: int | None
    vehicle_id: int | None = None
    detail: str = ""  # the unassigned reason of a dropped resident
    #: whom to phone: the request's resident, or each resident booked into the hall session that day
    residents: tuple[int, ...] = ()



def replan_calls(store: Store, published: Plan, new: Plan, day: dt.date,
                 margin_s: int = DEFAULT_MARGIN_S) -> list[ReplanCall]:
    """Return the residents told a time on `day` whom `new` moves beyond the margin or no longer serves that day.

    The told window is the promise, else the start rounded to the half hour
    (`told_from_stops`) in the version residents were told: `published`, or the
    one it derives from when it is itself a re-plan or a move
    (`scheduler.live.day.told_version`). A promise is broken by any lateness,
    another told window by more than `margin_s` either way. Requests done or
    closed need no call.
    """
    published = told_version(store, published)
    told_day = {s.request_id for s in published.stops if s.day == day and s.request_id is not None}
    requests = {r.id: r for r in store.requests.with_ids(told_day)}
    reasons = {u.request_id: u.reason for u in new.unassigned}
    out = []
    for rid in sorted(requests):
        req = requests[rid]
        if req.status.value in _CLOSED or req.status not in OPEN_STATUSES:
            continue
        told = told_from_stops(req, [s for s in published.stops if s.request_id == rid])
        waited = waited_stop(req, [s for s in new.stops if s.request_id == rid])
        call = _call(rid, req, told, waited, new.week_start, margin_s, reasons.get(rid, ""))
        if call is not None:
            out.append(dataclasses.replace(call, residents=_whom(store, req, call.told.day)))
    return sorted(out, key=lambda c: (c.reason != "dropped", -abs(c.moved_s or 0), c.request_id))


def _whom(store: Store, req: Request, day: dt.date) -> tuple[int, ...]:
    """Return whom a call about `req` phones: its resident, or the residents booked into the hall session on `day`."""
    if req.kind != RequestKind.SESSION:
        return (req.resident_id,) if req.resident_id is not None else ()
    return tuple(b.resident_id for b in store.session_bookings.find(session_request_id=req.id, day=day))


def _call(rid: int, req: Request, told: TimeWindow | None, waited: PlanStop | None, week: dt.date, margin_s: int,
          reason: str) -> ReplanCall | None:
    if told is None:
        return None
    if waited is None or waited.day != told.day:
        return ReplanCall(rid, told, None, "dropped", None, detail=reason)
    start = waited.start_s - week_seconds(week, told.day, 0)
    if start > told.end_s and (req.promised is not None or start - told.end_s > margin_s):
        why = "promise_broken" if req.promised is not None else "later"
        return ReplanCall(rid, told, start, why, start - told.end_s, waited.vehicle_id)
    if told.start_s - start > margin_s:
        return ReplanCall(rid, told, start, "earlier", start - told.start_s, waited.vehicle_id)
    return None


def untold(problem: dict) -> dict:
    """Return a copy of a problem without its told times: the same work, re-solved from scratch."""
    out = copy.deepcopy(problem)
    for task in [*out.get("jobs", []), *(s[end] for s in out.get("shipments", []) for end in ("pickup", "delivery"))]:
        task.pop("told_start", None)
        task.pop("told_end", None)
    return out


def count_moved(problem: dict, solution: dict, told_problem: dict | None = None) -> int:
    """Return the told tasks of `told_problem` (default `problem`) a solution leaves out or starts beyond the margin.

    Counts a from-scratch solve (a problem without told times) by the told
    times of the same work, as the engine counts ``summary.moved``.
    """
    source = told_problem or problem
    margin = source.get("told_margin", DEFAULT_MARGIN_S)
    told = {}
    for job in source.get("jobs", []):
        if "told_start" in job:
            told["job", job["id"]] = (job["told_start"] - margin, job["told_end"] + margin)
    for ship in source.get("shipments", []):
        for end in ("pickup", "delivery"):
            if "told_start" in ship[end]:
                told[end, ship[end]["id"]] = (ship[end]["told_start"] - margin, ship[end]["told_end"] + margin)
    kept = 0
    for route in solution["routes"]:
        for step in route["steps"]:
            key = (step["type"], step.get("id"))
            if key in told:
                begin = step["arrival"] + step.get("waiting_time", 0)
                kept += told[key][0] <= begin <= told[key][1]
    return len(told) - kept

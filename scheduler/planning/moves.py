"""A dispatcher moves a request to another vehicle or day: the new times and what it breaks, then a draft version.

`move_request` takes the request off its route in the week's latest version
and inserts it into the chosen shift only (`scheduler.vrp.insertion.Routes`,
timed exactly as the validator times routes). It answers before anything is
saved (``save=False``: a preview) with the request's new times and every
other resident on the two changed routes whose start now leaves the window
they were told by more than the margin; with ``save=True`` it stores the
result as a derived **draft** version (validated first; the drivers keep the
published one until a dispatcher publishes it).

A move is refused with reason codes (`MOVE_CODES`), nothing saved, when the
shift does not exist, the request has no stop in that week, a dispatcher
locked it (`scheduler.locks`: its stop, its shift or its day), the crew already
reported at one of its stops, a changed route's day has begun (re-planning a
day under way keeps its done stops: that is re-planning the rest of the day,
not a move), the day is outside the request's windows or promise, the vehicle
cannot serve it (skills, capacity), or it does not fit in the shift's time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scheduler.booking.offers import WeekRoutes, week_routes
from scheduler.booking.readback import told_from_stops, waited_stop
from scheduler.domain import DAY_S, Plan, PlanStop, city_id, week_monday, week_seconds
from scheduler.locks import locked_request
from scheduler.planning.derive import derived_plan, request_kinds

if TYPE_CHECKING:
    from scheduler.matrices import MatrixProvider
    from scheduler.store import Store

__all__ = ["DEFAULT_MARGIN_S", "MOVE_CODES", "Move", "move_request"]

#: Why a move is refused.
MOVE_CODES = ("no_shift", "not_in_week", "locked", "already_reported", "day_begun", "outside_windows",
              "vehicle_cannot", "no_time", "invalid")
#: How far a resident's start may leave the window they were told before the move "breaks" it.
DEFAULT_MARGIN_S = 15 * 60


@dataclass
class Move:
    """The outcome of a move: refused with codes, or the request's new times and whom it moves."""

    request_id: int
    vehicle_id: int
    day: dt.date
    codes: list[str] = field(default_factory=list)
    detail: str = ""
    #: the request's stops on the new route: (step type, service start in seconds of the day)
    times: list[tuple[str, int]] = field(default_factory=list)
    #: other residents whose start leaves their told window by more than the margin: (request id, told start
    #: s, told end s, new start s, day)
    breaks: list[tuple[int, int, int, int, dt.date]] = field(default_factory=list)
    plan: Plan | None = None  # the stored draft version (save=True) or the unsaved one

    @property
    def ok(self) -> bool:
        return not self.codes


def _shift_index(wr: WeekRoutes, vehicle_id: int, day: dt.date) -> int | None:
    for k, vehicle in enumerate(wr.routes.model.problem.vehicles):
        ref = wr.compiled.vehicles[vehicle.id]
        if (ref.vehicle_id, ref.day) == (vehicle_id, day):
            return k
    return None


def _refusal(store: Store, wr: WeekRoutes, request_id: int, k: int | None, day: dt.date,
             now: dt.datetime) -> tuple[list[str], list[int]]:
    """Return the codes refusing the move before trying it (empty: try it) and the request's task ids."""
    if k is None:
        return ["no_shift"], []
    stops = [s for s in (wr.plan.stops if wr.plan else []) if s.request_id == request_id]
    if locked_request(store, request_id, wr.plan):
        return ["locked"], []
    if store.request_events.reports_at([s.id for s in stops]):
        return ["already_reported"], []
    tids = wr.task_ids(request_id)
    if not tids:
        return ["not_in_week"], []
    if min([day, *(s.day for s in stops)]) <= now.date():
        return ["day_begun"], tids
    begin = week_seconds(wr.compiled.week_start, day, 0)
    for tid in tids:
        windows = wr.routes.model.tasks[wr.routes.index[tid]].windows
        if windows and not any(lo < begin + DAY_S and hi >= begin for lo, hi in windows):
            return ["outside_windows"], tids
    reason = next((wr.routes.reason(t) for t in tids if wr.routes.reason(t)), None)
    if reason is not None:
        return ["vehicle_cannot"], tids
    if any(k not in wr.routes.nodes.allowed[wr.routes.index[t]] for t in tids):
        return ["vehicle_cannot"], tids
    return [], tids


def _told_breaks(store: Store, base: Plan, new: Plan, shifts: set[tuple[int, dt.date]], margin_s: int,
                 moved_request: int) -> list[tuple[int, int, int, int, dt.date]]:
    """Return the residents on the changed routes whose new start leaves their told window by more than the margin."""
    by_request: dict[int, list[PlanStop]] = {}
    for s in new.stops:
        if s.request_id is not None and (s.vehicle_id, s.day) in shifts and s.request_id != moved_request:
            by_request.setdefault(s.request_id, []).append(s)
    requests = {r.id: r for r in store.requests.with_ids(by_request)}
    out = []
    for rid, stops in sorted(by_request.items()):
        req = requests.get(rid)
        told = told_from_stops(req, [s for s in base.stops if s.request_id == rid]) if req else None
        waited = waited_stop(req, stops) if req else None
        if told is None or waited is None:
            continue
        start = waited.start_s - week_seconds(base.week_start, told.day, 0)
        if start > told.end_s + margin_s or start < told.start_s - margin_s:
            out.append((rid, told.start_s, told.end_s, waited.start_s % DAY_S, waited.day))
    return out


def move_request(store: Store, network: MatrixProvider, request_id: int, vehicle_id: int, day: dt.date, *,
                 user: str, now: dt.datetime, save: bool = False, margin_s: int = DEFAULT_MARGIN_S) -> Move:
    """Move a request to `vehicle_id`'s shift on `day` in its week's latest version; store a draft when `save`.

    Parameters
    ----------
    store, network
        The store and the matrix provider (the instance's road network).
    request_id, vehicle_id, day
        What to move where.
    user, now
        Who moves it and the city's now (a day that has begun is not moved).
    save
        Store the derived draft version (validated); else only answer.
    margin_s
        How far a resident's start may leave their told window before the move lists them.
    """
    from scheduler.vrp.validator import validate

    week = week_monday(day)
    wr = week_routes(store, network, week, now=now)
    k = _shift_index(wr, vehicle_id, day)
    out = Move(request_id, vehicle_id, day)
    out.codes, tids = _refusal(store, wr, request_id, k, day, now)
    if out.codes or wr.plan is None:
        out.codes = out.codes or ["not_in_week"]
        return out
    froms = wr.routes.remove(tids)
    if any(wr.shift_of(f).day <= now.date() for f in froms):
        out.codes = ["day_begun"]
        return out
    insertion = wr.routes.insert(tids, vehicles=[k])
    if insertion is None:
        out.codes = ["no_time"]
        return out
    wr.routes.apply(insertion)
    changed = sorted({*froms, k})
    plan, solution = derived_plan(wr.plan, wr.compiled, wr.routes, changed, user=user, now=now,
                                  change={"kind": "move", "request": city_id(store.requests.get(request_id))},
                                  kinds=request_kinds(store, wr.plan, wr.compiled))
    problems = validate(wr.compiled.problem, solution)
    if problems:
        out.codes, out.detail = ["invalid"], wr.compiled.in_city_words(problems[0])
        return out
    out.times = [(s.step_type, s.start_s % DAY_S) for s in plan.stops if s.request_id == request_id]
    shifts = {(wr.shift_of(c).vehicle_id, wr.shift_of(c).day) for c in changed}
    out.breaks = _told_breaks(store, wr.plan, plan, shifts, margin_s, request_id)
    out.plan = store.plans.save(plan) if save else plan
    return out

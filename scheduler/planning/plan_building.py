"""Turn a solver's solution into a `Plan`, and set the request statuses a stored plan changes.

A request counts as served only when all its tasks are routed (an errand from
two shops needs both). Unassigned requests carry their reason in words for
staff; broken promises come first, as they need a phone call.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scheduler.compiler import CompiledWeek, ShiftRef
from scheduler.domain import (
    Plan,
    PlanStop,
    Request,
    RequestKind,
    RequestStatus,
    UnassignedRequest,
)
from scheduler.planning.wording import (
    broken_promise_reason,
    broken_session_reason,
    partial_reason,
    reason_in_words,
)

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["build_plan", "update_statuses"]

#: Solution step types that serve a task of a request.
_TASK_STEPS = ("job", "pickup", "delivery")
#: Code of a task the solver left out without saying why (a solver that omits codes).
_DEFAULT_CODE = "no_time"


def build_plan(compiled: CompiledWeek, solution: dict, *, user: str, now: dt.datetime) -> Plan:
    """Turn a solution into an unsaved `Plan` (routes → stops, unassigned with reasons).

    Parameters
    ----------
    compiled
        The compiled week the solution answers.
    solution
        The solver's solution dict.
    user, now
        Recorded as the plan's author and creation time.
    """
    windows = _task_windows(compiled.problem)
    stops = [stop for route in solution["routes"] for stop in _route_stops(compiled, route, windows)]
    routed = {step["id"] for route in solution["routes"] for step in route["steps"] if step["type"] in _TASK_STEPS}
    outcome = _request_outcome(compiled, solution, routed)
    summary = _summary(compiled, solution["summary"], outcome)
    summary["split_errands"] = _split_errands(stops)
    return Plan(week_start=compiled.week_start, version=0, created_at=now, created_by=user,
                summary=summary, stops=stops, unassigned=outcome.unassigned)


def _split_errands(stops: list[PlanStop]) -> list[int]:
    """Return the errands whose shops' goods reach the door on separate trips (not one stop in a row).

    The compiler puts an errand's shipments in one ``delivery_group``, which
    the solver serves in one visit at the door and the validator checks, so
    this stays empty for plans of this solver. It is kept as a cheap guard
    (plans stored before groups existed, a solver that ignores the
    extension): the stop sheet shows such errands as separate lines, and the
    dispatcher sees them here.
    """
    where: dict[int, list[tuple]] = {}
    for s in stops:
        if s.step_type == "delivery" and s.part is not None:
            where.setdefault(s.request_id, []).append((s.vehicle_id, s.day, s.seq))
    split = []
    for rid, places in sorted(where.items()):
        seqs = sorted(seq for _, _, seq in places)
        if len({(v, d) for v, d, _ in places}) > 1 or seqs[-1] - seqs[0] != len(seqs) - 1:
            split.append(rid)
    return split


def _task_windows(problem: dict) -> dict[tuple[str, int], tuple[tuple[int, int], ...]]:
    """Return the time windows of every task and break of a problem, by (``task`` or ``break``, id)."""
    found: dict[tuple[str, int], tuple[tuple[int, int], ...]] = {}
    for job in problem.get("jobs", ()):
        found["task", job["id"]] = tuple(tuple(w) for w in job.get("time_windows", ()))
    for shipment in problem.get("shipments", ()):
        for end in ("pickup", "delivery"):
            found["task", shipment[end]["id"]] = tuple(tuple(w) for w in shipment[end].get("time_windows", ()))
    for vehicle in problem.get("vehicles", ()):
        window = vehicle.get("time_window")
        found["vehicle", vehicle["id"]] = (tuple(window),) if window else ()
        for brk in vehicle.get("breaks", ()):
            found["break", brk["id"]] = tuple(tuple(w) for w in brk.get("time_windows", ()))
    return found


def _route_stops(compiled: CompiledWeek, route: dict,
                 windows: dict[tuple[str, int], tuple[tuple[int, int], ...]]) -> list[PlanStop]:
    """Return the stops of one solver route, in order, each with the windows it was planned against."""
    shift = compiled.vehicles[route["vehicle"]]
    stops = [_stop(compiled, shift, seq, step) for seq, step in enumerate(route["steps"])]
    for stop, step in zip(stops, route["steps"], strict=True):
        if step["type"] in _TASK_STEPS:
            stop.windows = windows.get(("task", step["id"]), ())
        elif step["type"] == "break":
            stop.windows = windows.get(("break", step["id"]), ())
        else:
            stop.windows = windows.get(("vehicle", route["vehicle"]), ())
    return stops


def _stop(compiled: CompiledWeek, shift: ShiftRef, seq: int, step: dict) -> PlanStop:
    """Return the stop of one route step, with what it serves and where."""
    start = step["arrival"] + step.get("waiting_time", 0)
    kind = step["type"]
    stop = PlanStop(vehicle_id=shift.vehicle_id, day=shift.day, seq=seq, step_type=kind,
                    arrival_s=step["arrival"], start_s=start,
                    departure_s=start + step.get("setup", 0) + step.get("service", 0),
                    load=tuple(step.get("load", ())), driving_s=step.get("duration", 0),
                    distance_m=step.get("distance", 0))
    if kind in _TASK_STEPS:
        ref = compiled.tasks[step["id"]]
        stop.step_type = ref.kind  # visit | session | pickup | delivery
        stop.request_id, stop.site_id, stop.resident_id = ref.request_id, ref.site_id, ref.resident_id
        if ref.request_kind == RequestKind.ERRAND:
            stop.part = ref.part
    elif kind in ("start", "end"):
        stop.site_id = shift.depot_site_id
    if "location_index" in step and kind != "break":
        loc = compiled.locations[step["location_index"]]
        stop.lat, stop.lon = loc.lat, loc.lon
    return stop


@dataclass
class _Outcome:
    """What became of the week's requests: counts by kind, the unassigned, the broken promises."""

    served_kinds: Counter = field(default_factory=Counter)
    unserved_kinds: Counter = field(default_factory=Counter)
    unassigned: list[UnassignedRequest] = field(default_factory=list)
    broken: list[int] = field(default_factory=list)
    broken_sessions: list[int] = field(default_factory=list)


def _request_outcome(compiled: CompiledWeek, solution: dict, routed: set[int]) -> _Outcome:
    """Sort the week's requests into served and unassigned (with reasons), broken commitments first.

    A commitment is a promised window or an announced hall session the
    compiler gave the solver (a session not due, e.g. on a holiday, is
    skipped with its own reason instead).
    """
    solver_reason = {u["id"]: (u.get("code", _DEFAULT_CODE), u.get("reason", "")) for u in solution["unassigned"]}
    skills = _task_skills(compiled)
    out = _Outcome()
    for rid, req in sorted(compiled.requests.items()):
        tasks = compiled.request_tasks.get(rid, [])
        if tasks and all(t in routed for t in tasks):
            out.served_kinds[req.kind.value] += 1
            continue
        reason = _unserved_reason(compiled, rid, tasks, routed, solver_reason, skills)
        day = None
        if req.promised is not None:
            day = req.promised.day
            reason = broken_promise_reason(req.promised, reason)
            out.broken.append(rid)
        elif tasks and compiled.tasks[tasks[0]].day is not None:
            day = compiled.tasks[tasks[0]].day
        if req.kind == RequestKind.SESSION and tasks and req.promised is None:
            reason = broken_session_reason(reason)
            out.broken_sessions.append(rid)
        out.unserved_kinds[req.kind.value] += 1
        out.unassigned.append(UnassignedRequest(request_id=rid, reason=reason, day=day))
    # broken promises first (a phone call), then announced sessions (a notice to the district)
    out.unassigned.sort(key=lambda u: (u.request_id not in out.broken, u.request_id not in out.broken_sessions,
                                       u.request_id))
    return out


def _unserved_reason(compiled: CompiledWeek, rid: int, tasks: list[int], routed: set[int],
                     solver_reason: dict[int, tuple[str, str]], skills: dict[int, list[int]]) -> str:
    """Return why a request is not (fully) served, in words: the compiler's reason, else the solver's."""
    skipped = next((s for s in compiled.skipped if s.request_id == rid), None)
    if skipped is not None:
        return reason_in_words(skipped.code, skipped.reason)
    missing = [t for t in tasks if t not in routed]
    code, detail = solver_reason.get(missing[0], (_DEFAULT_CODE, ""))
    reason = reason_in_words(code, detail, skills=skills.get(missing[0], []))
    if len(missing) < len(tasks):
        reason = partial_reason(reason)
    return reason


def _task_skills(compiled: CompiledWeek) -> dict[int, list[int]]:
    """Return the skill ids the compiled problem asks of each task id (jobs and both shipment halves)."""
    skills = {job["id"]: job.get("skills", []) for job in compiled.problem.get("jobs", [])}
    for ship in compiled.problem.get("shipments", []):
        skills[ship["pickup"]["id"]] = skills[ship["delivery"]["id"]] = ship.get("skills", [])
    return skills


def _summary(compiled: CompiledWeek, solved: dict, outcome: _Outcome) -> dict:
    """Return the plan's summary: request counts and promises, then the solver's figures."""
    return {
        "requests": len(compiled.requests),
        "served": sum(outcome.served_kinds.values()),
        "unassigned": sum(outcome.unserved_kinds.values()),
        "served_by_kind": dict(sorted(outcome.served_kinds.items())),
        "unassigned_by_kind": dict(sorted(outcome.unserved_kinds.items())),
        "promised": len(compiled.promised),
        "promises_kept": len(compiled.promised) - len(outcome.broken),
        "broken_promises": outcome.broken,
        "broken_sessions": outcome.broken_sessions,
        "routes": solved.get("routes", 0),
        "driving_s": solved.get("duration", 0),
        "distance_m": solved.get("distance", 0),
        "cost": solved.get("cost", 0),
        "shifts": len(compiled.vehicles),
        "tasks": len(compiled.tasks),
        "locations": len(compiled.locations),
    }


def update_statuses(store: Store, compiled: CompiledWeek, plan: Plan, *, user: str) -> None:
    """Mark served requests planned; un-plan this week's requests that no longer fit.

    Parameters
    ----------
    store
        An open store, inside the transaction that saved `plan`.
    compiled
        The compiled week the plan answers.
    plan
        The stored plan version.
    user
        Recorded on the status changes.
    """
    unserved = {u.request_id: u.reason for u in plan.unassigned}
    version = {"week": plan.week_start.isoformat(), "version": plan.version}
    for rid in sorted(compiled.requests):
        current: Request = store.requests.get(rid)
        if rid not in unserved:
            if current.status != RequestStatus.PLANNED and current.can_move_to(RequestStatus.PLANNED):
                store.change_status(rid, RequestStatus.PLANNED, user=user, cause="plan", cause_args=version)
        elif current.status == RequestStatus.PLANNED:
            back = RequestStatus.BOOKED if current.promised is not None else RequestStatus.RECEIVED
            store.change_status(rid, back, user=user, promised=current.promised, cause="plan_left_out",
                                cause_args={**version, "reason": unserved[rid]})

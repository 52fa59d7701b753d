"""Plan a week from stored requests: compile, solve, validate, store a plan version.

`plan_week` is the dispatcher's "plan the week" button:

1. read the open requests, residents, sites, vehicles, services and shift
   exceptions from the `Store`, and the week's service days and shifts from
   `scheduler.service_calendar`;
2. compile them into the problem format (`scheduler.compiler.compile_week`;
   one matrix computation for all locations);
3. solve (`scheduler.vrp.solver.solve`) and check the answer with the independent
   validator (`scheduler.vrp.validator.validate`): an invalid plan is refused
   (`PlanningError`) and nothing is stored;
4. store the routes as a new **plan version** of the week (earlier versions
   stay as history), with every unassigned request and its reason in words for
   staff, and set the served requests to ``planned`` (requests of this week
   that were planned before but no longer fit go back to ``booked`` or
   ``received``) — all in one transaction.

A request counts as served only when all its tasks are routed (an errand from
two shops needs both). A request with a promised window that the plan cannot
serve is a *broken promise*: it is listed first, with "call the resident back".
Logging carries ids and counts only, never personal data.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from routing.errors import InputError, OdekakeError
from scheduler.compiler import SKILL_BY_ID, CompiledWeek, compile_week
from scheduler.domain import (
    OPEN_STATUSES,
    Plan,
    PlanStop,
    Request,
    RequestKind,
    RequestStatus,
    UnassignedRequest,
    hhmm,
)
from scheduler.vrp.params import SolveParams

__all__ = [
    "PlanDiff",
    "PlanResult",
    "PlanningError",
    "compile_from_store",
    "diff_plans",
    "format_result",
    "plan_week",
    "publish",
    "reason_in_words",
]

log = logging.getLogger(__name__)

#: Prefix of the reason of a promise the plan cannot keep.
BROKEN_PROMISE = "約束の時間を守れません・住民に折り返し電話 / promised window cannot be kept — call the resident back"

_SKILL_WORDS = {"office_terminal": "行政端末 office terminal", "cool_box": "保冷ボックス cool box",
                "wheelchair": "車椅子スペース wheelchair space"}


class PlanningError(OdekakeError):
    """The week could not be planned (e.g. the solver's answer failed validation)."""


def _check_week(week_start: dt.date) -> None:
    if week_start.weekday() != 0:
        msg = f"week {week_start.isoformat()} does not start on a Monday (it is a {week_start.strftime('%A')})"
        raise InputError(msg)


# ----------------------------------------------------------------------------- reasons


def reason_in_words(reason: str) -> str:
    """Turn a solver or compile reason into a Japanese + English label for staff.

    Parameters
    ----------
    reason
        The machine reason, e.g. ``"no vehicle has skills [2]"``.
    """
    r = reason.lower()
    if "capacity" in r:
        return f"座席・荷台が足りません / not enough seats or boxes in any suitable vehicle ({reason})"
    if "has skills" in r:
        ids = [int(x) for x in re.findall(r"\d+", reason)]
        names = ", ".join(_SKILL_WORDS[SKILL_BY_ID[i].value] for i in ids if i in SKILL_BY_ID) or reason
        return f"必要な装備の車両がありません / no vehicle with the needed equipment ({names})"
    if r == "no vehicle":
        return "今週走る車両がありません / no vehicle runs this week"
    if "max_ride_time" in r:
        return f"乗車時間の上限を超えます / the trip is longer than the maximum ride time ({reason})"
    if "max_tasks" in r:
        return "1日の件数上限を超えます / every suitable vehicle already has its maximum number of stops"
    if "time window" in r and "reached" in r:
        return f"希望時間に間に合いません / {reason}"
    if "within any shift" in r:
        return "勤務時間内に往復できません / cannot get there and back within any shift"
    if "not enough time" in r:
        return "時間内に回れません / not enough time in any shift"
    if "no solution found" in r:
        return f"計画が見つかりません / {reason}"
    if "closed" in r or "service day" in r or "holiday" in r or "session day" in r:
        return f"実施できる日がありません / {reason}"
    return f"計画に入りません / {reason}"


# ----------------------------------------------------------------------------- results


@dataclass
class PlanResult:
    """What `plan_week` produced: the stored plan and how it was made."""

    plan: Plan
    compiled: CompiledWeek
    solution: dict
    timings: dict[str, float] = field(default_factory=dict)  # compile_s, solve_s, store_s, total_s

    @property
    def broken_promises(self) -> list[UnassignedRequest]:
        """Unassigned requests whose promised window the plan cannot keep."""
        return [u for u in self.plan.unassigned if u.reason.startswith(BROKEN_PROMISE)]


@dataclass
class PlanDiff:
    """What changed between two plan versions of a week."""

    old_version: int
    new_version: int
    moved: list[dict] = field(default_factory=list)  # request_id, old, new, delta_s
    reassigned: list[dict] = field(default_factory=list)  # vehicle or day changed
    newly_unassigned: list[dict] = field(default_factory=list)  # request_id, reason
    newly_served: list[dict] = field(default_factory=list)  # request_id, slot

    @property
    def empty(self) -> bool:
        """Whether the two versions serve the same requests at the same times."""
        return not (self.moved or self.reassigned or self.newly_unassigned or self.newly_served)

    def lines(self) -> list[str]:
        """Describe the changes, one line each."""
        out = [f"v{self.old_version} -> v{self.new_version}:"]
        if self.empty:
            return out + ["  no change"]
        for m in self.reassigned:
            out.append(f"  request {m['request_id']}: vehicle/day changed {_slot(m['old'])} -> {_slot(m['new'])}")
        for m in self.moved:
            sign = "+" if m["delta_s"] > 0 else "-"
            out.append(f"  request {m['request_id']}: moved {sign}{abs(m['delta_s']) // 60} min "
                       f"({_slot(m['old'])} -> {_slot(m['new'])})")
        for u in self.newly_unassigned:
            out.append(f"  request {u['request_id']}: newly UNASSIGNED — {u['reason']}")
        for s in self.newly_served:
            out.append(f"  request {s['request_id']}: newly served {_slot(s['new'])}")
        return out


def _slot(slot: dict) -> str:
    day = dt.date.fromisoformat(slot["day"]) if isinstance(slot["day"], str) else slot["day"]
    return f"vehicle {slot['vehicle_id']} {day.strftime('%a')} {day.isoformat()} {hhmm(slot['start_s'] % 86400)}"


# ----------------------------------------------------------------------------- planning


def compile_from_store(store: Any, network: Any, week_start: dt.date, *,
                       now: dt.datetime | None = None) -> CompiledWeek:
    """Read everything a week needs from the store and compile it.

    Requests already ``planned`` without any window are left out when another
    week's latest plan serves them (they were "any day" requests placed there).

    Parameters
    ----------
    store
        An open `scheduler.store.Store`.
    network
        The matrix provider (`routing.network.RoadNetwork`).
    week_start
        The Monday of the week.
    now
        Planning time for the waiting bonus; default: now.
    """
    from scheduler import service_calendar

    _check_week(week_start)
    now = now or dt.datetime.now().replace(microsecond=0)
    requests = store.requests(statuses=sorted(OPEN_STATUSES, key=lambda s: s.value))
    elsewhere = _served_in_other_weeks(store, week_start)
    requests = [r for r in requests
                if not (r.status == RequestStatus.PLANNED and r.id in elsewhere and not r.windows
                        and r.promised is None and r.kind != RequestKind.SESSION)]
    vehicles = {v.id: v for v in store.vehicles()}
    exceptions = store.shift_exceptions(week_start, week_start + dt.timedelta(days=6))
    shifts = service_calendar.shifts_for_week(list(vehicles.values()), week_start, exceptions)
    return compile_week(
        week_start, requests,
        residents={r.id: r for r in store.residents()},
        sites={s.id: s for s in store.sites()},
        vehicles=vehicles,
        shifts=shifts,
        services={s.code: s for s in store.services()},
        service_days=service_calendar.service_days(week_start),
        matrix_provider=network,
        now=now,
        bookings=store.session_bookings(),
    )


def _served_in_other_weeks(store: Any, week_start: dt.date) -> set[int]:
    served: set[int] = set()
    for week in {p.week_start for p in store.plans()} - {week_start}:
        plan = store.get_plan(week)
        if plan is not None:
            served.update(s.request_id for s in plan.stops if s.request_id is not None)
    return served


def plan_week(store: Any, network: Any, week_start: dt.date, *, params: SolveParams | None = None,
              user: str = "system", now: dt.datetime | None = None) -> PlanResult:
    """Plan a week and store the result as a new plan version.

    Parameters
    ----------
    store
        An open `scheduler.store.Store`.
    network
        The matrix provider (`routing.network.RoadNetwork`).
    week_start
        The Monday of the week to plan.
    params
        Solver settings; default `SolveParams()` (10 s).
    user
        Who asked for the plan (recorded on the plan and the request events).
    now
        Planning time (waiting bonus, event times); default: now.

    Returns
    -------
    PlanResult
        The stored plan (with id and version), the compiled week, the solution
        and the time spent per phase.

    Raises
    ------
    InputError
        If `week_start` is not a Monday or the stored data cannot be compiled.
    PlanningError
        If the solver's answer fails validation; nothing is stored then.
    """
    from scheduler.vrp.solver import solve
    from scheduler.vrp.validator import validate

    _check_week(week_start)
    now = now or dt.datetime.now().replace(microsecond=0)
    params = params or SolveParams()
    t0 = time.perf_counter()
    compiled = compile_from_store(store, network, week_start, now=now)
    t1 = time.perf_counter()
    solution = solve(compiled.problem, params)
    if _found_nothing(compiled, solution):
        msg = (f"week {week_start}: the solver found no plan within {params.time_limit_s:g} s "
               "(nothing stored; the previous version stays); allow a longer time limit")
        raise PlanningError(msg)
    problems = validate(compiled.problem, solution)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        msg = f"week {week_start}: the solver's plan failed validation, not stored: {problems[0]}{more}"
        raise PlanningError(msg)
    t2 = time.perf_counter()
    plan = build_plan(compiled, solution, user=user, now=now)
    plan.summary.update({"compile_s": round(t1 - t0, 3), "solve_s": round(t2 - t1, 3),
                         "params": params.to_dict()})
    with store.transaction():
        saved = store.save_plan(plan)
        _update_statuses(store, compiled, saved, user=user)
    t3 = time.perf_counter()
    log.info("planned week %s as v%s: %d served, %d unassigned, %d broken promises",
             week_start, saved.version, saved.summary["served"], saved.summary["unassigned"],
             len(saved.summary["broken_promises"]))
    return PlanResult(saved, compiled, solution,
                      {"compile_s": t1 - t0, "solve_s": t2 - t1, "store_s": t3 - t2, "total_s": t3 - t0})


def _found_nothing(compiled: CompiledWeek, solution: dict) -> bool:
    """Return whether the search ended before any solution although one may exist.

    No route at all while some task was left only for lack of time (not for a
    reason found up front, such as a missing skill) means the time limit ran
    out before the first solution; storing that would un-plan the whole week.
    """
    if solution["routes"] or not compiled.vehicles:
        return False
    reasons = [u.get("reason", "") for u in solution["unassigned"]]
    return any("not enough time" in r or "no solution found" in r for r in reasons)


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
    week = compiled.week_start
    stops: list[PlanStop] = []
    routed: set[int] = set()
    for route in solution["routes"]:
        shift = compiled.vehicles[route["vehicle"]]
        for seq, step in enumerate(route["steps"]):
            start = step["arrival"] + step.get("waiting_time", 0)
            kind = step["type"]
            stop = PlanStop(vehicle_id=shift.vehicle_id, day=shift.day, seq=seq, step_type=kind,
                            arrival_s=step["arrival"], start_s=start,
                            departure_s=start + step.get("setup", 0) + step.get("service", 0),
                            load=tuple(step.get("load", ())), driving_s=step.get("duration", 0),
                            distance_m=step.get("distance", 0))
            if kind in ("job", "pickup", "delivery"):
                ref = compiled.tasks[step["id"]]
                routed.add(step["id"])
                stop.step_type = ref.kind  # visit | session | pickup | delivery
                stop.request_id, stop.site_id, stop.resident_id = ref.request_id, ref.site_id, ref.resident_id
            elif kind in ("start", "end"):
                stop.site_id = shift.depot_site_id
            if "location_index" in step and kind != "break":
                loc = compiled.locations[step["location_index"]]
                stop.lat, stop.lon = loc.lat, loc.lon
            stops.append(stop)

    solver_reason = {u["id"]: u.get("reason", "") for u in solution["unassigned"]}
    unassigned: list[UnassignedRequest] = []
    served_kinds: Counter = Counter()
    unserved_kinds: Counter = Counter()
    broken: list[int] = []
    for rid, req in sorted(compiled.requests.items()):
        tasks = compiled.request_tasks.get(rid, [])
        skipped = next((s for s in compiled.skipped if s.request_id == rid), None)
        if tasks and all(t in routed for t in tasks):
            served_kinds[req.kind.value] += 1
            continue
        if skipped is not None:
            reason = reason_in_words(skipped.reason)
        else:
            missing = [t for t in tasks if t not in routed]
            reason = reason_in_words(solver_reason.get(missing[0], "not enough time in any shift"))
            if len(missing) < len(tasks):
                reason = f"一部しか回れません / only part of the request fits: {reason}"
        day = None
        if req.promised is not None:
            day = req.promised.day
            reason = f"{BROKEN_PROMISE} ({req.promised.label()}): {reason}"
            broken.append(rid)
        elif tasks and compiled.tasks[tasks[0]].day is not None:
            day = compiled.tasks[tasks[0]].day
        unserved_kinds[req.kind.value] += 1
        unassigned.append(UnassignedRequest(request_id=rid, reason=reason, day=day))
    # broken promises first: they need a phone call
    unassigned.sort(key=lambda u: (u.request_id not in broken, u.request_id))

    s = solution["summary"]
    summary = {
        "requests": len(compiled.requests),
        "served": sum(served_kinds.values()),
        "unassigned": sum(unserved_kinds.values()),
        "served_by_kind": dict(sorted(served_kinds.items())),
        "unassigned_by_kind": dict(sorted(unserved_kinds.items())),
        "promised": len(compiled.promised),
        "promises_kept": len(compiled.promised) - len(broken),
        "broken_promises": broken,
        "routes": s.get("routes", 0),
        "driving_s": s.get("duration", 0),
        "distance_m": s.get("distance", 0),
        "cost": s.get("cost", 0),
        "shifts": len(compiled.vehicles),
        "tasks": len(compiled.tasks),
        "locations": len(compiled.locations),
    }
    return Plan(week_start=week, version=0, created_at=now, created_by=user, summary=summary,
                stops=stops, unassigned=unassigned)


def _update_statuses(store: Any, compiled: CompiledWeek, plan: Plan, *, user: str) -> None:
    """Mark served requests planned; un-plan this week's requests that no longer fit."""
    unserved = {u.request_id: u.reason for u in plan.unassigned}
    note = f"plan {plan.week_start.isoformat()} v{plan.version}"
    for rid, req in sorted(compiled.requests.items()):
        current: Request = store.get_request(rid)
        if rid not in unserved:
            if current.status != RequestStatus.PLANNED and current.can_move_to(RequestStatus.PLANNED):
                store.change_status(rid, RequestStatus.PLANNED, user=user, note=note)
        elif current.status == RequestStatus.PLANNED:
            back = RequestStatus.BOOKED if current.promised is not None else RequestStatus.RECEIVED
            store.change_status(rid, back, user=user, note=f"{note}: {unserved[rid]}",
                                promised=current.promised)


def publish(store: Any, plan_id: int, *, user: str) -> Plan:
    """Publish a plan version to the drivers (earlier published versions stay as history).

    Parameters
    ----------
    store
        An open `scheduler.store.Store`.
    plan_id
        Id of the plan version.
    user
        Who published it.
    """
    plan = store.publish_plan(plan_id, user=user)
    log.info("published plan %s (week %s v%s)", plan_id, plan.week_start, plan.version)
    return plan


# ----------------------------------------------------------------------------- diff


def _first_stops(plan: Plan) -> dict[int, dict]:
    first: dict[int, dict] = {}
    for s in plan.stops:
        if s.request_id is None:
            continue
        slot = {"vehicle_id": s.vehicle_id, "day": s.day, "start_s": s.start_s}
        if s.request_id not in first or s.start_s < first[s.request_id]["start_s"]:
            first[s.request_id] = slot
    return first


def diff_plans(old: Plan, new: Plan, *, min_shift_s: int = 60) -> PlanDiff:
    """Compare two plan versions request by request.

    Each served request is located by its first stop (vehicle, day, service
    start). A request whose vehicle or day changed is *reassigned*; one that
    stayed on its vehicle and day but starts at least `min_shift_s` earlier or
    later is *moved*.

    Parameters
    ----------
    old, new
        Two plan versions (with stops and unassigned lists), usually of one week.
    min_shift_s
        Smallest change of start time that counts as a move.
    """
    a, b = _first_stops(old), _first_stops(new)
    diff = PlanDiff(old.version, new.version)
    new_reasons = {u.request_id: u.reason for u in new.unassigned}
    for rid in sorted(set(a) | set(b)):
        if rid in a and rid in b:
            o, n = a[rid], b[rid]
            if (o["vehicle_id"], o["day"]) != (n["vehicle_id"], n["day"]):
                diff.reassigned.append({"request_id": rid, "old": o, "new": n, "delta_s": n["start_s"] - o["start_s"]})
            elif abs(n["start_s"] - o["start_s"]) >= min_shift_s:
                diff.moved.append({"request_id": rid, "old": o, "new": n, "delta_s": n["start_s"] - o["start_s"]})
        elif rid in a:
            diff.newly_unassigned.append({"request_id": rid, "old": a[rid],
                                          "reason": new_reasons.get(rid, "not in the new version")})
        else:
            diff.newly_served.append({"request_id": rid, "new": b[rid]})
    return diff


# ----------------------------------------------------------------------------- summary


def format_result(result: PlanResult, store: Any | None = None) -> list[str]:
    """Describe a planning result for staff (may show residents' names when `store` is given).

    Parameters
    ----------
    result
        From `plan_week`.
    store
        When given, unassigned requests are labelled with the resident's name.
    """
    p = result.plan
    s = p.summary
    lines = [f"week {p.week_start.isoformat()} plan v{p.version} (id {p.id}, {p.status.value})"]
    if s["broken_promises"]:
        lines.append(f"!! {len(s['broken_promises'])} PROMISE(S) CANNOT BE KEPT — call the resident(s) back:")
        for u in result.broken_promises:
            lines.append(f"!!   {_label(u.request_id, result.compiled, store)}: {u.reason}")
    kinds = sorted(set(s["served_by_kind"]) | set(s["unassigned_by_kind"]))
    lines.append(f"requests: {s['served']} served, {s['unassigned']} unassigned (of {s['requests']} due)")
    for k in kinds:
        lines.append(f"  {k:8s} served {s['served_by_kind'].get(k, 0):4d}   unassigned {s['unassigned_by_kind'].get(k, 0):4d}")
    lines.append(f"promises kept: {s['promises_kept']} of {s['promised']}")
    lines.append(f"driving: {s['driving_s'] / 3600:.2f} h, {s['distance_m'] / 1000:.1f} km on {s['routes']} of "
                 f"{s['shifts']} shifts")
    t = result.timings
    lines.append(f"wall time: {t.get('total_s', 0):.1f} s (compile {t.get('compile_s', 0):.1f} s, solve "
                 f"{t.get('solve_s', 0):.1f} s, store {t.get('store_s', 0):.1f} s)")
    others = [u for u in p.unassigned if u.request_id not in s["broken_promises"]]
    if others:
        lines.append("unassigned:")
        for u in others:
            lines.append(f"  {_label(u.request_id, result.compiled, store)}: {u.reason}")
    return lines


def _label(rid: int, compiled: CompiledWeek, store: Any | None) -> str:
    req = compiled.requests.get(rid)
    kind = req.kind.value if req else "?"
    text = f"request {rid} ({kind})"
    if store is not None and req is not None and req.resident_id is not None:
        try:
            text += f" {store.get_resident(req.resident_id).name}"
        except InputError:
            pass
    return text

"""The planning steps: compile a week from the store, solve, validate, store a plan version, publish.

See the package docstring (`scheduler.planning`) for the whole flow.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from routing.errors import InputError, OdekakeError
from scheduler.clock import city_now
from scheduler.compiler import CompiledWeek, compile_week
from scheduler.domain import (
    OPEN_STATUSES,
    Plan,
    Request,
    RequestKind,
    RequestStatus,
    UnassignedRequest,
)
from scheduler.locks import add_lock_steps, held_requests
from scheduler.matrices import MatrixProvider
from scheduler.planning.holiday_sessions import (
    apply_session_moves,
    session_moves_summary,
)
from scheduler.planning.plan_building import build_plan, update_statuses
from scheduler.planning.told import (
    add_told_times,
    better,
    objective,
    published_candidate,
)
from scheduler.planning.wording import BROKEN_PROMISE
from scheduler.vrp.params import SolveParams

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["PlanResult", "PlanningError", "SolveProgress", "compile_from_store", "plan_week", "publish",
           "solve_progress"]

log = logging.getLogger(__name__)


class PlanningError(OdekakeError):
    """The week could not be planned (e.g. the solver's answer failed validation)."""


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


def _check_week(week_start: dt.date) -> None:
    if week_start.weekday() != 0:
        msg = f"week {week_start.isoformat()} does not start on a Monday (it is a {week_start.strftime('%A')})"
        raise InputError(msg)


def compile_from_store(store: Store, network: MatrixProvider, week_start: dt.date, *,
                       now: dt.datetime | None = None, extra: Sequence[Request] = (),
                       extra_points: Sequence[tuple[str, float, float]] = (),
                       closures_of: dt.date | None = None) -> CompiledWeek:
    """Read everything a week needs from the store and compile it.

    Requests already ``planned`` without any window are left out when another
    week's latest plan serves them (they were "any day" requests placed there).

    Parameters
    ----------
    store
        An open `scheduler.store.Store`.
    network
        The matrix provider (`routing.network.RoadNetwork`); each day with an active road closure
        drives on a matrix with that day's closures applied (`scheduler.closures.day_providers`),
        or, given `closures_of`, the whole compile with that day's closures only.
    week_start
        The Monday of the week.
    now
        Planning time for the waiting bonus; default: now.
    extra
        Requests not stored (a booking draft, `scheduler.booking`) compiled with the stored ones.
    extra_points
        Further places ``(key, lat, lon)`` put in the week's one matrix call (`compile_week`).
    closures_of
        Compile for this day alone (a day's re-plan): only the closures active on it apply.
    """
    from scheduler import service_calendar

    _check_week(week_start)
    now = now or city_now()
    requests = store.requests.find(statuses=sorted(OPEN_STATUSES, key=lambda s: s.value))
    elsewhere = _served_in_other_weeks(store, week_start)
    requests = [r for r in requests
                if not (r.status == RequestStatus.PLANNED and r.id in elsewhere and not r.windows
                        and r.promised is None and r.kind != RequestKind.SESSION)] + list(extra)
    vehicles = {v.id: v for v in store.vehicles.active()}
    exceptions = store.shift_exceptions.between(week_start, week_start + dt.timedelta(days=6))
    shifts = service_calendar.shifts_for_week(list(vehicles.values()), week_start, exceptions)
    provider, by_day = _providers(store, network, week_start, closures_of)
    return compile_week(
        week_start, requests,
        residents={r.id: r for r in store.residents.all()},
        sites={s.id: s for s in store.sites.all()},
        vehicles=vehicles,
        shifts=shifts,
        services={s.code: s for s in store.services.all()},
        service_days=service_calendar.service_days(week_start, exceptions),
        matrix_provider=provider,
        now=now,
        bookings=store.session_bookings.find(),  # active seats only: a cancelled seat needs no time
        extra_points=extra_points,
        day_providers=by_day,
    )


def _providers(store: Store, network: MatrixProvider, week_start: dt.date,
               day: dt.date | None) -> tuple[MatrixProvider, dict[dt.date, MatrixProvider]]:
    """Return the week's matrix provider and the days on their own closed network; or the day's alone.

    A week drives on `network` except the days with an active closure, each on its own closures
    (`scheduler.closures.day_providers`); a day compiled alone drives on its closures only.
    """
    from scheduler.closures import day_provider, day_providers

    if day is not None:
        return day_provider(network, store.road_closures.between(day, day), day), {}
    closures = store.road_closures.between(week_start, week_start + dt.timedelta(days=6))
    return network, day_providers(network, closures, week_start)


def _served_in_other_weeks(store: Store, week_start: dt.date) -> set[int]:
    served: set[int] = set()
    for week in {p.week_start for p in store.plans.versions()} - {week_start}:
        plan = store.plans.get(week)
        if plan is not None:
            served.update(s.request_id for s in plan.stops if s.request_id is not None)
    return served


def plan_week(store: Store, network: MatrixProvider, week_start: dt.date, *, params: SolveParams | None = None,
              user: str = "system", now: dt.datetime | None = None,
              on_compiled: Callable[[CompiledWeek], None] | None = None,
              on_phase: Callable[[str], None] | None = None,
              on_progress: Callable[[SolveProgress], None] | None = None) -> PlanResult:
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
    on_compiled
        Called with the compiled week before it is solved, e.g. to export the
        problem: it is there even when solving then fails, when it is needed most.
    on_phase
        Called with ``"compile"``, ``"solve"`` and ``"store"`` as each step
        begins (a background job shows them as progress).
    on_progress
        Called while the solver searches with its best plan so far, in
        requests (`SolveProgress`; see `scheduler.vrp.solver.solve`).

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
    _check_week(week_start)
    now = now or city_now()
    params = params or SolveParams()
    phase = on_phase or (lambda _name: None)
    t0 = time.perf_counter()
    phase("compile")
    seen = store.open_requests_digest()
    compiled = compile_from_store(store, network, week_start, now=now)
    told = add_told_times(store, compiled)  # a published week: residents already told keep their time if they can
    locked = _add_locks(store, compiled)
    if on_compiled is not None:
        on_compiled(compiled)
    t1 = time.perf_counter()
    phase("solve")
    solution = _solve_and_check(compiled, params, on_progress)
    kept_published = False
    if told:
        solution, kept_published = _not_worse_than_published(store, compiled, solution)
    t2 = time.perf_counter()
    phase("store")
    plan = build_plan(compiled, solution, user=user, now=now)
    plan.summary.update({"compile_s": round(t1 - t0, 3), "solve_s": round(t2 - t1, 3),
                         "params": params.to_dict()})
    if told:
        plan.summary["told"] = {"residents": told, "moved": solution.get("summary", {}).get("moved", 0),
                                "kept_published": kept_published}
    if locked:
        plan.summary["locked"] = locked
    with store.transaction():  # BEGIN IMMEDIATE: no booking or cancellation lands until this version is in
        if store.open_requests_digest() != seen:
            compiled, plan = _take_in_changes(store, network, compiled, plan, user=user, now=now)
        apply_session_moves(store, compiled, user=user)
        plan.summary["session_moves"] = session_moves_summary(store, compiled)
        saved = store.plans.save(plan)
        update_statuses(store, compiled, saved, user=user)
    t3 = time.perf_counter()
    log.info("planned week %s as v%s: %d served, %d unassigned, %d broken promises",
             week_start, saved.version, saved.summary["served"], saved.summary["unassigned"],
             len(saved.summary["broken_promises"]))
    return PlanResult(saved, compiled, solution,
                      {"compile_s": t1 - t0, "solve_s": t2 - t1, "store_s": t3 - t2, "total_s": t3 - t0})


def _add_locks(store: Store, compiled: CompiledWeek) -> int:
    """Hold the requests the dispatcher locked (`scheduler.locks`) on their published shifts; return how many.

    Only a week with a published version: its routes say where a shift or day lock keeps each request.
    """
    published = store.plans.published(compiled.week_start)
    if published is None:
        return 0
    locks = store.locks.between(compiled.week_start, compiled.week_start + dt.timedelta(days=6))
    return add_lock_steps(compiled.problem, compiled, held_requests(locks, published)) if locks else 0


def _not_worse_than_published(store: Store, compiled: CompiledWeek, solution: dict) -> tuple[dict, bool]:
    """Return the solved plan, or the published routes read into the week when they are better (validated)."""
    from scheduler.vrp.validator import validate

    kept = published_candidate(store, compiled)
    if kept is not None and validate(compiled.problem, kept):
        kept = None  # a published route that breaks a rule today is no candidate
    chosen, is_kept = better(compiled.problem, solution, kept)
    if is_kept:
        log.info("week %s: the published routes (objective %s) beat the search (%s); kept", compiled.week_start,
                 objective(compiled.problem, chosen), objective(compiled.problem, solution))
    return chosen, is_kept


def _take_in_changes(store: Store, network: MatrixProvider, compiled: CompiledWeek, plan: Plan, *, user: str,
                     now: dt.datetime) -> tuple[CompiledWeek, Plan]:
    """Return the week compiled again and the solved plan with what changed while it was solved.

    Runs inside the transaction that stores the plan (the write lock is held,
    so nothing changes meanwhile). The solved routes are read into the week
    as it is now (`Routes`): stops of requests it no longer has (cancelled)
    are taken out and their routes re-timed; every commitment no route serves
    (a booking confirmed meanwhile) is inserted as a booking would be, then
    the other new requests where they fit. The result is validated; a
    booking that fits nowhere is in the unassigned list as a broken promise,
    never left out.
    """
    from scheduler.planning.derive import derived_plan, request_kinds, stored_routes
    from scheduler.vrp.insertion import Routes
    from scheduler.vrp.validator import validate

    current = compile_from_store(store, network, compiled.week_start, now=now)
    routes_in, starts, lost = stored_routes(current, plan)
    routes = Routes(current.problem, routes_in, not_before=starts)
    for rid in sorted(set(current.requests) - set(compiled.requests),
                      key=lambda r: (-current.priorities.get(r, 0), r)):
        tasks = current.request_tasks.get(rid, [])
        if tasks and not routes.routed().intersection(routes.index[t] for t in tasks):
            found = routes.insert(tasks)
            if found is not None:
                routes.apply(found)
    index_of = {v.id: k for k, v in enumerate(routes.model.problem.vehicles)}
    changed = sorted(set(routes.changed()) | {index_of[vid] for vid in lost if vid in index_of})
    added = sorted(set(current.requests) - set(compiled.requests))
    removed = sorted(set(compiled.requests) - set(current.requests))
    taken, solution = derived_plan(plan, current, routes, changed, user=user, now=now, keep_solve=True,
                                   kinds=request_kinds(store, plan, current))
    problems = validate(current.problem, solution)
    if problems:
        msg = (f"week {compiled.week_start}: the plan with the changes made while it was solved failed "
               f"validation, not stored: {current.in_city_words(problems[0])}")
        raise PlanningError(msg)
    taken.summary["taken_in"] = {"added": len(added), "removed": len(removed), "routes": len(changed)}
    log.info("week %s changed while it was solved: %d requests added, %d removed, %d routes re-timed",
             compiled.week_start, len(added), len(removed), len(changed))
    return current, taken


def _solve_and_check(compiled: CompiledWeek, params: SolveParams,
                     on_progress: Callable[[SolveProgress], None] | None = None) -> dict:
    """Solve the compiled week and return the solution once the validator accepts it.

    Raises
    ------
    PlanningError
        If the search found nothing in time, or the validator finds a fault.
    """
    # imported here: OR-Tools loads only when a week is solved (and tests can replace both)
    from scheduler.vrp.solver import solve
    from scheduler.vrp.validator import validate

    week_start = compiled.week_start
    in_requests = None if on_progress is None else \
        (lambda found: on_progress(solve_progress(compiled, found.served, found.expected_s)))
    solution = solve(compiled.problem, params, on_progress=in_requests)
    if _found_nothing(compiled, solution):
        msg = (f"week {week_start}: the solver found no plan within {params.time_limit_s:g} s "
               "(nothing stored; the previous version stays); allow a longer time limit")
        raise PlanningError(msg)
    problems = validate(compiled.problem, solution)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        msg = (f"week {week_start}: the solver's plan failed validation, not stored: "
               f"{compiled.in_city_words(problems[0])}{more}")
        raise PlanningError(msg)
    return solution


@dataclass(frozen=True)
class SolveProgress:
    """The solver's best plan so far, in requests: what a planning job shows while it runs."""

    served: int
    unassigned: int
    promises_kept: int
    promised: int
    #: seconds from the start of the solve to its expected end (the early stop's deadline, or the limit)
    expected_solve_s: float


def solve_progress(compiled: CompiledWeek, served_tasks: frozenset[int] | set[int],
                   expected_solve_s: float) -> SolveProgress:
    """Count a plan's requests as the stored plan would (`plan_building`): served when all their tasks are routed."""
    served = {rid for rid in compiled.requests
              if (tasks := compiled.request_tasks.get(rid)) and all(t in served_tasks for t in tasks)}
    return SolveProgress(served=len(served), unassigned=len(compiled.requests) - len(served),
                         promises_kept=sum(1 for rid in compiled.promised if rid in served),
                         promised=len(compiled.promised), expected_solve_s=expected_solve_s)


def _found_nothing(compiled: CompiledWeek, solution: dict) -> bool:
    """Return whether the search ended before any solution although one may exist.

    No route at all while some task carries the code ``not_solved`` means the
    search ended before its first solution (codes found up front, such as
    ``skill``, are real answers); storing that would un-plan the whole week.
    """
    if solution["routes"] or not compiled.vehicles:
        return False
    return any(u.get("code") == "not_solved" for u in solution["unassigned"])


def publish(store: Store, plan_id: int, *, user: str) -> Plan:
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
    plan = store.plans.publish(plan_id, user=user)
    log.info("published plan %s (week %s v%s)", plan_id, plan.week_start, plan.version)
    return plan

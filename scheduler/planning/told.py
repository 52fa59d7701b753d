"""What residents were already told, given to the solver as told times when a published week is planned again.

Once a week's plan is published, residents can be told when the van comes
(`scheduler.booking.readback.told_from_stops`: the promise of a phone booking,
else the published start rounded to the half hour). Planning that week again
(計画を作成 after 公開する) must not move them without need: `add_told_times`
puts each such window on the task the resident waits for (a visit, an
errand's deliveries, a ride's pick-up) as ``told_start``/``told_end`` with the
problem's ``told_margin``. The solver's objective then counts, after
commitments and before everything else, each resident whose new start leaves
the told time by more than the margin (docs/PROBLEM_FORMAT.md, "Re-planning"),
so a re-plan with nothing changed moves nobody it need not. Hall sessions keep
their announced rule instead and are left as they are.

A search that stops early (a solution limit, a short time limit) may still
find a plan worse than the one residents were told. `published_candidate`
therefore reads the published routes into the week as it is now (new
commitments inserted first, then the other requests where they fit, as a
booking would be) and `better` keeps whichever of the two plans is better by
the format's objective (commitments left out, residents moved, weight left
out, cost): planning a published week again is never worse than keeping it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.booking.readback import told_from_stops
from scheduler.domain import RequestKind, week_seconds

if TYPE_CHECKING:
    from scheduler.compiler import CompiledWeek
    from scheduler.store import Store

__all__ = ["DEFAULT_TOLD_MARGIN_S", "add_told_times", "better", "objective", "published_candidate"]

#: How far a service may start outside the told window before its resident counts as moved.
DEFAULT_TOLD_MARGIN_S = 15 * 60
#: The task of each kind of request its resident waits for.
_WAITED = {RequestKind.VISIT: "visit", RequestKind.ERRAND: "delivery", RequestKind.RIDE: "pickup"}


def _task_dicts(problem: dict) -> dict[int, dict]:
    """Return every task of a problem (jobs and shipment halves) by id, as the dicts to annotate."""
    found = {job["id"]: job for job in problem.get("jobs", ())}
    for shipment in problem.get("shipments", ()):
        for end in ("pickup", "delivery"):
            found[shipment[end]["id"]] = shipment[end]
    return found


def add_told_times(store: Store, compiled: CompiledWeek, *, margin_s: int = DEFAULT_TOLD_MARGIN_S) -> int:
    """Put the windows residents were told from the week's published version on their tasks; return how many.

    Nothing changes when the week has no published version.
    """
    plan = store.plans.published(compiled.week_start)
    if plan is None:
        return 0
    stops: dict[int, list] = {}
    for s in plan.stops:
        if s.request_id is not None:
            stops.setdefault(s.request_id, []).append(s)
    requests = {r.id: r for r in store.requests.with_ids(rid for rid in compiled.requests if rid in stops)}
    tasks, told_count = _task_dicts(compiled.problem), 0
    for rid, req in requests.items():
        waited = _WAITED.get(req.kind)
        told = told_from_stops(req, stops[rid]) if waited else None
        if told is None:
            continue
        start = week_seconds(compiled.week_start, told.day, told.start_s)
        end = week_seconds(compiled.week_start, told.day, told.end_s)
        for tid in compiled.request_tasks.get(rid, ()):
            if compiled.tasks[tid].kind == waited and tid in tasks:
                tasks[tid]["told_start"], tasks[tid]["told_end"] = start, end
                told_count += 1
    if told_count:
        compiled.problem["told_margin"] = margin_s
    return told_count


def objective(problem: dict, solution: dict) -> tuple[int, int, int, int]:
    """Return the format's objective of a solution: (commitments left out, moved, weight left out, cost)."""
    priority = {job["id"]: job.get("priority", 0) for job in problem.get("jobs", ())}
    for shipment in problem.get("shipments", ()):
        priority[shipment["pickup"]["id"]] = shipment.get("priority", 0)
    commitments = weight = 0
    for entry in solution.get("unassigned", ()):
        if entry.get("type") == "delivery" or entry["id"] not in priority:
            continue  # a shipment counts once, by its pick-up
        if priority[entry["id"]] >= 100:
            commitments += 1
        else:
            weight += priority[entry["id"]] + 1
    summary = solution.get("summary", {})
    return commitments, summary.get("moved", 0), weight, summary.get("cost", 0)


def published_candidate(store: Store, compiled: CompiledWeek) -> dict | None:
    """Return the solution that keeps the published routes in the week as it is now (None: nothing published)."""
    from scheduler.planning.derive import stored_routes
    from scheduler.vrp.insertion import Routes

    plan = store.plans.published(compiled.week_start)
    if plan is None:
        return None
    routes_in, starts, _ = stored_routes(compiled, plan)
    routes = Routes(compiled.problem, routes_in, not_before=starts)
    for rid in sorted(compiled.requests, key=lambda r: (-compiled.priorities.get(r, 0), r)):
        tasks = compiled.request_tasks.get(rid, [])
        if tasks and not routes.routed().intersection(routes.index[t] for t in tasks):
            found = routes.insert(tasks)
            if found is not None:
                routes.apply(found)
    return routes.solution()


def better(problem: dict, solved: dict, kept: dict | None) -> tuple[dict, bool]:
    """Return the better of a solved plan and the kept published one by the objective, and whether it is the kept one."""
    if kept is None or objective(problem, kept) >= objective(problem, solved):
        return solved, False
    return kept, True

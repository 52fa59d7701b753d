"""Plan versions derived from another: the changed routes re-timed by insertion, every other route copied.

Three writes make a version from an earlier one instead of solving the week
again, and all three go through `derived_plan`:

- a booking (`scheduler.booking.confirm.book`): the new commitment inserted;
- a cancellation (`scheduler.booking.confirm.cancel_booking`): its stops taken out;
- a re-plan that finds the week changed while it solved
  (`scheduler.planning.run.plan_week`): bookings confirmed meanwhile inserted
  into the solved plan, cancelled requests taken out.

`stored_routes` reads a plan's stops as routes of a compiled week's task ids
(`scheduler.vrp.insertion.Routes` takes them); `derived_plan` builds the
unsaved version: the routes of `changed` from `Routes`, the others stop for
stop from the base, and an unassigned list that names every request of the
week on no route (the base's reason where it had one), so that a promise is
never dropped from a version silently. Its summary is counted again from
what the version holds.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from collections.abc import Sequence

from scheduler.compiler import CompiledWeek
from scheduler.domain import Plan, PlanStop, UnassignedRequest
from scheduler.planning.plan_building import build_plan
from scheduler.planning.wording import BROKEN_PROMISE
from scheduler.vrp.insertion import Routes

__all__ = ["derived_plan", "request_kinds", "stored_routes", "version_summary"]

#: Summary keys of a solve that a derived version does not inherit (it was not solved).
_SOLVE_KEYS = ("compile_s", "solve_s", "params")


def stored_routes(compiled: CompiledWeek, plan: Plan | None
                  ) -> tuple[dict[int, list[int]], dict[int, int], set[int]]:
    """Return a plan's routes as solver vehicle id -> task ids of `compiled`, each task's start, and lost routes.

    The third item holds the solver vehicle ids of routes that lost a stop: a
    stop of a request `compiled` no longer has (cancelled, done) or of a shift
    it no longer has. Such a route must be re-timed, not copied.
    """
    if plan is None:
        return {}, {}, set()
    vid_of = {(ref.vehicle_id, ref.day): vid for vid, ref in compiled.vehicles.items()}
    tid_of = {}
    for tid, ref in compiled.tasks.items():
        tid_of[(ref.request_id, ref.kind, ref.part, ref.day if ref.kind == "session" else None)] = tid
    routes: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    lost: set[int] = set()
    for stop in sorted(plan.stops, key=lambda s: (s.vehicle_id, s.day, s.seq)):
        if stop.request_id is None:
            continue
        key = (stop.request_id, stop.step_type, stop.part or 0, stop.day if stop.step_type == "session" else None)
        vid = vid_of.get((stop.vehicle_id, stop.day))
        if vid is not None and key in tid_of:
            routes.setdefault(vid, []).append(tid_of[key])
            starts[tid_of[key]] = stop.start_s
        elif vid is not None:
            lost.add(vid)
    return routes, starts, lost


def derived_plan(base: Plan, compiled: CompiledWeek, routes: Routes, changed: Sequence[int], *, user: str,
                 now: dt.datetime, change: dict | None = None, keep_solve: bool = False,
                 kinds: dict[int, str] | None = None) -> tuple[Plan, dict]:
    """Return the unsaved version derived from `base` and the solution dict of its re-timed routes.

    Parameters
    ----------
    base
        The version it derives from (stored, or a re-plan not stored yet).
    compiled
        The week compiled now, which `routes` answers.
    routes
        The routes of `base` read into `compiled` (`Routes`), with the insertions made.
    changed
        Vehicle indices whose route is taken from `routes` (re-timed); every other
        route is copied stop for stop from `base`.
    change
        Why the version was made, kept in its summary as ``change``.
    keep_solve
        Keep the base's solve figures (``solve_s``, ``params``...) in the summary:
        a re-plan that took in changes is still that solve.
    kinds
        Request id -> kind of requests on copied routes that `compiled` no longer
        has (done, under way), for the summary's counts by kind.

    The caller validates the solution (``scheduler.vrp.validator``) before storing.
    A route that breaks a rule under today's problem (`Routes.stale`) is never
    re-timed: it is copied as it is rather than dropped with every stop on it.
    """
    changed = [k for k in changed if k not in routes.stale]
    solution = routes.solution(changed)
    fresh = build_plan(compiled, solution, user=user, now=now)
    shifts = {(compiled.vehicles[routes.model.problem.vehicles[k].id].vehicle_id,
               compiled.vehicles[routes.model.problem.vehicles[k].id].day) for k in changed}
    kept = [copy.copy(s) for s in base.stops if (s.vehicle_id, s.day) not in shifts]
    for s in kept:
        s.id = s.plan_id = None
    stops = kept + fresh.stops
    on_route = {s.request_id for s in stops if s.request_id is not None}
    unassigned = _unassigned(base, fresh, compiled, on_route)
    summary = version_summary(base, compiled, stops, unassigned, keep_solve=keep_solve, kinds=kinds or {})
    if change is not None:
        summary["change"] = change
    if base.id is not None:
        summary["derived_from"] = base.version
    return Plan(week_start=base.week_start, version=0, created_at=now, created_by=user, summary=summary,
                stops=stops, unassigned=unassigned), solution


def _unassigned(base: Plan, fresh: Plan, compiled: CompiledWeek, on_route: set[int]) -> list[UnassignedRequest]:
    """Return every request of the week on no route, broken promises first.

    The entry is the base's where it had one (the solver's reason), else the
    one `build_plan` made now; a request promised since the base was made gets
    the new entry, which says the promise is broken. A request the week no
    longer has (cancelled, done) is not unassigned any more.
    """
    before = {u.request_id: u for u in base.unassigned}
    now = {u.request_id: u for u in fresh.unassigned}
    out = []
    for rid in sorted(compiled.requests):
        if rid in on_route or rid not in now:
            continue
        entry = before.get(rid)
        if entry is None or (rid in compiled.promised and not entry.reason.startswith(BROKEN_PROMISE)):
            entry = now[rid]
        item = copy.copy(entry)
        item.plan_id = None
        out.append(item)
    promised = set(compiled.promised)
    out.sort(key=lambda u: (u.request_id not in promised, u.request_id))
    return out


def version_summary(base: Plan, compiled: CompiledWeek, stops: list[PlanStop], unassigned: list[UnassignedRequest],
                    *, keep_solve: bool, kinds: dict[int, str]) -> dict:
    """Return the derived version's summary: the base's, with every count taken again from what it holds."""
    drop = () if keep_solve else _SOLVE_KEYS
    summary = {k: v for k, v in base.summary.items() if k not in drop and k not in ("change", "derived_from")}
    ends: dict[tuple, int] = {}
    for s in stops:
        if s.step_type == "end":
            ends[(s.vehicle_id, s.day)] = s.driving_s
    on_route = {s.request_id for s in stops if s.request_id is not None}
    kind_of = {**kinds, **{rid: req.kind.value for rid, req in compiled.requests.items()}}
    served_kinds = Counter(kind_of.get(rid, "other") for rid in on_route)
    unserved_kinds = Counter(kind_of.get(u.request_id, "other") for u in unassigned)
    broken = [u.request_id for u in unassigned if u.request_id in compiled.promised]
    summary.update({
        "requests": len(on_route) + len(unassigned),
        "served": len(on_route),
        "unassigned": len(unassigned),
        "served_by_kind": dict(sorted(served_kinds.items())),
        "unassigned_by_kind": dict(sorted(unserved_kinds.items())),
        "promised": len(compiled.promised),
        "promises_kept": len(compiled.promised) - len(broken),
        "broken_promises": broken,
        "driving_s": sum(ends.values()),
    })
    return summary


def request_kinds(store, plan: Plan, compiled: CompiledWeek) -> dict[int, str]:
    """Return the kinds of the requests on `plan`'s stops that `compiled` does not hold (done, under way)."""
    missing = sorted({s.request_id for s in plan.stops if s.request_id is not None} - set(compiled.requests))
    return {rid: store.requests.get(rid).kind.value for rid in missing}

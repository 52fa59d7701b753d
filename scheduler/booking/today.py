"""Offers and bookings for today on the live state: from where each van is now, never before now.

The morning plan is no guide to the rest of a service day: vans run late or
early, stops are done, others under way. For today, when its week has a
published plan, offers and bookings therefore work on the day as it happens
(`scheduler.planning.replan_day.live_problem`): each van starts where the crew
last reported, leaving when it left (never before now); done stops and the
stop under way are frozen; its stops still to come are kept in order, timed
from there (`scheduler.vrp.insertion.Routes`). A route that can no longer
hold all of its windows (a van too late to keep a commitment) takes nothing,
and the draft is inserted after each van's current position and time only
where every stop of the route, every commitment included, still keeps its
window: an offer for today keeps the rest of the day's commitments.

Confirming one (`book_today`, called by `scheduler.booking.confirm.book` for a
window of today) stores the request, inserts it again on the live state under
the write lock, and stores the version derived from the published one the
crews run (the frozen stops as they are, the changed rest of the day, every
other day copied), published at once: the new stop is on the driver's tablet.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.domain import (
    DAY_S,
    Plan,
    Request,
    RequestStatus,
    TimeWindow,
    city_id,
    week_monday,
    week_seconds,
)

if TYPE_CHECKING:
    from scheduler.booking.draft import Draft
    from scheduler.matrices import MatrixProvider
    from scheduler.planning.kept_routes import Steps
    from scheduler.planning.replan_day import LiveProblem
    from scheduler.store import Store
    from scheduler.vrp.insertion import Insertion, Routes

__all__ = ["LiveRoutes", "book_today", "live_routes", "seconds_of_day"]

log = logging.getLogger(__name__)
# scheduler.planning imports scheduler.booking (readback): the planning modules are imported where used


def seconds_of_day(now: dt.datetime) -> int:
    """Return the seconds since midnight of `now`."""
    return now.hour * 3600 + now.minute * 60 + now.second


@dataclass
class LiveRoutes:
    """Today's live day problem with each van's stops to come as routes ready for insertions."""

    live: LiveProblem
    routes: Routes
    steps: Steps

    @property
    def plan(self) -> Plan:
        """The version the crews run (the one a booking derives from)."""
        return self.live.published

    def task_ids(self, request_id: int) -> list[int]:
        """Return the day problem's task ids of a request."""
        present = set(self.routes.index)
        return [t for t in self.live.day_problem.compiled.request_tasks.get(request_id, ()) if t in present]

    def vehicle_id(self, k: int) -> int:
        """Return the van of vehicle index `k` of the day problem."""
        return self.live.compiled.vehicles[self.live.day_problem.problem["vehicles"][k]["id"]].vehicle_id

    def insert(self, tasks: list[int], windows: dict[int, list[tuple[int, int]]]) -> Insertion | None:
        """Return the cheapest insertion of a unit after every van's fixed steps (the routes stay), or None."""
        allowed = self.steps.vehicles(tasks, None)
        while allowed:
            found = self.routes.insert(tasks, windows, vehicles=sorted(allowed))
            if found is None or self.steps.keeps_fixed(self.routes, found):
                return found
            allowed.discard(found.vehicle)
        return None

    def promise_tasks(self, request_id: int, tasks: list[int]) -> list[int]:
        """Return the tasks of `tasks` a promise binds: a visit, an errand's deliveries, a ride's pick-up."""
        refs = self.live.day_problem.compiled.tasks
        want = {"visit": "visit", "errand": "delivery", "ride": "pickup", "session": "session"}
        return [t for t in tasks if refs[t].request_id == request_id and refs[t].kind == want[refs[t].request_kind.value]]

    @property
    def week(self) -> dt.date:
        """The week's Monday."""
        return self.live.week

    def window(self, day: dt.date, start_s: int, end_s: int) -> list[tuple[int, int]]:
        """Return a window of `day` (seconds of the day) in the week's seconds."""
        week = self.live.week
        return [(week_seconds(week, day, 0) + start_s, week_seconds(week, day, 0) + end_s)]


def live_routes(store: Store, network: MatrixProvider, day: dt.date, *, now: dt.datetime,
                extra: Sequence[Request] = ()) -> LiveRoutes | None:
    """Return today's live routes with `extra` requests compiled in; None when the week has nothing published."""
    from scheduler.planning.kept_routes import Steps, kept_routes
    from scheduler.planning.replan_day import live_problem
    from scheduler.vrp.insertion import Routes

    if store.plans.published(week_monday(day)) is None:
        return None
    live = live_problem(store, network, day, now=now, extra=extra)
    problem = live.day_problem.problem
    routes_in, starts = kept_routes(problem, live.day_problem.compiled, live.vans)
    return LiveRoutes(live, Routes(problem, routes_in, not_before=starts, repair=False), Steps(problem))


def book_today(store: Store, network: MatrixProvider, draft: Draft, window: TimeWindow, *, user: str,
               now: dt.datetime) -> tuple[Request, Plan] | None:
    """Store the request promised `window` (today) and the published version with it on the live routes.

    Call inside the store's write transaction. Returns None when it no longer
    fits (the caller rolls back: nothing of it stays).
    """
    from scheduler.planning.replan_day import live_version
    from scheduler.vrp.validator import validate

    req = store.add_request(draft.request(promised=window, now=now), user=user)
    lr = live_routes(store, network, window.day, now=now)
    tasks = lr.task_ids(req.id) if lr is not None else []
    if not tasks:
        return None
    promise = lr.promise_tasks(req.id, tasks)
    span = lr.window(window.day, seconds_of_day(now), DAY_S)
    cut = {t: span for t in tasks} | {t: lr.window(window.day, window.start_s, window.end_s) for t in promise}
    found = lr.insert(tasks, cut)
    if found is None:
        return None
    lr.routes.apply(found)
    solution = lr.routes.solution([found.vehicle])  # that van's rest of the day; every other route is copied
    problems = validate(lr.live.day_problem.problem, solution)
    if problems:  # pragma: no cover - the insertion keeps every rule
        log.warning("today's booking of %s fails validation, not stored: %s", req.id, problems[0])
        return None
    plan = live_version(store, lr.live, solution, user=user, now=now, vehicles={lr.vehicle_id(found.vehicle)})
    plan.summary["change"] = {"kind": "booking", "request": city_id(req)}
    saved = store.plans.save(plan)
    if store.requests.get(req.id).can_move_to(RequestStatus.PLANNED):
        store.change_status(req.id, RequestStatus.PLANNED, user=user, cause="plan_booking",
                            cause_args={"week": lr.live.week.isoformat(), "version": saved.version})
    saved = store.plans.publish(saved.id, user=user)  # derived from the published version: the drivers' list now
    log.info("request %s booked for today %s on the live routes (plan v%s)", req.id, window.label(), saved.version)
    return store.requests.get(req.id), saved



"""Insert one request's tasks into existing routes, without a re-solve: the construction's exact timing as an API.

`Routes` takes a problem (the format of ``PROBLEM_FORMAT.md``) and routes it
already has (per vehicle id, task ids in order, as a stored plan lists them).
Each route is timed exactly as the commitments-first construction times it
(`scheduler.vrp.construct`: windows, breaks, loads, ``max_tasks``,
``max_travel_time``, ride limits, delivery groups); a route that breaks a rule
under today's problem is *stale*: it takes no insertion and is never changed.
Commitments (priority 100) of the problem that no route serves are inserted
first, so an insertion never takes the room a commitment needs.

`Routes.insert` then tries one unit (a job, a shipment, or a delivery group)
with its windows narrowed to a candidate, where it adds the least driving,
and returns the `Insertion` (or None) without changing the routes;
`Routes.apply` keeps one. `Routes.solution` reports routes as a solution dict
(`scheduler.vrp.steps`), which `scheduler.vrp.validator` checks like any other.
Nothing already on a route is ever moved to another vehicle or left out.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scheduler.vrp.construct import (
    Builder,
    NodeTable,
    insert_unit,
    insertion_order,
    ride_tightened,
)
from scheduler.vrp.format import COMMITMENT, MAX_TIME
from scheduler.vrp.model import Model
from scheduler.vrp.precheck import prepare
from scheduler.vrp.problem import Problem, parse_problem
from scheduler.vrp.steps import NOT_ENOUGH_TIME, solution_dict

__all__ = ["Insertion", "Routes"]



@dataclass(frozen=True)
class Insertion:
    """Where a unit fits: the vehicle (index in the problem), its new route and the driving it adds."""

    vehicle: int
    route: tuple[int, ...]  # task indices in order
    added_s: int
    begins: tuple[int, ...]  # service start at each task of `route`

    def start_of(self, task: int) -> int:
        """Return the service start of task index `task` on the new route."""
        return self.begins[self.route.index(task)]


class Routes:
    """Existing routes of a problem, timed exactly, ready for insertions (see the module docstring).

    Parameters
    ----------
    problem
        The problem dict (or a parsed `Problem`).
    routes
        Per vehicle id, the task ids it serves in order; ids the problem does
        not have are dropped (a cancelled request).
    not_before
        Per task id, its service start in the stored plan: it never starts
        earlier (the timing here starts every service as early as it can,
        which a plan that waits on purpose, e.g. for a ride limit, does not).
    repair
        Insert the commitments no route serves first (default).
    """

    def __init__(self, problem: dict | Problem, routes: Mapping[int, Sequence[int]], *,
                 not_before: Mapping[int, int] | None = None, repair: bool = True) -> None:
        parsed = problem if isinstance(problem, Problem) else parse_problem(problem)
        self.model: Model = prepare(parsed)
        tasks = self.model.tasks
        self.index = {t.id: i for i, t in enumerate(tasks)}
        vehicles = parsed.vehicles
        self.vehicle_index = {v.id: k for k, v in enumerate(vehicles)}
        self.nodes, self.travel = _layout(self.model)
        for tid, start in (not_before or {}).items():
            x = self.index.get(tid)
            if x is not None:
                self.nodes.windows[x] = _intersect(self.nodes.windows[x], [(start, MAX_TIME)])
        self._builder = Builder(self.model, self.nodes, self.travel)
        self._units = insertion_order(self.model, self.nodes)
        #: vehicle index -> its stored route, which breaks a rule today (kept as it is)
        self._stale: dict[int, list[int]] = {}
        for vid, ids in routes.items():
            k = self.vehicle_index.get(vid)
            seq = [self.index[i] for i in ids if i in self.index]
            if k is None or not seq:
                continue
            timing = self._builder.timer.schedule(k, seq)
            if timing is None:
                self._stale[k] = seq
            else:
                self._builder.routes[k], self._builder.timing[k] = seq, timing
        for allowed in self.nodes.allowed:  # a stale route takes nothing
            allowed[:] = [k for k in allowed if k not in self._stale]
        self.stored = [list(r) for r in self.routes]
        if repair:
            self._repair()

    # ------------------------------------------------------------------ reading

    @property
    def routes(self) -> list[list[int]]:
        """Per vehicle index, its task indices in order."""
        return [self._stale.get(k, route) for k, route in enumerate(self._builder.routes)]

    @property
    def stale(self) -> set[int]:
        """Vehicle indices whose stored route breaks a rule under today's problem (they take nothing)."""
        return set(self._stale)

    def routed(self) -> set[int]:
        """Return the task indices on some route."""
        return {t for route in self.routes for t in route}

    def reason(self, task_id: int) -> tuple[str, str] | None:
        """Return the pre-check's (code, reason) why no vehicle could serve the task even alone, or None."""
        return self.model.reasons.get(self.index[task_id])

    def changed(self) -> list[int]:
        """Return the vehicle indices whose route differs from the stored one (repairs and applied insertions)."""
        return [k for k, route in enumerate(self.routes) if route != self.stored[k]]

    # ------------------------------------------------------------------ inserting

    def _repair(self) -> None:
        routed = self.routed()
        for kind, *unit in self._units:
            if self.model.tasks[unit[0]].priority >= COMMITMENT and not routed.intersection(unit):
                insert_unit(self._builder, kind, unit)

    def _unit(self, task_ids: Sequence[int]) -> tuple[str, list[int]]:
        idx = [self.index[i] for i in task_ids]
        for kind, *unit in self._units:
            if set(unit) == set(idx):
                return kind, unit
        msg = f"tasks {list(task_ids)}: not one job, shipment or delivery group of the problem"
        raise ValueError(msg)

    def remove(self, task_ids: Sequence[int]) -> list[int]:
        """Take the tasks off their routes and re-time those routes; return the vehicle indices changed.

        A route that no longer keeps every rule without them (it cannot: taking a
        stop out only frees time) is left as it was and reported unchanged.
        """
        gone = {self.index[i] for i in task_ids if i in self.index}
        changed = []
        for k, route in enumerate(self._builder.routes):
            if k in self._stale or not gone.intersection(route):
                continue
            rest = [x for x in route if x not in gone]
            timing = self._builder.timer.schedule(k, rest)
            if timing is None:  # pragma: no cover - removing a stop only frees time
                continue
            self._builder.routes[k], self._builder.timing[k] = rest, timing
            changed.append(k)
        return changed

    def insert(self, task_ids: Sequence[int], windows: Mapping[int, Sequence[tuple[int, int]]] | None = None,
               *, vehicles: Sequence[int] | None = None) -> Insertion | None:
        """Return the cheapest insertion of one unit with its windows narrowed, or None; the routes stay.

        Parameters
        ----------
        task_ids
            The ids of a job, of a shipment's pick-up and delivery, or of every
            task of a delivery group.
        windows
            Per task id, windows (week seconds) the task's own windows are cut
            to; a task not named keeps its own.
        vehicles
            Only these vehicle indices (a dispatcher's move to one shift); default any allowed.
        """
        kind, unit = self._unit(task_ids)
        if any(x in self.model.reasons for x in unit) or self.routed().intersection(unit):
            return None
        saved = list(self.nodes.windows)
        saved_allowed = {x: list(self.nodes.allowed[x]) for x in unit}
        if vehicles is not None:
            for x in unit:
                self.nodes.allowed[x][:] = [k for k in saved_allowed[x] if k in set(vehicles)]
        try:
            for tid, cut in (windows or {}).items():
                x = self.index[tid]
                self.nodes.windows[x] = _intersect(self.model.tasks[x].windows, cut)
                if not self.nodes.windows[x]:
                    return None
            tightened = ride_tightened(self.model, self.nodes).windows
            for x in unit:
                self.nodes.windows[x] = tightened[x]
            trial = copy.copy(self._builder)
            trial.routes, trial.timing = list(self._builder.routes), list(self._builder.timing)
            if not insert_unit(trial, kind, unit):
                return None
        finally:
            self.nodes.windows[:] = saved
            for x, allowed in saved_allowed.items():
                self.nodes.allowed[x][:] = allowed
        k = next(k for k, route in enumerate(trial.routes) if route is not self._builder.routes[k])
        added = trial._drive(k, trial.routes[k]) - self._builder._drive(k, self._builder.routes[k])
        return Insertion(k, tuple(trial.routes[k]), added, tuple(trial.timing[k][0]))

    def apply(self, insertion: Insertion) -> None:
        """Keep an insertion found by `insert` (the routes must not have changed since)."""
        k = insertion.vehicle
        timing = self._builder.timer.schedule(k, list(insertion.route))
        if timing is None:  # pragma: no cover - `insert` timed this very route
            msg = "insertion: the route no longer keeps every rule"
            raise ValueError(msg)
        self._builder.routes[k], self._builder.timing[k] = list(insertion.route), timing

    # ------------------------------------------------------------------ reporting

    def solution(self, vehicles: Sequence[int] | None = None) -> dict:
        """Return the solution dict of the routes of `vehicles` (default: every timed route).

        Tasks on no reported route are unassigned (pre-check reason, else not enough time).
        """
        chosen = set(range(len(self.routes)) if vehicles is None else vehicles) - self.stale
        routes, times, breaks = [], [], []
        for k, route in enumerate(self._builder.routes):
            begins, taken, arrival = self._builder.timing[k]
            keep = k in chosen and bool(route)
            routes.append(route if keep else [])
            start = self.model.problem.vehicles[k].time_window[0]
            times.append((start, *begins, arrival) if keep else ())
            breaks.append(taken if keep else {})
        return solution_dict(self.model, routes, times, breaks, ("no_time", NOT_ENOUGH_TIME))


def _layout(model: Model) -> tuple[NodeTable, dict[str, list[list[int]]]]:
    """Return one node per task (node i = task i, all its windows), then the depots, and the driving between."""
    tasks, vehicles = model.tasks, model.problem.vehicles
    location: list[int | None] = [t.location for t in tasks]
    on_site = [t.on_site_s for t in tasks]
    depot_node: dict[int | None, int] = {}

    def depot(loc: int | None) -> int:
        if loc not in depot_node:
            depot_node[loc] = len(location)
            location.append(loc)
            on_site.append(0)
        return depot_node[loc]

    starts = [depot(v.start_index) for v in vehicles]
    ends = [depot(v.end_index) for v in vehicles]
    nodes = NodeTable(task=list(range(len(tasks))), windows=[list(t.windows) for t in tasks],
                      allowed=[list(model.allowed.get(i, [])) for i in range(len(tasks))],
                      on_site=on_site, starts=starts, ends=ends)
    nodes = ride_tightened(model, nodes)
    nodes = dataclasses.replace(nodes, windows=list(nodes.windows))
    travel = {}
    for p in sorted({v.profile for v in vehicles}):
        mat = model.problem.durations[p]
        travel[p] = [[0 if a is None or b is None else mat[a][b] for b in location] for a in location]
    return nodes, travel


def _intersect(own: Sequence[tuple[int, int]], cut: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return windows `own` (empty: any time) cut to `cut`."""
    if not own:
        return sorted(tuple(w) for w in cut)
    out = [(max(a, c), min(b, d)) for a, b in own for c, d in cut if max(a, c) <= min(b, d)]
    return sorted(out)

"""Solve a routing problem with OR-Tools: the only module that imports ``ortools``.

`solve` takes a problem in the odekake problem format (``PROBLEM_FORMAT.md``)
and returns the solution dict of that format. The steps:

1. parse and check the input (`scheduler.vrp.problem.parse_problem`);
2. check every task alone (`scheduler.vrp.precheck.prepare`): skills,
   capacity, ``max_tasks``, and a trip alone on every vehicle with its
   breaks, windows, ride and driving limits. Tasks no vehicle can serve are
   set aside with a reason code; the others are restricted to the vehicles
   that could serve them. Vehicles that cannot even take their breaks in
   their hours serve nothing. One impossible task never reaches the search;
3. build one OR-Tools routing model (`_search` wires the named steps):
   `_nodes` lays out nodes = tasks (one per window of a multi-window job)
   + depots (+ one dummy node standing for a missing start or end);
   `_open_model` creates the model (`_OrModel` holds what the steps share);
   `_add_time` adds the time dimension (transit = setup + service of the
   origin + driving) with shifts and windows; `_add_costs` the integer arc
   and fixed costs; `_add_loads` one dimension per capacity dimension;
   `_add_limits` a task-count and a driving-time dimension when limits ask
   for them; `_add_tasks` the disjunction penalties of the lexicographic
   objective (`_penalties`: a commitment, priority 100, outweighs every
   other task together; others ``(priority + 1) * U`` with U larger than any
   routing cost), vehicle restrictions, and pickup-and-delivery pairs whose
   order and ride time bind only when served; `_add_groups` chains each
   delivery group's deliveries at the door; `_add_breaks` the vehicle
   breaks; `_search_parameters` the strategies of `SolveParams`. The order
   of these steps is the order dimensions and callbacks are registered in,
   which the search depends on;
4. search (`_run_search`; `_run` runs a portfolio of workers when allowed)
   and copy the routes out into a plain, picklable `SearchResult` right
   after (`_extract`). Weeks with commitments and large weeks first get a
   plan of their own, commitments first (`scheduler.vrp.construct`), which
   OR-Tools' own strategies could not build in time, improved by ruin and
   recreate while that keeps serving more (`scheduler.vrp.lns`, `_improve`);
   the search starts from it when time is left, and the better plan by the
   format's objective (`_score`) wins;
5. compute every reported figure (arrival, waiting, loads, distances,
   costs) in plain Python from the input (`_solution`), so the reported
   numbers never depend on OR-Tools' internals. Every unassigned task gets
   a ``code`` of `scheduler.vrp.format.REASON_CODES`.

Costs are integers: an arc of ``t`` driving seconds on a vehicle with
``per_hour`` costs ``per_hour * t / 3600``; the model uses the exact integer
``per_hour * t / g`` and ``fixed * 3600 / g`` with ``g`` the gcd of all
``per_hour`` and ``3600 * fixed`` values, so no rounding happens during search.
"""

from __future__ import annotations

import itertools
import logging
import math
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ortools.constraint_solver import (
    pywrapcp,
    routing_enums_pb2,
    routing_heuristic_parameters_pb2,
    routing_ils_pb2,
)

from scheduler.vrp.construct import NodeTable, Plan, filled_plan, insertion_plan
from scheduler.vrp.format import COMMITMENT, MAX_TIME, route_cost
from scheduler.vrp.lns import improve
from scheduler.vrp.params import SolveParams
from scheduler.vrp.parts import merge, parts_of
from scheduler.vrp.parts import score as parts_score
from scheduler.vrp.precheck import Model as _Model
from scheduler.vrp.precheck import prepare
from scheduler.vrp.problem import Problem, ProblemError, parse_problem
from scheduler.vrp.steps import NOT_ENOUGH_TIME, solution_dict, unassigned_entry

__all__ = ["NOT_ENOUGH_TIME", "Progress", "solve"]

log = logging.getLogger(__name__)

#: Ask the search to report compact shifts (latest start, earliest end).
_COMPACT_SHIFTS = True
_INT64_MAX = 2**63 - 1
#: OR-Tools' OptionalBoolean values
_BOOL_TRUE, _BOOL_FALSE = 3, 2
#: Extra neighbourhoods that trade tasks in and out of the plan (swap an
#: unserved task with a served one, reinsert whole routes' worth of tasks,
#: relocate one task to make room for an unserved one...). Switched on only
#: when tasks differ in priority: there, the best plan may leave out several
#: low-priority tasks to serve one of high priority, which the default moves
#: (one task in or out at a time) rarely find.
_TRADE_OPERATORS = (
    "use_inactive_lns", "use_path_lns", "use_extended_swap_active", "use_relocate_and_make_active",
    "use_exchange_and_make_active", "use_node_pair_swap_active",
)
#: Modelled tasks above which OR-Tools' own first-solution strategies are too slow.
_LARGE = 400
#: Ruin and recreate before the search (`_improve`): it stops after this many
#: seconds and iterations without serving more, or at this share of the time left.
_IMPROVE_STALL_S = 2.0
_IMPROVE_STALL_ITERATIONS = 50
_IMPROVE_SHARE = 0.6
#: The days of a split week: ruin and recreate runs for this share of each day's
#: time, without the stop above (`SolveParams.improve_share`, `_solve_in_parts`).
_PART_IMPROVE_SHARE = 0.8
#: Share of the time limit a week solved day by day spends improving the whole week first.
_WHOLE_WEEK_SHARE = 0.25
#: Seconds kept back from OR-Tools' search for ending it, reading the plan out and
#: writing the answer, so the time limit bounds the whole solve: 1 % of the limit,
#: at most this (a 2,000-stop day ran 0.1-0.2 s over a 10 s limit without it).
_WRAP_UP_S = 0.2


# ---------------------------------------------------------------- OR-Tools model


_FIRST = routing_enums_pb2.FirstSolutionStrategy
_SORT = routing_heuristic_parameters_pb2.LocalCheapestInsertionParameters
_META = routing_enums_pb2.LocalSearchMetaheuristic


def _own_first_solution(model: _Model, params: SolveParams) -> bool:
    """Return whether the search starts from the commitments-first insertion plan.

    ``AUTO`` also starts from it when the problem has delivery groups:
    OR-Tools' insertion heuristics insert one pickup-and-delivery pair at a
    time, and a group's pairs can only enter the plan together (local
    cheapest insertion served none of them on a two-shop errand), while the
    insertion plan places each group as one unit.
    """
    return params.first_solution == "COMMITMENTS_FIRST_INSERTION" or (
        params.first_solution == "AUTO" and (
            bool(model.groups) or _auto_first_solution(model) == "COMMITMENTS_FIRST_INSERTION"))


def _auto_first_solution(model: _Model) -> str:
    """Return the first-solution strategy used for ``AUTO``.

    With commitments (the domain's weeks), or above `_LARGE` modelled tasks,
    the search starts from the commitments-first insertion plan
    (`scheduler.vrp.construct`). OR-Tools' own strategies took 14–34 s to a
    first plan on a 500-stop week with breaks and found none in 120 s on
    2,000 stops; on the sample week (270 tasks, lunches, ride limits) local
    cheapest insertion placing commitments first needed 2–5 s and its plan,
    searched for 20 s, still left out weight 351 where the constructed plan
    (0.1 s) searched for 10 s left out 179, every commitment kept in both.
    Otherwise parallel cheapest insertion was the best single strategy on
    the quick benchmark set for both shapes (VRPTW and pickup-and-delivery);
    shape-specific alternatives run as the second worker (see `_portfolio`).
    """
    if len(model.modelled) > _LARGE or _has_commitments(model):
        return "COMMITMENTS_FIRST_INSERTION"
    return "PARALLEL_CHEAPEST_INSERTION"


def _has_commitments(model: _Model) -> bool:
    return any(model.tasks[t].priority >= COMMITMENT for t in model.modelled)


@dataclass(frozen=True)
class SearchResult:
    """What one search found, copied out of OR-Tools into plain (picklable) data.

    Attributes
    ----------
    objective
        OR-Tools' objective of the solution, ``None`` if none was found.
    routes
        Per vehicle: the task indices it serves, in order.
    times
        Per vehicle: service start at the route's start, at each task, at its end.
    breaks
        Per vehicle: {break position in ``vehicle.breaks``: start}.
    status
        OR-Tools' search status name (e.g. ``ROUTING_SUCCESS``).
    first_solution_s
        Seconds from the start of `solve` to the first plan of this search.
    """

    objective: int | None
    routes: tuple[tuple[int, ...], ...]
    times: tuple[tuple[int, ...], ...]
    breaks: tuple[dict[int, int], ...]
    status: str
    #: seconds from the start of `solve` to the search's first plan (None: no plan)
    first_solution_s: float | None = None
    #: why the search stopped: "converged" (early stop), "time_limit",
    #: "solution_limit", "constructed" (no time to search from the insertion plan)
    stopped: str = "time_limit"

    @classmethod
    def nothing(cls, n_vehicles: int, *, objective: int | None, status: str) -> SearchResult:
        """Return a result with every route empty."""
        return cls(objective, ((),) * n_vehicles, (), (), status)


@dataclass(frozen=True)
class Progress:
    """The best plan found so far, as `solve` reports it to a caller showing progress (``on_progress``).

    Attributes
    ----------
    served
        Ids of the tasks on its routes (jobs, pickups and deliveries).
    elapsed_s
        Seconds since the solve began.
    expected_s
        When the solve is expected to end, in seconds since it began: the time
        limit, or sooner once the early stop's deadline is known (it moves
        later with each real improvement).
    """

    served: frozenset[int]
    elapsed_s: float
    expected_s: float


#: Least seconds between two progress reports (a report may write to a database).
_PROGRESS_EVERY_S = 0.5


class _Reporter:
    """Pass a caller's progress callback the better plans, at most every `_PROGRESS_EVERY_S`."""

    def __init__(self, model: _Model, params: SolveParams, started: float,
                 on_progress: Callable[[Progress], None] | None) -> None:
        self.model, self.limit_s, self.started, self.on_progress = model, params.time_limit_s, started, on_progress
        self.last = -math.inf
        self.held: tuple | None = None  # a plan not reported yet (too soon after the last report)

    def __call__(self, routes, expected_at: float | None = None) -> None:
        """Report a plan's routes (task indices per vehicle); `expected_at` = the early stop's deadline (monotonic)."""
        if self.on_progress is None:
            return
        now = time.monotonic()
        if now - self.last < _PROGRESS_EVERY_S:
            self.held = (routes, expected_at)
            return
        self.last, self.held = now, None
        tasks = self.model.tasks
        expected = self.limit_s if expected_at is None else min(self.limit_s, expected_at - self.started)
        self.send(Progress(frozenset(tasks[t].id for route in routes for t in route),
                           now - self.started, max(expected, now - self.started)))

    def send(self, progress: Progress) -> None:
        """Call the caller's callback; one that fails gets no more reports, and the search goes on."""
        if self.on_progress is None:
            return
        try:
            self.on_progress(progress)
        except Exception:  # showing progress must never cost the plan
            log.warning("progress callback failed: no more progress reports for this solve", exc_info=True)
            self.on_progress = None

    def flush(self) -> None:
        """Report the plan held back, once its turn has come."""
        if self.held is not None and time.monotonic() - self.last >= _PROGRESS_EVERY_S:
            self(*self.held)


@dataclass
class _Nodes:
    """The model's nodes: one per task (or per window of a multi-window job), then the depots."""

    task: list[int]  # node i < len(task) serves task task[i] ...
    windows: list[list[tuple[int, int]]]  # ... within windows[i] ...
    allowed: list[list[int]]  # ... on one of the vehicles allowed[i]
    location: list[int | None]  # every node, depots included (None: missing start or end)
    on_site: list[int]  # every node: setup + service seconds (0 at depots)
    starts: list[int]  # per vehicle: its start node
    ends: list[int]  # per vehicle: its end node

    def __len__(self) -> int:
        return len(self.location)


@dataclass
class _OrModel:
    """The OR-Tools objects the model-building steps share, with the plain data they read."""

    model: _Model
    nodes: _Nodes
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    solver: pywrapcp.Solver
    travel: dict[str, list[list[int]]]  # profile -> node-to-node driving seconds
    time_dim: pywrapcp.RoutingDimension | None = None
    #: penalty of leaving out one task of priority 0, above any routing cost
    unit: int = 0
    break_vars: dict[int, list] = field(default_factory=dict)  # vehicle -> break intervals

    @property
    def vehicles(self) -> list:
        return self.model.problem.vehicles

    @property
    def profiles(self) -> list[str]:
        return sorted(self.travel)


def _nodes(model: _Model) -> _Nodes:
    """Lay out the nodes: modelled tasks (one node per window of a multi-window job), then depots."""
    tasks = model.tasks
    nodes = _Nodes([], [], [], [], [], [], [])
    for t in model.modelled:
        for windows, allowed in (
                [([w], fit) for w, fit in model.alternatives[t]] if t in model.alternatives
                else [(tasks[t].windows, model.allowed[t])]):
            nodes.task.append(t)
            nodes.windows.append(windows)
            nodes.allowed.append(allowed)
    nodes.location = [tasks[t].location for t in nodes.task]
    nodes.on_site = [tasks[t].on_site_s for t in nodes.task]
    depot_node: dict[int | None, int] = {}

    def depot(loc: int | None) -> int:
        if loc not in depot_node:
            depot_node[loc] = len(nodes.location)
            nodes.location.append(loc)
            nodes.on_site.append(0)
        return depot_node[loc]

    # the order (start then end of each vehicle in turn) fixes the node numbers
    nodes.starts = [depot(v.start_index) for v in model.problem.vehicles]
    nodes.ends = [depot(v.end_index) for v in model.problem.vehicles]
    return nodes


def _open_model(model: _Model, nodes: _Nodes, seed: int) -> _OrModel:
    """Create the routing model over the nodes and the driving matrices between them."""
    problem = model.problem
    manager = pywrapcp.RoutingIndexManager(len(nodes), len(problem.vehicles), nodes.starts, nodes.ends)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    solver.ReSeed(seed)
    return _OrModel(model, nodes, manager, routing, solver, _travel(model, nodes))


def _travel(model: _Model, nodes: _Nodes) -> dict[str, list[list[int]]]:
    """Return per vehicle profile the driving seconds between the nodes (depots included)."""
    travel = {}
    for p in sorted({v.profile for v in model.problem.vehicles}):
        mat = model.problem.durations[p]
        travel[p] = [[0 if a is None or b is None else mat[a][b] for b in nodes.location] for a in nodes.location]
    return travel


def _horizon(om: _OrModel) -> int:
    """Return an upper bound of every time in the model (at most MAX_TIME)."""
    nodes, vehicles = om.nodes, om.vehicles
    horizon = max([v.time_window[1] for v in vehicles if v.time_window[1] < MAX_TIME]
                  + [w[1] for ws in nodes.windows for w in ws] + [0])
    horizon += sum(nodes.on_site) + sum(max(map(max, om.travel[p])) for p in om.profiles) * (len(nodes) + 1)
    horizon += sum(b.service for v in vehicles for b in v.breaks)
    return min(horizon, MAX_TIME)


def _add_time(om: _OrModel) -> None:
    """Add the time dimension (transit i -> j = on-site time at i + driving), shifts and windows."""
    nodes, routing = om.nodes, om.routing
    time_cb = {}
    for p in om.profiles:
        time_cb[p] = routing.RegisterTransitMatrix(
            [[nodes.on_site[i] + row[j] for j in range(len(nodes))] for i, row in enumerate(om.travel[p])])
    horizon = _horizon(om)
    routing.AddDimensionWithVehicleTransits(
        [time_cb[v.profile] for v in om.vehicles], horizon, horizon, False, "time")
    time_dim = om.time_dim = routing.GetDimensionOrDie("time")
    unusable = set(om.model.unusable)
    for k, v in enumerate(om.vehicles):
        # a vehicle that cannot even drive start -> end in its hours serves
        # nothing (see precheck); its empty route must not make the model infeasible
        lo, hi = v.time_window[0], horizon if k in unusable else min(v.time_window[1], horizon)
        time_dim.CumulVar(routing.Start(k)).SetRange(lo, hi)
        time_dim.CumulVar(routing.End(k)).SetRange(lo, hi)
    for i, windows in enumerate(nodes.windows):
        if windows:
            var = time_dim.CumulVar(om.manager.NodeToIndex(i))
            var.SetRange(windows[0][0], min(windows[-1][1], horizon))
            for (_, e1), (s2, _) in itertools.pairwise(windows):
                var.RemoveInterval(e1 + 1, s2 - 1)


def _add_costs(om: _OrModel) -> None:
    """Set arc and fixed costs as exact integers scaled by g (see module docstring) and the penalty unit."""
    routing, vehicles = om.routing, om.vehicles
    g = 0
    for v in vehicles:
        g = math.gcd(g, v.per_hour_cost, 3600 * v.fixed_cost)
    g = g or 1
    cost_cb: dict[tuple[str, int], int] = {}
    max_arc = 0
    for k, v in enumerate(vehicles):
        key = (v.profile, v.per_hour_cost // g)
        if key not in cost_cb:
            factor = key[1]
            mat = [[factor * x for x in row] for row in om.travel[v.profile]]
            max_arc = max(max_arc, max(map(max, mat)))
            cost_cb[key] = routing.RegisterTransitMatrix(mat)
        routing.SetArcCostEvaluatorOfVehicle(cost_cb[key], k)
        routing.SetFixedCostOfVehicle(3600 * v.fixed_cost // g, k)
    bound = sum(3600 * v.fixed_cost // g for v in vehicles) + (len(om.nodes) + len(vehicles)) * max_arc + 1
    om.unit = 2 * bound
    # ordinary penalties add up to at most (99 + 1) * unit per task; commitments
    # weigh more than all of them together (see _penalties)
    if om.unit * 101 * (len(om.nodes.task) + 1) >= _INT64_MAX // 4:
        raise ProblemError("matrices: durations or costs too large to optimise with 64-bit integers")


def _add_loads(om: _OrModel) -> None:
    """Add one load dimension per capacity dimension that some task uses."""
    problem, tasks, nodes = om.model.problem, om.model.tasks, om.nodes
    routing = om.routing
    caps = [problem.capacity_of(v) for v in om.vehicles]
    for d in range(problem.dimensions):
        delta, picked = [], []
        for i in range(len(nodes)):
            if i >= len(nodes.task):
                delta.append(0)
                picked.append(0)
                continue
            task = tasks[nodes.task[i]]
            if task.kind == "job":
                delta.append(task.pickup[d] - task.delivery[d])
                picked.append(task.pickup[d])
            else:
                amount = problem.shipments[task.shipment].amount[d]
                delta.append(amount if task.kind == "pickup" else -amount)
                picked.append(0)
        has_delivery = any(tasks[t].kind == "job" and tasks[t].delivery[d] for t in nodes.task)
        has_pickup = any(picked)
        if not any(delta) and not has_delivery:
            continue
        # a bound of every load: the sum of all amounts moved (a job that
        # both delivers and picks up moves d + p = |p - d| + 2 min(d, p))
        both = sum(2 * min(tasks[t].delivery[d], tasks[t].pickup[d]) for t in nodes.task if tasks[t].kind == "job")
        total = sum(abs(x) for x in delta) + both + 1
        vcap = [min(c[d], total) for c in caps]
        cb = routing.RegisterUnaryTransitVector(delta)
        routing.AddDimensionWithVehicleCapacity(cb, 0, vcap, not has_delivery, f"load{d}")
        load = routing.GetDimensionOrDie(f"load{d}")
        if has_delivery and has_pickup:
            # load at the start must be exactly the deliveries on board: tie the
            # end of "load" to the picked-up total (load(end) = start - D + P)
            cb2 = routing.RegisterUnaryTransitVector(picked)
            routing.AddDimension(cb2, 0, sum(picked) + 1, True, f"picked{d}")
            pick_dim = routing.GetDimensionOrDie(f"picked{d}")
            for k in range(len(om.vehicles)):
                om.solver.Add(load.CumulVar(routing.End(k)) == pick_dim.CumulVar(routing.End(k)))


def _add_limits(om: _OrModel) -> None:
    """Add the task-count and driving-time dimensions when some vehicle has such a limit."""
    nodes, routing, vehicles = om.nodes, om.routing, om.vehicles
    if any(v.max_tasks is not None for v in vehicles):
        cb = routing.RegisterUnaryTransitVector([1 if i < len(nodes.task) else 0 for i in range(len(nodes))])
        routing.AddDimensionWithVehicleCapacity(
            cb, 0, [len(nodes.task) if v.max_tasks is None else v.max_tasks for v in vehicles], True, "tasks")
    if any(v.max_travel_time is not None for v in vehicles):
        drive_cb = {p: routing.RegisterTransitMatrix(om.travel[p]) for p in om.profiles}
        total = sum(max(map(max, om.travel[p])) for p in om.profiles) * (len(nodes) + len(vehicles)) + 1
        routing.AddDimensionWithVehicleTransitAndCapacity(
            [drive_cb[v.profile] for v in vehicles], 0,
            [total if v.max_travel_time is None else min(total, v.max_travel_time) for v in vehicles],
            True, "drive")


def _penalties(om: _OrModel, groups: dict[int, list[int]]) -> dict[int, int]:
    """Return the penalty of leaving out each modelled task (lexicographic: commitments first).

    A task of priority p < 100 costs ``(p + 1) * unit`` (unit above any routing
    cost). Priority 100 is a **commitment**: leaving one out costs more than
    leaving out every other task together, so no number of waiting tasks
    outweighs one commitment, and among plans that keep the same commitments
    the usual priorities decide.
    """
    tasks = om.model.tasks
    ordinary = sum((tasks[t].priority + 1) * om.unit for t in groups
                   if tasks[t].priority < COMMITMENT and tasks[t].kind != "delivery")
    commitment = ordinary + 101 * om.unit
    n_commitments = sum(1 for t in groups if tasks[t].priority >= COMMITMENT and tasks[t].kind != "delivery")
    if (commitment * (n_commitments + 1) + ordinary) >= _INT64_MAX // 4:
        raise ProblemError("jobs/shipments: too many commitments (priority 100) to weigh with 64-bit integers")
    return {t: commitment if tasks[t].priority >= COMMITMENT else (tasks[t].priority + 1) * om.unit
            for t in groups}


def _add_tasks(om: _OrModel) -> None:
    """Make tasks optional with their penalties, restrict their vehicles, tie pairs and ride times.

    Every constraint of a task holds only when the task is served: a pair's
    order and ride time are relaxed by ``horizon * (1 - active)``, so a task
    the search leaves out can never make the whole model infeasible.
    """
    problem, tasks, nodes = om.model.problem, om.model.tasks, om.nodes
    manager, routing, solver, time_dim = om.manager, om.routing, om.solver, om.time_dim
    all_vehicles = list(range(len(om.vehicles)))
    node_of: dict[int, list[int]] = {}
    for i, t in enumerate(nodes.task):
        node_of.setdefault(t, []).append(i)
    penalties = _penalties(om, node_of)
    relax = _horizon(om)
    for t, group in node_of.items():
        task = tasks[t]
        penalty = penalties[t]
        if task.kind != "job":
            penalty //= 2  # a shipment counts once: half on each node
        routing.AddDisjunction([manager.NodeToIndex(i) for i in group], penalty, 1)
        for i in group:
            if nodes.allowed[i] != all_vehicles:
                routing.VehicleVar(manager.NodeToIndex(i)).SetValues([-1] + nodes.allowed[i])
        index = manager.NodeToIndex(group[0])
        if task.kind == "pickup":
            drop = manager.NodeToIndex(node_of[task.partner][0])
            routing.AddPickupAndDelivery(index, drop)
            solver.Add(routing.VehicleVar(index) == routing.VehicleVar(drop))
            solver.Add(routing.ActiveVar(index) == routing.ActiveVar(drop))
            idle = relax - routing.ActiveVar(index) * relax  # 0 when served
            solver.Add(time_dim.CumulVar(index) <= time_dim.CumulVar(drop) + idle)
            ride = problem.shipments[task.shipment].max_ride_time
            if ride is not None:
                solver.Add(time_dim.CumulVar(drop) - time_dim.CumulVar(index) <= ride + task.on_site_s + idle)


def _add_groups(om: _OrModel) -> None:
    """Serve each delivery group together or not at all: one vehicle, its deliveries in one visit at the door.

    The deliveries are chained in the order the shipments are listed: each
    one's successor is the next delivery of the group, or itself when the
    node is left out (OR-Tools' inactive node points to itself), and the time
    from one to the next is exactly its on-site time (no slack), so no other
    task and no break fits between them. Equal activity and vehicle of
    consecutive deliveries, with each shipment's own pair constraints, tie
    the pick-ups to the group too. Their penalties already add up, so the
    lexicographic objective counts every member (`_penalties`, `_score`).
    """
    tasks, manager, routing, solver = om.model.tasks, om.manager, om.routing, om.solver
    node_of = {t: i for i, t in enumerate(om.nodes.task)}
    for members in om.model.groups:
        if any(p not in node_of for p in members):
            continue  # left out up front, all of it (see precheck)
        drops = [manager.NodeToIndex(node_of[tasks[p].partner]) for p in members]
        for here, after in itertools.pairwise(drops):
            routing.NextVar(here).SetValues([after, here])
            om.time_dim.SlackVar(here).SetValue(0)
            solver.Add(routing.ActiveVar(here) == routing.ActiveVar(after))
            solver.Add(routing.VehicleVar(here) == routing.VehicleVar(after))


def _add_breaks(om: _OrModel) -> None:
    """Add each vehicle's breaks as interval variables on the time dimension, inside its route."""
    routing, solver, time_dim = om.routing, om.solver, om.time_dim
    visit = [om.nodes.on_site[om.manager.IndexToNode(x)] for x in range(routing.Size())]
    for k, v in enumerate(om.vehicles):
        if not v.breaks or k in om.model.unusable:
            continue
        intervals = []
        for b, brk in enumerate(v.breaks):
            windows = brk.time_windows
            interval = solver.FixedDurationIntervalVar(
                windows[0][0], windows[-1][1], brk.service, False, f"break {k} {b}")
            if len(windows) > 1:
                start = interval.StartExpr().Var()
                for (_, e1), (s2, _) in itertools.pairwise(windows):
                    start.RemoveInterval(e1 + 1, s2 - 1)
            # OR-Tools allows a break before the start or after the end of a route
            solver.Add(interval.StartExpr() >= time_dim.CumulVar(routing.Start(k)))
            solver.Add(interval.EndExpr() <= time_dim.CumulVar(routing.End(k)))
            intervals.append(interval)
        time_dim.SetBreakIntervalsOfVehicle(intervals, k, visit)
        om.break_vars[k] = intervals


def _add_compact_shifts(om: _OrModel) -> None:
    """Ask the finalizer to leave as late and come back as early as each route allows."""
    if not _COMPACT_SHIFTS:
        return
    for k in range(len(om.vehicles)):
        om.routing.AddVariableMaximizedByFinalizer(om.time_dim.CumulVar(om.routing.Start(k)))
        om.routing.AddVariableMinimizedByFinalizer(om.time_dim.CumulVar(om.routing.End(k)))


def _search_parameters(model: _Model, nodes: _Nodes, params: SolveParams):
    """Return OR-Tools' search parameters for these nodes and solve parameters."""
    modelled = [model.tasks[t] for t in dict.fromkeys(nodes.task)]
    search = pywrapcp.DefaultRoutingSearchParameters()
    first = params.first_solution
    if first == "AUTO":
        first = _auto_first_solution(model)
    if first == "COMMITMENTS_FIRST_INSERTION":
        # the plan comes from scheduler.vrp.construct; OR-Tools' own strategy
        # is the fallback should OR-Tools refuse those routes
        first = "LOCAL_CHEAPEST_INSERTION"
    search.first_solution_strategy = getattr(_FIRST, first)
    if _has_commitments(model):
        # cheapest insertion (first solutions, ruin-and-recreate) places the
        # tasks with the highest penalty first: commitments before waiting tasks
        sorting = search.local_cheapest_insertion_parameters.insertion_sorting_properties
        sorting.extend([_SORT.SORTING_PROPERTY_PENALTY, _SORT.SORTING_PROPERTY_ALLOWED_VEHICLES])
    if len({task.priority for task in modelled}) > 1:
        for name in _TRADE_OPERATORS:
            setattr(search.local_search_operators, name, _BOOL_TRUE)
    metaheuristic = params.metaheuristic
    if sum(1 for task in modelled if task.kind != "delivery") <= 1:
        # one task: local search over vehicles is exhaustive, and guided
        # local search would only spin until the time limit
        metaheuristic = "GREEDY_DESCENT"
    if metaheuristic == "ITERATED_LOCAL_SEARCH":
        _ruin_and_recreate(search, params)
    else:
        search.local_search_metaheuristic = getattr(_META, metaheuristic)
    search.guided_local_search_lambda_coefficient = params.gls_lambda
    search.time_limit.FromMilliseconds(max(1, int(params.time_limit_s * 1000)))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    return search


def _construct(om: _OrModel, started: float) -> SearchResult:
    """Build the commitments-first insertion plan (`scheduler.vrp.construct`) as a search result."""
    return _constructed(om.model, om.nodes, om.travel, started)


def _constructed(model: _Model, nodes: _Nodes, travel: dict[str, list[list[int]]], started: float):
    """Return the insertion plan as (search result, plan), from plain data (no OR-Tools model needed)."""
    plan = insertion_plan(model, _node_table(nodes), travel)
    return _plan_result(nodes, plan, time.monotonic() - started), plan


def _plan_result(nodes: _Nodes, plan: Plan, first_solution_s: float | None) -> SearchResult:
    """Return a plan of `scheduler.vrp.construct` (node routes and their timing) as a search result."""
    routes = tuple(tuple(nodes.task[n] for n in route) for route in plan.routes)
    times = tuple((plan.starts[k], *plan.begins[k], plan.ends[k]) for k in range(len(plan.routes)))
    return SearchResult(0, routes, times, tuple(plan.breaks), "CONSTRUCTED", first_solution_s)


def _improve(om: _OrModel, constructed: SearchResult, plan: Plan, params: SolveParams,
             started: float) -> tuple[SearchResult, Plan]:
    """Improve the commitments-first plan by ruin and recreate (`scheduler.vrp.lns`) before OR-Tools' search.

    By default it runs while it keeps serving more: it stops after
    `_IMPROVE_STALL_S` seconds (and `_IMPROVE_STALL_ITERATIONS` iterations)
    without keeping a commitment more or serving more weight, or when it has
    used `_IMPROVE_SHARE` of the time left, so OR-Tools' search always gets
    the rest to shorten the routes. With `SolveParams.improve_share` (the
    days of a split week) it runs for that share of the time left, whatever
    it gains. Under a solution limit it does not run
    unless `SolveParams.improve_iterations` asks for a number of iterations:
    then that count alone ends it, never the clock (the plan depends only on
    the input and the seed).
    """
    iterations = params.improve_iterations
    if iterations is None and params.solution_limit is not None:
        iterations = 0
    if iterations == 0:
        return constructed, plan
    left_s = params.time_limit_s - (time.monotonic() - started)
    first_s = constructed.first_solution_s
    share = _IMPROVE_SHARE if params.improve_share is None else params.improve_share
    stall_s = _IMPROVE_STALL_S if params.improve_share is None else None

    def on_better(better: Plan) -> None:
        if _REPORT is not None:
            _report(_plan_result(om.nodes, better, first_s))

    if iterations is None:
        seconds = left_s * share
    else:  # the count alone ends it under a solution limit (the plan never depends on the clock)
        seconds = math.inf if params.solution_limit is not None else left_s
    improved = improve(om.model, _node_table(om.nodes), om.travel, plan.routes, seed=params.seed,
                       seconds=seconds,
                       stall_s=stall_s if iterations is None else None,
                       stall_iterations=_IMPROVE_STALL_ITERATIONS, max_iterations=iterations, on_better=on_better)
    if improved is None:
        return constructed, plan
    return _plan_result(om.nodes, improved, first_s), improved


def _node_table(nodes: _Nodes) -> NodeTable:
    return NodeTable(task=nodes.task, windows=nodes.windows, allowed=nodes.allowed, on_site=nodes.on_site,
                     starts=nodes.starts, ends=nodes.ends)


def _node_routes(nodes: _Nodes, routes, times) -> list[list[int]]:
    """Return routes of task indices (with their times: start, each task, end) as routes of nodes.

    A job with several windows has a node per window: the one its service starts in.
    """
    node_of: dict[int, list[int]] = {}
    for i, t in enumerate(nodes.task):
        node_of.setdefault(t, []).append(i)
    out = []
    for k, route in enumerate(routes):
        seq = []
        for pos, t in enumerate(route):
            start = times[k][pos + 1]
            fits = [i for i in node_of[t] if not nodes.windows[i] or any(a <= start <= b for a, b in nodes.windows[i])]
            seq.append((fits or node_of[t])[0])
        out.append(seq)
    return out


def _filled(model: _Model, result: SearchResult) -> SearchResult:
    """Return `result` timed again with the tasks it leaves out inserted where they fit.

    A search stopped early is stopped from outside, mid-way: OR-Tools' own
    last pass, which at its time limit often fits one more task into the
    best plan, never runs. This pass does the same with the construction's
    exact timing (`construct.filled_plan`): nothing served moves. The routes
    are timed again even when nothing fits: a plan reported from inside the
    search (`_current`) holds each break's earliest start, not where the
    break goes (a lunch of window 9,000-12,000 s reported at 9,000 on a route
    whose step before it ended at 10,050 failed validation), while the
    construction times every route by the rules. When it cannot time a
    route, `result` is returned as it was.
    """
    nodes = _nodes(model)
    plan = filled_plan(model, _node_table(nodes), _travel(model, nodes), _node_routes(nodes, result.routes, result.times))
    if plan is None:
        return result
    filled = replace(result, routes=tuple(tuple(nodes.task[i] for i in route) for route in plan.routes),
                     times=tuple((plan.starts[k], *plan.begins[k], plan.ends[k]) for k in range(len(plan.routes))),
                     breaks=tuple(plan.breaks))
    return filled if _score(model, filled) <= _score(model, result) else result


def _initial_assignment(om: _OrModel, search, plan: Plan):
    """Return a constructed plan as OR-Tools' starting assignment, or None if OR-Tools refuses it.

    The model is closed with the search parameters first, as reading routes
    requires. The routes read back only fix each node's successor; searching
    from that partial assignment failed at once (ROUTING_FAIL) on rich weeks of
    500 stops and more, even with every route empty, while
    ``RestoreAssignment`` completes the times and breaks of the same routes.
    The search starts from the routes with the plan's own times and break
    starts (`_with_times`), which OR-Tools restores without searching; when
    it refuses them, from the routes restored alone.
    """
    om.routing.CloseModelWithParameters(search)
    indices = [[om.manager.NodeToIndex(n) for n in route] for route in plan.routes]
    read = om.routing.ReadAssignmentFromRoutes(indices, True)
    if read is None:
        return None
    timed = _with_times(om, read, plan)
    if om.routing.RestoreAssignment(timed) is not None:
        return timed  # every value given: the search restores it without searching
    return om.routing.RestoreAssignment(read)


def _with_times(om: _OrModel, read, plan: Plan):
    """Return a copy of assignment `read` (the routes) with the plan's service starts and break starts in it.

    Restoring routes alone makes OR-Tools search the times and lunch breaks
    again, and the search from an assignment restores it once more under its
    ``lns_time_limit`` (100 ms). On the sample week of 2026-12-07 that search
    took 1.2 s in some builds of this module and 0.1 s in others (the same
    plan and model: OR-Tools' search order varies with the process's memory
    layout); then the search failed at once (ROUTING_FAIL after 0.12 s), the
    worker's descent was lost and the plan kept 155,684 s of driving where
    the descent reaches 148,659. With the construction's own timing, which
    keeps every rule, nothing is left to search. Should OR-Tools refuse these
    times, the caller restores the routes alone.
    """
    timed = om.solver.Assignment(read)
    time_dim, routing = om.time_dim, om.routing
    for k, route in enumerate(plan.routes):
        if not route:
            continue
        stamps = [(routing.Start(k), plan.starts[k]),
                  *((om.manager.NodeToIndex(n), begin) for n, begin in zip(route, plan.begins[k])),
                  (routing.End(k), plan.ends[k])]
        for index, value in stamps:
            var = time_dim.CumulVar(index)
            timed.Add(var)
            timed.SetValue(var, value)
        for b, start in plan.breaks[k].items():
            interval, length = om.break_vars[k][b], om.vehicles[k].breaks[b].service
            timed.Add(interval)
            timed.SetStartValue(interval, start)
            timed.SetDurationValue(interval, length)
            timed.SetEndValue(interval, start + length)
            timed.SetPerformedValue(interval, 1)
    return timed


def _score(model: _Model, result: SearchResult) -> tuple[int, int, int]:
    """Return the format's lexicographic objective of a result: (commitments left out, weight left out, cost)."""
    if result.objective is None:
        return (2**62, 2**62, 2**62)
    served = {t for route in result.routes for t in route}
    problem, tasks = model.problem, model.tasks
    commitments = weight = 0
    for t, task in enumerate(tasks):
        if t in served or task.kind == "delivery":
            continue
        if task.priority >= COMMITMENT:
            commitments += 1
        else:
            weight += task.priority + 1
    cost = 0
    for k, route in enumerate(result.routes):
        if not route:
            continue
        v = problem.vehicles[k]
        stops = [v.start_index, *(tasks[t].location for t in route), v.end_index]
        drive = sum(problem.durations[v.profile][a][b] for a, b in itertools.pairwise(stops)
                    if a is not None and b is not None)
        cost += route_cost(v.fixed_cost, v.per_hour_cost, drive)
    return (commitments, weight, cost)


class _Progress:
    """Record when the search found its first plan, and pass each better plan to the portfolio's parent.

    An early stop inside OR-Tools was tried first (a `Solver.CustomLimit` that
    fires when the best plan has not improved for a while): with OR-Tools
    9.15's iterated local search the limit only ends the current descent and
    the next perturbation starts at once; ``RoutingModel.UpdateTimeLimit``
    takes an ``absl::Duration`` that Python cannot pass; the improvement-rate
    limit is not consulted by iterated local search; and restarting searches
    in rounds from the best plan lost the search's state and sometimes left
    OR-Tools unable to restore any plan. So the search runs in a worker
    process that reports every better plan as it is found (`_REPORT`), and
    the parent stops the workers when the plans stop improving (`_run`).
    """

    def __init__(self, om: _OrModel, started: float) -> None:
        self.om, self.started = om, started
        self.first_solution_s: float | None = None
        self.best: int | None = None
        om.routing.AddAtSolutionCallback(self.on_solution)

    def on_solution(self) -> None:
        if self.first_solution_s is None:
            self.first_solution_s = time.monotonic() - self.started
        if _REPORT is None:
            return
        objective = self.om.routing.CostVar().Value()
        if self.best is None or objective < self.best:
            self.best = objective
            _report(_current(self.om, objective, self.first_solution_s))


def _run_search(om: _OrModel, search, params: SolveParams, initial=None):
    """Search (from `initial` when given); if no first solution is built and time is left, start again.

    Returns OR-Tools' assignment, or ``None``.
    """
    began = time.perf_counter()
    limit_s = search.time_limit.ToMilliseconds() / 1000
    if initial is not None:
        return om.routing.SolveFromAssignmentWithParameters(initial, search)
    # iterated local search only runs through its own entry point
    run = om.routing.SolveWithIteratedLocalSearch if search.use_iterated_local_search \
        else om.routing.SolveWithParameters
    solution = run(search)
    left_s = limit_s - (time.perf_counter() - began)
    if solution is None and params.solution_limit is None and left_s > 0.05:
        # some constructive heuristics (e.g. SAVINGS with pickup-and-delivery
        # pairs) can fail outright, or the first round was too short to build
        # a plan; start again from "nothing served", which is always
        # feasible, and let local search insert the tasks
        search.first_solution_strategy = _FIRST.ALL_UNPERFORMED
        search.time_limit.FromMilliseconds(max(1, int(left_s * 1000)))
        solution = run(search)
    return solution


def _left_s(params: SolveParams, started: float) -> float:
    """Return the seconds left for searching: the time limit less what is spent and the wrap-up reserve."""
    return params.time_limit_s - (time.monotonic() - started) - min(_WRAP_UP_S, 0.01 * params.time_limit_s)


def _stall_seconds(model: _Model, params: SolveParams) -> float:
    """Return how long the search may go without a real improvement before it stops (0: never).

    It grows with the problem, as the time between improvements does: 2 s
    up to 300 modelled tasks, then 1 s per 100 tasks (3 s at 300), at most
    20 s. It counts only once every worker is in OR-Tools' search
    (`_watch`). On the sample week (269 tasks) a 3 s stall counted from the
    start returned the plan a run to 20 s returned, once workers reported
    through a `SimpleQueue` (docs/BENCHMARKS.md; before that, reports
    arrived late and 5 s was needed); the longest pause it had to cover was
    the hand-over to OR-Tools (1.7 s). Counted from the hand-over, 2 s
    returned the 20 s run's plan on the two sample weeks measured over 10
    seeds, 1 s sooner. With 3 s the quick benchmark set lost up to 2.8 %
    (lr101) at 10 s. Only weeks with commitments stop early by default:
    there what is served decides, and it is settled long before the cost
    stops moving.
    """
    if params.solution_limit is not None:
        return 0.0
    if params.stall_s is not None:
        return float(params.stall_s)
    if not _has_commitments(model):
        # a problem of cost alone (the benchmark instances) keeps gaining in
        # small steps to the end: at 10 s with a 5 s stall R101 stopped at
        # +0.53 % from the best known, against +0.00 % run to the limit
        return 0.0
    tasks = len(model.modelled)
    return 2.0 if tasks <= 300 else min(20.0, tasks / 100)


def _gained(before: tuple[int, int, int], after: tuple[int, int, int], gain: float) -> bool:
    """Return whether score `after` is a real improvement on `before` (see `_score`).

    Keeping a commitment more or serving more weight always is; a cheaper
    plan serving the same is when it saves at least `gain` of the cost.
    """
    if after[:2] != before[:2]:
        return after[:2] < before[:2]
    return before[2] - after[2] > gain * before[2]


def _extract(om: _OrModel, solution, first_solution_s: float | None = None) -> SearchResult:
    """Copy the routes, service starts and break starts out of OR-Tools' assignment."""
    status = routing_enums_pb2.RoutingSearchStatus.Value.Name(om.routing.status())
    if solution is None:
        return SearchResult.nothing(len(om.vehicles), objective=None, status=status)
    if first_solution_s is None:  # the initial plan was kept as it was
        first_solution_s = 0.0
    return _copy_out(om, solution.ObjectiveValue(), solution.Value, solution.Min, solution.StartValue,
                     status, first_solution_s)


def _current(om: _OrModel, objective: int, first_solution_s: float | None) -> SearchResult:
    """Copy out the solution the search has just found (inside a solution callback)."""
    return _copy_out(om, objective, lambda var: var.Value(), lambda var: var.Min(), lambda iv: iv.StartMin(),
                     "ROUTING_SUCCESS", first_solution_s)


def _copy_out(om: _OrModel, objective: int, value, minimum, start, status: str,
              first_solution_s: float | None) -> SearchResult:
    """Read each vehicle's tasks, service starts and break starts through the given accessors."""
    routing, time_dim = om.routing, om.time_dim
    routes, times, breaks = [], [], []
    for k in range(len(om.vehicles)):
        index = routing.Start(k)
        route, stamps = [], [minimum(time_dim.CumulVar(index))]
        index = value(routing.NextVar(index))
        while not routing.IsEnd(index):
            route.append(om.nodes.task[om.manager.IndexToNode(index)])
            stamps.append(minimum(time_dim.CumulVar(index)))
            index = value(routing.NextVar(index))
        stamps.append(minimum(time_dim.CumulVar(index)))
        routes.append(tuple(route))
        times.append(tuple(stamps))
        breaks.append({b: start(iv) for b, iv in enumerate(om.break_vars.get(k, []))})
    return SearchResult(objective, tuple(routes), tuple(times), tuple(breaks), status, first_solution_s)


def _build_estimate_s(nodes: _Nodes) -> float:
    """Return a generous estimate of the seconds to build, close and start the OR-Tools model.

    Measured: 3.7 s to build and about as long to close and read a plan into
    it for 2,000 task nodes (1 µs per node pair each), on the reference machine.
    """
    return 2e-6 * len(nodes) ** 2 * 2


def _search(model: _Model, params: SolveParams, started: float | None = None) -> SearchResult:
    """Build the OR-Tools model, search, and return plain routes and times.

    The steps add dimensions and callbacks in a fixed order (time, costs,
    loads, limits), which the search's behaviour depends on: keep it. With
    the commitments-first insertion (large weeks), the constructed plan is a
    result of its own; the search then starts from it when time is left,
    and the better of the two (`_score`) is returned.
    """
    started = time.monotonic() if started is None else started
    nodes = _nodes(model)
    om = _open_model(model, nodes, params.seed)
    constructed, plan = _construct(om, started) if _own_first_solution(model, params) else (None, None)
    if constructed is not None and _REPORT is not None:
        _report(constructed)
    if constructed is not None:
        constructed, plan = _improve(om, constructed, plan, params, started)
    # under a solution limit nothing looks at the clock before the search (see `_clock_free`)
    timed = params.solution_limit is None
    if timed and constructed is not None \
            and params.time_limit_s - (time.monotonic() - started) < _build_estimate_s(nodes):
        return replace(constructed, stopped="constructed")  # no time to build the model and search from it
    _add_time(om)
    _add_costs(om)
    _add_loads(om)
    _add_limits(om)
    _add_tasks(om)
    _add_groups(om)
    _add_breaks(om)
    _add_compact_shifts(om)
    search = _search_parameters(model, nodes, params)
    if plan is not None:
        _leave_pair_moves_to_ruin_and_recreate(search)
    if timed and constructed is not None and _left_s(params, started) < 0.5:
        return replace(constructed, stopped="constructed")
    progress = _Progress(om, started)
    if constructed is not None:
        progress.first_solution_s = constructed.first_solution_s  # the search's plans come after it
    initial = _initial_assignment(om, search, plan) if plan is not None else None
    if plan is not None and initial is None:
        return constructed
    # the time limit bounds the whole solve: parsing, building and reading the plan in
    # (0.1-0.2 s at 2,000 stops) are spent; the search reads its limit when it starts
    search.time_limit.FromMilliseconds(max(100, int(_left_s(params, started) * 1000)))
    if _REPORT is not None:
        _report(_DESCENT)  # the early stop counts from here (see `_watch`)
    limit_s = search.time_limit.ToMilliseconds() / 1000
    began = time.monotonic()
    searched = _extract(om, _run_search(om, search, params, initial), progress.first_solution_s)
    ran_s = time.monotonic() - began
    if constructed is not None and searched.objective is not None:
        # the first valid plan was the constructed one, before ruin and recreate and the search
        searched = replace(searched, first_solution_s=constructed.first_solution_s)
    if params.solution_limit is not None:
        searched = replace(searched, stopped=_clock_free(params, limit_s, ran_s))
    if constructed is not None and _score(model, constructed) <= _score(model, searched):
        return replace(constructed, stopped=searched.stopped)
    return searched


def _clock_free(params: SolveParams, limit_s: float, ran_s: float) -> str:
    """Return how a search under a solution limit stopped: ``solution_limit``, or ``time_limit`` (logged).

    Under a solution limit the plan depends on the input and the seed alone as long as
    the count ends the search: nothing before it looks at the clock (`_search`,
    `_improve`). OR-Tools stops on its time limit only once that much time has passed,
    so a search that ran for its whole limit may have been cut by it: then the plan
    depends on the machine's speed and load, and the solve says so (``stopped:
    time_limit`` and a warning). The test suite fails any test where that happens
    (``tests/conftest.py``). Two limits inside OR-Tools' search remain clocks even
    then: each neighbour's completion (placing breaks, ``lns_time_limit``, 100 ms)
    and iterated local search's annealing, which cools by the larger of the share of
    solutions and the share of the time limit used. On weeks with lunch breaks they
    can change the plan of a limit above 1 (the sample week at 30 solutions gave two
    plans in two runs on a core shared with a busy process); the constructed plan
    (a limit of 1 from the commitments-first insertion) never reaches them.
    """
    if ran_s < limit_s:
        return "solution_limit"
    log.warning("solution limit %d not reached: the time limit (%.1f s) ended the search, so the plan depends on "
                "this machine's speed", params.solution_limit, limit_s)
    return "time_limit"


def _leave_pair_moves_to_ruin_and_recreate(search) -> None:
    """Switch off OR-Tools' pair relocation when the search starts from the improved constructed plan.

    A search from an assignment runs one descent, and OR-Tools tries its
    operators in a fixed order, pair relocation first: on the sample week it
    spent the first 2 s of the descent on relocations saving 0.0001 % each
    before the moves that serve one more task got their turn. Ruin and
    recreate (`scheduler.vrp.lns`) has already relocated the pairs (it removes
    and reinserts them). Without it, on the sample week (4 seeds, 20 s limit)
    the early stop came at 8.4–8.5 s instead of 10.0–12.3 s, with weight left
    out 210 / 210 / 190 / 190 instead of 246 / 246 / 190 / 190 (at up to 2 %
    more driving), the same plan as a run to the limit; on the 500- and
    1,000-stop rich weeks at 60 s it left out weight 2,720 and 4,218 instead
    of 2,746 and 4,279 at the same cost (docs/BENCHMARKS.md).
    """
    search.local_search_operators.use_relocate_pair = _BOOL_FALSE


def _ruin_and_recreate(search, params: SolveParams) -> None:
    """Set up OR-Tools' iterated local search with SISR ruin-and-recreate.

    Each iteration removes a few strings of nearby visits (slack induction by
    string removals, Christiaens & Vanden Berghe 2020), reinserts them by
    cheapest insertion, descends to a local optimum and accepts the result
    by simulated annealing (temperatures derived from the arc costs). Removal
    also frees room for tasks left out, so it can trade cheap tasks for a
    more valuable one, which plain local search moves rarely do.
    """
    search.local_search_metaheuristic = _META.GREEDY_DESCENT
    search.use_iterated_local_search = True
    ils = search.iterated_local_search_parameters
    ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
    rr = ils.ruin_recreate_parameters
    del rr.ruin_strategies[:]
    sisr = rr.ruin_strategies.add().sisr
    sisr.max_removed_sequence_size = params.ruin_sequence_max
    sisr.avg_num_removed_visits = params.ruin_visits_avg
    sisr.bypass_factor = 0.01
    rr.ruin_composition_strategy = routing_ils_pb2.RuinCompositionStrategy.RUN_ONE_RANDOMLY
    rr.recreate_strategy.heuristic = _FIRST.LOCAL_CHEAPEST_INSERTION
    ils.improve_perturbed_solution = True
    annealing = ils.reference_solution_acceptance_strategy.simulated_annealing
    annealing.cooling_schedule_strategy = routing_ils_pb2.CoolingScheduleStrategy.EXPONENTIAL
    annealing.automatic_temperatures = params.ruin_auto_temperatures
    ils.best_solution_acceptance_strategy.greedy_descent.SetInParent()


#: What the pool's workers search: (model, parameters per worker, start time, report queue).
#: Set just before the pool forks, so the workers inherit it instead of unpickling a large model.
_SHARED: tuple[_Model, list[SolveParams], float, object] | None = None
#: In a worker that reports its better plans: (queue, worker index).
_REPORT: tuple[object, int] | None = None
#: What a worker reports, besides better plans, when it starts OR-Tools' search and when it ends.
_DESCENT, _FINISHED = "descent", "finished"


def _report(result: SearchResult | str) -> None:
    queue, index = _REPORT
    queue.put((index, result))


def _worker(index: int) -> SearchResult:
    """Run search `index` of the portfolio in a pool process."""
    global _REPORT
    model, variants, started, queue = _SHARED
    _REPORT = (queue, index) if queue is not None else None
    try:
        return _search(model, variants[index], started)
    finally:
        if _REPORT is not None:
            _report(_FINISHED)


def _portfolio(model: _Model, params: SolveParams, workers: int) -> list[SolveParams]:
    """Return the parameters of each parallel worker (worker 0 = as given)."""
    variants = [params]
    if _own_first_solution(model, params):
        # every worker starts from the same constructed plan and searches
        # with its own seed: a worker building OR-Tools' own first plan
        # would keep the pool waiting long after the others converged
        return [replace(params, seed=params.seed + w) for w in range(workers)]
    # measured on Solomon / Li & Lim quick sets (see docs/BENCHMARKS.md):
    # savings complements cheapest insertion on long-route VRPTW (13 hard
    # Solomon instances, 10 s, 2 workers: mean gap +3.95 % with savings + ILS
    # as second worker, +4.16 % with savings + GLS) but fails on
    # pickup-and-delivery pairs, where tabu search complements the first worker
    if any(v.breaks for v in model.problem.vehicles):
        # with breaks (the domain's lunch) parallel cheapest insertion can fail
        # to build any solution: on a compiled sample week (15 shifts with
        # lunch, 43 jobs, 108 shipments) it found none in 60 s, where local
        # cheapest insertion found one within seconds; elsewhere it is better
        alternatives = [("LOCAL_CHEAPEST_INSERTION", params.metaheuristic), ("AUTO", "TABU_SEARCH")]
    elif model.problem.shipments:
        alternatives = [("AUTO", "TABU_SEARCH"), ("LOCAL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH"),
                         ("SEQUENTIAL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH")]
    else:
        alternatives = [("SAVINGS", "ITERATED_LOCAL_SEARCH"), ("SAVINGS", "GUIDED_LOCAL_SEARCH"),
                        ("AUTO", "TABU_SEARCH"), ("LOCAL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH")]
    for w in range(1, workers):
        first, meta = alternatives[(w - 1) % len(alternatives)]
        variants.append(replace(params, seed=params.seed + w, first_solution=first, metaheuristic=meta))
    return variants


def _run(model: _Model, params: SolveParams, started: float, report: _Reporter | None = None) -> SearchResult:
    """Search in one process, or in a pool of workers keeping the best plan (`_score`).

    With early stop (`_stall_seconds`), the workers report each better plan
    as they find it and the parent stops them all once no real improvement
    (`_gained`) came for that long; the best plan reported is the answer.
    The workers also report when the caller follows the progress (`report`).
    """
    global _SHARED
    stall_s = _stall_seconds(model, params)
    following = report is not None and report.on_progress is not None
    if not model.modelled or params.solution_limit is not None or (params.workers <= 1 and stall_s <= 0
                                                                   and not following):
        return _search(model, replace(params, workers=1), started)
    variants = _portfolio(model, params, params.workers)
    ctx = multiprocessing.get_context("fork")
    # a SimpleQueue writes in the caller's thread: a Queue's feeder thread
    # would wait for the GIL, which the worker's search only releases in its
    # callbacks, so its reports reached the parent seconds late or never
    queue = ctx.SimpleQueue() if stall_s > 0 or following else None
    _SHARED = (model, variants, started, queue)
    try:
        with ctx.Pool(len(variants)) as pool:  # leaving the block stops workers still searching
            pending = pool.map_async(_worker, range(len(variants)))
            reported = _watch(model, params, pending, queue, stall_s, len(variants),
                              report) if queue is not None else None
            results = pending.get() if reported is None or pending.ready() else []
    finally:
        _SHARED = None
    if reported is not None:
        results.append(reported)
    best = min(results, key=lambda result: _score(model, result))
    if best.stopped == "converged":
        best = _filled(model, best)
    # the first plan of the portfolio came from whichever worker was fastest
    firsts = [r.first_solution_s for r in results if r.first_solution_s is not None]
    return replace(best, first_solution_s=min(firsts)) if firsts else best


def _watch(model: _Model, params: SolveParams, pending, queue, stall_s: float, workers: int,
           report: _Reporter | None = None) -> SearchResult | None:
    """Collect the workers' reported plans until they finish or stop improving; return the best.

    The stall counts only once every worker is in OR-Tools' search (or
    done), from the later of the last real gain and the last worker's start
    there: ruin and recreate before it stops by its own rule (`_improve`),
    and handing its plan over takes up to 1.7 s on the sample week, the
    longest pause between real gains, which the stall no longer has to
    cover. The result is marked ``converged`` when the workers were stopped
    early. `report` gets each better plan, with the stall's deadline once it
    counts.
    """
    best, best_score, last_gain = None, None, time.monotonic()
    searching: set[int] = set()  # workers in OR-Tools' search, or done
    while not pending.ready():
        if queue.empty():
            time.sleep(0.02)
            result = None
        else:
            index, result = queue.get()
        now = time.monotonic()
        better = False
        if isinstance(result, str):  # _DESCENT or _FINISHED
            if index not in searching:
                searching.add(index)
                last_gain = now
                better = best is not None and len(searching) == workers  # the deadline is known from now
        elif result is not None and result.objective is not None:
            score = _score(model, result)
            if best_score is None or score < best_score:
                if best_score is None or _gained(best_score, score, params.stall_gain):
                    last_gain = now
                best, best_score, better = result, score, True
        if report is not None:
            if better:
                report(best.routes, last_gain + stall_s if stall_s > 0 and len(searching) == workers else None)
            else:
                report.flush()
        if stall_s > 0 and best is not None and len(searching) == workers and now - last_gain > stall_s:
            return replace(best, stopped="converged")
    return best


# ---------------------------------------------------------------- solution dict


def _solution(model: _Model, result: SearchResult, loading_ms: int, solving_ms: int) -> dict:
    """Return the solution dict of the format, every figure recomputed from the input."""
    fallback = ("no_time", NOT_ENOUGH_TIME) if result.objective is not None else \
        ("not_solved", f"no solution found within the time limit ({result.status})")
    solution = solution_dict(model, result.routes, result.times, result.breaks, fallback)
    solution["summary"]["computing_times"] = {"loading": loading_ms, "solving": solving_ms}
    return solution


def _in_parts(model: _Model, params: SolveParams) -> bool:
    """Return whether to solve the week day by day (`scheduler.vrp.parts`).

    Only above `_LARGE` modelled tasks, where the whole model is too slow to
    search, and never under a solution limit (one deterministic search).
    """
    return len(model.modelled) > _LARGE and params.solution_limit is None and params.split_days


def _solve_in_parts(model: _Model, params: SolveParams, started: float, loading_ms: int,
                    report: _Reporter) -> dict | None:
    """Solve each day's part on its own and merge them; None when the week has one part.

    The whole week's commitments-first plan, improved by ruin and recreate
    for `_WHOLE_WEEK_SHARE` of the time limit (the only step where a task can
    change day: on the 500-stop rich week at 60 s it left out weight 2,518
    instead of 2,744, at a lower cost), decides each task's day and is the
    answer when the parts, put together, are not better (`parts.score`) or no
    time is left for them. Each day then runs ruin and recreate for
    `_PART_IMPROVE_SHARE` of its time before OR-Tools' descent: on a day of
    the 1,000-stop week, restricted to the tasks VROOM also served, ruin and
    recreate routed them for 34,348 s of driving where OR-Tools' descent from
    its 2 s plan reached 35,682 (VROOM 33,938). Both steps running their full
    share, instead of stopping after 2 s without serving more, left out
    weight 3,986–4,007 instead of 4,214–4,249 on the 1,000-stop week at 60 s,
    at the same cost (docs/BENCHMARKS.md); neither alone did. Progress
    reports put the parts' best plans together with the whole week's plan
    for the days still to come.
    """
    nodes = _nodes(model)
    travel = _travel(model, nodes)
    constructed, plan = _constructed(model, nodes, travel, started)
    if params.improve_iterations != 0:
        # tasks move between days only here: improve the whole week for a while first
        budget = params.time_limit_s * _WHOLE_WEEK_SHARE - (time.monotonic() - started)
        on_better = None if report.on_progress is None else \
            (lambda better: report([[nodes.task[n] for n in r] for r in better.routes]))
        improved = improve(model, _node_table(nodes), travel, plan.routes, seconds=budget, seed=params.seed,
                           max_iterations=params.improve_iterations, on_better=on_better) if budget > 0 else None
        if improved is not None:
            constructed = _plan_result(nodes, improved, constructed.first_solution_s)
    vehicle_of = {t: k for k, route in enumerate(constructed.routes) for t in route}
    split = parts_of(model, vehicle_of)
    if split is None:
        return None
    whole = _solution(model, replace(constructed, stopped="constructed"), loading_ms,
                      int((time.monotonic() - started) * 1000) - loading_ms)
    whole["summary"]["computing_times"]["first_solution"] = int(constructed.first_solution_s * 1000)
    whole["summary"]["search"] = {"stopped": "constructed"}
    solutions = []
    improve_share = _PART_IMPROVE_SHARE if params.improve_share is None else params.improve_share
    planned = _served_ids(whole)  # the whole week's plan, for the days not solved yet
    for i, part in enumerate(split):
        # the parts' answers are merged and scored after the last one: the reserve is kept for that
        share = _left_s(params, started) / (len(split) - i)
        if share < 0.5:
            return _solved_in(whole, loading_ms, started)
        solutions.append(solve(part.problem(model.problem),
                               replace(params, time_limit_s=share, improve_share=improve_share),
                               on_progress=_part_progress(report, started, planned, solutions, split[i + 1:],
                                                          last=i == len(split) - 1)))
    left_out = [unassigned_entry(model, t, *model.reasons[t]) for t in range(len(model.tasks))
                if t in model.reasons and t not in set(model.modelled)]
    merged = merge(model.problem, solutions, left_out)
    merged["summary"]["computing_times"]["first_solution"] = whole["summary"]["computing_times"]["first_solution"]
    best = merged if parts_score(model.problem, merged) <= parts_score(model.problem, whole) else whole
    return _solved_in(best, loading_ms, started)


def _solved_in(solution: dict, loading_ms: int, started: float) -> dict:
    """Return a split week's answer with the whole solve's times.

    The parts' own times add up to less (the whole-week step ran before
    them), and the whole-week plan's were taken before the parts ran.
    """
    times = solution["summary"]["computing_times"]
    times.update(loading=loading_ms, solving=int((time.monotonic() - started) * 1000) - loading_ms)
    return solution


def _served_ids(solution: dict) -> set[int]:
    """Return the ids of the tasks on a solution's routes."""
    return {step["id"] for route in solution["routes"] for step in route["steps"]
            if step["type"] in ("job", "pickup", "delivery")}


def _part_progress(report: _Reporter, started: float, planned: set[int], solved: list[dict], later: list,
                   *, last: bool) -> Callable[[Progress], None] | None:
    """Return the progress callback of one part of a split week: its plan with the parts solved and to come."""
    if report.on_progress is None:
        return None
    problem = report.model.problem
    done = set().union(*(_served_ids(s) for s in solved))
    to_come = {problem.jobs[j].id for p in later for j in p.jobs}
    to_come |= {x.id for p in later for s in p.shipments for x in (problem.shipments[s].pickup, problem.shipments[s].delivery)}
    done |= planned & to_come
    begun = time.monotonic() - started

    def on_part(progress: Progress) -> None:
        expected = begun + progress.expected_s if last else report.limit_s
        report.send(Progress(frozenset(done | progress.served), begun + progress.elapsed_s, expected))
    return on_part


def solve(problem: dict | Problem, params: SolveParams | None = None, *,
          on_progress: Callable[[Progress], None] | None = None) -> dict:
    """Solve a routing problem and return the solution dict.

    Parameters
    ----------
    problem
        A problem dict in the odekake problem format, or an already parsed
        `Problem`.
    params
        Search settings, used as given; when omitted, the problem's
        ``options`` over the defaults (`SolveParams.from_options`).
    on_progress
        Called in the caller's process with each better plan (`Progress`), at
        most every `_PROGRESS_EVERY_S` seconds, while the workers search (not
        under a solution limit: that search runs in the caller's process).

    Returns
    -------
    dict
        ``{"code": 0, "summary": ..., "unassigned": [...], "routes": [...]}``
        as described in ``PROBLEM_FORMAT.md``; ``computing_times`` in
        milliseconds.

    Raises
    ------
    ProblemError
        If the problem is invalid (message starts with the field path).
    """
    t0 = time.perf_counter()
    started = time.monotonic()
    parsed = problem if isinstance(problem, Problem) else parse_problem(problem)
    if params is None:
        params = SolveParams.from_options(parsed.options)
    model = prepare(parsed)
    t1 = time.perf_counter()
    report = _Reporter(model, params, started, on_progress)
    if _in_parts(model, params):
        split = _solve_in_parts(model, params, started, int((t1 - t0) * 1000), report)
        if split is not None:
            return split
    if model.modelled:
        result = _run(model, params, started, report)
    else:
        result = SearchResult.nothing(len(parsed.vehicles), objective=0, status="ROUTING_SUCCESS")
    t2 = time.perf_counter()
    solution = _solution(model, result, int((t1 - t0) * 1000), int((t2 - t1) * 1000))
    if result.first_solution_s is not None:
        solution["summary"]["computing_times"]["first_solution"] = int(result.first_solution_s * 1000)
    solution["summary"]["search"] = {"stopped": result.stopped}
    return solution

"""The OR-Tools routing model of a pre-checked problem: the only module that imports ``ortools``.

`open_model` creates the model over the nodes (`scheduler.vrp.model.node_layout`);
`build` adds, in the order the search depends on, the time dimension with
shifts and windows (`add_time`), the integer costs (`add_costs`), loads,
task-count and driving limits, the tasks' penalties of the lexicographic
objective (`_penalties`: a commitment, priority 100, outweighs every other
task together), pairs, the fixed steps that start a route (`add_fixed`), the
told times as soft bounds (`add_told`), delivery groups, breaks and compact shifts.
`search_parameters` turns `SolveParams` into OR-Tools' strategies,
`initial_assignment` reads a constructed plan in, `run_search` searches,
`SolutionCallback` follows the plans found, and `extract` copies the routes
out into a plain `scheduler.vrp.model.SearchResult`.

Costs are integers: an arc of ``t`` driving seconds on a vehicle with
``per_hour`` costs ``per_hour * t / 3600``; the model uses the exact integer
``per_hour * t / g`` and ``fixed * 3600 / g`` with ``g`` the gcd of all
``per_hour`` and ``3600 * fixed`` values, so no rounding happens during search.

This module is long because it is the only one that imports OR-Tools: every
part of the routing model, its search parameters and the reading of plans in
and out live here, so the rest of the engine stays plain Python.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.constraint_solver import (
    pywrapcp,
    routing_enums_pb2,
    routing_heuristic_parameters_pb2,
    routing_ils_pb2,
)

from scheduler.vrp.construct import Plan
from scheduler.vrp.format import MAX_TIME
from scheduler.vrp.model import (
    Model,
    Nodes,
    SearchResult,
    has_commitments,
    is_commitment,
    node_travel,
)
from scheduler.vrp.params import SolveParams
from scheduler.vrp.problem import ProblemError

__all__ = [
    "ORTOOLS_FIRST_SOLUTION", "ORTOOLS_METAHEURISTIC", "OrModel", "SolutionCallback", "add_breaks", "add_compact_shifts",
    "add_costs", "add_fixed", "add_groups", "add_limits", "add_loads", "add_tasks", "add_time", "add_told",
    "beyond_the_descent", "build", "descends_only", "extract", "initial_assignment", "leave_pair_moves_to_ruin_and_recreate", "open_model", "run_search",
    "search_parameters", "search_status", "with_times",
]


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
#: OR-Tools' first-solution strategies and metaheuristics, by name
ORTOOLS_FIRST_SOLUTION = routing_enums_pb2.FirstSolutionStrategy
ORTOOLS_METAHEURISTIC = routing_enums_pb2.LocalSearchMetaheuristic
_FIRST, _META = ORTOOLS_FIRST_SOLUTION, ORTOOLS_METAHEURISTIC
_SORT = routing_heuristic_parameters_pb2.LocalCheapestInsertionParameters



@dataclass
class OrModel:
    """The OR-Tools objects the model-building steps share, with the plain data they read."""

    model: Model
    nodes: Nodes
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    solver: pywrapcp.Solver
    travel: dict[str, list[list[int]]]  # profile -> node-to-node driving seconds
    time_dim: pywrapcp.RoutingDimension | None = None
    #: penalty of leaving out one task of priority 0, above any routing cost
    unit: int = 0
    break_vars: dict[int, list] = field(default_factory=dict)  # vehicle -> break intervals
    ride_limits: list[Callable[[int, int], int]] = field(default_factory=list)  # kept alive for OR-Tools

    @property
    def vehicles(self) -> list:
        return self.model.problem.vehicles

    @property
    def profiles(self) -> list[str]:
        return sorted(self.travel)




def open_model(model: Model, nodes: Nodes, seed: int) -> OrModel:
    """Create the routing model over the nodes and the driving matrices between them."""
    problem = model.problem
    manager = pywrapcp.RoutingIndexManager(len(nodes), len(problem.vehicles), nodes.starts, nodes.ends)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    solver.ReSeed(seed)
    return OrModel(model, nodes, manager, routing, solver, node_travel(model, nodes))




def _horizon(om: OrModel) -> int:
    """Return an upper bound of every time in the model (at most MAX_TIME)."""
    nodes, vehicles = om.nodes, om.vehicles
    horizon = max([v.time_window[1] for v in vehicles if v.time_window[1] < MAX_TIME]
                  + [w[1] for ws in nodes.windows for w in ws] + [0])
    horizon += sum(nodes.on_site) + sum(max(map(max, om.travel[p])) for p in om.profiles) * (len(nodes) + 1)
    horizon += sum(b.service for v in vehicles for b in v.breaks)
    return min(horizon, MAX_TIME)


def add_time(om: OrModel) -> None:
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


def add_costs(om: OrModel) -> None:
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


def add_loads(om: OrModel) -> None:
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


def add_limits(om: OrModel) -> None:
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


def _penalties(om: OrModel, groups: dict[int, list[int]]) -> dict[int, int]:
    """Return the penalty of leaving out each modelled task (lexicographic: commitments first).

    A task of priority p < 100 costs ``(p + 1) * unit`` (unit above any routing
    cost). Priority 100 is a **commitment**: leaving one out costs more than
    leaving out every other task together, so no number of waiting tasks
    outweighs one commitment, and among plans that keep the same commitments
    the usual priorities decide.
    """
    tasks = om.model.tasks
    ordinary = sum((tasks[t].priority + 1) * om.unit for t in groups
                   if not is_commitment(tasks[t]) and tasks[t].kind != "delivery")
    commitment = ordinary + 101 * om.unit
    n_commitments = sum(1 for t in groups if is_commitment(tasks[t]) and tasks[t].kind != "delivery")
    if (commitment * (n_commitments + 1) + ordinary) >= _INT64_MAX // 4:
        raise ProblemError("jobs/shipments: too many commitments (priority 100) to weigh with 64-bit integers")
    return {t: commitment if is_commitment(tasks[t]) else (tasks[t].priority + 1) * om.unit
            for t in groups}


def add_tasks(om: OrModel) -> None:
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
    pair = 0  # index of the next pair, as OR-Tools numbers them (in AddPickupAndDelivery's order)
    fixed = {t for prefix in om.model.fixed.values() for t in prefix}
    for t, group in node_of.items():
        task = tasks[t]
        penalty = penalties[t]
        if task.kind != "job":
            penalty //= 2  # a shipment counts once: half on each node
        if t not in fixed:  # a fixed step is always served (`add_fixed`)
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
                _filter_ride(om, pair, ride + task.on_site_s)
            pair += 1


def _filter_ride(om: OrModel, pair: int, limit: int) -> None:
    """Let OR-Tools' filters see a pair's ride limit: cumul(delivery) - cumul(pick-up) <= `limit`.

    The constraint added with it (`add_tasks`) is only checked by propagation
    once a move has passed the filters: on Cordeau's a4-48 over 99 % of the
    moves that passed them then broke a ride limit, each costing a
    propagation (8,400 in 5 s, 34 accepted). As a pick-up-to-delivery limit of
    the time dimension the filters refuse those moves themselves. The
    function is kept on the model (OR-Tools calls it while it searches).
    """
    def ride_limit(pickup_alternative: int, delivery_alternative: int, limit: int = limit) -> int:
        return limit

    om.ride_limits.append(ride_limit)
    om.time_dim.SetPickupToDeliveryLimitFunctionForPair(ride_limit, pair)


def add_fixed(om: OrModel) -> None:
    """Start each vehicle's route with its fixed steps (`Model.fixed`), in order, nothing before or between them."""
    node_of = {t: i for i, t in enumerate(om.nodes.task)}
    manager, routing, solver = om.manager, om.routing, om.solver
    for k, prefix in om.model.fixed.items():
        before = routing.Start(k)
        for t in prefix:
            index = manager.NodeToIndex(node_of[t])
            solver.Add(routing.NextVar(before) == index)
            before = index


def add_told(om: OrModel) -> None:
    """Approximate the residents moved: soft bounds at each told time +- margin on the time dimension.

    The objective counts residents (`scheduler.vrp.search.score`), which is
    not linear; here each second outside costs `told_coefficient`, so a
    minute weighs like leaving out a task of priority 0. The search's plans
    are compared by the exact count afterwards.
    """
    told = [(i, om.model.tasks[t].told) for i, t in enumerate(om.nodes.task) if om.model.tasks[t].told is not None]
    if not told:
        return
    coefficient = told_coefficient(om, len(told))
    for i, (lo, hi) in told:
        index = om.manager.NodeToIndex(i)
        om.time_dim.SetCumulVarSoftLowerBound(index, max(0, lo), coefficient)
        om.time_dim.SetCumulVarSoftUpperBound(index, hi, coefficient)


def told_coefficient(om: OrModel, count: int) -> int:
    """Return the cost of one second outside a told time: ``unit / 60``, less when 64 bits could overflow."""
    room = _INT64_MAX // 8 // (max(1, _horizon(om)) * max(1, count))
    return max(1, min(om.unit // 60, room))


def add_groups(om: OrModel) -> None:
    """Serve each delivery group together or not at all: one vehicle, its deliveries in one visit at the door.

    The deliveries are chained in the order the shipments are listed: each
    one's successor is the next delivery of the group, or itself when the
    node is left out (OR-Tools' inactive node points to itself), and the time
    from one to the next is exactly its on-site time (no slack), so no other
    task and no break fits between them. Equal activity and vehicle of
    consecutive deliveries, with each shipment's own pair constraints, tie
    the pick-ups to the group too. Their penalties already add up, so the
    lexicographic objective counts every member (`_penalties`, `scheduler.vrp.search.score`).
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


def add_breaks(om: OrModel) -> None:
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


def add_compact_shifts(om: OrModel) -> None:
    """Ask the finalizer to leave as late and come back as early as each route allows."""
    if not _COMPACT_SHIFTS:
        return
    for k in range(len(om.vehicles)):
        om.routing.AddVariableMaximizedByFinalizer(om.time_dim.CumulVar(om.routing.Start(k)))
        om.routing.AddVariableMinimizedByFinalizer(om.time_dim.CumulVar(om.routing.End(k)))




def build(om: OrModel) -> None:
    """Add every dimension, cost and constraint to an opened model, in the order the search depends on."""
    add_time(om)
    add_costs(om)
    add_loads(om)
    add_limits(om)
    add_tasks(om)
    add_fixed(om)
    add_told(om)
    add_groups(om)
    add_breaks(om)
    add_compact_shifts(om)


def search_parameters(model: Model, nodes: Nodes, params: SolveParams, first: str):
    """Return OR-Tools' search parameters for these nodes and solve parameters.

    `first` is the name of OR-Tools' first-solution strategy to use (never
    ``AUTO``: `scheduler.vrp.search.ortools_first_solution` decides).
    """
    modelled = [model.tasks[t] for t in dict.fromkeys(nodes.task)]
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(_FIRST, first)
    if has_commitments(model):
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



def initial_assignment(om: OrModel, search, plan: Plan):
    """Return a constructed plan as OR-Tools' starting assignment, or None if OR-Tools refuses it.

    The model is closed with the search parameters first, as reading routes
    requires. The routes read back only fix each node's successor; searching
    from that partial assignment failed at once (ROUTING_FAIL) on rich weeks of
    500 stops and more, even with every route empty, while
    ``RestoreAssignment`` completes the times and breaks of the same routes.
    The search starts from the routes with the plan's own times and break
    starts (`with_times`), which OR-Tools restores without searching; when
    it refuses them, from the routes restored alone.
    """
    om.routing.CloseModelWithParameters(search)
    indices = [[om.manager.NodeToIndex(n) for n in route] for route in plan.routes]
    read = om.routing.ReadAssignmentFromRoutes(indices, True)
    if read is None:
        return None
    timed = with_times(om, read, plan)
    if om.routing.RestoreAssignment(timed) is not None:
        return timed  # every value given: the search restores it without searching
    return om.routing.RestoreAssignment(read)


def with_times(om: OrModel, read, plan: Plan):
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




class SolutionCallback:
    """Record when the search found its first plan, and pass each better plan to the portfolio's parent.

    An early stop inside OR-Tools was tried first (a `Solver.CustomLimit` that
    fires when the best plan has not improved for a while): with OR-Tools
    9.15's iterated local search the limit only ends the current descent and
    the next perturbation starts at once; ``RoutingModel.UpdateTimeLimit``
    takes an ``absl::Duration`` that Python cannot pass; the improvement-rate
    limit is not consulted by iterated local search; and restarting searches
    in rounds from the best plan lost the search's state and sometimes left
    OR-Tools unable to restore any plan. So the search runs in a worker
    process that reports every better plan as it is found (`report`), and
    the parent stops the workers when the plans stop improving
    (`scheduler.vrp.portfolio.run`).
    """

    def __init__(self, om: OrModel, started: float, report: Callable[[SearchResult], None] | None = None) -> None:
        self.om, self.started, self.report = om, started, report
        self.first_solution_s: float | None = None
        self.best: int | None = None
        #: solutions the search has reported so far (restored starting plans included)
        self.found = 0
        om.routing.AddAtSolutionCallback(self.on_solution)

    def on_solution(self) -> None:
        self.found += 1
        if self.first_solution_s is None:
            self.first_solution_s = time.monotonic() - self.started
        if self.report is None:
            return
        objective = self.om.routing.CostVar().Value()
        if self.best is None or objective < self.best:
            self.best = objective
            self.report(current(self.om, objective, self.first_solution_s))



def run_search(om: OrModel, search, params: SolveParams, initial=None):
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



def descends_only(search) -> bool:
    """Return whether a search from a given plan with these parameters ends at its first local optimum.

    OR-Tools runs its iterated local search only from a first plan of its own
    (``SolveWithIteratedLocalSearch`` takes no starting plan): started from a
    plan (``SolveFromAssignmentWithParameters``) with iterated local search's
    parameters it runs one greedy descent and returns, however much of its
    time limit is left (on Cordeau's a4-48, every request a commitment: 1.1 s
    of a 60 s limit). So does a plain greedy descent.
    """
    return search.local_search_metaheuristic in (_META.GREEDY_DESCENT, _META.AUTOMATIC) or \
        search.use_iterated_local_search


def beyond_the_descent(search, seconds: float, solutions: int | None) -> None:
    """Turn parameters that only descend (`descends_only`) into a guided local search that runs to its limits.

    The search that goes on from the descent's local optimum: guided local
    search (OR-Tools' metaheuristic that starts from a given plan; on a4-48
    from the same descent for 10 s it reached 691.5 where tabu search reached
    700.9 and simulated annealing never left the optimum), with pair
    relocation back on (`leave_pair_moves_to_ruin_and_recreate` only spares
    the first descent), for `seconds` and at most `solutions` more plans.
    """
    search.use_iterated_local_search = False
    search.local_search_metaheuristic = _META.GUIDED_LOCAL_SEARCH
    search.local_search_operators.use_relocate_pair = _BOOL_TRUE
    search.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    if solutions is not None:
        search.solution_limit = solutions


def search_status(om: OrModel) -> str:
    """Return the name of OR-Tools' status of the last search (e.g. ``ROUTING_SUCCESS``)."""
    return routing_enums_pb2.RoutingSearchStatus.Value.Name(om.routing.status())


def extract(om: OrModel, solution, first_solution_s: float | None = None) -> SearchResult:
    """Copy the routes, service starts and break starts out of OR-Tools' assignment."""
    status = search_status(om)
    if solution is None:
        return SearchResult.nothing(len(om.vehicles), objective=None, status=status)
    if first_solution_s is None:  # the initial plan was kept as it was
        first_solution_s = 0.0
    return _copy_out(om, solution.ObjectiveValue(), solution.Value, solution.Min, solution.StartValue,
                     status, first_solution_s)


def current(om: OrModel, objective: int, first_solution_s: float | None) -> SearchResult:
    """Copy out the solution the search has just found (inside a solution callback)."""
    return _copy_out(om, objective, lambda var: var.Value(), lambda var: var.Min(), lambda iv: iv.StartMin(),
                     "ROUTING_SUCCESS", first_solution_s)


def _copy_out(om: OrModel, objective: int, value, minimum, start, status: str,
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




def leave_pair_moves_to_ruin_and_recreate(search) -> None:
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
    ils.improve_perturbed_solution = params.ruin_descent
    annealing = ils.reference_solution_acceptance_strategy.simulated_annealing
    annealing.cooling_schedule_strategy = routing_ils_pb2.CoolingScheduleStrategy.EXPONENTIAL
    annealing.automatic_temperatures = params.ruin_auto_temperatures
    ils.best_solution_acceptance_strategy.greedy_descent.SetInParent()

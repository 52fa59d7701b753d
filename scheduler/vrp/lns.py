"""Improve a plan by ruin and recreate, with the construction's exact timing (plain Python).

OR-Tools' local search needs seconds per descent on the domain's weeks: with
lunch breaks, ride limits and narrow promised windows almost every move it
scans is infeasible, and the moves that serve one more request (make a pair
active) only run after the cost moves are exhausted. On the sample week its
search, started from the commitments-first plan, left out weight 500 after
20 s; ruin and recreate over the construction's own timing reached 266–337
in 3–5 s (docs/BENCHMARKS.md).

One iteration:

1. **ruin**: pick a served task at random and take out it and the served
   units nearest to it by driving time (a unit is a job, a shipment, or a
   delivery group), 3 to `max_removed` units, from whatever routes serve
   them: the related removal of string-removal methods (SISR, Christiaens &
   Vanden Berghe 2020), which frees room in one area on several routes;
2. **recreate**: insert the removed units, the unserved units near them and
   a few others at random, in the construction's order (commitments first,
   then by priority with a little noise, so equal plans are explored
   differently), each where it adds the least driving among the positions
   whose exact timing keeps every rule (`scheduler.vrp.construct`);
3. **accept** the result when it keeps as many commitments, moves as few
   told residents and serves as much weight as the current plan, or better,
   at a cost at most `_DEVIATION` above the best plan's (record-to-record
   travel: cheaper plans are found by passing through slightly dearer
   ones); otherwise restore the routes as they were. The best plan by the
   format's lexicographic objective (commitments left out, residents moved,
   weight left out, cost) is the result. A unit with a fixed step (the
   steps that start a route) is never taken out.

Measured on the sample week (docs/BENCHMARKS.md): accepting only plans that
are not worse stalled at weight 368–424 in 300 iterations over four seeds;
with 2 % deviation at 297–424. Timing only the 60 cheapest positions per
unit (instead of the construction's 500) ran 40 % faster but stalled at
429–516.

Only feasible routes are ever built, so every plan along the way is valid and
OR-Tools can start its own search from the last one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

from scheduler.vrp.construct import (
    Builder,
    NodeTable,
    Plan,
    insert_unit,
    insertion_order,
    plan_of,
    tightened,
)
from scheduler.vrp.format import route_cost
from scheduler.vrp.model import Model, is_commitment

__all__ = ["improve"]

#: Unserved units tried at random in each recreate, besides those near the ruin.
_RANDOM_UNSERVED = 4
#: Noise added to a waiting unit's priority when ordering a recreate.
_PRIORITY_NOISE = 20
#: Record-to-record travel: a plan serving as much is accepted when it costs at
#: most this share more than the best plan found (the best is what is returned).
_DEVIATION = 0.02


class _State:
    """Routes of a `Builder` with the unit bookkeeping and the objective of the plan."""

    def __init__(self, model: Model, nodes: NodeTable, builder: Builder) -> None:
        self.model, self.nodes, self.builder = model, nodes, builder
        self.units = insertion_order(model, nodes)  # [kind, *nodes], in the construction's order
        self.unit_of = {n: u for u, (_, *members) in enumerate(self.units) for n in members}
        tasks = model.tasks
        self.value = []  # per unit: (commitments, weight) it stands for
        self.rank = []  # per unit: (not a commitment, -priority) for the recreate order
        for _, *members in self.units:
            counted = {nodes.task[n] for n in members if tasks[nodes.task[n]].kind != "delivery"}
            c = sum(1 for t in counted if is_commitment(tasks[t]))
            w = sum(tasks[t].priority + 1 for t in counted if not is_commitment(tasks[t]))
            self.value.append((c, w))
            first = tasks[nodes.task[members[0]]]
            self.rank.append((not is_commitment(first), -first.priority))
        #: units a ruin never takes out: those with a fixed step (they start their route, see `Builder.fixed`)
        self.pinned = {self.unit_of[n] for k, route in enumerate(builder.routes) for n in route[:builder.fixed[k]]}
        self.total = (sum(c for c, _ in self.value), sum(w for _, w in self.value))
        self.told = sum(1 for task in tasks if task.told is not None)
        vehicles = model.problem.vehicles
        self.fixed = [v.fixed_cost for v in vehicles]
        self.per_hour = [v.per_hour_cost for v in vehicles]
        self.cost = [self._route_cost(k) for k in range(len(vehicles))]

    def _route_cost(self, k: int) -> int:
        route = self.builder.routes[k]
        return route_cost(self.fixed[k], self.per_hour[k], self.builder._drive(k, route)) if route else 0

    def served_units(self) -> set[int]:
        return {self.unit_of[n] for route in self.builder.routes for n in route}

    def score(self) -> tuple[int, int, int, int]:
        """Return (commitments left out, residents moved, weight left out, cost) of the current plan."""
        c, w = self.total
        for u in self.served_units():
            c -= self.value[u][0]
            w -= self.value[u][1]
        builder = self.builder
        moved = 0
        if builder.told:  # told tasks left out, and those served outside their told time
            moved = self.told - sum(1 for route in builder.routes for n in route if self.model.tasks[self.nodes.task[n]].told)
            moved += sum(builder.moved(route, builder.timing[k][0]) for k, route in enumerate(builder.routes))
        return c, moved, w, sum(self.cost)

    def recost(self, changed: Sequence[int]) -> None:
        for k in changed:
            self.cost[k] = self._route_cost(k)


def improve(model: Model, nodes: NodeTable, travel: dict[str, list[list[int]]],
            routes: Sequence[Sequence[int]], *, seconds: float, seed: int = 0, stall_s: float | None = None,
            stall_iterations: int = 0, max_iterations: int | None = None, max_removed: int = 12,
            on_better: Callable[[Plan], None] | None = None) -> Plan | None:
    """Return `routes` improved by ruin and recreate (see the module docstring), or None if they cannot be timed.

    Parameters
    ----------
    model, nodes, travel
        As for `scheduler.vrp.construct.insertion_plan`.
    routes
        Per vehicle, the task nodes it serves in order (a feasible plan, e.g. the constructed one).
    seconds
        Wall-clock budget.
    seed
        Seed of the random choices; with `max_iterations` and no binding time
        budget the result depends only on the input and the seed.
    stall_s, stall_iterations
        Stop once this many seconds and iterations passed without keeping a
        commitment more or serving more weight (`stall_s` None: only
        `seconds` and `max_iterations` stop it).
    max_iterations
        Stop after this many iterations (None: no limit).
    max_removed
        Most units taken out by one ruin.
    on_better
        Called with each plan better than all before it.
    """
    began = time.monotonic()
    nodes = tightened(model, nodes)
    builder = Builder(model, nodes, travel)
    for k, route in enumerate(routes):
        if route and not builder.place(k, list(route)):
            return None
    state = _State(model, nodes, builder)
    rng = random.Random(seed)
    related = travel[model.problem.vehicles[0].profile] if model.problem.vehicles else []
    current = best = state.score()
    best_plan = plan_of(model, builder)
    last_gain, gain_iteration, iteration = began, 0, 0
    while (max_iterations is None or iteration < max_iterations) and time.monotonic() - began < seconds:
        if stall_s is not None and time.monotonic() - last_gain > stall_s \
                and iteration - gain_iteration >= stall_iterations:
            break
        iteration += 1
        served = [n for route in builder.routes for n in route if state.unit_of[n] not in state.pinned]
        saved = ([list(r) for r in builder.routes], list(builder.timing), list(state.cost))
        changed = _ruin_and_recreate(state, rng, related, served, max_removed)
        if changed is None:
            builder.routes, builder.timing, state.cost = saved
            continue
        state.recost(changed)
        new = state.score()
        if new[:3] < current[:3] or (new[:3] == current[:3] and new[3] <= best[3] * (1 + _DEVIATION)):
            current = new
            if new < best:
                if new[:3] < best[:3]:
                    last_gain, gain_iteration = time.monotonic(), iteration
                best, best_plan = new, plan_of(model, builder)
                if on_better is not None:
                    on_better(best_plan)
        else:
            builder.routes, builder.timing, state.cost = saved
    return best_plan


def _ruin_and_recreate(state: _State, rng: random.Random, related: list[list[int]], served: list[int],
                       max_removed: int) -> list[int] | None:
    """Run one ruin and recreate on the state's builder; return the vehicles changed, None if a route failed."""
    builder = state.builder
    removed: set[int] = set()
    radius = 0
    if served:
        seed_node = rng.choice(served)
        want = rng.randint(min(3, max_removed), max_removed)
        for x in sorted(served, key=lambda x: related[seed_node][x]):
            if state.unit_of[x] not in removed:
                removed.add(state.unit_of[x])
                radius = related[seed_node][x]
                if len(removed) >= want:
                    break
    changed = []
    for k, route in enumerate(builder.routes):
        kept = [n for n in route if state.unit_of[n] not in removed]
        if len(kept) != len(route):
            if not builder.place(k, kept):
                return None
            changed.append(k)
    in_plan = state.served_units()
    waiting = [u for u in range(len(state.units)) if u not in in_plan and u not in removed]
    near = []
    if served:
        near = [u for u in waiting if any(related[seed_node][n] <= radius for n in state.units[u][1:])]
    near_set = set(near)
    others = [u for u in waiting if u not in near_set]
    picked = near_set | set(rng.sample(others, min(_RANDOM_UNSERVED, len(others))))
    todo = sorted(removed | picked,
                  key=lambda u: (state.rank[u][0], state.rank[u][1] + (rng.random() * _PRIORITY_NOISE
                                                                      if state.rank[u][0] else 0), u))
    before = [list(r) for r in builder.routes]
    for u in todo:
        kind, *members = state.units[u]
        insert_unit(builder, kind, members)
    changed += [k for k, route in enumerate(builder.routes) if route != before[k] and k not in changed]
    return changed

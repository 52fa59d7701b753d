"""Adaptive large-neighbourhood search for pick-up-and-delivery problems (shared rides, dial-a-ride).

OR-Tools' local search moves one node or one pair at a time, and on
dial-a-ride problems (every request a pick-up and delivery pair with narrow
windows and a ride limit) almost every such move is infeasible: on Cordeau's
instances its guided local search ended 5-7 % above the optima at 10 s. The
large-neighbourhood search of the dial-a-ride literature (Ropke & Pisinger
2006, "An adaptive large neighborhood search heuristic for the pickup and
delivery problem with time windows"; the ride-time scheduling of Cordeau &
Laporte 2003) gets much closer in the same time: take a few requests out,
put them back where they cost least, keep the result when it is good enough.

This module runs that search on a problem whose every task is a pick-up or a
delivery (`applies`: no jobs, breaks, delivery groups, fixed steps or told
times, one window per node). One iteration:

1. **ruin**: take out 2 to `_most_removed` requests chosen by one of three
   rules: at random; related to a random request (close in place and time,
   Shaw's removal); or those whose removal saves the most driving, with
   some randomness (worst removal);
2. **recreate**: put the taken-out requests, and those no route serves, back
   one at a time, each time the request with the largest regret (the
   difference between its cheapest insertion and its insertions on the
   other routes: regret-2 or regret-3) or the cheapest one (greedy), with
   or without noise on the insertion costs; a request that fits nowhere
   stays out;
3. **accept** by simulated annealing on the cost (a plan leaving out more
   commitments or weight is never accepted; one leaving out less always is),
   the temperature falling from 1 % of the first plan's cost to 0.01 % over
   the time given (a plan 1 % dearer is accepted half the time at first).

The rules of each route are checked exactly: positions are screened in O(1)
each (windows through the route's earliest and latest service starts,
loads, a lower bound of the ride), the cheapest screened insertion is timed
exactly when it is chosen (`Routes.timed`: earliest starts, then each
pick-up delayed by its forward time slack as Cordeau & Laporte's eight-step
scheme does, so a rider does not wait on board when waiting before the
pick-up keeps every limit), and only routes so timed are kept. Every plan
along the way is therefore valid, and OR-Tools' search can start from the
last one.

The choice of removal and insertion rules adapts as in Ropke & Pisinger:
each rule's weight moves toward the score its uses earned (a new best plan
33, a better plan 9, an accepted one 13) every `_SEGMENT` iterations.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence

from scheduler.vrp.construct import NodeTable, Plan, tightened
from scheduler.vrp.model import Model, is_commitment
from scheduler.vrp.pair_routes import Routes

__all__ = ["Routes", "applies", "improve_pairs"]

#: Most requests one ruin takes out: this share of the requests, within these bounds.
_REMOVED_SHARE, _REMOVED_MIN, _REMOVED_MAX = 0.2, 4, 30
#: Randomness of Shaw's and the worst removal (Ropke & Pisinger's p: higher picks closer to the order).
_SHAW_P, _WORST_P = 6, 3
#: Insertion noise: at most this share of the longest drive, added at random to a cost.
_NOISE = 0.025
#: Simulated annealing: the first and last temperatures, as shares of the first plan's cost.
_HOT, _COLD = 0.01 / math.log(2), 0.0001 / math.log(2)
#: Adaptive weights: iterations per segment, the reaction factor, and the scores of a new best,
#: a better and an accepted plan.
_SEGMENT, _REACTION = 100, 0.1
_SCORE_BEST, _SCORE_BETTER, _SCORE_ACCEPTED = 33, 9, 13
#: Screened insertions timed exactly per request and route before the route is given up for it.
_TIMINGS = 6

def applies(model: Model, nodes: NodeTable) -> bool:
    """Return whether this search can take the problem: only pick-ups and deliveries, and rules it times exactly.

    No jobs, no breaks, no delivery groups, no fixed steps, no told times, no
    task held to a vehicle, and at most one window per node.
    """
    tasks = model.tasks
    if not nodes.task or model.groups or model.fixed:
        return False
    if any(v.breaks for v in model.problem.vehicles):
        return False
    for i, t in enumerate(nodes.task):
        task = tasks[t]
        if task.kind == "job" or task.told is not None or task.held is not None or len(nodes.windows[i]) > 1:
            return False
    node_tasks = set(nodes.task)
    return all(tasks[t].partner in node_tasks for t in nodes.task)


def improve_pairs(model: Model, nodes: NodeTable, travel: dict[str, list[list[int]]],
                  routes: Sequence[Sequence[int]], *, seconds: float, seed: int = 0,
                  max_iterations: int | None = None,
                  on_better: Callable[[Plan], None] | None = None) -> Plan | None:
    """Return `routes` improved by the adaptive large-neighbourhood search, or None if they cannot be timed.

    Parameters
    ----------
    model, nodes, travel
        As for `scheduler.vrp.construct.insertion_plan`; `applies(model, nodes)` must hold.
    routes
        Per vehicle, the task nodes it serves in order (a feasible plan).
    seconds
        Wall-clock budget; the temperature falls over it.
    seed
        Seed of the random choices.
    max_iterations
        Stop after this many iterations (None: only `seconds`); the
        temperature then falls over the iterations, and with no binding time
        budget the result depends only on the input and the seed.
    on_better
        Called with each plan better than all before it.
    """
    began = time.monotonic()
    nodes = tightened(model, nodes)
    state = Routes(model, nodes, travel)
    for k, route in enumerate(routes):
        seq = [state.starts[k], *route, state.ends[k]]
        times = state.timed(k, seq)
        if times is None:
            return None
        state.refresh(k, seq, times)
    search = _Search(model, nodes, state, random.Random(seed))
    return search.run(began, seconds, max_iterations, on_better)


class _Search:
    def __init__(self, model: Model, nodes: NodeTable, state: Routes, rng: random.Random) -> None:
        self.model, self.nodes, self.state, self.rng = model, nodes, state, rng
        tasks = model.tasks
        self.requests = [i for i, t in enumerate(nodes.task) if tasks[t].kind == "pickup"]
        self.value = {}  # pick-up -> (commitments, weight) it stands for
        for p in self.requests:
            task = tasks[nodes.task[p]]
            self.value[p] = (1, 0) if is_commitment(task) else (0, task.priority + 1)
        self.allowed = {p: [k for k in nodes.allowed[p] if k in set(nodes.allowed[state.partner[p]])]
                        for p in self.requests}
        self.total = (sum(c for c, _ in self.value.values()), sum(w for _, w in self.value.values()))
        longest = max((max(row) for T in state.T for row in T), default=0)
        self.noise = _NOISE * longest
        n = len(self.requests)
        self.most = max(2, min(n, _REMOVED_MAX, max(_REMOVED_MIN, round(_REMOVED_SHARE * n))))
        T0 = state.T[0] if state.T else []
        self.T0 = T0
        self.removals = [self._random_removal, self._related_removal, self._worst_removal]
        self.insertions = [(1, False), (1, True), (2, False), (2, True), (3, False), (3, True)]  # (regret k, noise)
        self.weights = [[1.0] * len(self.removals), [1.0] * len(self.insertions)]
        self.scores = [[0.0] * len(self.removals), [0.0] * len(self.insertions)]
        self.uses = [[0] * len(self.removals), [0] * len(self.insertions)]
        self.iterations = 0
        self.deadline: float | None = None  # monotonic clock; None: the count of iterations alone ends the search

    # ---------------------------------------------------------------------------------------- plan and objective

    def served(self) -> list[int]:
        state = self.state
        return [n for k in range(len(state.seq)) for n in state.seq[k][1:-1] if state.pickup[n]]

    def key(self) -> tuple[int, int, float]:
        c, w = self.total
        for p in self.served():
            c -= self.value[p][0]
            w -= self.value[p][1]
        return c, w, sum(self.state.cost(k) for k in range(len(self.state.seq)))

    def snapshot(self):
        s = self.state
        return [list(x) for x in s.seq], list(s.B), list(s.Lt), list(s.load), list(s.drive), list(s.times)

    def restore(self, saved) -> None:
        s = self.state
        s.seq, s.B, s.Lt, s.load, s.drive, s.times = (list(x) for x in saved)

    def plan(self) -> Plan:
        s = self.state
        plan = Plan([], [], [], [], [])
        for k in range(len(s.seq)):
            plan.routes.append(list(s.seq[k][1:-1]))
            plan.starts.append(s.vehicles[k].time_window[0])
            plan.begins.append(list(s.times[k][1:-1]))
            plan.breaks.append({})
            plan.ends.append(s.times[k][-1] if len(s.seq[k]) > 2 else s.vehicles[k].time_window[0])
        return plan

    # ---------------------------------------------------------------------------------------- the loop

    def run(self, began: float, seconds: float, max_iterations: int | None,
            on_better: Callable[[Plan], None] | None) -> Plan:
        rng = self.rng
        current = best = self.key()
        best_plan = self.plan()
        hot, cold = _HOT * max(current[2], 1.0), _COLD * max(current[2], 1.0)
        iteration = 0
        self.deadline = began + seconds if math.isfinite(seconds) else None
        while True:
            if max_iterations is not None:
                if iteration >= max_iterations:
                    break
                done = iteration / max_iterations
            else:
                used = time.monotonic() - began
                if used >= seconds:
                    break
                done = used / seconds
            iteration += 1
            self.iterations = iteration
            temperature = hot * (cold / hot) ** done
            saved = self.snapshot()
            r = self._pick(0)
            q = rng.randint(min(2, self.most), self.most)
            removed = self.removals[r](q)
            if not self._remove(removed):
                self.restore(saved)
                continue
            ins = self._pick(1)
            regret, noisy = self.insertions[ins]
            if not self._insert(regret, noisy):
                self.restore(saved)  # the time ran out in the middle of the recreate
                break
            new = self.key()
            score = 0
            if new[:2] < current[:2] or (new[:2] == current[:2] and (
                    new[2] < current[2] - 1e-9 or rng.random() < math.exp((current[2] - new[2]) / temperature))):
                score = _SCORE_BETTER if new < current else _SCORE_ACCEPTED
                current = new
                if new[:2] < best[:2] or (new[:2] == best[:2] and new[2] < best[2] - 1e-9):
                    best, best_plan, score = new, self.plan(), _SCORE_BEST
                    if on_better is not None:
                        on_better(best_plan)
            else:
                self.restore(saved)
            self._reward(r, ins, score)
        return best_plan

    def _pick(self, which: int) -> int:
        weights = self.weights[which]
        x = self.rng.random() * sum(weights)
        for i, w in enumerate(weights):
            x -= w
            if x < 0:
                return i
        return len(weights) - 1

    def _reward(self, r: int, ins: int, score: float) -> None:
        for which, i in ((0, r), (1, ins)):
            self.scores[which][i] += score
            self.uses[which][i] += 1
        if sum(self.uses[0]) >= _SEGMENT:
            for which in (0, 1):
                for i, used in enumerate(self.uses[which]):
                    if used:
                        self.weights[which][i] = max(0.05, self.weights[which][i] * (1 - _REACTION)
                                                     + _REACTION * self.scores[which][i] / used)
                self.scores[which] = [0.0] * len(self.scores[which])
                self.uses[which] = [0] * len(self.uses[which])

    # ---------------------------------------------------------------------------------------- ruin

    def _remove(self, removed: set[int]) -> bool:
        """Take the requests out of their routes; False when a route left cannot be timed (its rides got longer)."""
        s = self.state
        gone = removed | {s.partner[p] for p in removed}
        for k in range(len(s.seq)):
            seq = s.seq[k]
            if any(n in gone for n in seq[1:-1]):
                kept = [n for n in seq if n not in gone]
                times = s.timed(k, kept)
                if times is None:  # an earlier pick-up whose delivery cannot come earlier: a longer ride
                    return False
                s.refresh(k, kept, times)
        return True

    def _random_removal(self, q: int) -> set[int]:
        served = self.served()
        return set(self.rng.sample(served, min(q, len(served))))

    def _positions(self) -> dict[int, tuple[int, int]]:
        """Return node -> (its route, its service start) for the served nodes."""
        s = self.state
        return {n: (k, s.times[k][x]) for k in range(len(s.seq)) for x, n in enumerate(s.seq[k]) if 0 < x < len(s.seq[k]) - 1}

    def _related_removal(self, q: int) -> set[int]:
        served = self.served()
        if not served:
            return set()
        rng, T, partner = self.rng, self.T0, self.state.partner
        at = self._positions()
        seed = rng.choice(served)
        sd = partner[seed]

        def relatedness(p: int) -> float:
            d = partner[p]
            return T[seed][p] + T[sd][d] + abs(at[seed][1] - at[p][1]) + abs(at[sd][1] - at[d][1])

        others = sorted((p for p in served if p != seed), key=relatedness)
        chosen = {seed}
        while len(chosen) < q and others:
            x = int(rng.random() ** _SHAW_P * len(others))
            chosen.add(others.pop(x))
        return chosen

    def _worst_removal(self, q: int) -> set[int]:
        s = self.state
        saving = {}
        for k in range(len(s.seq)):
            seq, T = s.seq[k], s.T[k]
            where = {n: x for x, n in enumerate(seq)}
            for x in range(1, len(seq) - 1):
                p = seq[x]
                if not s.pickup[p]:
                    continue
                y = where[s.partner[p]]
                d = seq[y]
                if y == x + 1:
                    gain = T[seq[x - 1]][p] + T[p][d] + T[d][seq[y + 1]] - T[seq[x - 1]][seq[y + 1]]
                else:
                    gain = (T[seq[x - 1]][p] + T[p][seq[x + 1]] - T[seq[x - 1]][seq[x + 1]]
                            + T[seq[y - 1]][d] + T[d][seq[y + 1]] - T[seq[y - 1]][seq[y + 1]])
                saving[p] = gain * s.rate(k)
        order = sorted(saving, key=saving.get, reverse=True)
        chosen: set[int] = set()
        while len(chosen) < q and order:
            x = int(self.rng.random() ** _WORST_P * len(order))
            chosen.add(order.pop(x))
        return chosen

    # ---------------------------------------------------------------------------------------- recreate

    def _options(self, p: int, k: int, noisy: bool) -> list[tuple[float, int, int]]:
        s = self.state
        rate = s.rate(k)
        extra = s.vehicles[k].fixed_cost if len(s.seq[k]) <= 2 else 0
        rows = s.screened(p, k)
        if noisy:
            rng, noise = self.rng, self.noise
            out = [(extra + rate * (added + noise * (2 * rng.random() - 1)), i, j) for added, i, j in rows]
        else:
            out = [(extra + rate * added, i, j) for added, i, j in rows]
        out.sort()
        return out[:_TIMINGS]

    def _late(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def _insert(self, regret: int, noisy: bool) -> bool:
        """Put the requests no route serves back where they fit (see the module docstring); False if the time ran out.

        The clock is read after each request's positions are listed and each
        insertion, so a recreate on long routes without windows (every
        position plausible) cannot run far past the time given.
        """
        s = self.state
        served = set(self.served())
        pending = [p for p in self.requests if p not in served]
        options = {}
        for p in pending:
            options[p] = {k: self._options(p, k, noisy) for k in self.allowed[p]}
            if self._late():
                return False
        while pending:
            chosen = None
            chosen_key = None
            for p in pending:
                costs = sorted(opts[0][0] for opts in options[p].values() if opts)
                if not costs:
                    continue
                if regret <= 1:
                    value = -costs[0]
                else:
                    value = sum((costs[x] if x < len(costs) else costs[0] + 1e9) - costs[0] for x in range(1, regret))
                key = (self.value[p][0], self.value[p][1] if self.value[p][0] == 0 else 0, value, -costs[0])
                if chosen_key is None or key > chosen_key:
                    chosen, chosen_key = p, key
            if chosen is None:
                return True  # nothing left fits anywhere
            p = chosen
            k = min((k for k, opts in options[p].items() if opts), key=lambda k: options[p][k][0][0])
            _, i, j = options[p][k].pop(0)
            seq = s.with_pair(k, p, i, j)
            times = s.timed(k, seq)
            if times is None:
                continue  # the next option of that route is tried (its list got shorter)
            s.refresh(k, seq, times)
            pending.remove(p)
            for other in pending:
                if k in options[other]:
                    options[other][k] = self._options(other, k, noisy)
            if self._late():
                return False
        return True

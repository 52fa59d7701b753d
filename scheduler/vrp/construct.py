"""Build a first plan fast, commitments first: sequential insertion over the model's nodes.

OR-Tools' own first-solution strategies check every insertion with the full
model's propagation; with breaks, pairs and ride limits on a week of 2,000
stops they found no plan in minutes (measured in ``docs/BENCHMARKS.md``).
This module builds the first plan in plain Python instead, and the search
starts from it (`scheduler.vrp.solver` reads the routes back into OR-Tools):

1. tasks are inserted one at a time in a fixed order: **commitments**
   (priority 100) first, then by priority, then the most constrained first
   (fewest vehicles, then narrowest windows), so no waiting task can take
   the room a commitment needs;
2. each task goes where it adds the least driving, among the positions whose
   timing is plausible (a cheap test on the route's current schedule); the
   best few positions are timed exactly, and the first that keeps every rule
   of the route is taken (a shipment: its pick-up, then its delivery later on
   the same route);
3. a task that fits nowhere stays out; the search may still place it.

A delivery group (``delivery_group``) is inserted as one unit: its
deliveries one after another at the door, in the listed order and without
a pause, and each pick-up at its cheapest place before them; all of it or
nothing.

A route is timed exactly as the model constrains it (``PROBLEM_FORMAT.md``):
service starts inside a window, waiting is free, a break is taken between two
stops, while driving or waiting, as soon as it costs nothing or at the last
stop before its latest start; loads (deliveries of jobs on board from the
start), ``max_tasks``, ``max_travel_time`` and ``max_ride_time`` are kept.
Only feasible routes are ever built, so OR-Tools accepts them as they are.

This module is long because the timer (`_Timer.schedule`), the cheap position
tests that must never refuse what it accepts (`Builder._slacks`,
`_deliveries`) and the windows they time by (`tightened`) are one notion of
timing, kept side by side so a change to one is seen against the others.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from scheduler.vrp.model import Model, has_told, is_commitment, moved
from scheduler.vrp.precheck import start_after

__all__ = ["Builder", "NodeTable", "Plan", "filled_plan", "insert_unit", "insertion_order", "insertion_plan", "plan_of",
           "ride_tightened", "tightened", "told_clipped"]

#: Positions timed exactly per task (the cheapest plausible ones, in order).
_TRIALS = 250
#: Pick-up positions, and delivery positions after each, considered for a shipment.
_PAIR_PICKUPS, _PAIR_DELIVERIES = 40, 10
#: With told times: feasible positions compared by residents moved before the cheapest is taken.
_TOLD_CHOICES = 8


@dataclass
class NodeTable:
    """The model's nodes as the search lays them out (see `scheduler.vrp.solver`).

    Nodes ``0 .. len(task) - 1`` serve tasks; the rest are depots.
    """

    task: Sequence[int]  # node -> task index
    windows: Sequence[Sequence[tuple[int, int]]]  # node -> its windows (empty: any time)
    allowed: Sequence[Sequence[int]]  # node -> vehicles that may serve it
    on_site: Sequence[int]  # node -> setup + service seconds
    starts: Sequence[int]  # vehicle -> start node
    ends: Sequence[int]  # vehicle -> end node


class _Timer:
    """Time whole routes against every rule of the model (see the module docstring)."""

    def __init__(self, model: Model, nodes: NodeTable, travel: dict[str, list[list[int]]]) -> None:
        problem, tasks = model.problem, model.tasks
        self.nodes, self.vehicles = nodes, problem.vehicles
        self.travel = [travel[v.profile] for v in self.vehicles]
        self.caps = [problem.capacity_of(v) for v in self.vehicles]
        dims = range(problem.dimensions)
        n_tasks = len(nodes.task)
        self.kind = [tasks[t].kind for t in nodes.task]
        delta: list[list[int]] = []  # per node: load change, per dimension
        loaded: list[list[int]] = []  # per node: load on board from the start (job deliveries)
        for t in nodes.task:
            task = tasks[t]
            if task.kind == "job":
                delta.append([task.pickup[d] - task.delivery[d] for d in dims])
                loaded.append(list(task.delivery))
            else:
                amount = problem.shipments[task.shipment].amount
                delta.append([amount[d] if task.kind == "pickup" else -amount[d] for d in dims])
                loaded.append([0] * problem.dimensions)
        #: per dimension: each node's load change, and what it has on board from the start (None: nothing anywhere)
        self.delta_by_dim = [[row[d] for row in delta] for d in dims]
        self.loaded_by_dim = [[row[d] for row in loaded] if any(row[d] for row in loaded) else None for d in dims]
        node_of_task = {t: i for i, t in enumerate(nodes.task)}
        self.partner = [node_of_task.get(tasks[t].partner) if tasks[t].partner is not None else None
                        for t in nodes.task]
        self.ride = [problem.shipments[tasks[t].shipment].max_ride_time if tasks[t].kind == "pickup" else None
                     for t in nodes.task]
        self.dims = list(dims)
        self.n_tasks = n_tasks
        self.tasks = [tasks[t] for t in nodes.task]
        # a delivery of a group follows the group's previous delivery at once (see `insertion_order`)
        self.follows: list[int | None] = [None] * n_tasks
        for members in model.groups:
            drops = [node_of_task.get(tasks[p].partner) for p in members]
            for here, after in itertools.pairwise(drops):
                if here is not None and after is not None:
                    self.follows[after] = here
        # per vehicle, its breaks in window order: (windows, length, latest start, position in v.breaks)
        self.breaks = [sorted(((b.time_windows, b.service, b.time_windows[-1][1] if b.time_windows else None, i)
                               for i, b in enumerate(v.breaks)), key=lambda b: b[0][0][0] if b[0] else 0)
                       for v in self.vehicles]

    def _loads_ok(self, k: int, seq: list[int]) -> bool:
        for d, cap in enumerate(self.caps[k]):
            loaded, delta = self.loaded_by_dim[d], self.delta_by_dim[d]
            load = sum(loaded[n] for n in seq) if loaded is not None else 0
            if load > cap:
                return False
            for n in seq:
                load += delta[n]
                if load < 0 or load > cap:
                    return False
        return True

    def schedule(self, k: int, seq: list[int]) -> tuple[list[int], dict[int, int], int] | None:
        """Time route `seq` of vehicle `k`: (service starts, {break position: start}, arrival at the end), or None.

        None when the route breaks a rule of the model (see the module docstring).
        """
        v = self.vehicles[k]
        if v.max_tasks is not None and len(seq) > v.max_tasks:
            return None
        if self.dims and not self._loads_ok(k, seq):
            return None
        T, nodes, tw_end = self.travel[k], self.nodes, v.time_window[1]
        brk, nb, bi = self.breaks[k], len(self.breaks[k]), 0
        clock, here, drive, begins = v.time_window[0], nodes.starts[k], 0, []
        pick_end: dict[int, int] = {}
        taken: dict[int, int] = {}
        for n in seq:
            leg = T[here][n]
            win = nodes.windows[n]
            begin = start_after(win, clock + leg)
            if begin is None or begin > tw_end:
                return None
            if self.follows[n] is not None and (here != self.follows[n] or begin != clock + leg):
                return None  # a group's next delivery: at once after the previous one, no break between
            chain, rest = clock, 0
            while bi < nb and self.follows[n] is None:  # breaks on the way to n: free ones, and the last chance for the next one
                b_windows, b_len, b_latest, b_pos = brk[bi]
                b_start = start_after(b_windows, chain)
                if b_start is None:
                    return None
                after = start_after(win, max(clock + leg + rest + b_len, b_start + b_len))
                last_chance = b_latest is not None and begin + nodes.on_site[n] > b_latest
                if not (after == begin or last_chance):
                    break
                if after is None or after > tw_end:
                    return None
                taken[b_pos] = b_start
                chain, rest, begin, bi = b_start + b_len, rest + b_len, after, bi + 1
            kind = self.kind[n]
            if kind == "pickup":
                pick_end[n] = begin + nodes.on_site[n]
            elif kind == "delivery":
                p = self.partner[n]
                if p not in pick_end:
                    return None
                if self.ride[p] is not None and begin - pick_end[p] > self.ride[p]:
                    return None
            begins.append(begin)
            drive += leg
            clock, here = begin + nodes.on_site[n], n
        leg = T[here][nodes.ends[k]]
        end = clock
        for b_windows, b_len, _, b_pos in brk[bi:]:
            b_start = start_after(b_windows, end)
            if b_start is None:
                return None
            taken[b_pos] = b_start
            end = b_start + b_len
        arrival = max(clock + leg + sum(b[1] for b in brk[bi:]), end)
        if arrival > tw_end:
            return None
        if v.max_travel_time is not None and drive + leg > v.max_travel_time:
            return None
        return begins, taken, arrival


class Builder:
    """Routes under construction with their current schedules."""

    def __init__(self, model: Model, nodes: NodeTable, travel: dict[str, list[list[int]]]) -> None:
        self.model, self.nodes = model, nodes
        self.timer = _Timer(model, nodes, travel)
        n_vehicles = len(model.problem.vehicles)
        self.routes: list[list[int]] = [[] for _ in range(n_vehicles)]
        #: per vehicle: (service starts, {break position: start}, arrival at the end) of its route
        self.timing: list[tuple[list[int], dict[int, int], int]] = [([], {}, 0) for _ in range(n_vehicles)]
        #: positions timed exactly per unit before it is given up (the cheapest plausible first)
        self.trials = _TRIALS * 2
        #: vehicle -> (its timing, `_slacks`)
        self._slack_of: dict[int, tuple[object, tuple]] = {}
        #: per vehicle: how many nodes at the start of its route are its fixed steps (nothing goes before them)
        node_of = {t: i for i, t in enumerate(nodes.task)}
        self.prefixes = [[node_of[t] for t in model.fixed.get(k, [])] for k in range(n_vehicles)]
        self.fixed = [len(prefix) for prefix in self.prefixes]
        #: residents moved count in the choice of a position (`_take`)
        self.told = has_told(model)

    def _slacks(self, k: int) -> tuple:
        """Return (cached per timing) vehicle k's slacks: (with breaks as waiting, without), each `_slack_arrays`.

        A slack is, per position of the route (and its end), how much later it could start at most.

        ``slack[j]`` bounds the delay the route can take at its j-th stop
        (``j = len(route)``: at its end) and still keep every window of that
        stop and the later ones and its shift end: the stop's latest start,
        or the waiting before the next stop plus the next stop's slack. The
        waiting counts breaks taken in it and the last window of stops with
        several, so the bound is never too small: a position it rules out
        cannot be timed (Savelsbergh's forward time slack).

        In the second, a break no longer counts as waiting: it must still be
        taken after the delay, unless it moves into waiting the insertion
        itself creates, so this holds only for stops inserted where they
        start without waiting. Without it, on a week of open windows every
        route's lunch hour looked like an hour of room, and most insertions
        that passed the test were refused by the shift's end.

        A rider on board also bounds it: a delay at a stop between a pick-up
        and its delivery reaches the delivery less the waiting in between and
        lengthens the ride, so there it may be at most the ride's spare time
        (limit minus current ride) plus that waiting. Without this, on wide
        windows nearly every insertion into a route carrying riders passed
        the test and was then refused by the ride limit. That bound holds for
        one stop inserted; the second array of `_slack_arrays` leaves the
        riders' limits out (for a delay that began before a rider's pick-up,
        which delays the pick-up too).
        """
        timing = self.timing[k]
        cached = self._slack_of.get(k)
        if cached is not None and cached[0] is timing:
            return cached[1]
        begins, taken, arrival = timing
        route, nodes, T = self.routes[k], self.nodes, self.timer.travel[k]
        waited = [0] * (len(route) + 1)  # waiting (and breaks) before each stop and the end
        for j in range(len(route) - 1, -1, -1):
            n = route[j]
            after = route[j + 1] if j + 1 < len(route) else nodes.ends[k]
            next_begin = begins[j + 1] if j + 1 < len(route) else arrival
            waited[j + 1] = next_begin - (begins[j] + nodes.on_site[n] + T[n][after])
        resting = list(waited)
        breaks = self.model.problem.vehicles[k].breaks
        for b_pos, b_start in taken.items():
            j = bisect.bisect_right(begins, b_start)  # taken before stop j (or the end)
            resting[j] = max(0, resting[j] - breaks[b_pos].service)
        both = (self._slack_arrays(k, waited), self._slack_arrays(k, resting))
        self._slack_of[k] = (timing, both)
        return both

    def _slack_arrays(self, k: int, waited: list[int]) -> tuple:
        """Return (slack with riders, slack without, (riders, `waited` summed)) of vehicle k's route."""
        begins, _, arrival = self.timing[k]
        route, nodes = self.routes[k], self.nodes
        slack = [0] * (len(route) + 1)
        slack[-1] = self.model.problem.vehicles[k].time_window[1] - arrival
        for j in range(len(route) - 1, -1, -1):
            n = route[j]
            waiting = waited[j + 1]
            latest = nodes.windows[n][-1][1] - begins[j] if nodes.windows[n] else waiting + slack[j + 1]
            slack[j] = min(latest, waiting + slack[j + 1])
        windows_only = list(slack)
        ride, partner = self.timer.ride, self.timer.partner
        at = None
        riders = []
        for a, n in enumerate(route):
            if ride[n] is None:
                continue
            if at is None:
                at = {m: j for j, m in enumerate(route)}
            b = at.get(partner[n])
            if b is None or b <= a:
                continue
            spare = ride[n] - (begins[b] - begins[a] - nodes.on_site[n])
            riders.append((a, b, spare))
            absorbed = 0  # waiting from stop j to the delivery, summed backwards
            for j in range(b, a, -1):
                slack[j] = min(slack[j], spare + absorbed)
                absorbed += waited[j]
        return slack, windows_only, (riders, list(itertools.accumulate(waited)))

    def _positions(self, k: int, seq: list[int], x: int, *, first: int = 0, timed: bool = True,
                   alone: bool = True) -> list[tuple[int, int]]:
        """Return (added driving, position) of inserting node x into route `seq` at plausible positions.

        With `timed`, `seq` is vehicle k's current route and its schedule rules out
        positions where x could not start in its windows; otherwise every position counts.
        `alone`: x is inserted on its own (or a shipment's delivery after it), so the
        riders' limits and breaks bound the delay (`_slacks`); a delivery group's door
        visit, whose pick-ups may go before the riders', gets the windows-only test.
        """
        nodes, T = self.nodes, self.timer.travel[k]
        v = self.model.problem.vehicles[k]
        full = [nodes.starts[k], *seq, nodes.ends[k]]
        begins = self.timing[k][0] if timed else None
        if begins is not None:
            (loose, windows_only, _), (strict, _, _) = self._slacks(k)
            if not alone:
                loose = strict = windows_only
            arrival = self.timing[k][2]
        found = []
        for i in range(first, len(full) - 1):
            a, b = full[i], full[i + 1]
            if begins is not None:
                ready = (begins[i - 1] + nodes.on_site[a]) if i else v.time_window[0]
                start = start_after(nodes.windows[x], ready + T[a][x])
                if start is None or start > v.time_window[1]:
                    continue
                # b (or the route's end) is reached no earlier than this: more delay than it can take
                slack = strict if start == ready + T[a][x] else loose
                if start + nodes.on_site[x] + T[x][b] - (begins[i] if i < len(seq) else arrival) > slack[i]:
                    continue
            found.append((T[a][x] + T[x][b] - T[a][b], i))
        found.sort()
        return found

    def insert_job(self, options: list[int]) -> bool:
        """Insert one of a job's nodes (one per window) where it adds the least driving."""
        trials = []
        for x in options:
            for k in self.nodes.allowed[x]:
                trials += [(cost, k, i, x) for cost, i in
                           self._positions(k, self.routes[k], x, first=self.fixed[k])[:_TRIALS]]
        trials.sort()
        return self._take((k, self.routes[k][:i] + [x] + self.routes[k][i:]) for _, k, i, x in trials[:self.trials])

    def insert_pair(self, p: int, d: int) -> bool:
        """Insert a shipment: its pick-up, and its delivery later on the same route."""
        trials = []
        for k in self.nodes.allowed[p]:
            route = self.routes[k]
            for cost_p, i in self._positions(k, route, p, first=self.fixed[k])[:_PAIR_PICKUPS]:
                with_p = route[:i] + [p] + route[i:]
                # right after the pick-up, or in a later gap of the route, where
                # the delivery could start in its windows with the pick-up's delay
                options = self._deliveries(k, route, p, d, i)
                options.sort()
                for cost_d, g in options[:_PAIR_DELIVERIES]:
                    trials.append((cost_p + cost_d, k, with_p, g + 1))
        trials.sort(key=lambda trial: trial[0])
        return self._take((k, with_p[:j] + [d] + with_p[j:]) for _, k, with_p, j in trials[:self.trials])

    def _deliveries(self, k: int, route: list[int], p: int, d: int, i: int) -> list[tuple[int, int]]:
        """Return (added driving, gap) of delivery d after pick-up p inserted at position i of vehicle k's route.

        The gaps run from right after p (gap i) to the route's end. The route's
        schedule is carried forward with p in it, each stop at the earliest
        start its windows allow (breaks ignored, so never later than it could
        be): a gap is dropped when the delivery could not start in its
        windows, when the delay reaching the next stop is more than that
        stop's forward time slack, or when the ride would exceed the limit;
        the scan ends at the first stop p's delay alone makes late, or past
        the ride limit. The slack here leaves out the other riders' limits
        (p's delay may delay their pick-ups too; `_positions` already ruled
        out the pick-up positions that break one), except for the riders
        already on board at p's pick-up; breaks count as room only where p or
        d waits (see `_slacks`). Like `_positions`, this only drops gaps
        `_Timer.schedule` would refuse (tested on every gap of generated weeks).
        """
        nodes, T, windows, on_site = self.nodes, self.timer.travel[k], self.nodes.windows, self.nodes.on_site
        begins, _, arrival = self.timing[k]
        tw_start, tw_end = self.model.problem.vehicles[k].time_window
        ride = self.timer.ride[p]
        before = route[i - 1] if i else nodes.starts[k]
        ready = begins[i - 1] + on_site[before] if i else tw_start
        start_p = start_after(windows[p], ready + T[before][p])
        if start_p is None:
            return []
        strict = start_p == ready + T[before][p]  # no waiting at p (nor, checked below, at d): breaks stay put
        # per kind of slack (0: breaks count as room, 1: they do not): the windows-only slack,
        # the waiting summed, and the riders already on board where p is picked up as
        # (delivery position, room): p does not delay their pick-ups, so a delay at stop g
        # reaches their delivery less the waiting in between (see `_slacks`)
        kinds = [(slack, summed, [(b, spare + summed[b]) for a, b, spare in riders if a < i <= b])
                 for _, slack, (riders, summed) in self._slacks(k)]
        carried = kinds[int(strict)][0]  # for p's delay alone
        found = []
        here, done = p, start_p + on_site[p]
        aboard = 0  # driving and time on site since the pick-up: the ride, less any waiting
        for g in range(i, len(route) + 1):
            # the delivery between `here` (p or route[g - 1]) and route[g] (or the end)
            nxt = route[g] if g < len(route) else nodes.ends[k]
            old_begin = begins[g] if g < len(route) else arrival
            start_d = start_after(windows[d], done + T[here][d])
            if start_d is not None and start_d <= tw_end and (ride is None or aboard + T[here][d] <= ride):
                delay = start_d + on_site[d] + T[d][nxt] - old_begin
                slack, summed, on_board = kinds[int(strict and start_d == done + T[here][d])]
                if delay <= slack[g] and all(delay <= room - summed[g] for b, room in on_board if g <= b):
                    found.append((T[here][d] + T[d][nxt] - T[here][nxt], g))
            if g == len(route):
                break
            begin = start_after(windows[nxt], done + T[here][nxt])
            if begin is None or begin - old_begin > carried[g]:
                break  # route[g] cannot be reached in time with p before it: nor any later gap
            aboard += T[here][nxt] + on_site[nxt]
            here, done = nxt, begin + on_site[nxt]
            if ride is not None and aboard > ride:
                break  # the rider would still be on board past the limit
        return found

    def insert_group(self, pickups: list[int], drops: list[int]) -> bool:
        """Insert a delivery group as one unit: its deliveries in a row at the door, its pick-ups before them.

        Each place of the door visit (the plausible ones, as for a delivery)
        is tried twice: with every pick-up at its cheapest place before the
        visit, and with the pick-ups in a row just before it.
        """
        trials = []
        for k in self.nodes.allowed[pickups[0]]:
            route = self.routes[k]
            base = self._drive(k, route)
            for _, g in self._positions(k, route, drops[0], first=self.fixed[k], alone=False)[:_PAIR_PICKUPS]:
                cheapest = route[:g] + drops + route[g:]
                for p in pickups:
                    door = cheapest.index(drops[0])
                    _, i = min(place for place in self._positions(k, cheapest, p, first=self.fixed[k], timed=False)
                               if place[1] <= door)
                    cheapest = cheapest[:i] + [p] + cheapest[i:]
                in_a_row = route[:g] + pickups + drops + route[g:]
                trials += [(self._drive(k, seq) - base, k, seq) for seq in (cheapest, in_a_row)]
        trials.sort(key=lambda trial: trial[0])
        return self._take((k, seq) for _, k, seq in trials[:self.trials])

    def _drive(self, k: int, seq: list[int]) -> int:
        """Return the driving seconds of route `seq` of vehicle `k`."""
        full, T = [self.nodes.starts[k], *seq, self.nodes.ends[k]], self.timer.travel[k]
        return sum(T[a][b] for a, b in itertools.pairwise(full))

    def _take(self, candidates) -> bool:
        """Make the first (vehicle, route) of `candidates`, cheapest first, that keeps every rule the route.

        With told times, the feasible candidates (up to `_TOLD_CHOICES` after
        the first) are compared by the residents the change moves, and the
        cheapest of those that move fewest is taken: a told resident is kept
        in the told time before any driving is saved.
        """
        if not self.told:
            return any(self._accept(k, seq) for k, seq in candidates)
        best, seen = None, 0
        for k, seq in candidates:
            timing = self.timer.schedule(k, seq)
            if timing is None:
                continue
            change = self.moved(seq, timing[0]) - self.moved(self.routes[k], self.timing[k][0])
            if best is None or change < best[0]:
                best = (change, k, seq, timing)
            seen += 1
            if best[0] <= 0 or seen > _TOLD_CHOICES:
                break
        if best is None:
            return False
        _, k, seq, timing = best
        self.routes[k], self.timing[k] = seq, timing
        return True

    def moved(self, seq: list[int], begins: list[int]) -> int:
        """Return how many stops of route `seq` (service starts `begins`) move a told resident."""
        tasks = self.timer.tasks
        return sum(1 for n, begin in zip(seq, begins) if moved(tasks[n], begin))

    def place_fixed(self) -> bool:
        """Start each vehicle's route with its fixed steps (`Model.fixed`) and the deliveries of their pick-ups."""
        return all(self.place(k, prefix + self.open_deliveries(prefix)) for k, prefix in enumerate(self.prefixes)
                   if prefix)

    def open_deliveries(self, prefix: list[int]) -> list[int]:
        """Return the deliveries of the pick-ups in `prefix` that it does not hold, in the pick-ups' order."""
        partner = self.timer.partner
        return [partner[n] for n in prefix if self.timer.kind[n] == "pickup" and partner[n] not in prefix]

    def _accept(self, k: int, seq: list[int]) -> bool:
        timing = self.timer.schedule(k, seq)
        if timing is None:
            return False
        self.routes[k], self.timing[k] = seq, timing
        return True

    def place(self, k: int, seq: list[int]) -> bool:
        """Make `seq` vehicle k's route when it keeps every rule (an empty route always does)."""
        if not seq:
            self.routes[k], self.timing[k] = [], ([], {}, 0)
            return True
        return self._accept(k, seq)


def insertion_order(model: Model, nodes: NodeTable) -> list[list[int]]:
    """Return the units to insert in insertion order.

    A unit is a job's nodes, a shipment's [pickup, delivery], or a delivery
    group's [pickups..., deliveries...] (kind ``group``), ordered by its
    first member's priority.
    """
    tasks = model.tasks
    node_of: dict[int, list[int]] = {}
    for i, t in enumerate(nodes.task):
        node_of.setdefault(t, []).append(i)
    grouped = {p: members for members in model.groups if all(m in node_of for m in members) for p in members}
    units = []
    for t, group in node_of.items():
        task = tasks[t]
        if task.kind == "delivery" or (t in grouped and grouped[t][0] != t):
            continue
        kind = "group" if t in grouped else task.kind
        if kind == "group":
            unit = [node_of[p][0] for p in grouped[t]] + [node_of[tasks[p].partner][0] for p in grouped[t]]
        else:
            unit = group if task.kind == "job" else [group[0], node_of[task.partner][0]]
        n_vehicles = len({k for i in group for k in nodes.allowed[i]})
        widths = [e - s for i in unit for s, e in nodes.windows[i]] or [2**62]
        units.append(((not is_commitment(task), -task.priority, n_vehicles, min(widths), t), kind, unit))
    units.sort(key=lambda u: u[0])
    return [[kind, *unit] for _, kind, unit in units]


def tightened(model: Model, nodes: NodeTable) -> NodeTable:
    """Return `nodes` with the windows the construction times by: `told_clipped`, then `ride_tightened`."""
    return ride_tightened(model, told_clipped(model, nodes))


def told_clipped(model: Model, nodes: NodeTable) -> NodeTable:
    """Return `nodes` with each told task's windows starting no earlier than its told time less the margin.

    The timer starts every service as early as it can; a told resident
    reached early would be served before the time they were told, though
    waiting is free. Where no window reaches that time, the node keeps its
    windows (the resident is moved whatever the plan does).
    """
    windows = list(nodes.windows)
    for i, t in enumerate(nodes.task):
        told = model.tasks[t].told
        if told is None:
            continue
        cut = [(max(start, told[0]), end) for start, end in (nodes.windows[i] or [(told[0], 2**62)]) if end >= told[0]]
        if cut:
            windows[i] = cut
    return dataclasses.replace(nodes, windows=windows) if windows != list(nodes.windows) else nodes


def ride_tightened(model: Model, nodes: NodeTable) -> NodeTable:
    """Return `nodes` with each pick-up's windows cut to what its delivery's ride limit allows.

    The timer starts every service as early as it can; a pick-up open from
    9:00 whose delivery is promised for 14:30 with at most 90 minutes on
    board would then never fit. Any feasible plan starts that pick-up no
    earlier than the delivery's earliest start minus the ride limit minus its
    own time on site, so cutting its windows there loses no plan.
    """
    node_of = {t: i for i, t in enumerate(nodes.task)}
    windows = list(nodes.windows)
    for i, t in enumerate(nodes.task):
        task = model.tasks[t]
        if task.kind != "pickup":
            continue
        ride = model.problem.shipments[task.shipment].max_ride_time
        drop = nodes.windows[node_of[task.partner]]
        if ride is None or not drop:
            continue
        earliest = min(start for start, _ in drop) - ride - nodes.on_site[i]
        own = nodes.windows[i] or [(earliest, 2**62)]
        cut = [(max(start, earliest), end) for start, end in own if end >= earliest]
        if cut:  # none left: the task cannot be served, and the timer finds that out
            windows[i] = cut
    return dataclasses.replace(nodes, windows=windows)


@dataclass
class Plan:
    """A constructed plan: per vehicle, its task nodes in order and their timing."""

    routes: list[list[int]]  # vehicle -> task nodes in order
    starts: list[int]  # vehicle -> when it leaves its start
    begins: list[list[int]]  # vehicle -> service start at each node
    breaks: list[dict[int, int]]  # vehicle -> {break position: start}
    ends: list[int]  # vehicle -> arrival at its end


def insertion_plan(model: Model, nodes: NodeTable, travel: dict[str, list[list[int]]]) -> Plan:
    """Return a feasible first plan with its timing (see the module docstring).

    Parameters
    ----------
    model
        The pre-checked problem (`scheduler.vrp.precheck.prepare`).
    nodes
        The search's node layout.
    travel
        Per vehicle profile, node-to-node driving seconds (depot rows included).
    """
    nodes = tightened(model, nodes)
    builder = Builder(model, nodes, travel)
    builder.place_fixed()  # `scheduler.vrp.held` kept only the fixed steps that can be timed
    served = {n for route in builder.routes for n in route}
    for kind, *unit in insertion_order(model, nodes):
        if unit[0] not in served:
            insert_unit(builder, kind, unit)
    return plan_of(model, builder)


def filled_plan(model: Model, nodes: NodeTable, travel: dict[str, list[list[int]]],
                routes: Sequence[Sequence[int]]) -> Plan | None:
    """Return `routes` (per vehicle, nodes in order) with every unit they leave out inserted where it fits.

    Nothing on a route moves: each route is timed again as given and the
    units no route serves are tried in the construction's order. None when a
    route cannot be timed under these rules (then it is left to the search).
    """
    nodes = tightened(model, nodes)
    builder = Builder(model, nodes, travel)
    for k, route in enumerate(routes):
        if not builder.place(k, list(route)):
            return None
    served = {nodes.task[i] for route in routes for i in route}
    for kind, *unit in insertion_order(model, nodes):
        if nodes.task[unit[0]] not in served:
            insert_unit(builder, kind, unit)
    return plan_of(model, builder)


def insert_unit(builder: Builder, kind: str, unit: list[int]) -> bool:
    """Insert one unit of `insertion_order` (a job, a pick-up and delivery pair, or a delivery group) where it fits.

    Returns whether it was inserted. The construction, ruin and recreate and
    `scheduler.vrp.insertion.Routes` all insert through it.
    """
    if kind == "job":
        return builder.insert_job(unit)
    if kind == "group":
        half = len(unit) // 2
        return builder.insert_group(unit[:half], unit[half:])
    return builder.insert_pair(unit[0], unit[1])


def plan_of(model: Model, builder: Builder) -> Plan:
    plan = Plan([], [], [], [], [])
    for k, route in enumerate(builder.routes):
        begins, taken, arrival = builder.timing[k]
        plan.routes.append(route)
        plan.starts.append(model.problem.vehicles[k].time_window[0])
        plan.begins.append(begins)
        plan.breaks.append(taken)
        plan.ends.append(arrival)
    return plan

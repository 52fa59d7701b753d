"""Routes of pick-ups and deliveries timed exactly, and their insertion positions screened in O(1) each.

The timing half of `scheduler.vrp.pairs` (the search). A route keeps its
earliest service starts (every service as early as it can be), its latest
starts (as late as the windows after it allow) and its loads; from them
`Routes.screened` lists every position for a request's pick-up and delivery
that keeps the windows, the loads, ``max_tasks`` and a lower bound of its
ride, each in O(1), and `Routes.timed` times a whole route exactly: earliest
starts, then, when a ride is too long, each pick-up delayed by its forward
time slack as Cordeau & Laporte's eight-step scheme does (a rider then waits
before being picked up rather than on board). The screen must never refuse
what the timing accepts (tested position by position).
"""

from __future__ import annotations

import bisect

from scheduler.vrp.construct import NodeTable
from scheduler.vrp.model import Model

__all__ = ["INFINITY", "Routes"]

INFINITY = 2**62


class Routes:
    """The routes of a plan with, per route, its earliest and latest service starts and its loads."""

    def __init__(self, model: Model, nodes: NodeTable, travel: dict[str, list[list[int]]]) -> None:
        problem, tasks = model.problem, model.tasks
        self.vehicles = problem.vehicles
        n_nodes = len(nodes.on_site)
        self.T = [travel[v.profile] for v in self.vehicles]
        self.S = list(nodes.on_site)
        self.E = [0] * n_nodes
        self.L = [INFINITY] * n_nodes
        for i, windows in enumerate(nodes.windows):
            if windows:
                self.E[i], self.L[i] = windows[0]
        self.dims = problem.dimensions
        self.caps = [list(problem.capacity_of(v)) for v in self.vehicles]
        self.delta = [[0] * n_nodes for _ in range(self.dims)]  # per dimension, per node: load change
        node_of = {t: i for i, t in enumerate(nodes.task)}
        self.partner = [-1] * n_nodes
        self.ride = [INFINITY] * n_nodes  # per pick-up: its ride limit
        self.pickup = [False] * n_nodes
        for i, t in enumerate(nodes.task):
            task = tasks[t]
            self.partner[i] = node_of[task.partner]
            amount = problem.shipments[task.shipment].amount
            sign = 1 if task.kind == "pickup" else -1
            for d in range(self.dims):
                self.delta[d][i] = sign * amount[d]
            if task.kind == "pickup":
                self.pickup[i] = True
                limit = problem.shipments[task.shipment].max_ride_time
                if limit is not None:
                    self.ride[i] = limit
        # windows cut to what the partner's window, the drive between them and the ride limit allow
        # (no feasible timing is lost; the screen's loops end sooner)
        for p in range(len(nodes.task)):
            if not self.pickup[p]:
                continue
            d = self.partner[p]
            direct = min(T[p][d] for T in self.T) if self.T else 0
            self.L[p] = min(self.L[p], self.L[d] - self.S[p] - direct)
            self.E[d] = max(self.E[d], self.E[p] + self.S[p] + direct)
            if self.ride[p] < INFINITY:
                self.L[d] = min(self.L[d], self.L[p] + self.S[p] + self.ride[p])
                self.E[p] = max(self.E[p], self.E[d] - self.S[p] - self.ride[p])
        self.starts, self.ends = list(nodes.starts), list(nodes.ends)
        n_vehicles = len(self.vehicles)
        # per route (all set by `refresh`): its nodes, depots included; earliest service starts (depots:
        # leaving, arriving); latest starts keeping the windows after; per dimension the load after
        # each node; its driving; and its exact timing (`timed`)
        self.seq: list[list[int]] = [[] for _ in range(n_vehicles)]
        self.B: list[list[int]] = [[] for _ in range(n_vehicles)]
        self.Lt: list[list[int]] = [[] for _ in range(n_vehicles)]
        self.load: list[list[list[int]]] = [[] for _ in range(n_vehicles)]
        self.drive: list[int] = [0] * n_vehicles
        self.times: list[list[int]] = [[] for _ in range(n_vehicles)]
        for k in range(n_vehicles):
            self.E[self.starts[k]] = 0
            self.refresh(k, [self.starts[k], self.ends[k]])

    def rate(self, k: int) -> float:
        return self.vehicles[k].per_hour_cost / 3600

    def cost(self, k: int) -> float:
        """Return route k's cost (fixed cost when used, plus driving at the hourly rate), unrounded."""
        if len(self.seq[k]) <= 2:
            return 0.0
        return self.vehicles[k].fixed_cost + self.rate(k) * self.drive[k]

    def timed(self, k: int, seq: list[int]) -> list[int] | None:
        """Return the service starts along `seq` (depots included) keeping every rule of its times, or None.

        Earliest starts first; when a ride is then too long, each pick-up in
        turn (and the departure) is delayed by as much as its forward time
        slack and the waiting after it allow (Cordeau & Laporte's eight-step
        scheme), and the rides are checked again.
        """
        v = self.vehicles[k]
        T, E, L, S = self.T[k], self.E, self.L, self.S
        m = len(seq)
        B = [0] * m
        W = [0] * m
        B[0] = v.time_window[0]
        prev = seq[0]
        clock = B[0]
        drive = 0
        for x in range(1, m):
            n = seq[x]
            leg = T[prev][n]
            drive += leg
            arr = clock + S[prev] + leg
            b = max(E[n], arr)
            if b > L[n]:
                return None
            W[x] = b - arr
            B[x] = b
            prev, clock = n, b
        if B[-1] > v.time_window[1]:
            return None
        if v.max_travel_time is not None and drive > v.max_travel_time:
            return None
        where = {n: x for x, n in enumerate(seq)}
        partner, ride, pickup = self.partner, self.ride, self.pickup
        pairs = [(x, where[partner[n]]) for x, n in enumerate(seq) if 0 < x < m - 1 and pickup[n]]
        if all(B[y] - B[x] - S[seq[x]] <= ride[seq[x]] for x, y in pairs):
            return B
        end_limit = v.time_window[1]
        for x, y_own in [(0, None), *pairs]:
            if y_own is not None and B[y_own] - B[x] - S[seq[x]] <= ride[seq[x]]:
                continue  # this rider's ride is kept: delaying its pick-up would only use up others' slack
            # forward time slack at x: a delay there keeps every later window and the rides of riders already on board
            slack = INFINITY
            waited = 0
            for y in range(x, m):
                if y > x:
                    waited += W[y]
                n = seq[y]
                room = (end_limit if y == m - 1 else L[n]) - B[y]
                if y > x and not pickup[n] and y < m - 1:
                    px = where[partner[n]]
                    if px < x:
                        spare = ride[partner[n]] - (B[y] - B[px] - S[partner[n]])
                        room = min(room, spare)
                if waited + room < slack:  # noqa: PLR1730 (min() costs a call in this O(m^2) loop)
                    slack = waited + room
            delay = min(slack, sum(W[x + 1:]))
            if delay <= 0:
                continue
            B[x] += delay
            for y in range(x + 1, m):
                arr = B[y - 1] + S[seq[y - 1]] + T[seq[y - 1]][seq[y]]
                n = seq[y]
                b = max(E[n], arr)
                W[y] = b - arr
                if b == B[y]:
                    break
                B[y] = b
        if all(B[y] - B[x] - S[seq[x]] <= ride[seq[x]] for x, y in pairs) \
                and all(B[x] <= L[seq[x]] for x in range(1, m - 1)) and B[-1] <= end_limit:
            return B
        return None

    def refresh(self, k: int, seq: list[int], times: list[int] | None = None) -> None:
        """Make `seq` route k, with its earliest and latest starts and its loads (`times`: its exact timing)."""
        v = self.vehicles[k]
        T, E, L, S = self.T[k], self.E, self.L, self.S
        m = len(seq)
        B = [0] * m
        B[0] = v.time_window[0]
        drive = 0
        for x in range(1, m):
            leg = T[seq[x - 1]][seq[x]]
            drive += leg
            arr = B[x - 1] + S[seq[x - 1]] + leg
            B[x] = max(E[seq[x]], arr)
        Lt = [0] * m
        Lt[m - 1] = v.time_window[1]
        for x in range(m - 2, 0, -1):
            n = seq[x]
            late = Lt[x + 1] - S[n] - T[n][seq[x + 1]]
            Lt[x] = min(L[n], late)
        Lt[0] = B[0]
        loads = []
        for d in range(self.dims):
            delta, row, load = self.delta[d], [0] * m, 0
            for x in range(1, m - 1):
                load += delta[seq[x]]
                row[x] = load
            loads.append(row)
        self.seq[k], self.B[k], self.Lt[k], self.load[k], self.drive[k] = seq, B, Lt, loads, drive
        self.times[k] = times if times is not None else (self.timed(k, seq) or B)

    def screened(self, p: int, k: int) -> list[tuple[int, int, int]]:
        """Return the positions (added driving, i, j) for pick-up `p` after seq[i] and its delivery after seq[j].

        Every position that keeps the windows (by the earliest and latest
        starts), the loads, `max_tasks` and a lower bound of the ride is
        listed; other riders' limits are left to `timed`.
        """
        v = self.vehicles[k]
        seq, B, Lt, loads = self.seq[k], self.B[k], self.Lt[k], self.load[k]
        m = len(seq)
        if v.max_tasks is not None and m - 2 + 2 > v.max_tasks:
            return []
        T, E, L, S = self.T[k], self.E, self.L, self.S
        d = self.partner[p]
        ep, lp, sp, ed, ld, sd = E[p], L[p], S[p], E[d], L[d], S[d]
        ride = self.ride[p]
        caps = self.caps[k]
        amounts = [self.delta[dim][p] for dim in range(self.dims)]
        # one dimension (seats) is the common case: its load and capacity read directly
        single = self.dims == 1
        load0, cap0, amount0 = (loads[0], caps[0], amounts[0]) if single else (None, 0, 0)
        out = []
        # the first position whose next stop's latest start leaves room for the pick-up
        first = max(0, bisect.bisect_left(Lt, ep + sp, 1) - 2)
        for i in range(first, m - 1):
            a = seq[i]
            arr = B[i] + S[a] + T[a][p]
            if arr > lp:
                break
            if single:
                if load0[i] + amount0 > cap0:
                    continue
            elif any(loads[dim][i] + amounts[dim] > caps[dim] for dim in range(self.dims)):
                continue
            bp = arr if arr > ep else ep  # noqa: FURB136 (max() costs a call in the hot loop)
            dp = bp + sp
            b = seq[i + 1]
            tap, tab = T[a][p], T[a][b]
            # the delivery right after the pick-up
            arr_d = dp + T[p][d]
            if arr_d <= ld and T[p][d] <= ride:
                bd = arr_d if arr_d > ed else ed  # noqa: FURB136
                if bd + sd + T[d][b] <= Lt[i + 1]:
                    out.append((tap + T[p][d] + T[d][b] - tab, i, i))
            if i + 1 >= m - 1:
                continue
            arr_b = dp + T[p][b]
            nb = arr_b if arr_b > E[b] else E[b]  # noqa: FURB136
            if nb > Lt[i + 1]:
                continue
            added_p = tap + T[p][b] - tab
            least = T[p][b]  # the ride's drive and time on site up to seq[j], without waiting
            for j in range(i + 1, m - 1):
                c, e = seq[j], seq[j + 1]
                if single:
                    if load0[j] + amount0 > cap0:
                        break
                elif any(loads[dim][j] + amounts[dim] > caps[dim] for dim in range(self.dims)):
                    break
                arr_d = nb + S[c] + T[c][d]
                if arr_d > ld or least + S[c] + T[c][d] > ride:
                    break
                bd = arr_d if arr_d > ed else ed  # noqa: FURB136
                if bd + sd + T[d][e] <= Lt[j + 1]:
                    out.append((added_p + T[c][d] + T[d][e] - T[c][e], i, j))
                arr = nb + S[c] + T[c][e]
                nb = arr if arr > E[e] else E[e]  # noqa: FURB136
                if nb > Lt[j + 1]:
                    break
                least += S[c] + T[c][e]
        return out

    def with_pair(self, k: int, p: int, i: int, j: int) -> list[int]:
        """Return route k with pick-up `p` after its i-th stop and the delivery after its j-th (before insertion)."""
        seq = self.seq[k]
        d = self.partner[p]
        if i == j:
            return seq[:i + 1] + [p, d] + seq[i + 1:]
        return seq[:i + 1] + [p] + seq[i + 1:j + 1] + [d] + seq[j + 1:]

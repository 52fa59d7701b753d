"""ETAs that follow reality: one vehicle's day re-timed from the crew's reports.

A published route is a list of `Leg` (its steps as planned: travel from the
previous step, service length, the windows its service may start in and the
window the resident was told). The crew reports at stops (`Report`: 到着 /
完了 / 不在 / 対応不可 with the time it happened). `retime` returns, for every
step, what happened and when the rest will happen, timed by the rules the
independent validator checks routes with (``scheduler.vrp.validation``):

- a step's arrival is the previous step's departure plus the driving between
  them plus the breaks taken in between; a break starts at the earliest of its
  windows' openings that is not before the previous step's departure;
- a service starts at its arrival, or waits for the opening of its first window
  that has not closed yet; it ends after its service length;
- a step with no window may start at any time.

Where the van is: at the last step (in route order) that has a report. From a
完了 / 不在 / 対応不可 it left at that report's time; from a 到着 it leaves when
the service (started at the report, or at its window's opening) is over. A van
that has not reported for a while is taken to be still at its last reported
step (or its depot): once the next arrival is due and no report came, it leaves
that step *now*, so every later ETA is late by the time since. Steps before the
last reported one that have no report were passed without a word (``passed``).

``late_by_s`` is measured against the told window when the resident was told
one (a booked promise or the window read back after publishing), else against
the step's last window; it is 0 when on time. Times are week seconds (see
`scheduler.domain.week_seconds`); the function is pure and takes well under a
millisecond for a 40-stop route (``python -m benchmarks live``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["DEPARTED", "Leg", "Report", "StepEta", "retime"]

#: Actions after which the crew has left the stop.
DEPARTED = frozenset({"done", "not_home", "cannot_serve"})


@dataclass(frozen=True)
class Leg:
    """One step of a vehicle's day as planned (times in week seconds).

    ``travel_s`` is the driving from the previous non-break step (0 for a
    break and for the start); ``service_s`` the set-up plus service (or the
    break's length); ``windows`` the intervals the service may start in
    (empty: any time); ``told`` the window the resident was told, if any.
    """

    key: int
    kind: str
    planned_arrival_s: int
    planned_start_s: int
    planned_departure_s: int
    travel_s: int = 0
    service_s: int = 0
    windows: tuple[tuple[int, int], ...] = ()
    told: tuple[int, int] | None = None
    stop_id: int | None = None


@dataclass(frozen=True)
class Report:
    """A crew's report at a stop: the action and when it happened (week seconds)."""

    stop_id: int
    action: str
    at_s: int


@dataclass(frozen=True)
class StepEta:
    """A step re-timed: its state, the times it happened and the times expected for the rest.

    ``state`` is ``planned`` (to come), ``arrived`` (under way), ``passed`` (an
    earlier step was reported after it, none for it), or the action of its
    latest report (``done``, ``not_home``, ``cannot_serve``). ``arrival_s`` /
    ``start_s`` / ``departure_s`` are the expected times of a step to come
    (``None`` for a step already left or passed); ``eta_s`` is its expected
    service start.
    """

    leg: Leg
    state: str
    arrival_s: int | None
    start_s: int | None
    departure_s: int | None
    arrived_at_s: int | None = None
    left_at_s: int | None = None
    late_by_s: int = 0

    @property
    def eta_s(self) -> int | None:
        return self.start_s

    @property
    def moved_s(self) -> int | None:
        """How much later (positive) or earlier than planned the service is now expected."""
        return None if self.start_s is None else self.start_s - self.leg.planned_start_s


def _begin(arrival: int, windows: Sequence[tuple[int, int]]) -> int:
    """Return when a service arriving at `arrival` starts: at once, or at the opening of its next window."""
    for open_s, close_s in sorted(windows):
        if arrival <= close_s:
            return max(arrival, open_s)
    return arrival


def _late_by(leg: Leg, start: int | None) -> int:
    if start is None:
        return 0
    if leg.told is not None:
        return max(0, start - leg.told[1])
    if leg.windows:
        return max(0, start - max(close for _, close in leg.windows))
    return 0


def _latest_reports(reports: Iterable[Report]) -> dict[int, list[Report]]:
    """Return each stop's reports by the time they happened (a stop's state follows its latest)."""
    by_stop: dict[int, list[Report]] = {}
    for rep in reports:
        by_stop.setdefault(rep.stop_id, []).append(rep)
    for found in by_stop.values():
        found.sort(key=lambda r: r.at_s)
    return by_stop


def _reported(leg: Leg, found: list[Report]) -> StepEta:
    """Return a reported step: when the crew arrived, when it left (None while still there)."""
    latest = found[-1]
    arrived = next((r.at_s for r in found if r.action == "arrived"), None)
    left = latest.at_s if latest.action in DEPARTED else None
    state = latest.action if latest.action in DEPARTED else "arrived"
    return StepEta(leg, state, None, None, None, arrived_at_s=arrived if arrived is not None else left,
                   left_at_s=left)


def retime(legs: Sequence[Leg], reports: Iterable[Report], now_s: int) -> list[StepEta]:
    """Return every step of one vehicle's day with what happened and the ETAs of the rest.

    Parameters
    ----------
    legs
        The route's steps in order, as planned (the start first, the end last).
    reports
        The crew's reports on this route, in any order; several per stop are
        fine (two tablets, a repeated press): a stop's state follows its
        latest by time.
    now_s
        The city's now, in week seconds of the plan's week.
    """
    by_stop = _latest_reports(reports)
    last = max((i for i, leg in enumerate(legs) if leg.stop_id in by_stop), default=None)
    out: list[StepEta] = []
    clock = None
    for i, leg in enumerate(legs[: (last or 0) + 1] if last is not None else []):
        if leg.stop_id in by_stop:
            out.append(_reported(leg, by_stop[leg.stop_id]))
        else:
            out.append(StepEta(leg, "passed", None, None, None))
        if i == last:
            clock = _leaving(out[-1], now_s)
    if last is None:
        if not legs:
            return out
        first = legs[0]
        clock = first.planned_departure_s
        out.append(StepEta(first, "planned", first.planned_arrival_s, first.planned_start_s, clock))
        rest = legs[1:]
    else:
        rest = legs[last + 1:]
    out.extend(_ahead(rest, clock, now_s))
    return out


def _leaving(step: StepEta, now_s: int) -> int:
    """Return when the van leaves (or left) its last reported step."""
    if step.left_at_s is not None:
        return step.left_at_s
    leg = step.leg
    start = _begin(step.arrived_at_s, leg.windows)
    return max(start + leg.service_s, now_s)


def _ahead(legs: Sequence[Leg], leaves: int, now_s: int) -> list[StepEta]:
    """Time the steps after the van's position, which it leaves at `leaves`."""
    out: list[StepEta] = []
    clock, pending_breaks, first = leaves, [], True
    for leg in legs:
        if leg.kind == "break":
            pending_breaks.append(leg)
            continue
        arrival = _arrival(leaves, leg.travel_s, pending_breaks, out)
        if first and arrival < now_s:
            # due and not reported: still at the last step, leaving now
            out = out[: len(out) - len(pending_breaks)]
            leaves = now_s
            arrival = _arrival(leaves, leg.travel_s, pending_breaks, out)
        first = False
        start = _begin(arrival, leg.windows)
        clock = start + leg.service_s
        out.append(StepEta(leg, "planned", arrival, start, clock, late_by_s=_late_by(leg, start)))
        leaves, pending_breaks = clock, []
    _arrival(leaves, 0, pending_breaks, out)  # breaks after the last step
    return out


def _arrival(leaves: int, travel_s: int, breaks: list[Leg], out: list[StepEta]) -> int:
    """Return the arrival after driving `travel_s` and taking `breaks`; the breaks' times go to `out`."""
    clock = leaves
    for brk in breaks:
        start = _begin(clock, brk.windows)
        clock = start + brk.service_s
        out.append(StepEta(brk, "planned", start, start, clock, late_by_s=_late_by(brk, start)))
    taken = sum(brk.service_s for brk in breaks)
    return max(leaves + travel_s + taken, clock)

"""A service day as it happens: the published routes, the crew's reports and the ETAs of the rest.

`live_day` reads the day's published plan and the reports at its stops
(request events with a stop and an action; ``at`` is when it happened) and
re-times each vehicle's route (`scheduler.live.eta.retime`). Each stop also
carries the window its resident was told (`scheduler.booking.readback.told_from_stops`:
the promise of a phone booking, else the published start rounded to the half
hour), which is what lateness and the call list are measured against; a hall
session's residents are those booked into it that day (`LiveDay.seats`). The
published start is the one of the version residents were told
(`told_version`): a published re-plan of a day (or a move) changes what the
vans do, not what residents heard, so its residents keep the times of the
version it derives from until they are phoned (a call noted 連絡済み or 変更了承
tells its resident the times of the version it was about).

Nothing here writes: a crew's report is stored first (`Store.mark_stop`) and
the day is re-timed when read, so a re-timing can never fail the report; one
that fails is logged and the route shown with its planned times until the
next read tries again.

"Now" is the city's clock (the caller passes it). A day that has not begun is
timed from its start (nobody is late yet); a day that is over is timed as of
its end of service hours, without assuming anyone still at a stop.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scheduler.booking.readback import told_from_stops, waited_stop
from scheduler.domain import (
    DAY_S,
    CallOutcome,
    Plan,
    PlanStatus,
    PlanStop,
    Request,
    RequestEvent,
    RequestKind,
    TimeWindow,
    week_monday,
    week_seconds,
)
from scheduler.live.eta import Leg, Report, StepEta, retime
from scheduler.store.errors import NotFound

if TYPE_CHECKING:
    from scheduler.store import Store

logger = logging.getLogger(__name__)

__all__ = ["TOLD_BY_CALL", "UNTOLD_CHANGES", "LiveDay", "LiveStep", "VehicleDay", "legs_of", "live_day", "reports_of", "told_version",
           "week_s"]

#: Kinds of version change (``summary["change"]["kind"]``) whose times residents are not told by publishing:
#: whom they move is phoned from the re-plan's call list.
UNTOLD_CHANGES = frozenset({"replan_day", "move"})
#: Call outcomes (`scheduler.domain.CALL_OUTCOMES`) after which the resident knows the times of the version the
#: call was about: 連絡済み (informed) and 変更了承 (accepted).
TOLD_BY_CALL = frozenset({"informed", "accepted"})


@dataclass(frozen=True)
class LiveStep:
    """One stop of a vehicle's day as it happens: the plan, what happened, what is expected, what was told."""

    stop: PlanStop
    eta: StepEta
    request: Request | None = None
    told: TimeWindow | None = None

    @property
    def state(self) -> str:
        return self.eta.state


@dataclass
class VehicleDay:
    """One vehicle's route of the day with its steps re-timed and its latest report."""

    vehicle_id: int
    day: dt.date
    steps: list[LiveStep]
    last_report: RequestEvent | None = None

    def late_steps(self) -> list[LiveStep]:
        """Return the steps to come whose expected start breaks their told window or last window."""
        return [s for s in self.steps if s.eta.start_s is not None and s.eta.late_by_s > 0
                and s.stop.request_id is not None]


@dataclass
class LiveDay:
    """The day: its published plan (None when the week has none), every vehicle's route as it happens."""

    day: dt.date
    now: dt.datetime
    plan: Plan | None
    vehicles: list[VehicleDay] = field(default_factory=list)
    #: hall session request id -> the residents booked into it this day (active seats), in booking order
    seats: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def whom(self, step: LiveStep) -> tuple[int, ...]:
        """Return the residents waiting for a step: its own, or those booked into its hall session that day.

        A stop at a site (a return ride picked up at the hall, a drop-off) has no resident of its own:
        the request's resident is the one waiting.
        """
        if step.stop.resident_id is not None:
            return (step.stop.resident_id,)
        if step.request is not None and step.request.kind != RequestKind.SESSION:
            return (step.request.resident_id,) if step.request.resident_id is not None else ()
        return self.seats.get(step.stop.request_id, ()) if step.stop.request_id is not None else ()

    def step(self, stop_id: int) -> tuple[VehicleDay, LiveStep] | None:
        for vday in self.vehicles:
            for step in vday.steps:
                if step.stop.id == stop_id:
                    return vday, step
        return None


def week_s(week_start: dt.date, when: dt.datetime) -> int:
    """Return a city time as week seconds of the week starting `week_start`."""
    return week_seconds(week_start, when.date(), when.hour * 3600 + when.minute * 60 + when.second)


def _window_s(week_start: dt.date, told: TimeWindow | None) -> tuple[int, int] | None:
    if told is None:
        return None
    return (week_seconds(week_start, told.day, told.start_s), week_seconds(week_start, told.day, told.end_s))


def legs_of(stops: Sequence[PlanStop], told: dict[int, TimeWindow | None], week_start: dt.date) -> list[Leg]:
    """Return one vehicle's day as planned: each stop's travel from the previous non-break stop, service, windows.

    The travel is the plan's own (its driving so far, from the instance's road
    graph when planned), so that a route with no report re-times to its plan.
    A told window counts only at the stop the resident waits for (the one
    `told_from_stops` took it from).
    """
    legs, driven = [], 0
    for stop in sorted(stops, key=lambda s: s.seq):
        travel = 0
        if stop.step_type != "break":
            travel, driven = max(0, stop.driving_s - driven), stop.driving_s
        window = told.get(stop.id) if stop.id is not None else None
        legs.append(Leg(key=stop.seq, kind=stop.step_type, planned_arrival_s=stop.arrival_s,
                        planned_start_s=stop.start_s, planned_departure_s=stop.departure_s, travel_s=travel,
                        service_s=stop.departure_s - stop.start_s, windows=_on_day(stop, week_start),
                        told=_window_s(week_start, window), stop_id=stop.id))
    return legs


def _on_day(stop: PlanStop, week_start: dt.date) -> tuple[tuple[int, int], ...]:
    """Return the stop's windows on its own day (a task may have windows on other days; its route is this day's)."""
    begin = week_seconds(week_start, stop.day, 0)
    return tuple((max(lo, begin), min(hi, begin + DAY_S - 1)) for lo, hi in stop.windows
                 if hi >= begin and lo < begin + DAY_S)


def reports_of(events: Iterable[RequestEvent], week_start: dt.date) -> list[Report]:
    """Return the crew's reports among request events (one per event with a stop and an action)."""
    return [Report(e.stop_id, e.action, week_s(week_start, e.at)) for e in events
            if e.stop_id is not None and e.action]


def _now_s(day: dt.date, now: dt.datetime, week_start: dt.date, stops: Sequence[PlanStop]) -> int:
    """Return the "now" the day is timed at: now on the day itself, its start before, its end after."""
    if now.date() == day:
        return week_s(week_start, now)
    begin = week_seconds(week_start, day, 0)
    return begin if now.date() < day else max((s.departure_s for s in stops), default=begin + DAY_S - 1)


def told_version(store: Store, plan: Plan) -> Plan:
    """Return the version whose times the residents of `plan` were told.

    Residents hear their times when a version is published (a week's plan, a
    booking's version). A re-plan of a day or a move (`UNTOLD_CHANGES`) is not
    a telling: walk back the versions `plan` derives from (``derived_from``)
    past those and past any version never published; the first other
    published one told them. `plan` itself when it is such a version, or when
    the chain ends without one.

    A call is a telling too: a resident whose call was noted 連絡済み or 変更了承
    (`TOLD_BY_CALL`; the latest such call of the week, a later 不在 undoes
    nothing) heard the times of the version that call was about (the version
    of its stop), when it is later than the one found above. Their stops are taken from it (a copy of that version with
    those stops replaced; the version itself when nobody was so phoned).
    """
    current, seen = plan, set()
    while (current.summary.get("change", {}).get("kind") in UNTOLD_CHANGES
           or current.status != PlanStatus.PUBLISHED) and current.version not in seen:
        seen.add(current.version)
        before = current.summary.get("derived_from")
        earlier = store.plans.get(current.week_start, before) if before is not None else None
        if earlier is None:
            return plan
        current = earlier
    return _with_calls(store, current)


def _with_calls(store: Store, heard: Plan) -> Plan:
    """Return `heard` with the stops of each resident phoned about a later version taken from that version."""
    last = dt.timedelta(days=6)
    latest: dict[int, CallOutcome] = {}
    for outcome in store.call_outcomes.where("day >= ? AND day <= ?", [heard.week_start.isoformat(),
                                                                       (heard.week_start + last).isoformat()]):
        if outcome.outcome in TOLD_BY_CALL and outcome.stop_id is not None:
            latest[outcome.request_id] = outcome  # noted in order: the latest telling wins
    versions: dict[int, Plan] = {}
    called: dict[int, Plan] = {}
    for rid, outcome in latest.items():
        try:
            plan_id = store.plan_stops.get(outcome.stop_id).plan_id
        except NotFound:  # the version was removed: nothing to read
            continue
        if plan_id not in versions:
            versions[plan_id] = store.plans.by_id(plan_id)
        if versions[plan_id].week_start == heard.week_start and versions[plan_id].version > heard.version:
            called[rid] = versions[plan_id]
    if not called:
        return heard
    stops = [s for s in heard.stops if s.request_id not in called]
    stops += [s for rid, version in called.items() for s in version.stops if s.request_id == rid]
    return dataclasses.replace(heard, stops=stops)


def _by_request(stops: Iterable[PlanStop]) -> dict[int, list[PlanStop]]:
    by_request: dict[int, list[PlanStop]] = {}
    for s in stops:
        if s.request_id is not None:
            by_request.setdefault(s.request_id, []).append(s)
    return by_request


def _told_windows(stops: Sequence[PlanStop], requests: dict[int, Request],
                  told_stops: Sequence[PlanStop] | None = None) -> dict[int, TimeWindow | None]:
    """Return the told window by stop id, at the stop of each request its resident waits for.

    The window comes from `told_stops` (the version residents were told, `told_version`) when
    the request is on it, else from `stops`.
    """
    told_by = _by_request(told_stops or ())
    told: dict[int, TimeWindow | None] = {}
    for rid, own in _by_request(stops).items():
        waited = waited_stop(requests[rid], own)
        window = told_from_stops(requests[rid], told_by.get(rid) or own)
        if waited is not None and window is not None:
            told[waited.id] = window
    return told


def _seats(store: Store, day: dt.date, requests: dict[int, Request]) -> dict[int, tuple[int, ...]]:
    """Return the residents booked into each hall session of `requests` on `day` (active seats)."""
    sessions = {rid for rid, r in requests.items() if r.kind == RequestKind.SESSION}
    seats: dict[int, list[int]] = {}
    for booking in store.session_bookings.find(day=day) if sessions else ():
        if booking.session_request_id in sessions:
            seats.setdefault(booking.session_request_id, []).append(booking.resident_id)
    return {rid: tuple(ids) for rid, ids in seats.items()}


def live_day(store: Store, day: dt.date, now: dt.datetime, *, vehicle_ids: Iterable[int] | None = None) -> LiveDay:
    """Return the day's published routes re-timed from the crew's reports as of `now` (the city's time).

    Parameters
    ----------
    store
        An open store.
    day
        The service day.
    now
        The city's now.
    vehicle_ids
        Only these vehicles (a driver sees their own); default every vehicle of the day.
    """
    week_start = week_monday(day)
    plan = store.plans.published(week_start)
    out = LiveDay(day=day, now=now, plan=plan)
    if plan is None:
        return out
    wanted = set(vehicle_ids) if vehicle_ids is not None else None
    routes: dict[int, list[PlanStop]] = {}
    for s in plan.stops:
        if s.day == day and (wanted is None or s.vehicle_id in wanted):
            routes.setdefault(s.vehicle_id, []).append(s)
    every = [s for stops in routes.values() for s in stops]
    requests = {r.id: r for r in store.requests.with_ids({s.request_id for s in every if s.request_id is not None})}
    week_stops = [s for s in plan.stops if s.request_id in requests]
    heard = told_version(store, plan)
    told = _told_windows(week_stops, requests,
                         [s for s in heard.stops if s.request_id in requests] if heard is not plan else None)
    events = store.request_events.reports_at([s.id for s in every])
    out.seats = _seats(store, day, requests)
    for vid in sorted(routes):
        stops = sorted(routes[vid], key=lambda s: s.seq)
        own = [e for e in events if e.stop_id in {s.id for s in stops}]
        legs = legs_of(stops, told, week_start)
        try:
            steps = retime(legs, reports_of(own, week_start), _now_s(day, now, week_start, stops))
        except Exception:  # a report is stored before anything is re-timed: show the plan, try at the next read
            logger.exception("live day %s: re-timing vehicle %s failed; its planned times are shown", day, vid)
            steps = [StepEta(leg, "planned", leg.planned_arrival_s, leg.planned_start_s, leg.planned_departure_s)
                     for leg in legs]
        by_id = {s.id: s for s in stops}
        live = [LiveStep(by_id[e.leg.stop_id], e, requests.get(by_id[e.leg.stop_id].request_id),
                         told.get(e.leg.stop_id)) for e in steps]
        latest = max(own, key=lambda e: (e.at, e.id or 0), default=None)
        out.vehicles.append(VehicleDay(vid, day, live, latest))
    return out

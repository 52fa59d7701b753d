"""Compile a week's open requests and shifts into the solver's problem format.

Pure functions over domain objects and a *matrix provider* (`scheduler.matrices.MatrixProvider`:
anything with a ``matrix(points) -> Matrix`` method, e.g. `routing.network.RoadNetwork`; a
point is ``(id, lat, lon)`` and the answer has ``ids``, ``durations`` and
``distances``, row = from). Nothing here touches the database or OR-Tools.

Rules (all times are week seconds, 0 = Monday 00:00):

Vehicles
    One solver vehicle per `Shift` (vehicle × service day): ``time_window`` =
    that day's shift hours, start and end at the vehicle's depot site,
    ``capacity`` = ``[seats, boxes]``, skills mapped by `SKILL_IDS`, costs
    ``{"fixed": fixed_cost, "per_hour": cost_per_hour}``. The lunch break
    (``lunch_s``) must start inside ``[lunch_earliest, lunch_latest_end -
    lunch_s]``, clipped to the shift; a shorter shift that cannot hold the
    lunch window gets no break.
Windows
    A promised window is HARD: it is the only window. Otherwise the
    resident's preferences are the windows, kept only on service days of the
    week. A request with neither may be served on any service day within
    working hours (no ``time_windows``: the vehicles' own hours bound it).
    Windows say when the service *starts* (for rides: the pick-up).
    Where a task happens at a site, its windows are intersected with the
    site's opening hours of that day (a site with no opening hours at all
    counts as always open; otherwise a weekday missing from the map is closed).
Lunch closures
    A site open in several intervals a day (closed for lunch) gives a task
    one window per interval that day: the problem's ``time_windows`` list.
Places off the road
    When the matrix provider can tell (``off_road(points)``), a due request
    whose home or site lies farther from any road than the snap limit is
    skipped with the code ``off_road`` naming the resident's or site's city
    id, and the rest of the week is planned.
Hall sessions
    One job on each service day of the week its `SessionRule` occurs on,
    starting within ``[earliest_start_s, latest_start_s]`` and early enough to
    finish before the site closes; ``service`` = session length, ``setup`` =
    `STOP_SETUP_S`, skill ``office_terminal``. A session whose rule does not
    occur this week is not due and is left out silently. A rule day that is a
    holiday or has no service follows the session's ``on_holiday`` rule
    (`scheduler.service_calendar.session_days_of_week`): moved to the next
    service day the hall is open (perhaps into the next week, whose compile
    then holds it), or cancelled; ``session_moves`` lists them, and seats
    booked on the rule day count on the day it moved to.
Home visits
    One job at the home: ``service`` = sum of the requested services'
    durations, ``setup`` = `STOP_SETUP_S`, skills = the services' skills.
Errands
    One shipment per shop: pick-up at the shop (after the goods are ready and
    inside opening hours, on the days the delivery may happen), delivery home
    inside the delivery windows; ``amount = [0, boxes]`` of that shop; chilled
    goods need ``cool_box`` and get ``max_ride_time`` (default 90 min). The
    door is one stop: the first shop's delivery takes `HOME_DELIVERY_S` (hand
    over, take the payment), every further shop's only `EXTRA_SHOP_DELIVERY_S`
    (carry in its boxes). An errand from several shops gives its shipments
    one ``delivery_group`` (``request:<id>``): the solver serves all of them
    or none, on one vehicle, the deliveries one after another at the door, so
    the door time is paid once and the stop sheet shows one stop at the door
    with each shop's boxes.
Rides
    One shipment: ``amount = [seats, 0]``, ``wheelchair`` skill when needed,
    ``max_ride_time`` = the request's limit.
Priority and commitments
    A **commitment** is a promised window (made on the phone) or an announced
    hall session (its date is printed in the district newsletter; residents
    walk to the hall). Commitments get priority 100, which the problem format
    defines as a commitment: the solver first keeps every commitment that can
    be kept, and no number of waiting requests outweighs one of them. Waiting
    requests get ``priority = min(98, base_priority + 5 × days waited)``, days
    waited counted from ``received_at`` to ``now``; the solver serves the most
    valuable of them next, then minimises cost.
Session bookings
    Residents booked into a session on a day lengthen that day's session when
    their services (plus set-up each) add up to more than the session length.

The result keeps a mapping from solver task ids back to (request, stop kind,
day) and from solver vehicle ids back to shifts. Every task id is unique over
jobs, pickups and deliveries together. Descriptions carry no personal data
(the problem file can be exported): only the city's request ids (`city_id`)
and site names; messages name requests, residents, sites and vehicles by the
city's ids too.

This module is long because it is one set of rules: the rules above and the code
applying them to each kind of request read best side by side (a sixth of its lines
are this docstring).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from routing.errors import InputError
from scheduler.domain import (
    DAY_S,
    STOP_SETUP_S,
    ErrandDetails,
    Request,
    RequestKind,
    Resident,
    RideDetails,
    Service,
    SessionBooking,
    SessionDetails,
    Shift,
    Site,
    Skill,
    TimeWindow,
    Vehicle,
    VisitDetails,
    city_id,
    day_label,
    week_seconds,
)
from scheduler.matrices import MatrixProvider
from scheduler.service_calendar import SessionDay, is_service_day, session_days_of_week

__all__ = [
    "SKILL_IDS",
    "SKIP_CODES",
    "CompileError",
    "CompiledWeek",
    "Location",
    "NoShiftsError",
    "ShiftRef",
    "Skip",
    "Skipped",
    "TaskRef",
    "compile_week",
    "due_this_week",
    "request_priority",
]

#: Skill -> the integer used in the problem format.
SKILL_IDS: dict[Skill, int] = {Skill.OFFICE_TERMINAL: 1, Skill.COOL_BOX: 2, Skill.WHEELCHAIR: 3}
#: Integer -> skill, for reading solver reasons back.
SKILL_BY_ID: dict[int, Skill] = {v: k for k, v in SKILL_IDS.items()}

#: Priority of a commitment (the format's commitment tier): a promised window or an announced session.
COMMITMENT_PRIORITY = 100
#: Priority of a request with a promised window.
PROMISED_PRIORITY = COMMITMENT_PRIORITY
#: Priority of an announced hall session: a commitment like a promise.
SESSION_PRIORITY = COMMITMENT_PRIORITY
#: Highest priority reachable by waiting alone.
MAX_WAITING_PRIORITY = 98
#: Priority points per day a request has waited.
PRIORITY_PER_DAY = 5

#: Seconds at a shop to collect an order.
SHOP_PICKUP_S = 300
#: Seconds at the door to hand over an order and take the payment.
HOME_DELIVERY_S = 300
#: Seconds more at the door for each further shop of the same errand (carry in its boxes).
EXTRA_SHOP_DELIVERY_S = 60
#: Seconds to board or leave the vehicle (per ride stop); wheelchair users need longer.
RIDE_STOP_S = 120
WHEELCHAIR_STOP_S = 420


class CompileError(InputError):
    """A request cannot be compiled (unknown site, resident or service); names the request."""


class NoShiftsError(CompileError):
    """The week has no shift at all: no active vehicle runs on any of its service days."""


@dataclass(frozen=True)
class Location:
    """One row/column of the matrices: a site or a resident's home."""

    key: str  # "site:3" or "home:12"
    lat: float
    lon: float
    site_id: int | None = None
    resident_id: int | None = None
    label: str = ""  # the city's words for it: "site HALL_KAMI", "resident K099's home"


@dataclass(frozen=True)
class TaskRef:
    """What a solver task stands for."""

    request_id: int
    kind: str  # session | visit | pickup | delivery
    request_kind: RequestKind
    location_index: int
    site_id: int | None = None
    resident_id: int | None = None
    day: dt.date | None = None  # fixed day (sessions); None = the solver chooses
    part: int = 0  # which shop of an errand (0-based)


@dataclass(frozen=True)
class ShiftRef:
    """What a solver vehicle stands for: one vehicle on one day."""

    vehicle_id: int
    day: dt.date
    depot_site_id: int
    label: str = ""  # the city's id of the vehicle and the day, for messages


#: Codes of the reasons a due request is not given to the solver (a closed set; staff words
#: for each are in `scheduler.planning.wording`).
SKIP_CODES: dict[str, str] = {
    "no_service_day": "none of the request's days (or its promised day) is a service day this week",
    "no_session_day": "the session's day this week is a holiday or not a service day, or the "
                      "requested windows miss it",
    "site_closed": "the site (hall, shop, clinic) is closed at the times the request needs it",
    "off_road": "the resident's home or a site of the request is farther from any road than the snap limit",
}


@dataclass(frozen=True)
class Skip:
    """Why one request cannot be given to the solver: a code of `SKIP_CODES` and the English detail."""

    code: str
    reason: str

    def __post_init__(self) -> None:
        if self.code not in SKIP_CODES:
            msg = f"code: unknown skip code {self.code!r}"
            raise ValueError(msg)


@dataclass(frozen=True)
class Skipped:
    """A due request that could not be given to the solver, with its code and the reason in words."""

    request_id: int
    code: str
    reason: str
    promised: bool = False


@dataclass
class CompiledWeek:
    """A compiled week: the problem dict and the maps back to the domain."""

    week_start: dt.date
    problem: dict
    tasks: dict[int, TaskRef] = field(default_factory=dict)
    vehicles: dict[int, ShiftRef] = field(default_factory=dict)
    locations: list[Location] = field(default_factory=list)
    request_tasks: dict[int, list[int]] = field(default_factory=dict)
    priorities: dict[int, int] = field(default_factory=dict)
    promised: dict[int, TimeWindow] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    requests: dict[int, Request] = field(default_factory=dict)
    #: request id -> its session days this week that are days off (moved, cancelled, or nowhere to go)
    session_moves: dict[int, list[SessionDay]] = field(default_factory=dict)
    #: key of each of the caller's `extra_points` -> its location index
    extra_indices: dict[str, int] = field(default_factory=dict)

    def in_city_words(self, text: str) -> str:
        """Return a message of the solver or validator with its task and vehicle ids explained.

        ``route vehicle 2 step 3 (delivery 7): ...`` gets ``[vehicle 2 = vehicle KEI1 on
        2026-12-01 (Tue); delivery 7 = request E001 delivery, shop 2]`` appended.
        """
        legend = []
        for vid in sorted({int(v) for v in re.findall(r"\bvehicle (\d+)\b", text)}):
            if vid in self.vehicles:
                legend.append(f"vehicle {vid} = {self.vehicles[vid].label}")
        for kind, tid in sorted({(k, int(t)) for k, t in re.findall(r"\b(job|pickup|delivery) (\d+)\b", text)}):
            ref = self.tasks.get(tid)
            if ref is not None and ref.request_id in self.requests:
                shop = f", shop {ref.part + 1}" if ref.request_kind == RequestKind.ERRAND else ""
                legend.append(f"{kind} {tid} = request {city_id(self.requests[ref.request_id])} {ref.kind}{shop}")
        return f"{text} [{'; '.join(legend)}]" if legend else text


# ----------------------------------------------------------------------------- rules


def request_priority(req: Request, now: dt.datetime) -> int:
    """Return the solver priority of a request (see the module docstring).

    Parameters
    ----------
    req
        The request.
    now
        The time of planning; days waited are counted up to its date.
    """
    if req.promised is not None:
        return PROMISED_PRIORITY
    if req.kind == RequestKind.SESSION:
        return SESSION_PRIORITY
    waited_days = max(0, (now.date() - req.received_at.date()).days)
    return min(MAX_WAITING_PRIORITY, req.base_priority + PRIORITY_PER_DAY * waited_days)


def _session_due(days: Sequence[SessionDay], week_start: dt.date) -> bool:
    """Return whether a session is due: held this week, or a rule day of the week has nowhere to move to."""
    week = (week_start, week_start + dt.timedelta(days=6))
    return any(week[0] <= (sd.held_on or sd.rule_day) <= week[1] and (sd.held_on or sd.rule == "move")
               for sd in days)


def due_this_week(req: Request, week_start: dt.date) -> bool:
    """Return whether a request concerns the week starting `week_start`.

    A promised window decides alone; otherwise any preference window inside the
    week, or no window at all (as soon as possible), makes it due. A hall
    session is due when it is held on a day of the week (its rule's day, or a
    day off's moved there by the calendar alone: `compile_week` also asks the
    week's service days and the hall's hours).
    """
    week_end = week_start + dt.timedelta(days=6)
    if req.promised is not None:
        return week_start <= req.promised.day <= week_end
    if req.kind == RequestKind.SESSION:
        if req.windows:
            return any(week_start <= w.day <= week_end for w in req.windows)
        return _session_due(session_days_of_week(req.details, week_start), week_start)
    if not req.windows:
        return True
    return any(week_start <= w.day <= week_end for w in req.windows)


def _site_hours(site: Site, day: dt.date) -> tuple[tuple[int, int], ...]:
    """Return the site's opening intervals on `day` (a site with no hours at all is always open)."""
    if not site.opening_hours:
        return ((0, DAY_S),)
    return site.intervals_on(day)


def _clip(spans: Iterable[tuple[dt.date, int, int]], site: Site | None, *,
          before_close_s: int = 0) -> list[tuple[dt.date, int, int]]:
    """Intersect day windows with a site's opening intervals.

    A day with a lunch closure gives one window per opening interval.
    `before_close_s` is how long before each closing the service must start
    (a session must end before the hall closes, or closes for lunch).
    """
    out = []
    for day, start, end in spans:
        if site is None:
            out += [(day, start, end)] if start <= end else []
            continue
        for open_s, close_s in _site_hours(site, day):
            lo, hi = max(start, open_s), min(end, close_s - before_close_s)
            if lo <= hi:
                out.append((day, lo, hi))
    return out


def _to_week(week_start: dt.date, spans: Iterable[tuple[dt.date, int, int]]) -> list[list[int]]:
    windows = sorted([week_seconds(week_start, d, s), week_seconds(week_start, d, e)] for d, s, e in spans)
    merged: list[list[int]] = []
    for w in windows:  # the format wants sorted, disjoint windows
        if merged and w[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], w[1])
        else:
            merged.append(w)
    return merged


def _label_days(days: Iterable[dt.date]) -> str:
    return ", ".join(day_label(d) for d in days)


# ----------------------------------------------------------------------------- compile


class _Builder:
    def __init__(self, week_start: dt.date, service_days: Sequence[dt.date]):
        self.week_start = week_start
        self.service_days = list(service_days)
        #: session request id -> its days concerning the week (see `session_days_of_week`)
        self.session_days: dict[int, list[SessionDay]] = {}
        self.loc_index: dict[str, int] = {}
        self.locations: list[Location] = []
        self.next_id = 1
        #: Location key -> metres to the nearest road, for places too far to snap (see `_off_road`).
        self.off_road: dict[str, float] = {}
        self.snap_limit_m: float | None = None

    def location(self, *, site: Site | None = None, resident: Resident | None = None) -> int:
        if site is not None:
            key = f"site:{site.id}"
            loc = Location(key, site.lat, site.lon, site_id=site.id, label=f"site {city_id(site)} ({site.name})")
        else:
            key = f"home:{resident.id}"
            loc = Location(key, resident.lat, resident.lon, resident_id=resident.id,
                           label=f"resident {city_id(resident)}'s home")
        if key not in self.loc_index:
            self.loc_index[key] = len(self.locations)
            self.locations.append(loc)
        return self.loc_index[key]

    def is_service(self, day: dt.date) -> bool:
        """Return whether `day` is a service day: the week's own, the calendar's for other weeks."""
        if self.week_start <= day < self.week_start + dt.timedelta(days=7):
            return day in self.service_days
        return is_service_day(day)

    def task_id(self) -> int:
        tid = self.next_id
        self.next_id += 1
        return tid


def _request_spans(req: Request, service_days: Sequence[dt.date]) -> tuple[list | None, Skip | None]:
    """Return the request's day windows (None = any service day) and why, when there are none."""
    days = set(service_days)
    if req.promised is not None:
        p = req.promised
        if p.day not in days:
            return [], Skip("no_service_day", f"promised day {p.label()} is not a service day")
        return [(p.day, p.start_s, p.end_s)], None
    if req.windows:
        spans = [(w.day, w.start_s, w.end_s) for w in req.windows if w.day in days]
        if not spans:
            return [], Skip("no_service_day", "no service day among the requested days "
                            + _label_days(sorted({w.day for w in req.windows})))
        return spans, None
    return None, None


def compile_week(
    week_start: dt.date,
    requests: Sequence[Request],
    *,
    residents: dict[int, Resident],
    sites: dict[int, Site],
    vehicles: dict[int, Vehicle],
    shifts: Sequence[Shift],
    services: dict[str, Service],
    service_days: Sequence[dt.date],
    matrix_provider: MatrixProvider,
    now: dt.datetime,
    bookings: Sequence[SessionBooking] = (),
    extra_points: Sequence[tuple[str, float, float]] = (),
    day_providers: Mapping[dt.date, MatrixProvider] | None = None,
) -> CompiledWeek:
    """Compile the due requests of a week and its shifts into a problem dict.

    Parameters
    ----------
    week_start
        The Monday of the week.
    requests
        Candidate requests; those not due this week (see `due_this_week`) are
        left out.
    residents, sites, vehicles, services
        Lookup tables by id (services by code).
    shifts
        The week's shifts (one per vehicle and service day).
    service_days
        The week's service days (weekdays that are not holidays).
    matrix_provider
        Gives the travel matrix; called once, with every distinct
        location (depots, sites, homes) (and once per other provider of `day_providers`).
    now
        Planning time, for the waiting bonus of the priority.
    bookings
        Residents booked into hall sessions (they may lengthen a session).
    extra_points
        Further places ``(key, lat, lon)`` the matrix must hold, e.g. where each
        van is now when the rest of a day is planned again: appended after the
        week's own locations (keys ``extra:<key>``), in the same single matrix
        call; ``CompiledWeek.extra_indices`` maps each key to its index.
    day_providers
        Days driven on another network (a road closed that day, `scheduler.closures.day_providers`):
        each distinct provider gives one more matrix over the same locations, under the profile
        ``car@<its first day>``, and those days' shifts drive on it; the other days on ``car``.

    Returns
    -------
    CompiledWeek
        The problem and the maps back; due requests that cannot be offered to
        the solver at all are in ``skipped`` with a reason.

    Raises
    ------
    CompileError
        If a request names a site, resident or service that does not exist.
    """
    _check_week_and_shifts(week_start, shifts)
    b = _Builder(week_start, service_days)
    out = CompiledWeek(week_start=week_start, problem={})
    # depots first, so vehicles' indices are small and stable
    vehicles_out = _compile_shifts(b, out, shifts, vehicles, sites)
    jobs: list[dict] = []
    shipments: list[dict] = []
    due = [r for r in sorted(requests, key=lambda r: r.id) if _due(b, out, r, sites)]
    _find_off_road(b, due, residents, sites, matrix_provider)
    for req in due:
        _compile_request(b, out, jobs, shipments, req, now=now, residents=residents, sites=sites,
                         services=services, bookings=bookings)
    for key, lat, lon in extra_points:
        if f"extra:{key}" not in b.loc_index:
            b.loc_index[f"extra:{key}"] = len(b.locations)
            b.locations.append(Location(f"extra:{key}", lat, lon, label=f"point {key}"))
        out.extra_indices[key] = b.loc_index[f"extra:{key}"]
    out.locations = b.locations
    out.problem = {
        "vehicles": vehicles_out,
        "jobs": jobs,
        "shipments": shipments,
        "matrices": {"car": _matrices(b.locations, matrix_provider),
                     **_day_profiles(out, vehicles_out, day_providers or {})},
    }
    return out


def _day_profiles(out: CompiledWeek, vehicles_out: list[dict],
                  day_providers: Mapping[dt.date, MatrixProvider]) -> dict[str, dict[str, list[list[int]]]]:
    """Return the matrices of the days on their own network, one per provider, and set those days' shifts' profile."""
    names: dict[int, str] = {}
    matrices: dict[str, dict[str, list[list[int]]]] = {}
    for vehicle in vehicles_out:
        provider = day_providers.get(out.vehicles[vehicle["id"]].day)
        if provider is None:
            continue
        if id(provider) not in names:
            names[id(provider)] = f"car@{out.vehicles[vehicle['id']].day.isoformat()}"
            matrices[names[id(provider)]] = _matrices(out.locations, provider)
        vehicle["profile"] = names[id(provider)]
    return matrices


def _due(b: _Builder, out: CompiledWeek, req: Request, sites: dict[int, Site]) -> bool:
    """Return whether a request is due this week; note a session's days and its days off moved."""
    if req.kind != RequestKind.SESSION or req.promised is not None:
        return due_this_week(req, b.week_start)
    d: SessionDetails = req.details
    site = sites.get(d.site_id)  # a missing site is named when the session is compiled

    def hall_open(day: dt.date) -> bool:
        return bool(_clip([(day, d.earliest_start_s, d.latest_start_s)], site, before_close_s=d.session_s))

    days = session_days_of_week(d, b.week_start, is_service=b.is_service, hall_open=hall_open)
    b.session_days[req.id] = days
    if any(sd.moved for sd in days):
        out.session_moves[req.id] = [sd for sd in days if sd.moved]
    if req.windows:
        return due_this_week(req, b.week_start)
    return _session_due(days, b.week_start)


def _check_week_and_shifts(week_start: dt.date, shifts: Sequence[Shift]) -> None:
    if week_start.weekday() != 0:
        msg = f"week_start: {week_start} is not a Monday"
        raise CompileError(msg)
    if not shifts:
        msg = (f"week {week_start}: no vehicle has a shift (no active vehicle, or every service day "
               "is a holiday or a vehicle exception); add vehicles with `odekake import vehicles`")
        raise NoShiftsError(msg)


def _compile_shifts(b: _Builder, out: CompiledWeek, shifts: Sequence[Shift], vehicles: dict[int, Vehicle],
                    sites: dict[int, Site]) -> list[dict]:
    """Return one solver vehicle per shift, by day then vehicle, and map each back to its shift."""
    vehicles_out = []
    for shift in sorted(shifts, key=lambda s: (s.day, s.vehicle_id)):
        vehicle = vehicles.get(shift.vehicle_id)
        if vehicle is None:
            msg = f"shift of vehicle #{shift.vehicle_id} on {shift.day}: no such vehicle"
            raise CompileError(msg)
        depot = _lookup(sites, vehicle.depot_site_id, f"vehicle {city_id(vehicle)} ({vehicle.name}): depot site")
        vid = len(vehicles_out) + 1
        vehicles_out.append(_solver_vehicle(b, vid, shift, vehicle, depot))
        out.vehicles[vid] = ShiftRef(vehicle.id, shift.day, depot.id,
                                     label=f"vehicle {city_id(vehicle)} on {day_label(shift.day)}")
    return vehicles_out


def _solver_vehicle(b: _Builder, vid: int, shift: Shift, vehicle: Vehicle, depot: Site) -> dict[str, Any]:
    """Return the solver vehicle of one shift: the day's hours, the depot, capacity, skills, costs, lunch."""
    week_start = b.week_start
    idx = b.location(site=depot)
    entry: dict[str, Any] = {
        "id": vid,
        "description": f"{vehicle.name} / {shift.day.strftime('%a')} {shift.day.isoformat()}",
        "start_index": idx,
        "end_index": idx,
        "capacity": vehicle.amount_vector(),
        "skills": sorted(SKILL_IDS[s] for s in vehicle.skills),
        "time_window": [week_seconds(week_start, shift.day, shift.start_s),
                        week_seconds(week_start, shift.day, shift.end_s)],
        "costs": {"fixed": vehicle.fixed_cost, "per_hour": vehicle.cost_per_hour},
    }
    if shift.lunch_s:
        lo = max(shift.lunch_earliest_s, shift.start_s)
        hi = min(shift.lunch_latest_end_s, shift.end_s) - shift.lunch_s
        if lo <= hi:
            entry["breaks"] = [{
                "id": vid,
                "description": "lunch",
                "time_windows": [[week_seconds(week_start, shift.day, lo),
                                  week_seconds(week_start, shift.day, hi)]],
                "service": shift.lunch_s,
            }]
    return entry


def _compile_request(b: _Builder, out: CompiledWeek, jobs: list[dict], shipments: list[dict], req: Request, *,
                     now: dt.datetime, residents: dict[int, Resident], sites: dict[int, Site],
                     services: dict[str, Service], bookings: Sequence[SessionBooking]) -> None:
    """Compile one due request into jobs or shipments, or record why it cannot be offered (``skipped``)."""
    out.requests[req.id] = req
    prio = request_priority(req, now)
    out.priorities[req.id] = prio
    if req.promised is not None:
        out.promised[req.id] = req.promised
    before = len(out.tasks)
    far = _off_road_skip(b, req, residents, sites)
    if far is not None:
        out.skipped.append(Skipped(req.id, far.code, far.reason, promised=req.promised is not None))
        return
    if req.kind == RequestKind.SESSION:
        moved = {sd.rule_day: sd.held_on for sd in b.session_days.get(req.id, [])}
        reason = _compile_session(b, out, jobs, req, prio, sites, _booked_service_s(req, bookings, services, moved))
    elif req.kind == RequestKind.VISIT:
        reason = _compile_visit(b, out, jobs, req, prio, residents, services)
    elif req.kind == RequestKind.ERRAND:
        reason = _compile_errand(b, out, shipments, req, prio, residents, sites)
    else:
        reason = _compile_ride(b, out, shipments, req, prio, residents, sites)
    if reason is not None:
        out.skipped.append(Skipped(req.id, reason.code, reason.reason, promised=req.promised is not None))
    elif len(out.tasks) == before:  # pragma: no cover - every branch adds tasks or a reason
        msg = f"request {city_id(req)}: compiled to nothing"
        raise CompileError(msg)


def _request_places(req: Request, residents: dict[int, Resident],
                    sites: dict[int, Site]) -> list[tuple[str, Resident | Site]]:
    """Return the places a request's tasks happen at, as (location key, resident or site).

    Unknown ids are left out here; compiling the request names them.
    """
    d = req.details
    site_ids: list[int | None] = []
    home = req.kind in (RequestKind.VISIT, RequestKind.ERRAND)
    if req.kind == RequestKind.SESSION:
        site_ids = [d.site_id]
    elif req.kind == RequestKind.ERRAND:
        site_ids = [p.site_id for p in d.pickups]
    elif req.kind == RequestKind.RIDE:
        site_ids = [d.from_site_id, d.to_site_id]
        home = None in site_ids
    places: list[tuple[str, Resident | Site]] = []
    if home and req.resident_id in residents:
        places.append((f"home:{req.resident_id}", residents[req.resident_id]))
    places += [(f"site:{sid}", sites[sid]) for sid in site_ids if sid in sites]
    return places


def _find_off_road(b: _Builder, due: Sequence[Request], residents: dict[int, Resident],
                   sites: dict[int, Site], provider: MatrixProvider) -> None:
    """Record in `b` the places of due requests too far from any road to be snapped.

    Asks the provider's ``off_road(points)`` when it has one (a
    `routing.network.RoadNetwork` does); a provider without it checks nothing.
    Points were checked at import, but the graph may have been rebuilt since,
    or the data imported before there was a graph.
    """
    check = getattr(provider, "off_road", None)
    if check is None:
        return
    points = {key: (key, place.lat, place.lon) for req in due for key, place in _request_places(req, residents, sites)}
    if points:
        b.off_road = dict(check(list(points.values())))
        b.snap_limit_m = getattr(provider, "snap_limit_m", None)


def _off_road_skip(b: _Builder, req: Request, residents: dict[int, Resident],
                   sites: dict[int, Site]) -> Skip | None:
    """Return the ``off_road`` skip of a request with a place too far from any road, naming the place."""
    for key, place in _request_places(req, residents, sites):
        if key not in b.off_road:
            continue
        if isinstance(place, Resident):
            what = f"resident {city_id(place)}'s home"
        else:
            what = f"site {place.name} ({city_id(place)})"
        limit = f" (limit {b.snap_limit_m:.0f} m)" if b.snap_limit_m is not None else ""
        return Skip("off_road", f"{what} is {b.off_road[key]:.0f} m from the nearest road{limit}; "
                    "correct its position")
    return None


def _lookup(table: dict, key: Any, what: str):
    try:
        return table[key]
    except KeyError:
        shown = f"#{key}" if isinstance(key, int) else repr(key)  # a missing record has no city id to show
        msg = f"{what} {shown} does not exist"
        raise CompileError(msg) from None


def _register(out: CompiledWeek, tid: int, ref: TaskRef) -> None:
    out.tasks[tid] = ref
    out.request_tasks.setdefault(ref.request_id, []).append(tid)


def _booked_service_s(req: Request, bookings: Sequence[SessionBooking], services: dict[str, Service],
                      moved: dict[dt.date, dt.date | None]) -> dict[dt.date, int]:
    """Return, per day held, the on-site time the residents booked into a session need (cancelled seats: none).

    A seat booked on a day off counts on the day the session moved to (`moved`: rule day -> day held).
    """
    needed: dict[dt.date, int] = {}
    for booking in bookings:
        if booking.session_request_id != req.id or booking.cancelled_at is not None:
            continue  # another session's, or cancelled: the resident is not coming
        service_s = sum(_lookup(services, code, f"request {city_id(req)}: booking #{booking.id}: service").duration_s
                        for code in booking.services)
        day = moved.get(booking.day, booking.day)
        if day is not None:
            needed[day] = needed.get(day, 0) + STOP_SETUP_S + service_s
    return needed


def _compile_session(b: _Builder, out: CompiledWeek, jobs: list, req: Request, prio: int,
                     sites: dict[int, Site], booked_s: dict[dt.date, int]) -> Skip | None:
    d: SessionDetails = req.details
    site = _lookup(sites, d.site_id, f"request {city_id(req)}: site")
    if req.promised is not None:
        spans, reason = _request_spans(req, b.service_days)
    else:
        spans, reason = _session_spans(b, req)
    if reason:
        return reason
    length_s = {day: max(d.session_s, booked_s.get(day, 0)) for day, _, _ in spans}
    spans = [clipped for span in spans for clipped in _clip([span], site, before_close_s=length_s[span[0]])]
    if not spans:
        return Skip("site_closed", f"{site.name} is closed (or closes too early for a {d.session_s // 60}-minute "
                    "session) on the session day")
    idx = b.location(site=site)
    by_day: dict[dt.date, list[tuple[dt.date, int, int]]] = {}
    for span in spans:  # a hall closed for lunch gives a day several windows, still one session
        by_day.setdefault(span[0], []).append(span)
    for day, day_spans in by_day.items():
        tid = b.task_id()
        jobs.append({
            "id": tid,
            "description": f"session {city_id(req)} at {site.name}",
            "location_index": idx,
            "setup": STOP_SETUP_S,
            "service": length_s[day],
            "skills": [SKILL_IDS[Skill.OFFICE_TERMINAL]],
            "priority": prio,
            "time_windows": _to_week(b.week_start, day_spans),
        })
        _register(out, tid, TaskRef(req.id, "session", req.kind, idx, site_id=site.id, day=day))
    return None


def _session_spans(b: _Builder, req: Request) -> tuple[list[tuple[dt.date, int, int]], Skip | None]:
    """Return a session's day windows this week (days off moved by its rule), or why there are none."""
    d: SessionDetails = req.details
    session_days = b.session_days.get(req.id, [])
    week_end = b.week_start + dt.timedelta(days=6)
    held = {sd.rule_day: sd.held_on for sd in session_days
            if sd.held_on is not None and b.week_start <= sd.held_on <= week_end}
    if not held:
        rule_days = [sd.rule_day for sd in session_days if sd.rule_day >= b.week_start]
        why = "its rule cancels a session on a day off" if d.on_holiday == "cancel" else \
            "no service day with the hall open follows within a week"
        return [], Skip("no_session_day", f"session day {_label_days(rule_days)} is a holiday or not a service "
                        f"day ({why})")
    spans = [(day, d.earliest_start_s, d.latest_start_s) for day in sorted(held.values())]
    if req.windows:  # an explicit window narrows the rule's days (a window on a day off moves with it)
        spans = [(held[w.day], max(w.start_s, d.earliest_start_s), min(w.end_s, d.latest_start_s))
                 for w in req.windows if w.day in held]
        if not spans:
            return [], Skip("no_session_day", "the requested windows do not fall on a session day of the rule")
    return spans, None


def _compile_visit(b: _Builder, out: CompiledWeek, jobs: list, req: Request, prio: int,
                   residents: dict[int, Resident], services: dict[str, Service]) -> Skip | None:
    d: VisitDetails = req.details
    resident = _lookup(residents, req.resident_id, f"request {city_id(req)}: resident")
    service_s, skills = 0, set()
    for code in d.services:
        svc = _lookup(services, code, f"request {city_id(req)}: service")
        service_s += svc.duration_s
        if svc.skill is not None:
            skills.add(SKILL_IDS[svc.skill])
    spans, reason = _request_spans(req, b.service_days)
    if reason:
        return reason
    idx = b.location(resident=resident)
    tid = b.task_id()
    job = {
        "id": tid,
        "description": f"visit {city_id(req)}",
        "location_index": idx,
        "setup": STOP_SETUP_S,
        "service": service_s,
        "skills": sorted(skills),
        "priority": prio,
    }
    if spans is not None:
        job["time_windows"] = _to_week(b.week_start, spans)
    jobs.append(job)
    _register(out, tid, TaskRef(req.id, "visit", req.kind, idx, resident_id=resident.id))
    return None


def _compile_errand(b: _Builder, out: CompiledWeek, shipments: list, req: Request, prio: int,
                    residents: dict[int, Resident], sites: dict[int, Site]) -> Skip | None:
    d: ErrandDetails = req.details
    resident = _lookup(residents, req.resident_id, f"request {city_id(req)}: resident")
    shops = [_lookup(sites, p.site_id, f"request {city_id(req)}: shop site") for p in d.pickups]
    spans, reason = _request_spans(req, b.service_days)
    if reason:
        return reason
    delivery_days = sorted({s[0] for s in spans}) if spans is not None else list(b.service_days)
    pickup_spans = []
    for shop, p in zip(shops, d.pickups):
        ps = _clip([(day, p.ready_s, DAY_S) for day in delivery_days], shop)
        if not ps:
            return Skip("site_closed", f"{shop.name} is closed (or the order is not ready in time) on "
                        + _label_days(delivery_days))
        pickup_spans.append(ps)
    home = b.location(resident=resident)
    skills = [SKILL_IDS[Skill.COOL_BOX]] if d.chilled else []
    for part, (shop, p, ps) in enumerate(zip(shops, d.pickups, pickup_spans)):
        shop_idx = b.location(site=shop)
        pid, did = b.task_id(), b.task_id()
        delivery = {"id": did, "description": f"errand {city_id(req)} delivery ({shop.name})",
                    "location_index": home, "setup": 0,
                    "service": HOME_DELIVERY_S if part == 0 else EXTRA_SHOP_DELIVERY_S}
        if spans is not None:
            delivery["time_windows"] = _to_week(b.week_start, spans)
        shipment = {
            "pickup": {"id": pid, "description": f"errand {city_id(req)} pickup at {shop.name}",
                       "location_index": shop_idx, "setup": 0, "service": SHOP_PICKUP_S,
                       "time_windows": _to_week(b.week_start, ps)},
            "delivery": delivery,
            "amount": [0, p.boxes],
            "skills": skills,
            "priority": prio,
        }
        if d.max_ride_s is not None:
            shipment["max_ride_time"] = d.max_ride_s
        if len(shops) > 1:
            shipment["delivery_group"] = f"request:{req.id}"  # one visit at the door for every shop
        shipments.append(shipment)
        _register(out, pid, TaskRef(req.id, "pickup", req.kind, shop_idx, site_id=shop.id, part=part))
        _register(out, did, TaskRef(req.id, "delivery", req.kind, home, resident_id=resident.id, part=part))
    return None


def _compile_ride(b: _Builder, out: CompiledWeek, shipments: list, req: Request, prio: int,
                  residents: dict[int, Resident], sites: dict[int, Site]) -> Skip | None:
    d: RideDetails = req.details
    resident = _lookup(residents, req.resident_id, f"request {city_id(req)}: resident")
    src = _lookup(sites, d.from_site_id, f"request {city_id(req)}: from site") if d.from_site_id is not None else None
    dst = _lookup(sites, d.to_site_id, f"request {city_id(req)}: to site") if d.to_site_id is not None else None
    spans, reason = _request_spans(req, b.service_days)
    if reason:
        return reason
    pick_spans = spans if spans is not None else [(day, 0, DAY_S) for day in b.service_days]
    pick_spans = _clip(pick_spans, src)
    if not pick_spans:
        return Skip("site_closed", f"{src.name} is closed at the requested pick-up times")
    ride_days = sorted({s[0] for s in pick_spans})
    drop_spans = _clip([(day, 0, DAY_S) for day in ride_days], dst) if dst is not None else None
    if drop_spans is not None and not drop_spans:
        return Skip("site_closed", f"{dst.name} is closed on " + _label_days(ride_days))
    src_idx = b.location(site=src) if src is not None else b.location(resident=resident)
    dst_idx = b.location(site=dst) if dst is not None else b.location(resident=resident)
    stop_s = WHEELCHAIR_STOP_S if d.wheelchair else RIDE_STOP_S
    pid, did = b.task_id(), b.task_id()
    pickup = {"id": pid, "description": f"ride {city_id(req)} pick-up" + (f" at {src.name}" if src else " at home"),
              "location_index": src_idx, "setup": 0, "service": stop_s}
    if spans is not None or src is not None:
        pickup["time_windows"] = _to_week(b.week_start, pick_spans)
    delivery = {"id": did, "description": f"ride {city_id(req)} drop-off" + (f" at {dst.name}" if dst else " at home"),
                "location_index": dst_idx, "setup": 0, "service": stop_s}
    if drop_spans is not None:
        delivery["time_windows"] = _to_week(b.week_start, drop_spans)
    shipments.append({
        "pickup": pickup,
        "delivery": delivery,
        "amount": [d.seats, 0],
        "skills": [SKILL_IDS[Skill.WHEELCHAIR]] if d.wheelchair else [],
        "priority": prio,
        "max_ride_time": d.max_ride_s,
    })
    _register(out, pid, TaskRef(req.id, "pickup", req.kind, src_idx,
                                site_id=src.id if src else None, resident_id=None if src else resident.id))
    _register(out, did, TaskRef(req.id, "delivery", req.kind, dst_idx,
                                site_id=dst.id if dst else None, resident_id=None if dst else resident.id))
    return None


def _by_city_id(exc: InputError, locations: list[Location]) -> InputError:
    """Return the provider's error about one point (``home:31``) naming the place by the city's id.

    A snapping error carries the ``point_id`` (`routing.network.SnapError`); any other
    error is returned unchanged.
    """
    point_id = getattr(exc, "point_id", None)
    loc = next((loc for loc in locations if loc.key == point_id), None)
    if loc is None:
        return exc
    text, internal = str(exc), f"point {point_id!r}"
    text = text.replace(internal, loc.label) if internal in text else f"{loc.label}: {text}"
    return CompileError(f"{text}; correct the position or the road data")


def _matrices(locations: list[Location], provider: MatrixProvider) -> dict[str, list[list[int]]]:
    if not locations:
        return {"durations": [], "distances": []}
    points = [(loc.key, loc.lat, loc.lon) for loc in locations]
    try:
        m = provider.matrix(points)
    except InputError as exc:
        raise _by_city_id(exc, locations) from exc
    ids = list(getattr(m, "ids", [p[0] for p in points]))
    if ids != [p[0] for p in points]:
        msg = "matrix provider returned the points in another order"
        raise CompileError(msg)
    durations = [[int(v) for v in row] for row in m.durations]
    distances = [[int(v) for v in row] for row in m.distances]
    return {"durations": durations, "distances": distances}


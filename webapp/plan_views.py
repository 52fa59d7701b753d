"""What the screens and the API show of a plan: shifts with their stops, the week board, a driver's day.

Thin views call these functions and render the dataclasses they return (or
their ``to_json``). The words of each stop (place, what to do, amount to
collect, notes) come from `scheduler.io.exports.plan_rows`, the same rows as
the CSV export and the printed sheet, so every output says the same thing.
These objects hold residents' personal data: views pass the shown
residents' ids to `webapp.audit.record`; nothing here logs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import jpholiday

from scheduler.domain import (
    CAPACITY_DIMENSIONS,
    DAY_S,
    Plan,
    PlanStatus,
    PlanStop,
    ShiftException,
    Vehicle,
    city_id,
    week_monday,
)
from scheduler.io.exports import door_stops, plan_rows
from scheduler.planning.wording import BROKEN_PROMISE, BROKEN_SESSION
from scheduler.service_calendar import YEAR_END_BREAK, is_service_day
from scheduler.store import NotFound, Store
from webapp.i18n import N_, language

__all__ = ["DayColumn", "ShiftRow", "StopCard", "UnassignedRow", "WeekBoard", "published_route",
           "shift_rows", "stop_cards", "unassigned_rows", "week_board"]

#: Stops the crew reports at (the depot and the lunch break need no button).
_REPORTABLE = frozenset({"visit", "session", "pickup", "delivery"})
#: Crew reports after which a stop is finished.
FINAL_REPORTS = frozenset({"done", "not_home", "cannot_serve"})


@dataclass
class StopCard:
    """One stop as staff read it (times in seconds of its day)."""

    id: int
    seq: int
    day: dt.date
    vehicle_id: int
    step_type: str  # start | visit | session | pickup | delivery | break | end
    kind: str  # the request's kind (visit, session, errand, ride) or the step type
    eta_s: int
    start_s: int
    departure_s: int
    place: str
    todo: str
    notes: str
    collect_yen: int = 0
    request_id: int | None = None
    resident_id: int | None = None
    name: str = ""
    kana: str = ""
    phone: str = ""
    lat: float | None = None
    lon: float | None = None
    load: tuple[int, ...] = ()
    driving_s: int = 0  # driving so far on this route
    distance_m: int = 0
    report: str | None = None  # the crew's latest report (scheduler.domain.lifecycle.StopAction value)
    #: every plan stop the card stands for (several for the deliveries of a several-shop errand at one door)
    stop_ids: tuple[int, ...] = ()
    #: the stop's number as every screen shows it: 1..n over the route's stops with a request (one per
    #: door: a several-shop errand's deliveries are one), None for the depot and the break. The plan's
    #: own ``seq`` also counts those, so it is never shown.
    number: int | None = None

    @property
    def reportable(self) -> bool:
        """Whether the crew reports at this stop (it serves a request)."""
        return self.request_id is not None and self.step_type in _REPORTABLE

    @property
    def word_code(self) -> str:
        """The code of the stop's word (`webapp.i18n.KIND_WORDS`): a ride's 乗車 / 降車, an errand's 受取 / 配達,
        the break and the depot by their step, anything else by the request's kind."""
        if self.kind == "ride" and self.step_type in ("pickup", "delivery"):
            return f"ride_{self.step_type}"
        return self.step_type if self.step_type in ("pickup", "delivery", "break", "start", "end") else self.kind

    @property
    def finished(self) -> bool:
        """Whether the crew is done with this stop."""
        return self.report in FINAL_REPORTS

    def to_json(self) -> dict[str, Any]:
        """Return the stop for the API (ISO date, ``H:MM`` times as well as seconds)."""
        data = dataclasses.asdict(self)
        data["day"] = self.day.isoformat()
        data["load"] = dict(zip(CAPACITY_DIMENSIONS, self.load, strict=False))
        return data


@dataclass
class ShiftRow:
    """One vehicle on one day (便): its stops in order and what the day adds up to."""

    vehicle: Vehicle
    day: dt.date
    stops: list[StopCard]

    @property
    def start_s(self) -> int:
        return self.stops[0].departure_s if self.stops else 0

    @property
    def end_s(self) -> int:
        return self.stops[-1].eta_s if self.stops else 0

    @property
    def driving_s(self) -> int:
        return self.stops[-1].driving_s if self.stops else 0

    @property
    def distance_m(self) -> int:
        return self.stops[-1].distance_m if self.stops else 0

    @property
    def max_load(self) -> dict[str, int]:
        """The most seats and boxes on board at once."""
        most = [max((s.load[i] for s in self.stops if len(s.load) > i), default=0)
                for i in range(len(CAPACITY_DIMENSIONS))]
        return dict(zip(CAPACITY_DIMENSIONS, most, strict=True))

    @property
    def resident_ids(self) -> list[int]:
        return sorted({s.resident_id for s in self.stops if s.resident_id is not None})

    @property
    def next_stop(self) -> StopCard | None:
        """The first stop the crew has not finished (what to do next)."""
        return next((s for s in self.stops if s.reportable and not s.finished), None)

    def to_json(self) -> dict[str, Any]:
        return {"vehicle_id": self.vehicle.id, "vehicle": self.vehicle.name, "day": self.day.isoformat(),
                "start_s": self.start_s, "end_s": self.end_s, "driving_s": self.driving_s,
                "distance_m": self.distance_m, "max_load": self.max_load,
                "stops": [s.to_json() for s in self.stops]}


@dataclass
class DayColumn:
    """A day of the week board: a service day, or why not (holiday name, year-end closure)."""

    day: dt.date
    service: bool
    closed_because: str = ""  # the holiday's name, 年末年始, or empty


@dataclass
class UnassignedRow:
    """A request the plan could not serve, with the reason in staff words."""

    request_id: int
    kind: str
    reason: str
    resident_id: int | None = None
    name: str = ""
    phone: str = ""
    day: dt.date | None = None
    broken: str = ""  # "promise" (折り返し電話), "session" (tell the district) or ""
    city_id: str = ""  # the id people read (external id, else #db id), as the compare screen shows it


@dataclass
class WeekBoard:
    """The dispatcher's week: vehicles × days, each shift with its stops; what is not planned."""

    week: dt.date
    plan: Plan | None
    versions: list[Plan]
    days: list[DayColumn]
    vehicles: list[Vehicle]
    shifts: dict[tuple[int, dt.date], ShiftRow] = field(default_factory=dict)
    exceptions: dict[tuple[int, dt.date], list[ShiftException]] = field(default_factory=dict)
    unassigned: list[UnassignedRow] = field(default_factory=list)
    #: the published version, when a newer draft holds promises it lacks (the drivers do not have them yet)
    published: Plan | None = None
    #: city ids of those promises
    unpublished_promises: list[str] = field(default_factory=list)

    #: the version number the drivers have now (the newest published), None when none is
    live_version: int | None = None

    def superseded(self, plan: Plan) -> bool:
        """Whether `plan` was published once but a newer published version replaced it (旧公開版)."""
        return plan.status == PlanStatus.PUBLISHED and self.live_version is not None and plan.version < self.live_version

    @property
    def off_duty_stops(self) -> set[int]:
        """Ids of the cards whose time falls in a 運休 of their vehicle and day (the plan cannot keep them).

        A shift exception added after the plan (maintenance 13:00–17:00, a driver off sick) leaves
        the planned stops where they were: the board flags each one and asks for a re-plan.
        """
        flagged = set()
        for key, row in self.shifts.items():
            for e in self.exceptions.get(key, []):
                if e.reason == "extra_duty":
                    continue
                lo, hi = (0, DAY_S) if e.start_s is None else (e.start_s, e.end_s)
                flagged |= {card.id for card in row.stops if card.step_type not in ("start", "end", "break")
                            and card.eta_s < hi and lo < max(card.departure_s, card.eta_s + 1)}
        return flagged

    @property
    def sunday(self) -> dt.date:
        return self.week + dt.timedelta(days=6)

    @property
    def previous_week(self) -> dt.date:
        return self.week - dt.timedelta(days=7)

    @property
    def next_week(self) -> dt.date:
        return self.week + dt.timedelta(days=7)

    @property
    def resident_ids(self) -> list[int]:
        """Residents whose data the board shows (for the audit log)."""
        ids = {i for row in self.shifts.values() for i in row.resident_ids}
        ids |= {u.resident_id for u in self.unassigned if u.resident_id is not None}
        return sorted(ids)


def stop_cards(plan: Plan, stops: list[PlanStop], store: Store) -> list[StopCard]:
    """Return stops of `plan` as cards, in day, vehicle, sequence order, with the crew's reports."""
    ordered = sorted(stops, key=lambda s: (s.day, s.vehicle_id, s.seq))
    rows = plan_rows(dataclasses.replace(plan, stops=ordered), store)
    reports = store.request_events.latest_reports_at(s.id for s in ordered)
    residents: dict[int, Any] = {}
    cards = []
    # one card per row of the stop sheet: the deliveries of a several-shop
    # errand at one door are one card, reported through its first stop
    groups = door_stops(ordered)
    for group, row in zip(groups, rows, strict=True):
        stop = group[0]
        request = store.requests.get(stop.request_id) if stop.request_id is not None else None
        rid = request.resident_id if request is not None else stop.resident_id
        if rid is not None and rid not in residents:
            residents[rid] = store.residents.get(rid)
        person = residents.get(rid)
        cards.append(StopCard(
            id=stop.id, seq=stop.seq, day=stop.day, vehicle_id=stop.vehicle_id, step_type=stop.step_type,
            kind=request.kind.value if request is not None else stop.step_type,
            eta_s=stop.arrival_s % DAY_S, start_s=stop.start_s % DAY_S, departure_s=stop.departure_s % DAY_S,
            place=row["place"], todo=row["todo_en"] if language() == "en" else row["todo_ja"],
            notes=row["notes"], collect_yen=row["collect_yen"],
            request_id=stop.request_id, resident_id=rid,
            name=person.name if person else "", kana=person.kana if person else "",
            phone=person.phone if person else "", lat=stop.lat, lon=stop.lon, load=stop.load,
            driving_s=stop.driving_s, distance_m=stop.distance_m,
            report=reports[stop.id].action if stop.id in reports else None,
            stop_ids=tuple(s.id for s in group),
        ))
    _number(cards)
    return cards


def _number(cards: list[StopCard]) -> None:
    """Number each route's stops with a request 1..n in order (`StopCard.number`)."""
    counts: dict[tuple[dt.date, int], int] = {}
    for card in cards:
        if card.reportable:
            key = (card.day, card.vehicle_id)
            counts[key] = counts.get(key, 0) + 1
            card.number = counts[key]


def shift_rows(plan: Plan, store: Store, *, vehicle_id: int | None = None,
               day: dt.date | None = None) -> dict[tuple[int, dt.date], ShiftRow]:
    """Return the plan's shifts (all, or one vehicle's and/or one day's) by (vehicle id, day)."""
    stops = [s for s in plan.stops
             if (vehicle_id is None or s.vehicle_id == vehicle_id) and (day is None or s.day == day)]
    vehicles = {v.id: v for v in store.vehicles.all()}
    rows: dict[tuple[int, dt.date], ShiftRow] = {}
    for card in stop_cards(plan, stops, store):
        key = (card.vehicle_id, card.day)
        if key not in rows:
            rows[key] = ShiftRow(vehicles[card.vehicle_id], card.day, [])
        rows[key].stops.append(card)
    return rows


def unassigned_rows(plan: Plan, store: Store) -> list[UnassignedRow]:
    """Return what the plan could not serve: broken promises first, then broken sessions, then the rest."""
    rows = []
    for u in plan.unassigned:
        request = store.requests.get(u.request_id)
        person = store.residents.get(request.resident_id) if request.resident_id is not None else None
        broken = ("promise" if u.reason.startswith(BROKEN_PROMISE)
                  else "session" if u.reason.startswith(BROKEN_SESSION) else "")
        rows.append(UnassignedRow(request_id=u.request_id, kind=request.kind.value, reason=u.reason,
                                  resident_id=request.resident_id, name=person.name if person else "",
                                  phone=person.phone if person else "", day=u.day, broken=broken,
                                  city_id=city_id(request)))
    order = {"promise": 0, "session": 1, "": 2}
    return sorted(rows, key=lambda r: (order[r.broken], r.request_id))


def _day_columns(week: dt.date, runs: set[dt.date] = frozenset()) -> list[DayColumn]:
    """Return the board's days: every service day, a weekday without service (saying why), and any
    other day a vehicle runs (`runs`: a 臨時運行 on a Saturday or holiday, or a day the plan has stops)."""
    columns = []
    for i in range(7):
        day = week + dt.timedelta(days=i)
        if is_service_day(day) or day in runs:
            columns.append(DayColumn(day, True))
        elif day.weekday() < 5:  # a weekday without service: say why
            reason = N_("年末年始") if (day.month, day.day) in YEAR_END_BREAK else jpholiday.is_holiday_name(day)
            columns.append(DayColumn(day, False, reason or N_("休日")))
    return columns


def week_board(store: Store, week: dt.date, version: int | None = None) -> WeekBoard:
    """Return the week board of a plan version (the latest when `version` is None)."""
    plan = store.plans.get(week, version)
    exceptions = store.shift_exceptions.between(week, week + dt.timedelta(days=6))
    runs = {e.day for e in exceptions if e.reason == "extra_duty"} | {s.day for s in (plan.stops if plan else [])}
    board = WeekBoard(week=week, plan=plan, versions=store.plans.versions(week), days=_day_columns(week, runs),
                      vehicles=store.vehicles.active())
    for e in exceptions:
        board.exceptions.setdefault((e.vehicle_id, e.day), []).append(e)
    if plan is not None:
        board.shifts = shift_rows(plan, store)
        board.unassigned = unassigned_rows(plan, store)
        extra = {row.vehicle.id: row.vehicle for row in board.shifts.values()}  # inactive vehicles in the plan
        shown = {v.id for v in board.vehicles}
        board.vehicles += [v for vid, v in sorted(extra.items()) if vid not in shown]
    board.published, board.unpublished_promises = unpublished_promises(store, week)
    live = store.plans.published(week)
    board.live_version = live.version if live is not None else None
    return board


def unpublished_promises(store: Store, week: dt.date) -> tuple[Plan | None, list[str]]:
    """Return the week's published version and the promises the latest draft routes but it does not.

    A booking made while a dispatcher's re-plan waits as a draft goes into that draft: the
    drivers' published version lacks it until the draft is published. The board says so.
    """
    latest, published = store.plans.get(week), store.plans.published(week)
    if latest is None or published is None or latest.id == published.id:
        return None, []
    there = {s.request_id for s in published.stops if s.request_id is not None}
    missing = sorted({s.request_id for s in latest.stops if s.request_id is not None} - there)
    told = [store.requests.get(rid) for rid in missing]
    return published, [city_id(r) for r in told if r.promised is not None]


def published_route(store: Store, vehicle_id: int, day: dt.date) -> tuple[Plan | None, ShiftRow | None]:
    """Return the latest published plan of `day`'s week and `vehicle_id`'s shift on `day` in it."""
    plan = store.plans.published(week_monday(day))
    if plan is None:
        return None, None
    return plan, shift_rows(plan, store, vehicle_id=vehicle_id, day=day).get((vehicle_id, day))


def on_published_route(store: Store, stop_id: int, vehicle_id: int) -> bool:
    """Return whether the stop is on `vehicle_id`'s route in the latest published plan of its week."""
    try:
        stop = store.plan_stops.get(stop_id)
    except NotFound:
        return False
    if stop.vehicle_id != vehicle_id:
        return False
    plan = store.plans.published(week_monday(stop.day))
    return plan is not None and plan.id == stop.plan_id

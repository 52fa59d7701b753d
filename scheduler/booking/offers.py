"""Offers: concrete promise windows the current plan of a week can keep, found by insertion.

For each week from the draft's earliest to its latest day, the week is
compiled from the store with the draft added (its windows: the acceptable
hours of each acceptable service day), the latest stored plan version's
routes are read as they are (`week_routes`), and the draft is inserted into
them once per candidate promise window (`scheduler.vrp.insertion.Routes`):
every stop already planned keeps its place and vehicle, every commitment its
window, every route its shift, break, capacity, skill and ride limits. A week
without a stored plan starts from its commitments alone (promised requests
and announced sessions, placed commitments-first as the solver does). Today,
in a week with a published plan, works on the live state instead
(`scheduler.booking.today`): each van from where it is and never before now,
every commitment of the rest of the day kept.

Offers give the caller a choice: distinct days first, then distinct
half-days, the cheapest (least added driving) of each, and each window is
centred on the expected arrival as staff tell it. When there are fewer than
asked, `OfferResult.code` is ``few``; when there is none, it says why
(`NO_OFFER_CODES`) and `OfferResult.later` holds the offers of the earliest
later week with room.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scheduler.booking.draft import STEP_S, Draft
from scheduler.booking.today import LiveRoutes, live_routes
from scheduler.clock import city_now
from scheduler.compiler import CompiledWeek
from scheduler.domain import (
    DAY_S,
    Plan,
    Request,
    RequestKind,
    Shift,
    TimeWindow,
    hhmm,
    week_monday,
    week_seconds,
)
from scheduler.planning.derive import stored_routes
from scheduler.vrp.insertion import Insertion, Routes

if TYPE_CHECKING:
    from scheduler.matrices import MatrixProvider
    from scheduler.store import Store

__all__ = ["DRAFT_ID", "NO_OFFER_CODES", "Offer", "OfferResult", "WeekRoutes", "find_offers", "week_routes"]

#: Id the draft carries while it is only compiled (never stored).
DRAFT_ID = -1
#: Weeks after the draft's latest day searched for room when its dates have none.
LATER_WEEKS = 8
#: The window told is centred on the expected arrival, rounded to this many seconds.
_ROUND_S = 900
#: Afternoons start at 13:00 (half-days for choosing offers).
_AFTERNOON_S = 13 * 3600

#: Why a draft gets no offer: code -> staff words (Japanese / English).
NO_OFFER_CODES: dict[str, str] = {
    "off_road": "自宅（または行き先）が道路から遠すぎて地図に載りません・位置を直してください"
                " / the home (or a site) is too far from any road; correct its position",
    "no_service_day": "希望の日に運行日がありません / no service day among the acceptable days",
    "no_time_of_day": "希望の時間帯に勤務時間がありません / no working hours at the acceptable times of day",
    "site_closed": "店舗・施設が希望の日に閉まっています / the shop or site is closed on the acceptable days",
    "skill": "その週、必要な装備（行政端末・保冷ボックス・車椅子）の車両の勤務がありません"
             " / no shift with the needed equipment that week",
    "capacity": "車両に乗り切りません・積み切れません / more seats or boxes than any vehicle has",
    "unreachable": "勤務時間内に行って戻れません / no vehicle can go there and back within its hours",
    "full": "どの日もいっぱいです / every acceptable day is full",
    "few": "希望の日の中で空きがあるのはこれだけです / these are all the slots with room on the acceptable days",
}
#: Pre-check reason codes of the solver (`scheduler.vrp.format.REASON_CODES`) -> no-offer codes.
_FROM_SOLVER = {"skill": "skill", "capacity": "capacity", "no_vehicle": "skill", "max_tasks": "full",
                "no_shift_in_window": "no_time_of_day", "window_unreachable": "unreachable",
                "shift_too_short": "unreachable", "vehicle_unusable": "unreachable"}


@dataclass(frozen=True)
class Offer:
    """One promise window the plan can keep: the day, the window, and what it costs."""

    week: dt.date
    day: dt.date
    start_s: int  # promise window, seconds since midnight
    end_s: int
    added_s: int  # driving added to the plan
    expected_s: int  # planned service start (rides: pick-up), seconds since midnight
    vehicle_id: int
    plan_version: int | None  # the version it was checked against (None: the week has no plan yet)

    @classmethod
    def chosen(cls, day: dt.date, start_s: int, end_s: int) -> Offer:
        """Return the offer a caller chose by its window (`book` re-checks that it still fits)."""
        return cls(week_monday(day), day, start_s, end_s, 0, start_s, 0, None)

    @property
    def window(self) -> TimeWindow:
        """The window to promise."""
        return TimeWindow(self.day, self.start_s, self.end_s)

    def to_dict(self, k: int) -> dict:
        """Return the offer as JSON-ready data, numbered `k` (1-based)."""
        return {"offer": k, "week": self.week.isoformat(), "day": self.day.isoformat(),
                "start": hhmm(self.start_s), "end": hhmm(self.end_s), "added_driving_min": round(self.added_s / 60, 1),
                "expected": hhmm(self.expected_s), "vehicle_id": self.vehicle_id, "plan_version": self.plan_version}


@dataclass
class OfferResult:
    """Offers ranked by day then added driving; when empty, why and the earliest later week with room."""

    offers: list[Offer] = field(default_factory=list)
    code: str | None = None
    detail: str = ""
    later: list[Offer] = field(default_factory=list)

    @property
    def reason(self) -> str | None:
        """Why there is no offer, in staff words."""
        return NO_OFFER_CODES[self.code] if self.code else None

    def to_dict(self) -> dict:
        """Return the result as JSON-ready data."""
        out: dict = {"offers": [o.to_dict(k) for k, o in enumerate(self.offers, 1)]}
        if self.code:
            out.update(code=self.code, reason=self.reason, detail=self.detail,
                       later=[o.to_dict(k) for k, o in enumerate(self.later, 1)])
        return out


@dataclass
class WeekRoutes:
    """A compiled week with the latest stored plan's routes ready for insertions."""

    compiled: CompiledWeek
    routes: Routes
    plan: Plan | None

    def task_ids(self, request_id: int) -> list[int]:
        """Return the solver task ids of a request in this week."""
        return list(self.compiled.request_tasks.get(request_id, []))

    def promise_tasks(self, request_id: int) -> list[int]:
        """Return the task ids the promise window binds: a visit, an errand's deliveries, a ride's pick-up."""
        want = {RequestKind.VISIT: "visit", RequestKind.ERRAND: "delivery", RequestKind.RIDE: "pickup",
                RequestKind.SESSION: "session"}
        return [t for t in self.task_ids(request_id)
                if self.compiled.tasks[t].kind == want[self.compiled.tasks[t].request_kind]]

    def shift_of(self, k: int):
        """Return the `ShiftRef` of vehicle index `k`."""
        return self.compiled.vehicles[self.routes.model.problem.vehicles[k].id]

    def vehicle_id(self, k: int) -> int:
        """Return the vehicle of vehicle index `k`."""
        return self.shift_of(k).vehicle_id

    @property
    def week(self) -> dt.date:
        """The week's Monday."""
        return self.compiled.week_start

    def insert(self, tasks: list[int], windows: dict) -> Insertion | None:
        """Return the cheapest insertion of the tasks with their windows cut (the routes stay), or None."""
        return self.routes.insert(tasks, windows)


def week_routes(store: Store, network: MatrixProvider, week: dt.date, *, now: dt.datetime,
                extra: list[Request] = ()) -> WeekRoutes:
    """Compile a week from the store (with `extra` requests) and read its latest plan's routes."""
    from scheduler.planning.run import compile_from_store

    compiled = compile_from_store(store, network, week, now=now, extra=extra)
    plan = store.plans.get(week)
    routes, starts, _ = stored_routes(compiled, plan)
    return WeekRoutes(compiled, Routes(compiled.problem, routes, not_before=starts), plan)


# ----------------------------------------------------------------------------- one week


def _day_bounds(draft: Draft, shifts: list[Shift], now: dt.datetime) -> dict[dt.date, tuple[int, int]]:
    """Return, per acceptable service day of the week from today, the acceptable hours inside the shifts.

    Today's hours start now: a window that has begun is never offered.
    """
    hours: dict[dt.date, tuple[int, int]] = {}
    for shift in shifts:
        lo, hi = hours.get(shift.day, (DAY_S, 0))
        hours[shift.day] = (min(lo, shift.start_s), max(hi, shift.end_s))
    out = {}
    for day, (lo, hi) in sorted(hours.items()):
        if day < now.date():
            continue
        if day == now.date():
            lo = max(lo, now.hour * 3600 + now.minute * 60 + now.second)
        lo, hi = max(lo, draft.after_s), min(hi, draft.before_s)
        if draft.day_ok(day) and hi - lo >= draft.window_s:
            out[day] = (lo, hi)
    return out


def _week_shifts(store: Store, week: dt.date) -> list[Shift]:
    from scheduler import service_calendar

    exceptions = store.shift_exceptions.between(week, week + dt.timedelta(days=6))
    return service_calendar.shifts_for_week(store.vehicles.active(), week, exceptions)


def _candidates(draft: Draft, lo: int, hi: int) -> list[tuple[int, int]]:
    """Return the promise windows of a day between `lo` and `hi` (rides: centred on the pick-up time)."""
    half = draft.window_s // 2 if draft.kind == RequestKind.RIDE else 0
    first = -(-(lo + half) // STEP_S) * STEP_S - half  # on the grid of STEP_S (ride: the pick-up time)
    return [(s, s + draft.window_s) for s in range(first, hi - draft.window_s + 1, STEP_S)]


def _week_offers(store: Store, network: MatrixProvider, draft: Draft, week: dt.date,
                 now: dt.datetime) -> tuple[list[Offer], str | None, str]:
    """Return the offers of one week, or none with a no-offer code and detail."""
    shifts = _week_shifts(store, week)
    days = _day_bounds(draft, shifts, now)
    if not days:
        acceptable = {s.day for s in shifts if draft.day_ok(s.day)}
        return [], ("no_time_of_day" if acceptable else "no_service_day"), ""
    offers: list[Offer] = []
    today = now.date()
    if today in days:  # today works on the live state when the week is published (`scheduler.booking.today`)
        live = _today_offers(store, network, draft, days[today], now)
        if live is not None:
            offers += live
            days.pop(today)
            if not days:
                return offers, (None if offers else "full"), ""
    windows = [TimeWindow(day, lo, hi) for day, (lo, hi) in days.items()]
    wr = week_routes(store, network, week, now=now, extra=[draft.request(windows=windows, now=now, id=DRAFT_ID)])
    skipped = next((s for s in wr.compiled.skipped if s.request_id == DRAFT_ID), None)
    if skipped is not None:
        return [], skipped.code, skipped.reason
    tasks, promise = wr.task_ids(DRAFT_ID), wr.promise_tasks(DRAFT_ID)
    for t in tasks:
        found = wr.routes.reason(t)
        if found is not None:
            return offers, (None if offers else _FROM_SOLVER.get(found[0], "full")), found[1]
    for day, (lo, hi) in days.items():
        offers += _day_offers(wr, draft, day, lo, hi, tasks, promise)
    return offers, (None if offers else "full"), ""


def _today_offers(store: Store, network: MatrixProvider, draft: Draft, bounds: tuple[int, int],
                  now: dt.datetime) -> list[Offer] | None:
    """Return today's offers on the live routes (never before now); None when the week has nothing published."""
    day = now.date()
    lr = live_routes(store, network, day, now=now,
                     extra=[draft.request(windows=[TimeWindow(day, *bounds)], now=now, id=DRAFT_ID)])
    if lr is None:
        return None
    tasks = lr.task_ids(DRAFT_ID)
    if not tasks or any(lr.routes.reason(t) is not None for t in tasks):
        return []
    return _day_offers(lr, draft, day, *bounds, tasks, lr.promise_tasks(DRAFT_ID, tasks))


def _day_offers(wr: WeekRoutes | LiveRoutes, draft: Draft, day: dt.date, lo: int, hi: int, tasks: list[int],
                promise: list[int]) -> list[Offer]:
    """Return the candidate offers of one day: each grid window that inserts, never with the arrival late in it.

    The candidate windows lie every `STEP_S` between `lo` and `hi`. The van
    starts a service as early as its window and route allow, so the arrival
    is often the window's start; when it falls in the second half of a visit's
    or an errand's window (a delay would break the promise), the window told
    is moved to have the arrival in its middle (rounded to `_ROUND_S`) and
    checked again. Candidates with the same expected arrival are one offer
    (the cheapest).
    """
    week = wr.week

    def attempt(start_s: int, end_s: int) -> Insertion | None:
        span = [(week_seconds(week, day, 0), week_seconds(week, day, DAY_S))]
        cut = {t: span for t in tasks}
        cut.update({t: [(week_seconds(week, day, start_s), week_seconds(week, day, end_s))] for t in promise})
        return wr.insert(tasks, cut)

    def offer(start_s: int, end_s: int, ins: Insertion) -> Offer:
        expected = ins.start_of(wr.routes.index[promise[0]]) - week_seconds(week, day, 0)
        return Offer(week, day, start_s, end_s, ins.added_s, expected, wr.vehicle_id(ins.vehicle), version)

    if attempt(lo, hi) is None:  # the whole day is full: no window of it can fit
        return []
    version = wr.plan.version if wr.plan is not None else None
    found: dict[int, Offer] = {}
    for start_s, end_s in _candidates(draft, lo, hi):
        ins = attempt(start_s, end_s)
        if ins is None:
            continue
        first = offer(start_s, end_s, ins)
        if draft.kind != RequestKind.RIDE and first.expected_s > (start_s + end_s) // 2:
            # arriving late in the window leaves no room for a delay: tell the window around the arrival
            # (a ride's window is already centred on its pick-up)
            centred = _centred(first.expected_s, draft.window_s, lo, hi)
            again = attempt(*centred)
            if again is not None:
                first = offer(*centred, again)
        if first.expected_s not in found or first.added_s < found[first.expected_s].added_s:
            found[first.expected_s] = first
    return sorted(found.values(), key=lambda o: o.start_s)


def _centred(expected_s: int, window_s: int, lo: int, hi: int) -> tuple[int, int]:
    """Return the window of `window_s` centred on `expected_s`, rounded to `_ROUND_S` and kept inside [lo, hi]."""
    start = round((expected_s - window_s / 2) / _ROUND_S) * _ROUND_S
    start = max(lo, min(start, hi - window_s))
    return start, start + window_s


def _half_day(offer: Offer) -> tuple[dt.date, bool]:
    return offer.day, offer.expected_s >= _AFTERNOON_S


def _choose(candidates: list[Offer], n: int) -> list[Offer]:
    """Return up to `n` offers that give the caller a choice: distinct days first, then distinct half-days.

    Each round takes the cheapest candidate (least added driving) of every day
    (then half-day) not yet offered, earliest day first; the rest fill up by
    added driving. The result is in day and time order.
    """
    by_cost = sorted(candidates, key=lambda o: (o.added_s, o.day, o.start_s))
    chosen: list[Offer] = []
    for key in (lambda o: o.day, _half_day, lambda o: (o.day, o.expected_s)):
        seen = {key(o) for o in chosen}
        best: dict = {}
        for o in by_cost:
            if key(o) not in seen and key(o) not in best and o not in chosen:
                best[key(o)] = o
        for o in sorted(best.values(), key=lambda o: (o.day, o.start_s)):
            if len(chosen) < n:
                chosen.append(o)
    return sorted(chosen, key=lambda o: (o.day, o.start_s))


# ----------------------------------------------------------------------------- all weeks


def find_offers(store: Store, network: MatrixProvider, draft: Draft, *, now: dt.datetime | None = None
                ) -> OfferResult:
    """Return up to ``draft.offers`` offers from the draft's earliest to its latest day (see the module docstring).

    Parameters
    ----------
    store
        An open store.
    network
        The matrix provider (`routing.network.RoadNetwork`).
    draft
        What the resident asks for.
    now
        Time of the call (priorities of waiting requests); default: now.
    """
    now = now or city_now()
    result = OfferResult()
    week = week_monday(draft.earliest)
    codes: list[tuple[str, str]] = []
    candidates: list[Offer] = []
    while week <= draft.latest:
        offers, code, detail = _week_offers(store, network, draft, week, now)
        candidates += offers
        if code:
            codes.append((code, detail))
        if len({o.day for o in candidates}) >= draft.offers:
            break  # enough days for a choice: later weeks need not be read
        week += dt.timedelta(days=7)
    result.offers = _choose(candidates, draft.offers)
    if result.offers:
        if len(result.offers) < draft.offers:
            days = len({o.day for o in result.offers})
            result.code, result.detail = "few", f"{len(result.offers)} offers on {days} day(s) with room"
        return result
    result.code, result.detail = _main_reason(codes)
    if result.code != "off_road":
        result.later = _later_week(store, network, draft, week, now)
    return result


def _main_reason(codes: list[tuple[str, str]]) -> tuple[str, str]:
    """Return the reason that matters most to staff: a place off the road, else the most telling one."""
    order = ["off_road", "skill", "capacity", "unreachable", "site_closed", "full", "no_time_of_day",
             "no_service_day"]
    return min(codes, key=lambda c: order.index(c[0])) if codes else ("no_service_day", "")


def _later_week(store: Store, network: MatrixProvider, draft: Draft, week: dt.date, now: dt.datetime) -> list[Offer]:
    """Return the offers of the earliest week after the draft's dates with room (same preferences)."""
    for _ in range(LATER_WEEKS):
        later = dataclasses.replace(draft, earliest=week, latest=week + dt.timedelta(days=6))
        offers, _, _ = _week_offers(store, network, later, week, now)
        if offers:
            return _choose(offers, draft.offers)
        week += dt.timedelta(days=7)
    return []

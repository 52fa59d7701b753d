"""Confirm an offer, or cancel a booking, in one write transaction: nothing double-booked, nothing half-written.

`book` takes SQLite's write lock first (``BEGIN IMMEDIATE``, `Store.transaction`):
a second operator confirming at the same moment, in this process or another,
waits for the first to finish. Inside the lock it stores the request as
*booked* with its promised window, compiles the week again (the new request
is now a commitment, priority 100), reads the **latest** plan version's
routes and re-checks the insertion. When it no longer fits, everything is
rolled back and `SlotTaken` carries fresh offers. When it fits, a new plan
version is stored, derived from the current one: the changed route re-timed
(validated by `scheduler.vrp.validator`), every other route copied stop for
stop, and the request marked *planned*. Every later re-plan keeps the
promise as a commitment (`scheduler.compiler.request_priority`).

A window of today in a week with a published plan is booked on the live state
instead (`scheduler.booking.today.book_today`: each van from where it is, the
version derived from the published one and published at once, so the driver's
tablet lists the new stop).

A week that has no plan yet gets no version: the booking alone is stored, and
the next offers of that week start from its commitments, this one included.

`cancel_booking` cancels with the reason recorded in the request's events and,
when the latest plan of its week serves it, stores a derived version without
its stops (the routes that served it re-timed), freeing the time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from routing.errors import InputError
from scheduler.booking.draft import BOOKING_HORIZON_DAYS, Draft, bookable_days
from scheduler.booking.offers import (
    DRAFT_ID,
    Offer,
    OfferResult,
    WeekRoutes,
    find_offers,
    week_routes,
)
from scheduler.booking.today import book_today
from scheduler.clock import city_now
from scheduler.domain import (
    Plan,
    Request,
    RequestStatus,
    city_id,
    week_monday,
)
from scheduler.planning.derive import derived_plan, request_kinds

if TYPE_CHECKING:
    from scheduler.matrices import MatrixProvider
    from scheduler.store import Store

__all__ = ["AlreadyBooked", "Booking", "BookingError", "SlotTaken", "book", "cancel_booking", "same_need"]

log = logging.getLogger(__name__)


class BookingError(InputError):
    """A booking cannot be made or changed; the message says why."""


class _NoRoom(Exception):
    """The re-check inside the transaction found no room (internal: undoes the transaction)."""


class SlotTaken(BookingError):
    """The offered window was just taken (or no longer fits); `fresh` holds new offers."""

    def __init__(self, message: str = "", *, fresh: OfferResult, **parts: Any) -> None:
        super().__init__(message, **parts)
        self.fresh = fresh


class AlreadyBooked(BookingError):
    """The resident already has a booking of this kind whose window overlaps; `existing` is that request.

    Refused unless the operator confirms a second need (``book(..., second_need=True)``).
    """

    def __init__(self, message: str = "", *, existing: Request, **parts: Any) -> None:
        super().__init__(message, **parts)
        self.existing = existing


#: Statuses of a request the resident was told about and that is still to come.
_TOLD = (RequestStatus.BOOKED, RequestStatus.PLANNED, RequestStatus.DISPATCHED)


def same_need(store: Store, draft: Draft, window) -> Request | None:
    """Return the resident's told, uncancelled request of the draft's kind whose promised window overlaps `window`."""
    if draft.resident is None:
        return None
    for req in store.requests.find(statuses=_TOLD, kind=draft.kind, resident_id=draft.resident.id):
        p = req.promised
        if p is not None and p.day == window.day and p.start_s < window.end_s and window.start_s < p.end_s:
            return req
    return None


@dataclass
class Booking:
    """A confirmed booking: the stored request and the plan version it was inserted into (None: week unplanned)."""

    request: Request
    plan: Plan | None


def book(store: Store, network: MatrixProvider, draft: Draft, offer: Offer, *, user: str,
         now: dt.datetime | None = None, second_need: bool = False,
         horizon_days: int = BOOKING_HORIZON_DAYS) -> Booking:
    """Book `offer` for `draft` (see the module docstring).

    Parameters
    ----------
    now
        The city's time (`scheduler.clock.city_now`): a window that has begun, or a day
        more than `horizon_days` ahead, is refused.
    second_need
        The operator confirmed that the resident needs a second booking of the
        same kind at an overlapping time (otherwise that is refused).

    Raises
    ------
    AlreadyBooked
        The resident already has a booking of this kind at an overlapping time
        (a repeated confirm, a second operator taking the same call); nothing was stored.
    SlotTaken
        The window no longer fits the current plan; nothing was stored.
    """
    now = now or city_now()
    _check_when(offer, now, horizon_days)
    if offer.day == now.date() and store.plans.published(offer.week) is not None:
        return _book_today(store, network, draft, offer, user=user, now=now, second_need=second_need)
    # the insertion is worked out before the write lock is taken, on the week as it is now;
    # under the lock only a check that nothing changed meanwhile and the writes remain. Another
    # booking landing meanwhile means working it out again (a few times), then under the lock.
    try:
        for attempt in range(_PREPARE_TRIES + 1):
            ready = _prepare(store, network, draft, offer, now=now, user=user) if attempt < _PREPARE_TRIES else None
            with store.transaction():
                # inside the write lock: of two confirms of one offer at the same moment, the second sees the first
                _refuse_same_need(store, draft, offer, second_need)
                if ready is None:
                    req, plan = _book_locked(store, network, draft, offer, now=now, user=user)
                    break
                if ready.still_current(store, offer.week):
                    if not ready.placed:
                        raise _NoRoom
                    req = store.add_request(draft.request(promised=offer.window, now=now), user=user)
                    plan = None if ready.plan is None else _store_derived(
                        store, ready.wr, ready.plan, new_id=req.id, user=user, change=("booking", city_id(req)))
                    break
    except _NoRoom:
        fresh = find_offers(store, network, draft, now=now)
        raise SlotTaken(fresh=fresh, template="{window}: the slot was just taken; choose one of the fresh offers",
                        params={"window": offer.window.label()}) from None
    log.info("request %s booked for %s (plan %s)", req.id, offer.day, plan.version if plan else "-")
    return Booking(store.requests.get(req.id), plan)


def _book_today(store: Store, network: MatrixProvider, draft: Draft, offer: Offer, *, user: str,
                now: dt.datetime, second_need: bool) -> Booking:
    """Book a window of today on the live routes under the write lock (`scheduler.booking.today.book_today`)."""
    try:
        with store.transaction():
            _refuse_same_need(store, draft, offer, second_need)
            done = book_today(store, network, draft, offer.window, user=user, now=now)
            if done is None:
                raise _NoRoom
    except _NoRoom:
        fresh = find_offers(store, network, draft, now=now)
        raise SlotTaken(fresh=fresh, template="{window}: the slot was just taken; choose one of the fresh offers",
                        params={"window": offer.window.label()}) from None
    return Booking(*done)


def _refuse_same_need(store: Store, draft: Draft, offer: Offer, second_need: bool) -> None:
    """Raise `AlreadyBooked` when the resident has this booking already (unless a second need is confirmed)."""
    existing = None if second_need else same_need(store, draft, offer.window)
    if existing is not None:
        raise AlreadyBooked(existing=existing,
                            template="request {request}: the resident already has this booking "
                                     "({window}); confirm a second need to book again",
                            params={"request": city_id(existing), "window": existing.promised.label()})


#: Times a booking is worked out outside the write lock before it is worked out under it.
_PREPARE_TRIES = 3


@dataclass
class _Prepared:
    """A booking worked out outside the write lock, and what it was worked out on."""

    digest: str
    plan_id: int | None
    wr: WeekRoutes
    placed: bool
    plan: Plan | None = None  # the derived version, the new request as DRAFT_ID

    def still_current(self, store: Store, week: dt.date) -> bool:
        """Return whether nothing a booking depends on changed since (call it under the write lock)."""
        latest = store.plans.latest_id(week)
        return latest == self.plan_id and store.open_requests_digest() == self.digest


def _prepare(store: Store, network: MatrixProvider, draft: Draft, offer: Offer, *, now: dt.datetime,
             user: str) -> _Prepared:
    """Work the booking out on the week as it is: compiled with the draft, inserted, derived, validated."""
    digest, plan_id = store.open_requests_digest(), store.plans.latest_id(offer.week)
    wr = week_routes(store, network, offer.week, now=now,
                     extra=[draft.request(promised=offer.window, now=now, id=DRAFT_ID)])
    if wr.plan is not None and wr.plan.id != plan_id:  # a version landed between the two reads
        plan_id = None
    placed = {wr.routes.index[t] for t in wr.task_ids(DRAFT_ID)}
    ready = _Prepared(digest, plan_id, wr, bool(placed) and placed <= wr.routes.routed())
    if ready.placed and wr.plan is not None:
        ready.plan = _derive_plan(store, wr, wr.routes.changed(), user=user, now=now)
    return ready


def _book_locked(store: Store, network: MatrixProvider, draft: Draft, offer: Offer, *, now: dt.datetime,
                 user: str) -> tuple[Request, Plan | None]:
    """Book inside the write lock: store the request, read the week's routes with it, derive a version."""
    req = store.add_request(draft.request(promised=offer.window, now=now), user=user)
    wr = week_routes(store, network, offer.week, now=now)
    # the request is a commitment now: reading the routes inserted it with the other
    # commitments no route serves yet (`Routes` repairs), or found no room for it
    placed = {wr.routes.index[t] for t in wr.task_ids(req.id)}
    if not placed or not placed <= wr.routes.routed():
        raise _NoRoom  # rolls the request back: nothing of this booking stays
    plan = None
    if wr.plan is not None:
        plan = _derive(store, wr, wr.routes.changed(), user=user, now=now, change=("booking", city_id(req)))
    return req, plan


def _check_when(offer: Offer, now: dt.datetime, horizon_days: int) -> None:
    """Refuse a window that has begun (or a past day) and a day beyond the booking horizon, naming the field."""
    first, last = bookable_days(now.date(), horizon_days)
    if offer.day < first:
        raise BookingError.of("offer.day", "{day} is in the past (today is {today})", day=offer.day, today=now.date())
    if offer.day > last:
        raise BookingError.of("offer.day", "{day} is more than {days} days ahead; bookings reach {last}",
                              day=offer.day, days=horizon_days, last=last)
    if offer.day == first and offer.start_s < now.hour * 3600 + now.minute * 60 + now.second:
        raise BookingError.of("offer.start", "{window} has already begun (it is {now})",
                              window=offer.window.label(), now=f"{now:%H:%M}")


def cancel_booking(store: Store, network: MatrixProvider, request_id: int, *, reason: str, user: str,
                   now: dt.datetime | None = None) -> Booking:
    """Cancel a request with the reason, and free its time in the latest plan of its week."""
    if not reason or not reason.strip():
        raise BookingError.of("reason", "say why the booking is cancelled or changed")
    now = now or city_now()
    with store.transaction():
        req = store.change_status(request_id, RequestStatus.CANCELLED, user=user, note=reason.strip())
        plan = None
        for week, shifts in _weeks_serving(store, request_id, req).items():
            wr = week_routes(store, network, week, now=now)
            vehicles = [k for k in range(len(wr.routes.routes))
                        if (wr.shift_of(k).vehicle_id, wr.shift_of(k).day) in shifts]
            plan = _derive(store, wr, vehicles, user=user, now=now, change=("cancellation", city_id(req)))
    return Booking(req, plan)


def _weeks_serving(store: Store, request_id: int, req: Request) -> dict[dt.date, set[tuple[int, dt.date]]]:
    """Return the weeks whose latest plan serves the request, with the (vehicle, day) routes that do."""
    weeks = {week_monday(req.promised.day)} if req.promised is not None else {p.week_start for p in store.plans.versions()}
    out = {}
    for week in sorted(weeks):
        plan = store.plans.get(week)
        shifts = {(s.vehicle_id, s.day) for s in plan.stops if s.request_id == request_id} if plan else set()
        if shifts:
            out[week] = shifts
    return out


def _derive(store: Store, wr: WeekRoutes, changed: list[int], *, user: str, now: dt.datetime,
            change: tuple[str, str]) -> Plan:
    """Store a plan version derived from the latest one: the `changed` routes re-timed, the others copied.

    `change` says why: ``("booking" | "cancellation", the request's city id)``; it is kept in
    the version's summary and, as the cause, on the requests the version now serves (never
    the reason the resident gave, which stays on the cancelled request's own event).
    """
    plan = _derive_plan(store, wr, changed, user=user, now=now)
    return _store_derived(store, wr, plan, new_id=None, user=user, change=change)


def _derive_plan(store: Store, wr: WeekRoutes, changed: list[int], *, user: str, now: dt.datetime) -> Plan:
    """Return the validated, unsaved version derived from the latest one (see `_derive`)."""
    from scheduler.vrp.validator import validate

    plan, solution = derived_plan(wr.plan, wr.compiled, wr.routes, changed, user=user, now=now,
                                  kinds=request_kinds(store, wr.plan, wr.compiled))
    problems = validate(wr.compiled.problem, solution)
    if problems:
        raise BookingError.of("", "the changed route fails validation, nothing stored: {detail}",
                              detail=wr.compiled.in_city_words(problems[0]))
    return plan


def _store_derived(store: Store, wr: WeekRoutes, plan: Plan, *, new_id: int | None, user: str,
                   change: tuple[str, str]) -> Plan:
    """Save a derived version (the draft's stops given the stored request's id `new_id`) and its effects.

    The requests it now serves become planned (with the change as the cause); derived from the
    published version, it is published at once.
    """
    if new_id is not None:
        for s in plan.stops:
            if s.request_id == DRAFT_ID:
                s.request_id = new_id
        for u in plan.unassigned:
            if u.request_id == DRAFT_ID:
                u.request_id = new_id
        plan.summary["broken_promises"] = [new_id if r == DRAFT_ID else r
                                           for r in plan.summary.get("broken_promises", [])]
    base = wr.plan
    plan.summary["change"] = {"kind": change[0], "request": change[1]}
    saved = store.plans.save(plan)
    in_week = {new_id if r == DRAFT_ID else r for r in wr.compiled.requests}
    served = {s.request_id for s in saved.stops if s.request_id is not None}
    for rid in sorted(served & in_week):
        current = store.requests.get(rid)
        if current.status != RequestStatus.PLANNED and current.can_move_to(RequestStatus.PLANNED):
            store.change_status(rid, RequestStatus.PLANNED, user=user, cause=f"plan_{change[0]}",
                                cause_args={"week": base.week_start.isoformat(), "version": saved.version})
    if store.plans.published_at(base.id)[0] is not None:  # read under the lock: `base` may have been read before it
        # the drivers work from the published version: a booking or a cancellation
        # made into it must reach their list and sheet at once, not wait for a
        # dispatcher to publish (a dispatcher's newer draft stays a draft)
        saved = store.plans.publish(saved.id, user=user)
    return saved



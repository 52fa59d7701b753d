"""Hall-session seats: the sessions already planned at halls near a resident's home, and booking one.

A hall session (巡回) is a planned stop of type ``session`` in the latest plan
version of its week. Each resident booked into it needs set-up plus their
services' time on site (`scheduler.compiler._booked_service_s`: the session
grows when the bookings add up to more than its length, at the next plan).

**Room left** is judged against the planned route without moving anything:
the session's planned length plus the waiting time before the next stop of
its route, less what the residents already booked need. A session with room
can take the new resident without any later stop starting later.

Halls are listed by driving time from the resident's home (one matrix row).

`cancel_seat` cancels a seat with the reason when the resident phones to say
they will not come: the seat stays on record (when, why, by whom) but no
longer counts in the room left, the session's length at the next plan or the
read-back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from routing.errors import InputError
from scheduler.clock import city_now, city_today
from scheduler.domain import (
    DAY_S,
    Plan,
    PlanStop,
    RequestKind,
    Resident,
    SessionBooking,
    week_monday,
    week_seconds,
)

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["SeatAlreadyCancelled", "SeatError", "SessionSlot", "book_seat", "cancel_seat", "nearby_sessions",
           "planned_session", "seat_start_s"]

#: Halls farther than this by car from the home are not offered.
MAX_DRIVE_S = 45 * 60
#: Sessions listed at most.
MAX_SESSIONS = 12


class SeatError(InputError):
    """A seat cannot be booked or cancelled; the message names the field or says why."""


class SeatAlreadyCancelled(SeatError):
    """The seat was cancelled before (a conflict with the stored state, not a bad field)."""


@dataclass(frozen=True)
class SessionSlot:
    """A planned hall session with room left, and how far the hall is from the home."""

    session_request_id: int
    site_id: int
    site_name: str
    day: dt.date
    start_s: int  # seconds since midnight
    end_s: int
    drive_s: int  # driving time from the resident's home
    booked: int  # residents already booked
    room_s: int  # on-site time still free

    def to_dict(self) -> dict[str, Any]:
        """Return the slot as JSON-ready data."""
        from scheduler.domain import hhmm

        return {"session_request_id": self.session_request_id, "site_id": self.site_id, "site": self.site_name,
                "day": self.day.isoformat(), "start": hhmm(self.start_s), "end": hhmm(self.end_s),
                "drive_min": round(self.drive_s / 60), "booked": self.booked, "room_min": self.room_s // 60}


def seat_time_s(store: Store, services: tuple[str, ...]) -> int:
    """Return the on-site time one resident's seat needs: set-up plus their services."""
    from scheduler.compiler import STOP_SETUP_S

    durations = {s.code: s.duration_s for s in store.services.all()}
    for i, code in enumerate(services):
        if code not in durations:
            raise SeatError.of(f"services[{i}]", "unknown service {code!r}", code=code)
    return STOP_SETUP_S + sum(durations[c] for c in services)


def _room_s(store: Store, plan: Plan, stop: PlanStop) -> tuple[int, int]:
    """Return (residents booked, on-site seconds still free) of a planned session stop; cancelled seats do not count."""
    route = sorted((s for s in plan.stops if s.vehicle_id == stop.vehicle_id and s.day == stop.day),
                   key=lambda s: s.seq)
    after = [s for s in route if s.seq > stop.seq]
    waiting_s = (after[0].start_s - after[0].arrival_s) if after else 0
    bookings = store.session_bookings.find(session_request_id=stop.request_id, day=stop.day)
    booked_s = sum(seat_time_s(store, tuple(b.services)) for b in bookings)
    return len(bookings), (stop.departure_s - stop.start_s) + max(0, waiting_s) - booked_s


def _planned_sessions(store: Store, earliest: dt.date, latest: dt.date) -> list[tuple[Plan, PlanStop]]:
    out = []
    week = week_monday(earliest)
    while week <= latest:
        plan = store.plans.get(week)
        if plan is not None:
            out += [(plan, s) for s in plan.stops
                    if s.step_type == "session" and s.request_id is not None and earliest <= s.day <= latest]
        week += dt.timedelta(days=7)
    return out


def nearby_sessions(store: Store, network: Any, resident: Resident, *, earliest: dt.date, latest: dt.date,
                    services: tuple[str, ...] = ()) -> list[SessionSlot]:
    """Return the planned sessions between two days at halls near the home, with room for this seat.

    Sorted by driving time from the home, then day; at most `MAX_SESSIONS`.
    """
    need_s = seat_time_s(store, services)
    found = _planned_sessions(store, earliest, latest)
    site_ids = sorted({s.site_id for _, s in found if s.site_id is not None})
    if not site_ids:
        return []
    sites = {i: store.sites.get(i) for i in site_ids}
    points = [("home", resident.lat, resident.lon)] + [(f"site:{i}", sites[i].lat, sites[i].lon) for i in site_ids]
    drive = dict(zip(site_ids, (int(v) for v in network.matrix(points).durations[0, 1:])))
    slots = []
    for plan, stop in found:
        if drive[stop.site_id] > MAX_DRIVE_S:
            continue
        booked, room_s = _room_s(store, plan, stop)
        if room_s < need_s:
            continue
        base = week_seconds(plan.week_start, stop.day, 0)
        slots.append(SessionSlot(stop.request_id, stop.site_id, sites[stop.site_id].name, stop.day,
                                 (stop.start_s - base) % DAY_S, (stop.departure_s - base) % DAY_S,
                                 drive[stop.site_id], booked, room_s))
    slots.sort(key=lambda s: (s.drive_s, s.day, s.start_s))
    return slots[:MAX_SESSIONS]


def planned_session(store: Store, session_request_id: int, day: dt.date) -> tuple[Plan | None, PlanStop | None]:
    """Return the latest plan of the day's week and the session's stop in it that day (None: not planned)."""
    plan = store.plans.get(week_monday(day))
    stop = next((s for s in (plan.stops if plan else []) if s.request_id == session_request_id
                 and s.step_type == "session" and s.day == day), None)
    return plan, stop


def seat_start_s(store: Store, seat: SessionBooking) -> int | None:
    """Return when a seat's session starts (seconds since midnight) in the latest plan, None if not planned."""
    plan, stop = planned_session(store, seat.session_request_id, seat.day)
    return None if stop is None else stop.start_s - week_seconds(plan.week_start, seat.day, 0)


def book_seat(store: Store, resident_id: int, session_request_id: int, day: dt.date, *,
              services: tuple[str, ...] = (), today: dt.date | None = None) -> SessionBooking:
    """Book a resident into a planned session on `day`, re-checking the room in one write transaction.

    Parameters
    ----------
    today
        The city's date (default `scheduler.clock.city_today`): a session of a past day takes no seat.

    Raises
    ------
    SeatError
        The day is past, the session is not planned that day, the resident already has a seat, or
        there is no room left.
    """
    today = today or city_today()
    if day < today:
        raise SeatError.of("day", "{day} is in the past (today is {today})", day=day.isoformat(),
                           today=today.isoformat())
    need_s = seat_time_s(store, services)
    with store.transaction():
        session = store.requests.get(session_request_id)
        if session.kind != RequestKind.SESSION:
            raise SeatError.of("session", "request {request} is not a hall session", request=session_request_id)
        plan, stop = planned_session(store, session_request_id, day)
        if stop is None:
            raise SeatError.of("day", "the session is not planned on {day}", day=day.isoformat())
        bookings = store.session_bookings.find(session_request_id=session_request_id, day=day)  # active seats
        if any(b.resident_id == resident_id for b in bookings):
            raise SeatError.of("session", "the resident already has a seat in this session")
        if _room_s(store, plan, stop)[1] < need_s:
            raise SeatError.of("session", "no room left in this session; choose another")
        return store.session_bookings.add(SessionBooking(session_request_id, resident_id, day, tuple(services)))


def cancel_seat(store: Store, booking_id: int, *, reason: str, user: str,
                now: dt.datetime | None = None) -> SessionBooking:
    """Cancel a hall-session seat with the reason, in one write transaction; the seat stays on record.

    Raises
    ------
    SeatError
        ``reason`` is blank.
    SeatAlreadyCancelled
        The seat was cancelled before.
    scheduler.store.NotFound
        No seat has this id.
    """
    if not reason or not reason.strip():
        raise SeatError.of("reason", "say why the seat is cancelled")
    now = now or city_now()
    with store.transaction():
        seat = store.session_bookings.get(booking_id)
        if seat.cancelled_at is not None:
            raise SeatAlreadyCancelled.of("", "seat {seat}: already cancelled on {when} by {user}", seat=booking_id,
                                          when=f"{seat.cancelled_at:%Y-%m-%d %H:%M}", user=seat.cancelled_by)
        seat.cancelled_at, seat.cancel_reason, seat.cancelled_by = now, reason.strip(), user
        return store.session_bookings.update(seat)

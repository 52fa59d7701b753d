"""Hall sessions on a day off: record what a week's compile moved or cancelled, and move the seats with them.

The compiler (`scheduler.compiler`, rule in `scheduler.service_calendar.session_days_of_week`)
decides: a session whose rule day is a holiday or has no service is held on the
next service day the hall is open, or not held when its ``on_holiday`` rule says
``cancel``. When a week is planned, `apply_session_moves` makes that true in the
store, once per session and rule day:

- an event on the session request with the cause ``moved_for_holiday`` (from,
  to, holiday) or ``cancelled_for_holiday`` (day, holiday) and the number of
  seats it changed; the request keeps its status (the rule recurs, only that
  day's session moved);
- the residents booked into that day keep their seat on the day it moved to,
  or their seat is cancelled with the reason; they must be told (the week's
  board lists the sessions moved, with the seats to phone).

`session_moves_summary` gives the plan summary's ``session_moves``, which the week's board shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.clock import stamp_now
from scheduler.compiler import CompiledWeek
from scheduler.service_calendar import SessionDay

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["CANCELLED_SEAT_REASON", "apply_session_moves", "session_moves_summary"]

#: The reason kept on a seat whose session was cancelled for a holiday.
CANCELLED_SEAT_REASON = "休日のため巡回中止 / session cancelled for a holiday"
_CAUSES = ("moved_for_holiday", "cancelled_for_holiday")


def _told(sd: SessionDay) -> bool:
    """Whether a day off changes what was announced: moved somewhere, or cancelled by the rule."""
    return sd.held_on is not None or sd.rule == "cancel"


def _cause(sd: SessionDay) -> tuple[str, dict]:
    if sd.held_on is None:
        return "cancelled_for_holiday", {"day": sd.rule_day.isoformat(), "holiday": sd.holiday}
    return "moved_for_holiday", {"from": sd.rule_day.isoformat(), "to": sd.held_on.isoformat(),
                                 "holiday": sd.holiday}


def _recorded(store: Store, request_id: int) -> dict[str, dict]:
    """Return the session's holiday events by rule day: their cause arguments."""
    return {e.cause_args.get("from") or e.cause_args.get("day"): e.cause_args
            for e in store.request_events.of_request(request_id) if e.cause in _CAUSES}


def _change_seats(store: Store, request_id: int, sd: SessionDay, *, user: str) -> int:
    """Move the rule day's active seats to the day held (or cancel them); return how many changed."""
    seats = store.session_bookings.find(session_request_id=request_id, day=sd.rule_day)
    taken = set() if sd.held_on is None else {
        b.resident_id for b in store.session_bookings.find(session_request_id=request_id, day=sd.held_on)}
    for seat in seats:
        if sd.held_on is not None and seat.resident_id not in taken:
            seat.day = sd.held_on
        else:  # cancelled, or already booked on the day it moved to: that seat stays
            seat.cancelled_at, seat.cancel_reason, seat.cancelled_by = stamp_now(), CANCELLED_SEAT_REASON, user
        store.session_bookings.update(seat)
    return len(seats)


def apply_session_moves(store: Store, compiled: CompiledWeek, *, user: str) -> None:
    """Record the week's sessions moved or cancelled for a day off, and change their seats (once each)."""
    for rid, days in sorted(compiled.session_moves.items()):
        recorded = _recorded(store, rid)
        for sd in days:
            if not _told(sd) or sd.rule_day.isoformat() in recorded:
                continue
            cause, args = _cause(sd)
            args["seats"] = _change_seats(store, rid, sd, user=user)
            store.note_event(rid, user=user, cause=cause, cause_args=args)


def session_moves_summary(store: Store, compiled: CompiledWeek) -> list[dict]:
    """Return the plan summary's ``session_moves``: one entry per session and day off, by day.

    Each has the request, its site, ``from`` (the rule day), ``to`` (the day
    held, None when not held), the holiday's name, the rule, and the seats it
    changed (from the recorded event; 0 before it is recorded).
    """
    out = []
    for rid, days in compiled.session_moves.items():
        recorded = _recorded(store, rid)
        site_id = store.requests.get(rid).details.site_id
        for sd in days:
            out.append({"request_id": rid, "site_id": site_id, "from": sd.rule_day.isoformat(),
                        "to": sd.held_on.isoformat() if sd.held_on else None, "holiday": sd.holiday,
                        "rule": sd.rule, "seats": recorded.get(sd.rule_day.isoformat(), {}).get("seats", 0)})
    return sorted(out, key=lambda m: (m["from"], m["request_id"]))


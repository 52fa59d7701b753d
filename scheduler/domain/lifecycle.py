"""The life cycle of a request on the day: what the crew reports at a stop, when, and what it moves.

A request's statuses and the moves allowed between them are
`scheduler.domain.RequestStatus` and `scheduler.domain.TRANSITIONS` (re-exported
here, so the whole life cycle reads in one place). This module adds the day's
rules, all pure:

- `StopAction`: what the crew reports (到着 / 完了 / 不在 / 対応不可) and the
  status each leads to (`STOP_ACTIONS`);
- `check_press_day` / `check_press_time`: a report is made on its stop's day,
  never ahead, and its time (``at``, when it happened) is on that day and not in
  the future;
- `report_steps`: the statuses a report moves a request through, given its
  status now, the kind of stop and the reports already there (a repeat, an
  older report, a move the life cycle does not allow: kept, status unchanged);
- `check_move`: whether a request may move to a status (with its promise when booking).

`scheduler.store.Store.mark_stop` and ``change_status`` only persist what these decide.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

from routing.errors import InputError
from scheduler.domain import (
    OPEN_STATUSES,
    TRANSITIONS,
    DomainError,
    Request,
    RequestEvent,
    RequestStatus,
    TimeWindow,
    city_id,
)

__all__ = ["OPEN_STATUSES", "PRESS_CLOCK_SKEW_S", "STOP_ACTIONS", "TRANSITIONS", "StopAction", "check_move",
           "check_press_day", "check_press_time", "report_steps", "stop_action"]


class StopAction(str, enum.Enum):
    """What the crew reports at a stop (到着 / 完了 / 不在 / 対応不可)."""

    ARRIVED = "arrived"
    DONE = "done"
    NOT_HOME = "not_home"
    CANNOT_SERVE = "cannot_serve"


#: The request status each stop action leads to. A pick-up that is done leaves the
#: errand or ride dispatched: its delivery or drop-off finishes it (see `Store.mark_stop`).
STOP_ACTIONS: dict[StopAction, RequestStatus | None] = {
    StopAction.ARRIVED: RequestStatus.DISPATCHED,
    StopAction.DONE: RequestStatus.DONE,
    StopAction.NOT_HOME: RequestStatus.NO_SHOW,
    StopAction.CANNOT_SERVE: RequestStatus.FAILED,
}


def check_press_day(stop_day: dt.date, today: dt.date) -> None:
    """Refuse a report (到着 / 完了 / 不在 / 対応不可) at a stop whose day is after the city's `today`.

    The crew reports a stop on its day or later (a late entry), never ahead:
    a 完了 two days early would tell the office a resident was served who was
    not. The one place this rule lives (`Store.mark_stop` calls it; screens
    ask it before offering the buttons), so a report's own time can be
    checked here later.

    Raises
    ------
    DomainError
        Naming the field ``day``.
    """
    if stop_day > today:
        raise DomainError.of("day", "the stop is on {day}, after today ({today}); a report is recorded on the "
                             "stop's day", day=stop_day.isoformat(), today=today.isoformat())


#: How far ahead of the server's clock a tablet's clock may run before its report is refused (seconds).
PRESS_CLOCK_SKEW_S = 120


def check_press_time(stop_day: dt.date, at: dt.datetime, now: dt.datetime) -> None:
    """Refuse a report whose time (``at``, the city's wall clock) is not on the stop's day or is in the future.

    A tablet that was offline sends its presses later with the time they were
    pressed; a time on another day, or later than now (beyond a tablet's
    clock running `PRESS_CLOCK_SKEW_S` ahead), cannot be a real press.

    Raises
    ------
    DomainError
        Naming the field ``at``.
    """
    if at.date() != stop_day:
        raise DomainError.of("at", "{at} is not on the stop's day {day}", at=at.isoformat(), day=stop_day.isoformat())
    if at > now + dt.timedelta(seconds=PRESS_CLOCK_SKEW_S):
        raise DomainError.of("at", "{at} is in the future (now {now})", at=at.isoformat(), now=now.isoformat())


def stop_action(action: object) -> StopAction:
    """Return the `StopAction` of a value; an `InputError` naming ``action`` otherwise."""
    try:
        return StopAction(action)
    except ValueError:
        raise InputError.of("action", "unknown action {action!r}; use one of {known}", action=action,
                            known=", ".join(a.value for a in StopAction)) from None


def report_steps(status: RequestStatus, step_type: str, act: StopAction, at: dt.datetime,
                 earlier: Sequence[RequestEvent]) -> list[RequestStatus] | None:
    """Return the statuses a crew's report moves its request through (None: a repeat, store nothing).

    Parameters
    ----------
    status
        The request's status now.
    step_type
        The stop's kind (``visit``, ``session``, ``pickup``, ``delivery``); a
        done pick-up leaves the request dispatched (its drop-off finishes it),
        and a hall session has no 不在.
    act, at
        The report and when it happened.
    earlier
        The reports already stored at this stop.

    A report the life cycle does not allow (the request was cancelled
    meanwhile), or older than one already there (a tablet that was offline),
    is kept with the status unchanged: ``[status]``.
    """
    if step_type == "session" and act == StopAction.NOT_HOME:
        raise InputError.of("action", "not_home is for a door; at a hall session use done (or cannot_serve with why)")
    if any(e.action == act.value and e.at == at for e in earlier):
        return None
    target = STOP_ACTIONS[act]
    if step_type == "pickup" and act == StopAction.DONE:
        target = RequestStatus.DISPATCHED
    steps = [target]
    if status == RequestStatus.PLANNED and target != RequestStatus.DISPATCHED:
        steps = [RequestStatus.DISPATCHED, target]
    if not all(to == status or RequestStatus(to) in TRANSITIONS[prev]
               for prev, to in zip([status, *steps], steps, strict=False)):
        return [status]
    if any(e.at > at for e in earlier):
        return [status]
    return steps


def check_move(req: Request, to: RequestStatus, promised: TimeWindow | None = None) -> None:
    """Refuse a status change the life cycle does not allow, or a booking without its promised window."""
    if not req.can_move_to(to):
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[req.status]))
        raise InputError.of("", "request {request}: cannot change status from {old} to {new} (allowed: {allowed})",
                            request=city_id(req), old=req.status.value, new=to.value, allowed=allowed or "none")
    if to == RequestStatus.BOOKED and (promised or req.promised) is None:
        raise InputError.of("", "request {request}: booking needs the promised window", request=city_id(req))

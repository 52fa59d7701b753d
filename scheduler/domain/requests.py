"""Requests and their life: kinds and statuses (`TRANSITIONS`), windows, details per kind, hall-session seats, request events, call outcomes.

Part of `scheduler.domain` (import names from there).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from scheduler.clock import stamp_now as _stamp_now
from scheduler.domain.checks import (
    MAX_AMOUNT_YEN,
    _check_time_of_day,
    _fail,
    check_text,
    check_texts,
)
from scheduler.domain.times import day_label, hhmm, week_seconds


class RequestKind(str, enum.Enum):
    """The four kinds of requests."""

    VISIT = "visit"  # 訪問 (home visit)
    SESSION = "session"  # 巡回 (hall session)
    ERRAND = "errand"  # おつかい (shop -> home delivery)
    RIDE = "ride"  # 乗車 (demand-responsive ride)


class RequestStatus(str, enum.Enum):
    """A request's life (受付 → 提示 → 予約 → 計画 → 配車 → 完了/不在/取消/失敗)."""

    RECEIVED = "received"
    OFFERED = "offered"
    BOOKED = "booked"
    PLANNED = "planned"
    DISPATCHED = "dispatched"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    FAILED = "failed"


#: Status changes a request may make; anything else is refused.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.RECEIVED: frozenset({RequestStatus.OFFERED, RequestStatus.BOOKED,
                                       RequestStatus.PLANNED, RequestStatus.CANCELLED}),
    RequestStatus.OFFERED: frozenset({RequestStatus.BOOKED, RequestStatus.RECEIVED,
                                      RequestStatus.PLANNED, RequestStatus.CANCELLED}),
    RequestStatus.BOOKED: frozenset({RequestStatus.PLANNED, RequestStatus.CANCELLED}),
    RequestStatus.PLANNED: frozenset({RequestStatus.DISPATCHED, RequestStatus.PLANNED,
                                      RequestStatus.RECEIVED, RequestStatus.BOOKED,
                                      RequestStatus.CANCELLED}),
    RequestStatus.DISPATCHED: frozenset({RequestStatus.DONE, RequestStatus.NO_SHOW,
                                         RequestStatus.FAILED, RequestStatus.CANCELLED}),
    RequestStatus.DONE: frozenset(),
    RequestStatus.NO_SHOW: frozenset({RequestStatus.RECEIVED}),
    RequestStatus.CANCELLED: frozenset(),
    RequestStatus.FAILED: frozenset({RequestStatus.RECEIVED}),
}

#: Statuses of requests that still need planning.
OPEN_STATUSES = frozenset({RequestStatus.RECEIVED, RequestStatus.OFFERED,
                           RequestStatus.BOOKED, RequestStatus.PLANNED})


# --------------------------------------------------------------------------- requests


@dataclass
class TimeWindow:
    """A window on one calendar day, seconds since midnight, both ends included."""

    day: dt.date
    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        if isinstance(self.day, str):
            self.day = dt.date.fromisoformat(self.day)
        _check_time_of_day("start_s", self.start_s)
        _check_time_of_day("end_s", self.end_s)
        if self.start_s > self.end_s:
            _fail("end_s", "window {window} ends before it starts", window=f"{hhmm(self.start_s)}–{hhmm(self.end_s)}")

    def to_week(self, week_start: dt.date) -> tuple[int, int]:
        """Return the window in week seconds."""
        return (week_seconds(week_start, self.day, self.start_s),
                week_seconds(week_start, self.day, self.end_s))

    def label(self) -> str:
        """Human label such as ``'2026-12-01 (Tue) 9:00–12:00'``."""
        return day_label(self.day, self.start_s, self.end_s)


@dataclass
class VisitDetails:
    """A home visit (訪問): the services the resident asked for."""

    services: tuple[str, ...]

    def __post_init__(self) -> None:
        self.services = tuple(self.services)
        if not self.services:
            _fail("details.services", "a home visit needs at least one service")


@dataclass
class SessionRule:
    """When a hall session recurs (巡回ルール).

    ``frequency``: ``weekly`` (every week on `weekday`), ``biweekly`` (every
    second week counted from `anchor`, a date on which a session was held) or
    ``monthly`` (the `nth` `weekday` of each month, e.g. the first Tuesday).
    """

    frequency: str
    weekday: int
    nth: int | None = None
    anchor: dt.date | None = None

    def __post_init__(self) -> None:
        if self.frequency not in {"weekly", "biweekly", "monthly"}:
            _fail("details.rule.frequency", "{value!r}: use weekly, biweekly or monthly", value=self.frequency)
        if not 0 <= self.weekday <= 6:
            _fail("details.rule.weekday", "weekday {weekday!r} is not 0 (Mon) to 6 (Sun)", weekday=self.weekday)
        if isinstance(self.anchor, str):
            self.anchor = dt.date.fromisoformat(self.anchor)
        if self.frequency == "monthly" and not (self.nth and 1 <= self.nth <= 5):
            _fail("details.rule.nth", "a monthly rule needs nth between 1 and 5")
        if self.frequency == "biweekly" and self.anchor is None:
            _fail("details.rule.anchor", "a biweekly rule needs an anchor date")

    def occurs_on(self, day: dt.date) -> bool:
        """Return whether the rule holds a session on `day`."""
        if day.weekday() != self.weekday:
            return False
        if self.frequency == "weekly":
            return True
        if self.frequency == "biweekly":
            return ((day - self.anchor).days // 7) % 2 == 0
        return (day.day - 1) // 7 + 1 == self.nth


#: What a hall session does on a rule day that is a holiday or has no service: ``move`` to the
#: next service day the hall is open (that week, else the next), or ``cancel`` that day's session.
ON_HOLIDAY_RULES = ("move", "cancel")


@dataclass
class SessionDetails:
    """A hall session (巡回): the van stays at a site while residents walk in."""

    site_id: int
    rule: SessionRule
    session_s: int = 5400
    earliest_start_s: int = 9 * 3600  # preferred hours for the session to start
    latest_start_s: int = 14 * 3600
    #: what becomes of a session whose rule day is a holiday or has no service (see `ON_HOLIDAY_RULES`)
    on_holiday: str = "move"

    def __post_init__(self) -> None:
        if isinstance(self.rule, dict):
            self.rule = SessionRule(**self.rule)
        if self.on_holiday not in ON_HOLIDAY_RULES:
            _fail("details.on_holiday", "{value!r} is not one of {known}", value=self.on_holiday,
                  known=", ".join(ON_HOLIDAY_RULES))
        if not isinstance(self.session_s, int) or self.session_s <= 0:
            _fail("details.session_s", "must be a positive number of seconds")
        _check_time_of_day("details.earliest_start_s", self.earliest_start_s)
        _check_time_of_day("details.latest_start_s", self.latest_start_s)
        if self.earliest_start_s > self.latest_start_s:
            _fail("details.latest_start_s", "latest start before earliest start")


@dataclass
class ErrandPickup:
    """One shop an errand collects from, once the goods are ready."""

    site_id: int
    boxes: int = 1
    ready_s: int = 0  # seconds since midnight on the delivery day when the goods are ready

    def __post_init__(self) -> None:
        if not isinstance(self.boxes, int) or self.boxes < 1:
            _fail("details.pickups.boxes", "{value!r} must be 1 or more", value=self.boxes)
        _check_time_of_day("details.pickups.ready_s", self.ready_s)


@dataclass
class ErrandDetails:
    """An errand (おつかい): pick-up at one or more shops, delivery home in a window."""

    pickups: tuple[ErrandPickup, ...]
    chilled: bool = False  # needs a cool box and a ride limit
    max_ride_s: int | None = None  # default for chilled goods: 90 minutes
    amount_to_collect_yen: int = 0
    order: str = ""  # what to pick up, for the driver's list

    def __post_init__(self) -> None:
        self.pickups = tuple(ErrandPickup(**p) if isinstance(p, dict) else p for p in self.pickups)
        if not self.pickups:
            _fail("details.pickups", "an errand needs at least one shop to pick up from")
        if self.chilled and self.max_ride_s is None:
            self.max_ride_s = 5400
        if self.max_ride_s is not None and self.max_ride_s <= 0:
            _fail("details.max_ride_s", "must be positive")
        amount = self.amount_to_collect_yen
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_AMOUNT_YEN:
            _fail("details.amount_to_collect_yen", "{value!r} is not a whole number of yen from 0 to {limit:,}",
                  value=amount, limit=MAX_AMOUNT_YEN)

    @property
    def boxes(self) -> int:
        """Total boxes delivered."""
        return sum(p.boxes for p in self.pickups)


@dataclass
class RideDetails:
    """A ride (デマンド交通): pick-up → drop-off; a site id, or None for the resident's home."""

    from_site_id: int | None
    to_site_id: int | None
    seats: int = 1
    wheelchair: bool = False
    max_ride_s: int = 3600
    return_of: int | None = None  # id of the outbound ride this one returns from

    def __post_init__(self) -> None:
        if self.from_site_id is None and self.to_site_id is None:
            _fail("details.to_site_id", "a ride from home must go to a site")
        if self.from_site_id is not None and self.from_site_id == self.to_site_id:
            _fail("details.to_site_id", "pick-up and drop-off are the same site")
        if not isinstance(self.seats, int) or self.seats < 1:
            _fail("details.seats", "{value!r} must be 1 or more", value=self.seats)
        if self.max_ride_s <= 0:
            _fail("details.max_ride_s", "must be positive")


Details = VisitDetails | SessionDetails | ErrandDetails | RideDetails
_DETAILS_FOR_KIND = {RequestKind.VISIT: VisitDetails, RequestKind.SESSION: SessionDetails,
                     RequestKind.ERRAND: ErrandDetails, RequestKind.RIDE: RideDetails}


@dataclass
class Request:
    """What a resident (or the city, for hall sessions) asked for.

    `windows` are the resident's preferences (one must hold); `promised` is the
    window told to the resident on the phone, which every plan must keep.
    For errands the windows are for the delivery home.
    """

    kind: RequestKind
    details: Details
    resident_id: int | None = None
    status: RequestStatus = RequestStatus.RECEIVED
    windows: list[TimeWindow] = field(default_factory=list)
    promised: TimeWindow | None = None
    received_at: dt.datetime = field(default_factory=lambda: _stamp_now())
    base_priority: int = 0  # 0–100 before the waiting bonus
    notes: str = ""
    external_id: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        self.kind = RequestKind(self.kind)
        self.status = RequestStatus(self.status)
        expected = _DETAILS_FOR_KIND[self.kind]
        if isinstance(self.details, dict):
            self.details = expected(**self.details)
        if not isinstance(self.details, expected):
            _fail("details", "a {kind} request needs {details}", kind=self.kind.value, details=expected.__name__)
        if self.kind != RequestKind.SESSION and self.resident_id is None:
            _fail("resident_id", "a {kind} request needs a resident", kind=self.kind.value)
        self.windows = [TimeWindow(**w) if isinstance(w, dict) else w for w in self.windows]
        if isinstance(self.promised, dict):
            self.promised = TimeWindow(**self.promised)
        if not 0 <= self.base_priority <= 100:
            _fail("base_priority", "{value!r} is not between 0 and 100", value=self.base_priority)
        check_texts(self)
        check_texts(self.details, "details.")
        if self.status == RequestStatus.BOOKED and self.promised is None:
            _fail("promised", "a booked request needs the promised window")

    def can_move_to(self, status: RequestStatus) -> bool:
        """Return whether the life cycle allows changing to `status`."""
        return RequestStatus(status) in TRANSITIONS[self.status]


@dataclass
class SessionBooking:
    """A resident booked into a hall session on a given day (巡回の予約)."""

    session_request_id: int
    resident_id: int
    day: dt.date
    services: tuple[str, ...] = ()
    id: int | None = None
    cancelled_at: dt.datetime | None = None  # None: the seat is active (the resident is coming)
    cancel_reason: str = ""  # why, as the resident said on the phone (取消理由)
    cancelled_by: str = ""  # the staff login who cancelled it

    @property
    def cancelled(self) -> bool:
        """Whether the seat was cancelled (it no longer counts, but stays on record)."""
        return self.cancelled_at is not None


#: Why the system (not a person) changed a request: the closed set of `RequestEvent.cause`,
#: with the arguments each one carries in `RequestEvent.cause_args`. Screens say them
#: in staff words from the code and its arguments; nothing reads the free-text note.
EVENT_CAUSES: dict[str, tuple[str, ...]] = {
    "plan": ("week", "version"),  # a plan version serves the request
    "plan_left_out": ("week", "version", "reason"),  # a new plan version no longer serves it (reason in words)
    "plan_booking": ("week", "version"),  # served by the version a phone booking derived
    "plan_cancellation": ("week", "version"),  # served by the version a cancellation derived (time freed)
    "csv_import": (),  # cancelled by a CSV import that marked it cancelled
    "personal_data_removed": (),  # cancelled because the resident's personal data was removed on request
    "moved_for_holiday": ("from", "to", "holiday"),  # a hall session's day off moved to the next service day
    "cancelled_for_holiday": ("day", "holiday"),  # a hall session's day off cancelled (its rule says cancel)
}


@dataclass
class RequestEvent:
    """One change of a request, kept for the record (who, when, from, to, why).

    ``note`` is what a person typed (the cancel reason a resident gave, a
    driver's note); ``cause`` is why the system made the change, a code of
    `EVENT_CAUSES` with its ``cause_args`` (no personal data).
    """

    request_id: int
    at: dt.datetime
    user: str
    from_status: RequestStatus | None
    to_status: RequestStatus
    note: str = ""
    id: int | None = None
    stop_id: int | None = None  # the plan stop the crew reported at (driver's buttons)
    action: str | None = None  # the crew's report there (scheduler.domain.lifecycle.StopAction value)
    cause: str | None = None
    cause_args: dict = field(default_factory=dict)
    #: when the server stored a crew's report (``at`` is when it happened); None: at once
    received_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.cause is not None:
            if self.cause not in EVENT_CAUSES:
                _fail("cause", "unknown cause {value!r}; use one of {known}", value=self.cause, known=", ".join(EVENT_CAUSES))
            missing = [k for k in EVENT_CAUSES[self.cause] if k not in self.cause_args]
            if missing:
                _fail("cause_args", "cause {value!r} needs {missing}", value=self.cause, missing=", ".join(missing))


#: What an operator notes on a call of the day's call list: 連絡済み / 不在・折返し待ち / 変更了承 / 取消希望.
CALL_OUTCOMES = ("informed", "no_answer", "accepted", "cancel")


@dataclass
class CallOutcome:
    """What an operator noted on a call of the day's call list (`scheduler.live.calls`).

    ``told`` and ``expected`` keep the times said (``10:00–11:00``, ``11:20``) as
    they stood when the call was made.
    """

    day: dt.date
    request_id: int
    stop_id: int | None
    outcome: str
    user: str
    at: dt.datetime
    note: str = ""
    told: str = ""
    expected: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if self.outcome not in CALL_OUTCOMES:
            _fail("outcome", "{value!r} is not one of {known}", value=self.outcome, known=", ".join(CALL_OUTCOMES))
        check_text("note", self.note)

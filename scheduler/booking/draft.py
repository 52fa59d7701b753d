"""The draft request an operator fills in on the phone, read from JSON with every field checked.

See ``docs/BOOKING.md`` for the format. Residents and sites are named by the
city's id (``SAMPLE-R001``) or the database id; a wrong one is refused with
the field named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from routing.errors import InputError, english
from scheduler.clock import city_today
from scheduler.domain import (
    DAY_S,
    ErrandDetails,
    Request,
    RequestKind,
    RequestStatus,
    Resident,
    RideDetails,
    TimeWindow,
    VisitDetails,
    check_text,
    parse_hhmm,
)

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = [
    "BOOKING_HORIZON_DAYS",
    "DEFAULT_WINDOW_S",
    "ERRAND_MAX_AMOUNT_YEN",
    "Draft",
    "DraftError",
    "bookable_days",
    "parse_draft",
]

#: Offers and bookings reach this many days ahead of today (8 weeks); an instance may set its own.
BOOKING_HORIZON_DAYS = 56
#: The most an errand may ask the driver to collect (yen); an instance may set its own.
ERRAND_MAX_AMOUNT_YEN = 100_000

#: Length of the promise window per kind: a 60-minute arrival window for a home visit, 2 hours for a
#: delivery, the pick-up time ± 15 minutes for a ride.
DEFAULT_WINDOW_S = {RequestKind.VISIT: 3600, RequestKind.ERRAND: 7200, RequestKind.RIDE: 1800}
#: Candidate windows start every this many seconds.
STEP_S = 1800
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NOON_S, _AFTERNOON_S = 12 * 3600, 13 * 3600
_KINDS = ("visit", "errand", "ride")
#: The draft's field holding each kind's details (what a message about them names).
_DETAILS_FIELD = {RequestKind.VISIT: "services", RequestKind.ERRAND: "shops", RequestKind.RIDE: "ride"}


class DraftError(InputError):
    """A draft request cannot be read; the message names the field."""


@dataclass
class Draft:
    """What the resident asks for, before any promise (see ``docs/BOOKING.md``)."""

    resident: Resident
    kind: RequestKind
    details: VisitDetails | ErrandDetails | RideDetails
    earliest: dt.date
    latest: dt.date
    after_s: int = 0  # service (rides: pick-up) not before this time of day
    before_s: int = DAY_S  # the promise window ends by this time of day
    not_weekdays: frozenset[int] = frozenset()
    window_s: int = 3600
    offers: int = 5
    notes: str = ""
    raw: dict = field(default_factory=dict)

    def day_ok(self, day: dt.date) -> bool:
        """Return whether the resident accepts `day` (inside the dates, not an excluded weekday)."""
        return self.earliest <= day <= self.latest and day.weekday() not in self.not_weekdays

    def request(self, *, windows: list[TimeWindow] = (), promised: TimeWindow | None = None,
                now: dt.datetime, id: int | None = None) -> Request:
        """Return the draft as a request (booked when `promised` is given)."""
        status = RequestStatus.BOOKED if promised is not None else RequestStatus.RECEIVED
        return Request(self.kind, self.details, resident_id=self.resident.id, status=status,
                       windows=list(windows), promised=promised, received_at=now, notes=self.notes, id=id)


def _fail(name: str, problem: str, /, **params: Any) -> None:
    """Raise `DraftError` naming the draft's field `name`; `problem` is an English template filled from `params`."""
    raise DraftError(f"draft: {english(name, problem, params)}", field=name, template=problem, params=params)


def _fail_as(name: str, exc: InputError) -> None:
    """Raise the problem of `exc` (an error of a value, naming no field or the same one) as the draft's `name`'s."""
    if exc.template:
        _fail(name, exc.template, **exc.params)
    _fail(name, "{cause}", cause=exc)


def _lookup(kind: str, value: Any, by_external, by_id, name: str):
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return by_id(value)
        except InputError:
            _fail(name, "no {kind} with id {value}", kind=kind, value=value)
    if isinstance(value, str) and value.strip():
        found = by_external(value.strip())
        if found is None:
            _fail(name, "no {kind} {value!r}", kind=kind, value=value)
        return found
    _fail(name, "give the {kind}'s city id (text) or database id (number)", kind=kind)
    return None


def _date(data: dict, name: str, default: dt.date | None) -> dt.date:
    value = data.get(name)
    if value is None:
        if default is None:
            _fail(name, "missing; give a date like 2026-12-07")
        return default
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        _fail(name, "{value!r} is not a date like 2026-12-07", value=value)
    return default  # pragma: no cover


def _time(value: Any, name: str) -> int:
    try:
        return parse_hhmm(str(value))
    except InputError as exc:
        _fail_as(name, exc)
    return 0  # pragma: no cover


def _site(store: Store, value: Any, name: str) -> int:
    return _lookup("site", value, store.sites.by_external_id, store.sites.get, name).id


def _amount(value: Any, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        _fail("amount_yen", "{value!r}: the amount to collect is whole yen from 0 to {most:,}", value=value, most=most)
    return value


def _text(data: dict, name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        _fail(name, "{value!r}: give text", value=value)
    try:
        check_text(name, value)
    except InputError as exc:
        _fail_as(name, exc)
    return value


def bookable_days(today: dt.date, horizon_days: int = BOOKING_HORIZON_DAYS) -> tuple[dt.date, dt.date]:
    """Return the first and last day a booking may be made for: today (the city's) to the horizon."""
    return today, today + dt.timedelta(days=horizon_days)


def _details(store: Store, kind: RequestKind, data: dict, max_amount_yen: int = ERRAND_MAX_AMOUNT_YEN):
    try:
        if kind == RequestKind.VISIT:
            services = data.get("services")
            if not isinstance(services, list):
                _fail("services", "a list of service codes, e.g. [\"seal_certificate\"]")
            known = {s.code for s in store.services.all()}
            for i, code in enumerate(services):
                if not isinstance(code, str) or code not in known:
                    _fail(f"services[{i}]", "unknown service {code!r}; known: {known}", code=code, known=", ".join(sorted(known)))
            return VisitDetails(tuple(services))
        if kind == RequestKind.ERRAND:
            shops = data.get("shops")
            if not isinstance(shops, list):  # an empty list: the errand's own check words it
                _fail("shops", "a list of shops, e.g. [{{\"site\": \"SAMPLE-S763\", \"boxes\": 1}}]")
            pickups = [{"site_id": _site(store, s.get("site"), f"shops[{i}].site"), "boxes": s.get("boxes", 1),
                        "ready_s": _time(s["ready"], f"shops[{i}].ready") if s.get("ready") else 0}
                       for i, s in enumerate(shops)]
            return ErrandDetails(pickups, chilled=bool(data.get("chilled", False)),
                                 amount_to_collect_yen=_amount(data.get("amount_yen", 0), max_amount_yen),
                                 order=_text(data, "items"))
        ride = data.get("ride")
        if not isinstance(ride, dict):
            _fail("ride", "an object such as {{\"from\": \"home\", \"to\": \"SAMPLE-S762\"}}")
        ends = [None if ride.get(k, "home") == "home" else _site(store, ride.get(k), f"ride.{k}")
                for k in ("from", "to")]
        return RideDetails(ends[0], ends[1], seats=int(ride.get("seats", 1)),
                           wheelchair=bool(ride.get("wheelchair", False)),
                           max_ride_s=int(ride.get("max_ride_min", 60)) * 60)
    except DraftError:  # before ValueError: a DraftError is one, and already names its field
        raise
    except InputError as exc:  # before ValueError too: a domain check's worded problem (no service, no shop)
        _fail_as(_DETAILS_FIELD[kind], exc)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        _fail(_DETAILS_FIELD[kind], "cannot read the details ({detail})", detail=str(exc))
    return None  # pragma: no cover


def _preferences(draft: Draft, prefs: Any) -> None:
    if prefs is None:
        return
    if not isinstance(prefs, dict):
        _fail("preferences", "an object such as {{\"mornings\": true, \"not\": [\"wed\"], \"after\": \"10:00\"}}")
    unknown = set(prefs) - {"mornings", "afternoons", "not", "after", "before"}
    if unknown:
        _fail(f"preferences.{min(unknown)}", "unknown; use mornings, afternoons, not, after, before")
    if prefs.get("mornings"):
        draft.before_s = min(draft.before_s, _NOON_S)
    if prefs.get("afternoons"):
        draft.after_s = max(draft.after_s, _AFTERNOON_S)
    if "after" in prefs:
        draft.after_s = max(draft.after_s, _time(prefs["after"], "preferences.after"))
    if "before" in prefs:
        draft.before_s = min(draft.before_s, _time(prefs["before"], "preferences.before"))
    days = prefs.get("not", [])
    if not isinstance(days, list) or any(str(d).lower()[:3] not in _WEEKDAYS for d in days):
        _fail("preferences.not", "a list of weekdays from {known}", known=", ".join(_WEEKDAYS))
    draft.not_weekdays = frozenset(_WEEKDAYS.index(str(d).lower()[:3]) for d in days)
    if draft.after_s >= draft.before_s:
        _fail("preferences", "after is not earlier than before: no time of day is left")


def parse_draft(store: Store, data: Any, *, today: dt.date | None = None,
                horizon_days: int = BOOKING_HORIZON_DAYS, max_amount_yen: int = ERRAND_MAX_AMOUNT_YEN) -> Draft:
    """Read a draft request (a dict from JSON), resolving the resident and sites in `store`.

    Parameters
    ----------
    today
        The city's date (`scheduler.clock.city_today`): no day before it is offered, and
        none more than `horizon_days` after it.
    max_amount_yen
        The most an errand may ask the driver to collect.

    Raises
    ------
    DraftError
        For any wrong or missing field; the message names it.
    """
    if not isinstance(data, dict):
        _fail("(top)", "a JSON object is needed")
    kind_text = data.get("kind")
    if kind_text not in _KINDS:
        _fail("kind", "{value!r}: use one of {known} (hall seats: see sessions)", value=kind_text, known=", ".join(_KINDS))
    kind = RequestKind(kind_text)
    resident = _lookup("resident", data.get("resident"), store.residents.by_external_id, store.residents.get,
                       "resident")
    today = today or city_today()
    first, last = bookable_days(today, horizon_days)
    earliest = _date(data, "earliest", today)
    if earliest < first:
        _fail("earliest", "{day} is in the past (today is {today}); offers start from today", day=earliest, today=today)
    if earliest > last:
        _fail("earliest", "{day} is more than {days} days ahead; bookings reach {last}", day=earliest, days=horizon_days,
              last=last)
    latest = _date(data, "latest", min(last, earliest + dt.timedelta(days=13)))
    if latest < earliest:
        _fail("latest", "{day} is before earliest {earliest}", day=latest, earliest=earliest)
    if latest > last:
        _fail("latest", "{day} is more than {days} days ahead; bookings reach {last}", day=latest, days=horizon_days,
              last=last)
    draft = Draft(resident, kind, _details(store, kind, data, max_amount_yen), earliest, latest,
                  window_s=DEFAULT_WINDOW_S[kind], notes=_text(data, "notes"), raw=dict(data))
    if "window_min" in data:
        minutes = data["window_min"]
        if not isinstance(minutes, int) or not 10 <= minutes <= 480:
            _fail("window_min", "{value!r}: minutes between 10 and 480", value=minutes)
        draft.window_s = minutes * 60
    offers = data.get("offers", 5)
    if not isinstance(offers, int) or not 1 <= offers <= 20:
        _fail("offers", "{value!r}: a number from 1 to 20", value=offers)
    draft.offers = offers
    _preferences(draft, data.get("preferences"))
    return draft

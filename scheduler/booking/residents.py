"""The resident on the phone: a reading for a name, registering a new resident, their history.

`suggest_reading` proposes the kana reading (ふりがな) of a name written in
kanji (pykakasi); the operator checks it with the caller. `fold_reading`
brings any kana the operator types (ひらがな or カタカナ, full- or half-width)
to one form. `register_resident` checks every field and refuses a home too far
from any road, giving the distance. `resident_history` gathers what a
resident asked for, what became of it, and every recorded event.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jaconv

from routing.errors import InputError
from scheduler.domain import (
    Request,
    RequestEvent,
    RequestStatus,
    Resident,
    SessionBooking,
    city_id,
)

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["HistoryEntry", "LikelyDuplicate", "ResidentError", "fold_reading", "likely_duplicate",
           "register_resident", "resident_history", "stored_reading", "suggest_reading"]

#: Requests that can still be cancelled or changed on the phone.
OPEN_STATUSES = frozenset({RequestStatus.RECEIVED, RequestStatus.OFFERED, RequestStatus.BOOKED,
                           RequestStatus.PLANNED, RequestStatus.DISPATCHED})
_TEXT_FIELDS = ("name", "kana", "phone", "address", "district", "notes", "contact_name", "contact_phone")
_MAX_LEN = 200


class ResidentError(InputError):
    """A new resident cannot be registered; the message names the field."""


class LikelyDuplicate(ResidentError):
    """The register already has a resident with the same phone, or the same reading and address.

    `existing` is that resident; register anyway with ``not_duplicate: true`` (another person).
    """

    def __init__(self, message: str = "", *, existing: Resident, **parts: Any) -> None:
        super().__init__(message, **parts)
        self.existing = existing


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def likely_duplicate(store: Store, new: Resident) -> Resident | None:
    """Return a stored resident who is probably `new`: the same phone number, or the same reading and address."""
    phone, reading, address = _digits(new.phone), fold_reading(new.kana), "".join(new.address.split())
    for old in store.residents.all():
        if phone and _digits(old.phone) == phone:
            return old
        if reading and address and fold_reading(old.kana) == reading and "".join(old.address.split()) == address:
            return old
    return None


def fold_reading(text: str) -> str:
    """Return a kana reading as full-width hiragana without spaces (ﾔﾏﾀﾞ ﾊﾅｺ -> やまだはなこ), to compare readings."""
    wide = jaconv.h2z(text or "", kana=True, ascii=False, digit=False)
    return "".join(jaconv.kata2hira(wide).split())


def stored_reading(text: str) -> str:
    """Return a reading as the register keeps it: full-width katakana, one space between the names.

    ``'やまだ　はなこ'`` and ``'ﾔﾏﾀﾞ ﾊﾅｺ'`` are both kept as ``'ヤマダ ハナコ'``.
    """
    wide = jaconv.h2z(text or "", kana=True, ascii=False, digit=False)
    return " ".join(jaconv.hira2kata(wide).split())


@functools.lru_cache(maxsize=1)
def _kakasi():
    import pykakasi

    return pykakasi.kakasi()


def suggest_reading(name: str) -> str:
    """Return a suggested hiragana reading of a name in kanji (a guess for the operator to check)."""
    if not name or not name.strip():
        return ""
    parts = _kakasi().convert(name.strip())
    return "".join(p["hira"] for p in parts).strip()


def _fail(name: str, problem: str, /, **params: Any) -> None:
    """Raise `ResidentError` naming `name`; `problem` is an English template filled from `params`."""
    raise ResidentError.of(name, problem, **params)


def _number(data: dict, name: str) -> float:
    try:
        return float(data.get(name))
    except (TypeError, ValueError):
        _fail(name, "give the position: click the map, or pick a landmark")
    return 0.0  # pragma: no cover


def _fields(store: Store, data: dict) -> dict[str, Any]:
    """Return the checked fields of a new resident (position from a site when one is picked)."""
    out = {}
    for name in _TEXT_FIELDS:
        value = data.get(name, "")
        if not isinstance(value, str):
            _fail(name, "must be text")
        if len(value) > _MAX_LEN:
            _fail(name, "at most {limit} characters", limit=_MAX_LEN)
        out[name] = value.strip()
    if not out["name"]:
        _fail("name", "must not be empty")
    out["kana"] = stored_reading(out["kana"] or suggest_reading(out["name"]))
    site = data.get("site")
    if site not in (None, ""):
        try:
            place = store.sites.get(int(site))
        except (TypeError, ValueError, InputError):
            _fail("site", "no landmark with id {value!r}", value=site)
        out["lat"], out["lon"] = place.lat, place.lon
    else:
        out["lat"], out["lon"] = _number(data, "lat"), _number(data, "lon")
    return out


def register_resident(store: Store, network: Any, data: dict, *, external_id: str | None = None) -> Resident:
    """Check and store a new resident; a home too far from any road is refused with the distance.

    Parameters
    ----------
    store
        An open store.
    network
        The road network (`routing.network.RoadNetwork`: ``off_road``, ``snap_limit_m``).
    data
        ``name`` (required), ``kana`` (suggested from the name when empty), ``phone``, ``address``,
        ``district``, ``notes`` (doorstep notes), ``contact_name`` / ``contact_phone`` (who else may
        book: family, care manager), and the position: ``lat`` and ``lon``, or ``site`` (a landmark's id);
        ``not_duplicate`` (true, or "1" from a form): the operator checked that a resident with the same
        phone, or the same reading and address, is another person.

    Raises
    ------
    LikelyDuplicate
        A resident with the same phone, or the same reading and address, is registered; nothing is stored.
    ResidentError
        For a wrong field or a position off the road; nothing is stored.
    """
    if not isinstance(data, dict):
        _fail("(top)", "a JSON object is needed")
    fields = _fields(store, data)
    try:
        resident = Resident(**fields, external_id=external_id)
    except InputError as exc:
        raise ResidentError(field=exc.field, template=exc.template or "{cause}",
                            params=exc.params if exc.template else {"cause": exc}) from None
    off = network.off_road([("home", resident.lat, resident.lon)])
    if off:
        _fail("position", "the point is {distance:.0f} m from the nearest road (limit {limit:.0f} m); "
                          "place the home on or next to a road", distance=off["home"], limit=network.snap_limit_m)
    if data.get("not_duplicate") not in (True, "1", "on"):
        same = likely_duplicate(store, resident)
        if same is not None:
            raise LikelyDuplicate(existing=same, field="not_duplicate",
                                  template="resident {resident} has the same phone, or the same reading and address; "
                                           "open that resident, or confirm this is another person",
                                  params={"resident": city_id(same)})
    return store.residents.add(resident)


@dataclass
class HistoryEntry:
    """One request of a resident with its events, newest first in a history."""

    request: Request
    events: list[RequestEvent] = field(default_factory=list)

    @property
    def can_cancel(self) -> bool:
        """Whether the request is still open (it can be cancelled or changed)."""
        return self.request.status in OPEN_STATUSES

    @property
    def last_at(self) -> dt.datetime:
        """When it last changed."""
        return self.events[-1].at if self.events else self.request.received_at


def resident_history(store: Store, resident_id: int) -> tuple[list[HistoryEntry], list[SessionBooking]]:
    """Return a resident's requests with their events (newest first) and their hall-session seats.

    Cancelled seats are included (``cancelled_at``, ``cancel_reason``): the history is the record.
    """
    entries = [HistoryEntry(r, store.request_events.of_request(r.id)) for r in store.requests.find(resident_id=resident_id)]
    entries.sort(key=lambda e: (e.request.received_at, e.request.id), reverse=True)
    seats = store.session_bookings.find(resident_id=resident_id, include_cancelled=True)
    return entries, seats

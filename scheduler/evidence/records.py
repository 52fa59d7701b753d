"""What a 完了 at a stop recorded: services handled with their counts, walk-ins, boxes, amount, passengers.

`StopHandled` is the record of one stop (table ``stop_handled``, migration 0013), one per stop:
a report sent again replaces it. `parse_handled` checks the API's ``handled`` object against the
service catalogue; `default_handled` is what the tablet pre-fills when the crew changes nothing
(the requested services ×1, the booked seats' services at a hall session, an errand's boxes and
amount, a ride's seats); `report_at_stop` stores a crew's report and, for 完了, what it handled, in
one transaction. `save_handled` / `handled_for` are the table's rows for `scheduler.store.Store`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from routing.errors import InputError
from scheduler.clock import city_now, stamp_now
from scheduler.domain import (
    MAX_AMOUNT_YEN,
    Request,
)

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["MAX_COUNT", "StopHandled", "default_handled", "handled_for", "handled_json", "parse_handled", "report_at_stop",
           "save_handled"]

#: The largest count of one service, of walk-ins, boxes or passengers at one stop.
MAX_COUNT = 999

#: The stops whose 完了 records something: a home visit, a hall session, an errand's or a ride's drop-off.
RECORDING_STEPS = frozenset({"visit", "session", "delivery"})


@dataclass
class StopHandled:
    """What was handled at one stop reported done (完了)."""

    stop_id: int
    request_id: int
    day: dt.date
    services: dict[str, int] = field(default_factory=dict)  # service code -> how many
    walk_ins: dict[str, int] = field(default_factory=dict)  # a hall session's walk-ins: code -> how many
    boxes: int = 0  # an errand's boxes delivered
    collected_yen: int = 0  # the amount collected on delivery
    passengers: int = 0  # a ride's passengers
    at: dt.datetime | None = None
    user: str = ""

    @property
    def services_total(self) -> int:
        """Every service handled, walk-ins included."""
        return sum(self.services.values()) + sum(self.walk_ins.values())


def _count(field_name: str, value: object, limit: int = MAX_COUNT) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise InputError.of(field_name, "{value!r} is not a whole number from 0 to {limit}", value=value, limit=limit)
    return value


def _counts(field_name: str, value: object, codes: set[str]) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise InputError.of(field_name, "expected an object of service codes and counts, e.g. {example}",
                            example='{"residence_certificate": 2}')
    out = {}
    for code, n in value.items():
        if code not in codes:
            raise InputError.of(f"{field_name}.{code}", "unknown service {code!r}; known: {known}",
                                code=code, known=", ".join(sorted(codes)))
        if _count(f"{field_name}.{code}", n):
            out[code] = n
    return out


_HANDLED_KEYS = ("services", "walk_ins", "boxes", "collected_yen", "passengers")


def parse_handled(value: object, codes: Iterable[str]) -> dict[str, Any]:
    """Return the checked fields of an API ``handled`` object (only those given).

    Service codes must be in `codes`; counts are whole numbers 0–999 (the amount collected, yen up to
    `MAX_AMOUNT_YEN`). A problem raises `InputError` naming the field, e.g. ``handled.services.xyz``.
    """
    if not isinstance(value, Mapping):
        raise InputError.of("handled", "expected an object with {keys}", keys=", ".join(_HANDLED_KEYS))
    unknown = sorted(set(value) - set(_HANDLED_KEYS))
    if unknown:
        raise InputError.of(f"handled.{unknown[0]}", "unknown field; use {keys}", keys=", ".join(_HANDLED_KEYS))
    known = set(codes)
    out: dict[str, Any] = {}
    for key in ("services", "walk_ins"):
        if key in value:
            out[key] = _counts(f"handled.{key}", value[key], known)
    for key in ("boxes", "passengers"):
        if key in value:
            out[key] = _count(f"handled.{key}", value[key])
    if "collected_yen" in value:
        out["collected_yen"] = _count("handled.collected_yen", value["collected_yen"], MAX_AMOUNT_YEN)
    return out


def default_handled(kind: str, step_type: str, details: Mapping[str, Any],
                    booked_services: Iterable[Iterable[str]] = ()) -> dict[str, Any]:
    """Return what a 完了 handled when the crew changed nothing: what was asked for, once each.

    `kind` and `details` are the request's (``details`` as stored, a JSON object); `booked_services`
    are the services of a hall session's active seats that day (one list per seat).
    """
    if step_type == "session":
        return {"services": dict(Counter(code for seat in booked_services for code in seat))}
    if kind == "visit":
        return {"services": dict(Counter(details.get("services", ())))}
    if step_type == "delivery" and kind == "errand":
        return {"boxes": sum(int(p.get("boxes", 1)) for p in details.get("pickups", ())),
                "collected_yen": int(details.get("amount_to_collect_yen", 0))}
    if step_type == "delivery" and kind == "ride":
        return {"passengers": int(details.get("seats", 1))}
    return {}


#: What a 完了 records at each kind of stop (a ride's drop-off its passengers, an errand's delivery its boxes
#: and amount, a visit its services, a hall session its services and walk-ins).
def _fields_of(kind: str, step_type: str) -> set[str]:
    if step_type == "session":
        return {"services", "walk_ins"}
    if step_type == "visit":
        return {"services"}
    return {"boxes", "collected_yen"} if kind == "errand" else {"passengers"} if kind == "ride" else set()


def _applicable(given: Mapping[str, Any], kind: str, step_type: str) -> dict[str, Any]:
    """Return the fields of `given` this stop records; an empty or zero other one is dropped, any other refused.

    A form or tablet may send every counter it has at 0; a count of passengers at an errand's
    delivery (or boxes at a visit) would swell the figures and is refused, naming the field.
    """
    fields = _fields_of(kind, step_type)
    for key, value in given.items():
        if key not in fields and value not in (0, {}, None) and any(v for v in (
                value.values() if isinstance(value, Mapping) else [value])):
            raise InputError.of(f"handled.{key}", "a {step} stop of a {kind} records no {field}", step=step_type,
                                kind=kind, field=key)
    return {key: value for key, value in given.items() if key in fields}


def report_at_stop(store: Any, stop_id: int, action: str, *, handled: object = None, user: str, note: str = "",
                   today: dt.date | None = None, at: dt.datetime | None = None,
                   now: dt.datetime | None = None) -> tuple[Request, StopHandled | None]:
    """Store a crew's report at a stop (`Store.mark_stop`) and, for 完了, what it handled; one transaction.

    `store` is a `scheduler.store.Store` (not imported: the store imports this module).

    `handled` is the API's object (`parse_handled`); a field it leaves out (all, without it) records
    `default_handled`'s, what the tablet pre-fills. It is
    refused (naming ``handled``) on another report than done or at a pick-up. Returns the request and
    the record stored (None when the report records nothing).
    """
    codes = [s.code for s in store.services.all()]
    given = parse_handled(handled, codes) if handled is not None else None
    with store.transaction():
        stop = store.plan_stops.get(stop_id)
        if given is not None and (action != "done" or stop.step_type not in RECORDING_STEPS):
            raise InputError.of("handled", "only a done report at a visit, a hall session or a drop-off records "
                                           "what was handled")
        req = store.mark_stop(stop_id, action, user=user, note=note, today=today, at=at, now=now)
        if action != "done" or stop.step_type not in RECORDING_STEPS:
            return req, None
        given = _applicable(given or {}, req.kind.value, stop.step_type)
        seats = [b.services for b in store.session_bookings.find(session_request_id=req.id, day=stop.day)
                 if not b.cancelled] if stop.step_type == "session" else []
        given = {**default_handled(req.kind.value, stop.step_type, dataclasses.asdict(req.details), seats), **given}
        record = StopHandled(stop_id=stop_id, request_id=req.id, day=stop.day, at=at or now or city_now(),
                             user=user, **given)
        return req, store.record_handled(record)


def _row(h: StopHandled) -> dict[str, Any]:
    return {"stop_id": h.stop_id, "request_id": h.request_id, "day": h.day.isoformat(),
            "services": json.dumps(h.services, sort_keys=True), "walk_ins": json.dumps(h.walk_ins, sort_keys=True),
            "boxes": h.boxes, "collected_yen": h.collected_yen, "passengers": h.passengers,
            "at": (h.at or stamp_now()).isoformat(), "user": h.user}


def _from_row(row: Mapping[str, Any]) -> StopHandled:
    return StopHandled(stop_id=row["stop_id"], request_id=row["request_id"], day=dt.date.fromisoformat(row["day"]),
                       services=json.loads(row["services"]), walk_ins=json.loads(row["walk_ins"]),
                       boxes=row["boxes"], collected_yen=row["collected_yen"], passengers=row["passengers"],
                       at=dt.datetime.fromisoformat(row["at"]), user=row["user"])


def save_handled(db: sqlite_utils.Database, h: StopHandled) -> StopHandled:
    """Store what a stop handled, replacing an earlier record of the same stop; return it as stored."""
    db["stop_handled"].insert(_row(h), replace=True)
    return handled_for(db, [h.stop_id])[h.stop_id]


def handled_for(db: sqlite_utils.Database, stop_ids: Iterable[int]) -> dict[int, StopHandled]:
    """Return the records of these stops that have one, by stop id."""
    ids = [int(i) for i in stop_ids]
    if not ids:
        return {}
    rows = db.query(f"SELECT * FROM stop_handled WHERE stop_id IN ({', '.join('?' * len(ids))})", ids)
    return {row["stop_id"]: _from_row(row) for row in rows}


def handled_json(h: StopHandled) -> dict[str, Any]:
    """Return a record as the API answers it (no resident, no names)."""
    return {"stop_id": h.stop_id, "request_id": h.request_id, "day": h.day.isoformat(), "services": h.services,
            "walk_ins": h.walk_ins, "boxes": h.boxes, "collected_yen": h.collected_yen, "passengers": h.passengers}

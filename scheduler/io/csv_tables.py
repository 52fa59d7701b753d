"""The CSV import's tables: each table's columns, and how a row becomes a domain object and is stored.

`Row` reads one row's cells through the staff-text parsers (`scheduler.io.staff_text`) and
collects every problem as a `RowError`; `SPECS` holds, for each table of `TABLES`, its required
and optional columns, the row's builder (``_build_resident`` ...), how the stored record it
updates is found, and how it is added or updated. `scheduler.io.csv_import` runs them.

Row checks never log cell values: they may be personal data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from routing.errors import InputError
from scheduler.domain import (
    CAPACITY_DIMENSIONS,
    DEFAULT_LUNCH_EARLIEST_S,
    DEFAULT_LUNCH_LATEST_END_S,
    DEFAULT_LUNCH_S,
    DEFAULT_WORK_END_S,
    DEFAULT_WORK_START_S,
    ErrandPickup,
    Request,
    RequestKind,
    RequestStatus,
    Resident,
    Service,
    SessionBooking,
    Site,
    Vehicle,
)
from scheduler.io.staff_text import (
    DAY_NAMES,
    choice,
    did_you_mean,
    nfkc,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_float,
    parse_int,
    parse_minutes,
    parse_opening_hours,
    parse_request_kind,
    parse_rule,
    parse_site_kind,
    parse_skills,
    parse_span,
    parse_time,
    parse_weekdays,
    parse_window,
    parse_windows,
    split_list,
)
from scheduler.store import Store

#: Tables `import_csv` accepts, in the order that lets references resolve.
TABLES = ("residents", "sites", "vehicles", "requests", "session_bookings")


@dataclass
class RowError:
    """One problem of one row: spreadsheet row number (header = 1), column, problem.

    `external_id` is the row's city id when it has one, shown after the row
    number so staff find the record in their own system.
    """

    row: int
    column: str
    problem: str
    external_id: str = field(default="", compare=False)
    #: The problem with its parts (`routing.errors.InputError`), for a screen in another language.
    cause: InputError | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" ({self.external_id})" if self.external_id else "")
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.problem}"


# --------------------------------------------------------------------------- rows

_IMPORT_STATUSES = (RequestStatus.RECEIVED, RequestStatus.OFFERED, RequestStatus.BOOKED,
                    RequestStatus.CANCELLED)
_import_status = choice({s.value: s for s in _IMPORT_STATUSES})


def _text(text: str) -> str:
    return text


class Row:
    """One data row: reads cells through parsers and collects every problem."""

    def __init__(self, number: int, cells: dict[str, str]) -> None:
        self.number = number
        self.cells = cells
        self.errors: list[RowError] = []

    def filled(self, column: str) -> bool:
        return bool(self.cells.get(column, "").strip())

    def error(self, column: str, problem: str | InputError, /, **params: object) -> None:
        """Record a problem of `column`: an error, or an English template filled from `params`."""
        cause = problem if isinstance(problem, InputError) else InputError.of("", problem, **params)
        self.errors.append(RowError(self.number, column, str(cause), self.cells.get("external_id", "").strip(),
                                    cause=cause))

    def get(self, column: str, parse: Callable[[str], object] = _text, *, required: bool = False,
            default: object = None) -> object:
        text = self.cells.get(column, "").strip()
        if not text:
            if required:
                self.error(column, "must not be empty")
            return default
        try:
            return parse(text)
        except InputError as exc:  # DomainError included
            self.error(column, exc)
            return default
        except ValueError as exc:
            self.error(column, "{cause}", cause=str(exc))
            return default


def domain_column(exc: InputError, columns: dict[str, str]) -> tuple[str, InputError]:
    """Map a DomainError naming a field to (CSV column, the problem); one naming no known column keeps its field."""
    for prefix, column in columns.items():
        if exc.field and exc.field.startswith(prefix):
            return column, InputError.of("", exc.template, **exc.params) if exc.template else exc
    return "", exc


# --------------------------------------------------------------------------- per-table specs


@dataclass(frozen=True)
class Spec:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    build: Callable[[Store, Row], object | None]  # None when the row has errors
    lookup: Callable[[Store, object], object | None]  # the stored record the built object updates
    add: Callable[[Store, object, str], object]
    update: Callable[[Store, object, object, str], object]
    domain_columns: dict[str, str]
    #: Columns that together identify a row: the same key twice in one file is an error.
    key: tuple[str, ...] = ("external_id",)
    #: Rows carry a position (lat, lon): placed by address when empty, checked against the road graph.
    located: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def _build_resident(store: Store, row: Row) -> Resident | None:
    values = {
        "name": row.get("name", required=True), "kana": row.get("kana", default=""),
        "phone": row.get("phone", default=""), "address": row.get("address", default=""),
        "lat": row.get("lat", parse_float, required=True), "lon": row.get("lon", parse_float, required=True),
        "district": row.get("district", default=""), "notes": row.get("notes", default=""),
        "contact_name": row.get("contact_name", default=""),
        "contact_phone": row.get("contact_phone", default=""),
        "consent": row.get("consent", parse_bool, default=True),
    }
    return None if row.errors else Resident(external_id=row.cells["external_id"].strip(), **values)


def _build_site(store: Store, row: Row) -> Site | None:
    values = {
        "name": row.get("name", required=True), "kind": row.get("kind", parse_site_kind, required=True),
        "lat": row.get("lat", parse_float, required=True), "lon": row.get("lon", parse_float, required=True),
        "address": row.get("address", default=""),
        "opening_hours": row.get("opening_hours", parse_opening_hours, default={}),
    }
    return None if row.errors else Site(external_id=row.cells["external_id"].strip(), **values)


def _site_ref(store: Store, row: Row, column: str, *, allow_home: bool = False,
              required: bool = True) -> int | None:
    text = row.get(column, required=required)
    if text is None:
        return None
    if allow_home and text.lower() in {"home", "自宅"}:
        return None
    site = store.sites.by_external_id(text)
    if site is None:
        known = [s.external_id for s in store.sites.all() if s.external_id]
        row.error(column, "no site with external_id {text!r}{hint}", text=text, hint=did_you_mean(text, known))
        return None
    return site.id


def _build_vehicle(store: Store, row: Row) -> Vehicle | None:
    depot = _site_ref(store, row, "depot")
    work = row.get("work_hours", parse_span, default=(DEFAULT_WORK_START_S, DEFAULT_WORK_END_S))
    lunch = row.get("lunch_window", parse_span, default=(DEFAULT_LUNCH_EARLIEST_S, DEFAULT_LUNCH_LATEST_END_S))
    lunch_s = row.get("lunch_minutes", parse_int, default=DEFAULT_LUNCH_S // 60) * 60
    capacity = {dim: row.get(dim, parse_int, default=0) for dim in CAPACITY_DIMENSIONS}
    values = {
        "name": row.get("name", required=True), "skills": row.get("skills", parse_skills, default=()),
        "cost_per_hour": row.get("cost_per_hour", parse_int, default=3600),
        "fixed_cost": row.get("fixed_cost", parse_int, default=0),
        "workdays": row.get("workdays", parse_weekdays, default=(0, 1, 2, 3, 4)),
        "active": row.get("active", parse_bool, default=True),
    }
    if row.errors:
        return None
    return Vehicle(depot_site_id=depot, capacity=capacity, work_start_s=work[0], work_end_s=work[1],
                   lunch_earliest_s=lunch[0], lunch_latest_end_s=lunch[1], lunch_s=lunch_s,
                   external_id=row.cells["external_id"].strip(), **values)


#: Staff words for a session's ``on_holiday`` rule (the codes move / cancel are read too).
_ON_HOLIDAY_WORDS = {"移動": "move", "振替": "move", "中止": "cancel"}

#: Columns each request kind uses besides the common ones.
_KIND_COLUMNS: dict[RequestKind, tuple[str, ...]] = {
    RequestKind.VISIT: ("services",),
    RequestKind.SESSION: ("site", "rule", "session_minutes", "start_between", "on_holiday"),
    RequestKind.ERRAND: ("shops", "chilled", "max_ride_minutes", "amount_yen", "order"),
    RequestKind.RIDE: ("from", "to", "seats", "wheelchair", "max_ride_minutes", "return_of"),
}


def _shops(store: Store, row: Row) -> tuple[ErrandPickup, ...]:
    """Parse ``SHOP1:2:10:00;SHOP2`` (site external id, boxes, time the goods are ready)."""
    pickups = []
    for part in split_list(row.cells.get("shops", "")):
        pieces = part.split(":", 2)
        ext = pieces[0].strip()
        try:
            boxes = parse_int(pieces[1]) if len(pieces) > 1 and pieces[1].strip() else 1
            ready_text = pieces[2].strip() if len(pieces) > 2 else ""
            ready_text = re.sub(r"^ready\s*", "", ready_text, flags=re.IGNORECASE)
            ready_s = parse_time(ready_text) if ready_text else 0
            site = store.sites.by_external_id(ext)
            if site is None:
                known = [s.external_id for s in store.sites.all() if s.external_id]
                raise InputError.of("", "no site with external_id {text!r}{hint}", text=ext,
                                    hint=did_you_mean(ext, known))
            pickups.append(ErrandPickup(site.id, boxes, ready_s))
        except InputError as exc:  # DomainError included
            row.error("shops", "{text!r}: {cause}", text=part,
                      cause=InputError.of("", exc.template, **exc.params) if exc.template else exc)
    return tuple(pickups)


def _service_names(store: Store) -> dict[str, Service]:
    """Return every way to write an active service: code, name_ja, name_en (NFKC, lower case)."""
    names: dict[str, Service] = {}
    for service in store.services.all():
        if service.active:
            for name in (service.code, service.name_ja, service.name_en):
                names.setdefault(nfkc(name).lower(), service)
    return names


def _near_service(word: str, names: dict[str, Service]) -> Service | None:
    """Return the service `word` was most likely meant to be: a near name, else a near start of a name.

    ``住民票`` is near ``住民票の写し``; ``住民表`` is near its start ``住民票``.
    """
    close = difflib.get_close_matches(word, list(names), n=1, cutoff=0.6)
    if close:
        return names[close[0]]
    starts = {name[:len(word)]: service for name, service in names.items() if len(name) > len(word)}
    close = difflib.get_close_matches(word, list(starts), n=1, cutoff=0.6)
    return starts[close[0]] if close else None


def _services_list(store: Store, row: Row) -> tuple[str, ...]:
    """Read the ``services`` cell: codes or Japanese or English names, ``;``-separated, as codes."""
    names = _service_names(store)
    codes = []
    for text in split_list(row.cells.get("services", "")):
        service = names.get(nfkc(text).lower())
        if service is None:
            near = _near_service(nfkc(text).lower(), names)
            hint = InputError.of("", "; did you mean {name} ({code})?", name=near.name_ja, code=near.code) if near else ""
            row.error("services", "{text!r} unknown{hint}", text=text, hint=hint)
            continue
        codes.append(service.code)
    return tuple(codes)


def _build_request(store: Store, row: Row) -> Request | None:
    kind = row.get("kind", parse_request_kind, required=True)
    resident_ext = row.get("resident")
    resident_id = None
    if resident_ext is not None:
        resident = store.residents.by_external_id(resident_ext)
        if resident is None:
            row.error("resident", "no resident with external_id {text!r}", text=resident_ext)
        else:
            resident_id = resident.id
    elif kind not in (None, RequestKind.SESSION):
        row.error("resident", "a {kind} request needs a resident", kind=kind.value)
    common = {
        "status": row.get("status", _import_status, default=RequestStatus.RECEIVED),
        "windows": row.get("windows", parse_windows, default=[]),
        "promised": row.get("promised", parse_window),
        "received_at": row.get("received_at", parse_datetime),
        "base_priority": row.get("priority", parse_int, default=0),
        "notes": row.get("notes", default=""),
    }
    if kind is None:
        return None
    for column in {c for cols in _KIND_COLUMNS.values() for c in cols} - set(_KIND_COLUMNS[kind]):
        if row.filled(column):
            row.error(column, "not used by a {kind} request; leave it empty", kind=kind.value)
    if kind == RequestKind.VISIT:
        row.get("services", required=True)
        details = {"services": _services_list(store, row)}
    elif kind == RequestKind.SESSION:
        window = row.get("start_between", parse_span, default=(9 * 3600, 14 * 3600))
        details = {"site_id": _site_ref(store, row, "site"), "rule": row.get("rule", parse_rule, required=True),
                   "session_s": row.get("session_minutes", parse_minutes, default=5400),
                   "earliest_start_s": window[0], "latest_start_s": window[1],
                   "on_holiday": _ON_HOLIDAY_WORDS.get(text := row.get("on_holiday", default="move"), text.lower())}
    elif kind == RequestKind.ERRAND:
        row.get("shops", required=True)
        details = {"pickups": _shops(store, row), "chilled": row.get("chilled", parse_bool, default=False),
                   "max_ride_s": row.get("max_ride_minutes", parse_minutes),
                   "amount_to_collect_yen": row.get("amount_yen", parse_int, default=0),
                   "order": row.get("order", default="")}
    else:
        return_of = row.get("return_of")
        return_id = None
        if return_of is not None:
            outbound = store.requests.by_external_id(return_of)
            if outbound is None or outbound.kind != RequestKind.RIDE:
                row.error("return_of", "no ride request with external_id {text!r} (import it first)", text=return_of)
            else:
                return_id = outbound.id
        details = {"from_site_id": _site_ref(store, row, "from", allow_home=True),
                   "to_site_id": _site_ref(store, row, "to", allow_home=True),
                   "seats": row.get("seats", parse_int, default=1),
                   "wheelchair": row.get("wheelchair", parse_bool, default=False),
                   "max_ride_s": row.get("max_ride_minutes", parse_minutes, default=3600),
                   "return_of": return_id}
    if row.errors:
        return None
    existing = store.requests.by_external_id(row.cells["external_id"].strip())
    if existing is not None:
        # Stored requests keep their reception time unless the file gives one;
        # their status is handled by _update_request.
        common["received_at"] = common["received_at"] or existing.received_at
    if common["received_at"] is None:
        del common["received_at"]
    return Request(kind=kind, details=details, resident_id=resident_id,
                   external_id=row.cells["external_id"].strip(), **common)


def _session_ref(store: Store, row: Row) -> Request | None:
    """Read the ``session`` cell: the external id of a hall-session request."""
    text = row.get("session", required=True)
    if text is None:
        return None
    session = store.requests.by_external_id(text)
    if session is None or session.kind != RequestKind.SESSION:
        known = [r.external_id for r in store.requests.all() if r.kind == RequestKind.SESSION and r.external_id]
        row.error("session", "no hall-session request with external_id {text!r}{hint}", text=text,
                  hint=did_you_mean(text, known))
        return None
    return session


def _check_session_day(row: Row, session: Request, day: dt.date) -> None:
    """Refuse a booking on a day the session is not held (its promised day, else its rule's days)."""
    if session.promised is not None:
        held = day == session.promised.day
        when = InputError.of("", "promised for {day}", day=session.promised.day.isoformat())
    else:
        rule = session.details.rule
        held = rule.occurs_on(day)
        when = InputError.of("", "held {frequency} on {weekday}", frequency=rule.frequency,
                             weekday=DAY_NAMES[rule.weekday])
    if not held:
        row.error("day", "{day} ({weekday}) is not a day of session {session} ({when})", day=day.isoformat(),
                  weekday=DAY_NAMES[day.weekday()], session=session.external_id, when=when)


def _build_booking(store: Store, row: Row) -> SessionBooking | None:
    session = _session_ref(store, row)
    resident_ext = row.get("resident", required=True)
    resident = store.residents.by_external_id(resident_ext) if resident_ext is not None else None
    if resident_ext is not None and resident is None:
        row.error("resident", "no resident with external_id {text!r}", text=resident_ext)
    day = row.get("day", parse_date, required=True)
    services = _services_list(store, row)
    if session is not None and day is not None:
        _check_session_day(row, session, day)
    if row.errors:
        return None
    return SessionBooking(session_request_id=session.id, resident_id=resident.id, day=day, services=services)


def _stored_booking(store: Store, booking: SessionBooking) -> SessionBooking | None:
    """Return the stored booking of the same resident into the same session on the same day.

    An active seat first; else a cancelled one, which the import leaves cancelled (`_update_booking`).
    """
    same = store.session_bookings.find(session_request_id=booking.session_request_id, day=booking.day,
                                  include_cancelled=True)
    mine = sorted((b for b in same if b.resident_id == booking.resident_id), key=lambda b: b.cancelled_at is not None)
    return mine[0] if mine else None


def _update_booking(store: Store, new: SessionBooking, old: SessionBooking, user: str) -> SessionBooking | None:
    """Update a stored seat's services; a seat cancelled on the phone stays cancelled (CSV has no such column)."""
    new = dataclasses.replace(new, id=old.id, cancelled_at=old.cancelled_at, cancel_reason=old.cancel_reason,
                              cancelled_by=old.cancelled_by)
    return None if new == old else store.session_bookings.update(new)


def _by_external_id(table: str) -> Callable[[Store, object], object | None]:
    """Find the stored row with the object's external id in the store's accessor `table` (``"residents"``)."""
    def lookup(store: Store, obj: object) -> object | None:
        return getattr(store, table).by_external_id(obj.external_id)

    return lookup


def _replace_id(new: object, old: object) -> object:
    return dataclasses.replace(new, id=old.id)


def _update_plain(table: str):
    def update(store: Store, new: object, old: object, user: str) -> object | None:
        new = _replace_id(new, old)
        if new == old:
            return None
        return getattr(store, table).update(new)

    return update


def _update_request(store: Store, new: Request, old: Request, user: str) -> object | None:
    """Update a stored request from a row.

    The life cycle of a stored request belongs to staff and planning, so the
    ``status`` column is ignored for it, except ``cancelled``, which cancels
    the request (when its life cycle allows) and records an event.
    """
    wanted = new.status
    candidate = dataclasses.replace(new, id=old.id, status=old.status)
    cancel = wanted == RequestStatus.CANCELLED and old.status != RequestStatus.CANCELLED
    if candidate == old and not cancel:
        return None
    if candidate != old:
        store.requests.update(candidate)
    if cancel:
        store.change_status(old.id, RequestStatus.CANCELLED, user=user, cause="csv_import")
    return candidate


SPECS: dict[str, Spec] = {
    "residents": Spec(
        required=("external_id", "name"),
        optional=("lat", "lon", "kana", "phone", "address", "district", "notes", "contact_name", "contact_phone",
                  "consent"),
        located=True,
        build=_build_resident, lookup=_by_external_id("residents"),
        add=lambda store, obj, user: store.residents.add(obj),
        update=_update_plain("residents"), domain_columns={"lat": "lat", "lon": "lon", "name": "name"}),
    "sites": Spec(
        required=("external_id", "name", "kind"),
        optional=("lat", "lon", "address", "opening_hours"),
        located=True,
        build=_build_site, lookup=_by_external_id("sites"),
        add=lambda store, obj, user: store.sites.add(obj),
        update=_update_plain("sites"),
        domain_columns={"lat": "lat", "lon": "lon", "name": "name", "opening_hours": "opening_hours"}),
    "vehicles": Spec(
        required=("external_id", "name", "depot"),
        optional=("seats", "boxes", "skills", "cost_per_hour", "fixed_cost", "work_hours", "lunch_window",
                  "lunch_minutes", "workdays", "active"),
        build=_build_vehicle, lookup=_by_external_id("vehicles"),
        add=lambda store, obj, user: store.vehicles.add(obj),
        update=_update_plain("vehicles"),
        domain_columns={"capacity.seats": "seats", "capacity.boxes": "boxes", "work_": "work_hours",
                        "lunch_latest_end_s": "lunch_window", "lunch_s": "lunch_minutes",
                        "depot_site_id": "depot", "name": "name", "workdays": "workdays"}),
    "requests": Spec(
        required=("external_id", "kind"),
        optional=("resident", "status", "priority", "received_at", "windows", "promised", "notes",
                  "services", "site", "rule", "session_minutes", "start_between", "on_holiday",
                  "shops", "chilled", "max_ride_minutes", "amount_yen", "order",
                  "from", "to", "seats", "wheelchair", "return_of"),
        build=_build_request, lookup=_by_external_id("requests"),
        add=lambda store, obj, user: store.add_request(obj, user=user),
        update=_update_request,
        domain_columns={"details.services": "services", "details.rule": "rule", "details.session_s": "session_minutes",
                        "details.on_holiday": "on_holiday",
                        "details.earliest_start_s": "start_between", "details.latest_start_s": "start_between",
                        "details.pickups": "shops", "details.max_ride_s": "max_ride_minutes",
                        "details.amount_to_collect_yen": "amount_yen", "details.to_site_id": "to",
                        "details.from_site_id": "from", "details.seats": "seats", "details.return_of": "return_of",
                        "details.site_id": "site", "promised": "promised", "base_priority": "priority",
                        "resident_id": "resident"}),
    "session_bookings": Spec(
        required=("session", "resident", "day"),
        optional=("services",),
        build=_build_booking, lookup=_stored_booking,
        add=lambda store, obj, user: store.session_bookings.add(obj),
        update=_update_booking,
        domain_columns={"session_request_id": "session", "resident_id": "resident"},
        key=("session", "resident", "day")),
}



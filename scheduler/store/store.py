"""Store the domain in SQLite: the one module that maps rows to dataclasses and back.

`Store.open` opens (or creates) a database, switches on foreign keys and, for
files, write-ahead logging, and applies pending migrations
(`scheduler.store.migrations`). Every ``add_*`` returns a copy of the object with
its new id; every ``get_*`` raises `NotFound` naming the id.

Writes that belong together (a plan and its stops, a request and its first
event, a status change and its event) run in one transaction: when any part
fails, the database keeps its previous state.

Row conventions: enums as their values, dates and datetimes as ISO text,
booleans as 0/1, nested values as JSON text. Nothing here logs personal data
(names, addresses, phone numbers); logs carry ids and counts only.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import enum
import json
import logging
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Self

import sqlite_utils

from routing.errors import InputError
from routing.instance import database_path
from scheduler.domain import (
    TRANSITIONS,
    Plan,
    PlanStatus,
    PlanStop,
    Request,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Resident,
    Service,
    SessionBooking,
    ShiftException,
    Site,
    SiteKind,
    Skill,
    TimeWindow,
    UnassignedRequest,
    Vehicle,
)
from scheduler.store.migrations import migrate, phone_digits

logger = logging.getLogger(__name__)


class NotFound(InputError):
    """No row with the given id (or external id); the message names it."""


class StorageError(InputError):
    """A write was refused (duplicate key, missing reference); the message says which."""


# --------------------------------------------------------------------------- value helpers


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _json_default(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    msg = f"cannot store {type(value).__name__} as JSON"
    raise TypeError(msg)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def _datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _window_dict(w: TimeWindow) -> dict:
    return {"day": w.day.isoformat(), "start_s": w.start_s, "end_s": w.end_s}


def _window(d: dict | None) -> TimeWindow | None:
    return None if d is None else TimeWindow(dt.date.fromisoformat(d["day"]), d["start_s"], d["end_s"])


_KATAKANA = range(ord("ァ"), ord("ヶ") + 1)


def normalize_search(text: str | None) -> str:
    """Fold text for searching: NFKC, lower case, no spaces, katakana as hiragana.

    So ``'ヤマダ　ハナコ'``, ``'やまだはなこ'`` and ``'ﾔﾏﾀﾞ ﾊﾅｺ'`` all fold to
    ``'やまだはなこ'``.
    """
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(
        chr(ord(ch) - 0x60) if ord(ch) in _KATAKANA else ch for ch in folded if not ch.isspace()
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --------------------------------------------------------------------------- row mapping


def _resident_row(r: Resident) -> dict:
    return {
        "external_id": r.external_id, "name": r.name, "kana": r.kana, "phone": r.phone,
        "address": r.address, "lat": float(r.lat), "lon": float(r.lon), "district": r.district,
        "notes": r.notes, "contact_name": r.contact_name, "contact_phone": r.contact_phone,
        "consent": int(bool(r.consent)), "phone_digits": phone_digits(r.phone),
    }


def _resident(row: dict) -> Resident:
    return Resident(
        name=row["name"], kana=row["kana"], phone=row["phone"], address=row["address"],
        lat=row["lat"], lon=row["lon"], district=row["district"], notes=row["notes"],
        contact_name=row["contact_name"], contact_phone=row["contact_phone"],
        consent=bool(row["consent"]), external_id=row["external_id"], id=row["id"],
    )


def _site_row(s: Site) -> dict:
    return {
        "external_id": s.external_id, "name": s.name, "kind": SiteKind(s.kind).value,
        "lat": float(s.lat), "lon": float(s.lon), "address": s.address,
        "opening_hours": _dumps({str(wd): list(span) for wd, span in s.opening_hours.items()}),
    }


def _site(row: dict) -> Site:
    hours = {int(wd): tuple(span) for wd, span in json.loads(row["opening_hours"]).items()}
    return Site(
        name=row["name"], kind=SiteKind(row["kind"]), lat=row["lat"], lon=row["lon"],
        address=row["address"], opening_hours=hours, external_id=row["external_id"], id=row["id"],
    )


_VEHICLE_INTS = ("cost_per_hour", "fixed_cost", "work_start_s", "work_end_s",
                 "lunch_earliest_s", "lunch_latest_end_s", "lunch_s")


def _vehicle_row(v: Vehicle) -> dict:
    row = {
        "external_id": v.external_id, "name": v.name, "depot_site_id": v.depot_site_id,
        "capacity": _dumps(dict(v.capacity)), "skills": _dumps([Skill(s).value for s in v.skills]),
        "workdays": _dumps(list(v.workdays)), "active": int(bool(v.active)),
    }
    row.update({name: getattr(v, name) for name in _VEHICLE_INTS})
    return row


def _vehicle(row: dict) -> Vehicle:
    return Vehicle(
        name=row["name"], depot_site_id=row["depot_site_id"], capacity=json.loads(row["capacity"]),
        skills=tuple(Skill(s) for s in json.loads(row["skills"])),
        workdays=tuple(json.loads(row["workdays"])), active=bool(row["active"]),
        external_id=row["external_id"], id=row["id"], **{name: row[name] for name in _VEHICLE_INTS},
    )


def _exception_row(e: ShiftException) -> dict:
    return {"vehicle_id": e.vehicle_id, "day": e.day.isoformat(), "reason": e.reason,
            "start_s": e.start_s, "end_s": e.end_s, "note": e.note}


def _exception(row: dict) -> ShiftException:
    return ShiftException(vehicle_id=row["vehicle_id"], day=_date(row["day"]), reason=row["reason"],
                          start_s=row["start_s"], end_s=row["end_s"], note=row["note"], id=row["id"])


def _service_row(s: Service) -> dict:
    return {"code": s.code, "name_ja": s.name_ja, "name_en": s.name_en, "duration_s": s.duration_s,
            "skill": Skill(s.skill).value if s.skill is not None else None, "active": int(bool(s.active))}


def _service(row: dict) -> Service:
    return Service(code=row["code"], name_ja=row["name_ja"], name_en=row["name_en"],
                   duration_s=row["duration_s"], skill=Skill(row["skill"]) if row["skill"] else None,
                   active=bool(row["active"]))


def _request_row(r: Request) -> dict:
    return {
        "external_id": r.external_id, "kind": RequestKind(r.kind).value, "resident_id": r.resident_id,
        "status": RequestStatus(r.status).value, "details": _dumps(dataclasses.asdict(r.details)),
        "windows": _dumps([_window_dict(w) for w in r.windows]),
        "promised": _dumps(_window_dict(r.promised)) if r.promised is not None else None,
        "received_at": r.received_at.isoformat(), "base_priority": r.base_priority, "notes": r.notes,
    }


def _request(row: dict) -> Request:
    # Request.__post_init__ rebuilds the details dataclass of its kind from the dict.
    return Request(
        kind=RequestKind(row["kind"]), details=json.loads(row["details"]),
        resident_id=row["resident_id"], status=RequestStatus(row["status"]),
        windows=[_window(w) for w in json.loads(row["windows"])],
        promised=_window(json.loads(row["promised"])) if row["promised"] else None,
        received_at=_datetime(row["received_at"]), base_priority=row["base_priority"],
        notes=row["notes"], external_id=row["external_id"], id=row["id"],
    )


def _event_row(e: RequestEvent) -> dict:
    return {"request_id": e.request_id, "at": e.at.isoformat(), "user": e.user,
            "from_status": RequestStatus(e.from_status).value if e.from_status is not None else None,
            "to_status": RequestStatus(e.to_status).value, "note": e.note}


def _event(row: dict) -> RequestEvent:
    return RequestEvent(
        request_id=row["request_id"], at=_datetime(row["at"]), user=row["user"],
        from_status=RequestStatus(row["from_status"]) if row["from_status"] else None,
        to_status=RequestStatus(row["to_status"]), note=row["note"], id=row["id"],
    )


def _booking_row(b: SessionBooking) -> dict:
    return {"session_request_id": b.session_request_id, "resident_id": b.resident_id,
            "day": b.day.isoformat(), "services": _dumps(list(b.services))}


def _booking(row: dict) -> SessionBooking:
    return SessionBooking(session_request_id=row["session_request_id"], resident_id=row["resident_id"],
                          day=_date(row["day"]), services=tuple(json.loads(row["services"])), id=row["id"])


def _plan_row(p: Plan) -> dict:
    return {"week_start": p.week_start.isoformat(), "version": p.version,
            "created_at": p.created_at.isoformat(), "created_by": p.created_by,
            "status": PlanStatus(p.status).value, "summary": _dumps(p.summary)}


def _plan(row: dict) -> Plan:
    return Plan(week_start=_date(row["week_start"]), version=row["version"],
                created_at=_datetime(row["created_at"]), created_by=row["created_by"],
                status=PlanStatus(row["status"]), summary=json.loads(row["summary"]), id=row["id"])


_STOP_PLAIN = ("plan_id", "vehicle_id", "seq", "step_type", "arrival_s", "start_s", "departure_s",
               "request_id", "site_id", "resident_id", "lat", "lon", "driving_s", "distance_m")


def _stop_row(s: PlanStop) -> dict:
    row = {name: getattr(s, name) for name in _STOP_PLAIN}
    row.update({"day": s.day.isoformat(), "load": _dumps(list(s.load))})
    return row


def _stop(row: dict) -> PlanStop:
    return PlanStop(day=_date(row["day"]), load=tuple(json.loads(row["load"])), id=row["id"],
                    **{name: row[name] for name in _STOP_PLAIN})


def _unassigned_row(u: UnassignedRequest) -> dict:
    return {"plan_id": u.plan_id, "request_id": u.request_id, "reason": u.reason,
            "day": u.day.isoformat() if u.day else None}


def _unassigned(row: dict) -> UnassignedRequest:
    return UnassignedRequest(request_id=row["request_id"], reason=row["reason"],
                             day=_date(row["day"]), plan_id=row["plan_id"])


# --------------------------------------------------------------------------- the store


class Store:
    """The odekake database: residents, sites, fleet, requests, bookings and plan versions.

    Use `Store.open` (or `Store.for_instance`) rather than the constructor.

    Parameters
    ----------
    db
        An open sqlite-utils database, already migrated.
    """

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        db.register_function(normalize_search, deterministic=True, name="odk_fold", replace=True)

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | Path = ":memory:") -> Store:
        """Open or create a database, switch on foreign keys (and WAL for files), migrate it.

        Parameters
        ----------
        path
            Database file, or ``":memory:"`` for a private in-memory database.
        """
        memory = str(path) == ":memory:"
        if not memory:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(memory=True) if memory else sqlite_utils.Database(path)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            if not memory:
                db.enable_wal()
            migrate(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            msg = f"{path}: cannot open as an odekake database ({exc})"
            raise InputError(msg) from None
        return cls(db)

    @classmethod
    def for_instance(cls, instance: Path) -> Store:
        """Open the database of an instance folder (``instance/odekake.db``)."""
        return cls.open(database_path(Path(instance)))

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block all-or-nothing.

        The outermost block takes the write lock at once (``BEGIN IMMEDIATE``),
        so two processes saving plan versions cannot pick the same number.
        A nested block joins the outer transaction as a savepoint: nothing is
        committed before the outermost block ends, and an exception that
        leaves the outer block rolls everything back.
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------ helpers

    def _get_row(self, table: str, what: str, id_: int) -> dict:
        rows = list(self.db.query(f"SELECT * FROM {table} WHERE id = ?", [id_]))
        if not rows:
            msg = f"{what} {id_!r} not found"
            raise NotFound(msg)
        return rows[0]

    def _exists(self, table: str, id_: object) -> bool:
        if id_ is None:
            return False
        return bool(list(self.db.query(f"SELECT 1 FROM {table} WHERE id = ?", [id_])))

    def _require(self, table: str, what: str, id_: object, *, field: str) -> None:
        if not self._exists(table, id_):
            msg = f"{field}: {what} {id_!r} not found"
            raise NotFound(msg)

    def _by_external(self, table: str, external_id: str) -> dict | None:
        rows = list(self.db.query(f"SELECT * FROM {table} WHERE external_id = ?", [external_id]))
        return rows[0] if rows else None

    def _check_external_free(self, table: str, what: str, external_id: str | None,
                             own_id: int | None) -> None:
        if external_id is None:
            return
        row = self._by_external(table, external_id)
        if row is not None and row["id"] != own_id:
            msg = f"external_id: {external_id!r} is already used by {what} {row['id']}"
            raise StorageError(msg)

    def _insert(self, table: str, row: dict) -> int:
        return self.db[table].insert(row).last_pk

    def _update(self, table: str, what: str, id_: int | None, row: dict) -> None:
        if id_ is None:
            msg = f"{what}: has no id; add it before updating"
            raise InputError(msg)
        self._get_row(table, what, id_)
        self.db[table].update(id_, row)

    # ------------------------------------------------------------------ residents

    def add_resident(self, r: Resident) -> Resident:
        """Store a new resident and return it with its id."""
        new = copy.deepcopy(r)
        with self.transaction():
            self._check_external_free("residents", "resident", new.external_id, None)
            new.id = self._insert("residents", _resident_row(new))
        return new

    def update_resident(self, r: Resident) -> Resident:
        """Overwrite the stored resident ``r.id`` with `r`."""
        with self.transaction():
            self._check_external_free("residents", "resident", r.external_id, r.id)
            self._update("residents", "resident", r.id, _resident_row(r))
        return self.get_resident(r.id)

    def get_resident(self, id: int) -> Resident:
        """Return the resident with this id."""
        return _resident(self._get_row("residents", "resident", id))

    def resident_by_external_id(self, external_id: str) -> Resident | None:
        """Return the resident with this external id, or None."""
        row = self._by_external("residents", external_id)
        return _resident(row) if row else None

    def residents(self) -> list[Resident]:
        """Return all residents in id order."""
        return [_resident(row) for row in self.db.query("SELECT * FROM residents ORDER BY id")]

    def find_residents(self, query: str, *, limit: int = 50) -> list[Resident]:
        """Find residents as an operator would while the caller waits.

        A query of digits (and ``-``, ``(``, ``)``, ``+``, spaces) matches
        anywhere in the phone number whatever separators were stored; any
        other query matches a part of the name, kana reading or address,
        ignoring spaces, width and hiragana/katakana differences.

        Parameters
        ----------
        query
            What the operator typed; blank gives no result.
        limit
            Most residents returned, ordered by kana reading.
        """
        folded = normalize_search(query)
        if not folded:
            return []
        if all(ch.isdigit() or ch in "-()+" for ch in folded):
            digits = "".join(ch for ch in folded if ch.isdigit())
            if not digits:
                return []
            sql = "SELECT * FROM residents WHERE phone_digits LIKE ? ORDER BY kana, id LIMIT ?"
            args: list = [f"%{digits}%", limit]
        else:
            pattern = f"%{_like_escape(folded)}%"
            sql = (
                "SELECT * FROM residents WHERE odk_fold(name) LIKE :p ESCAPE '\\' "
                "OR odk_fold(kana) LIKE :p ESCAPE '\\' OR odk_fold(address) LIKE :p ESCAPE '\\' "
                "ORDER BY kana, id LIMIT :n"
            )
            args = {"p": pattern, "n": limit}  # type: ignore[assignment]
        return [_resident(row) for row in self.db.query(sql, args)]

    # ------------------------------------------------------------------ sites

    def add_site(self, s: Site) -> Site:
        """Store a new site and return it with its id."""
        new = copy.deepcopy(s)
        with self.transaction():
            self._check_external_free("sites", "site", new.external_id, None)
            new.id = self._insert("sites", _site_row(new))
        return new

    def update_site(self, s: Site) -> Site:
        """Overwrite the stored site ``s.id`` with `s`."""
        with self.transaction():
            self._check_external_free("sites", "site", s.external_id, s.id)
            self._update("sites", "site", s.id, _site_row(s))
        return self.get_site(s.id)

    def get_site(self, id: int) -> Site:
        """Return the site with this id."""
        return _site(self._get_row("sites", "site", id))

    def site_by_external_id(self, external_id: str) -> Site | None:
        """Return the site with this external id, or None."""
        row = self._by_external("sites", external_id)
        return _site(row) if row else None

    def sites(self, kind: SiteKind | None = None) -> list[Site]:
        """Return all sites, or those of one kind, in id order."""
        if kind is None:
            rows = self.db.query("SELECT * FROM sites ORDER BY id")
        else:
            rows = self.db.query("SELECT * FROM sites WHERE kind = ? ORDER BY id", [SiteKind(kind).value])
        return [_site(row) for row in rows]

    # ------------------------------------------------------------------ vehicles

    def add_vehicle(self, v: Vehicle) -> Vehicle:
        """Store a new vehicle (its depot site must exist) and return it with its id."""
        new = copy.deepcopy(v)
        with self.transaction():
            self._require("sites", "site", new.depot_site_id, field="depot_site_id")
            self._check_external_free("vehicles", "vehicle", new.external_id, None)
            new.id = self._insert("vehicles", _vehicle_row(new))
        return new

    def update_vehicle(self, v: Vehicle) -> Vehicle:
        """Overwrite the stored vehicle ``v.id`` with `v`."""
        with self.transaction():
            self._require("sites", "site", v.depot_site_id, field="depot_site_id")
            self._check_external_free("vehicles", "vehicle", v.external_id, v.id)
            self._update("vehicles", "vehicle", v.id, _vehicle_row(v))
        return self.get_vehicle(v.id)

    def get_vehicle(self, id: int) -> Vehicle:
        """Return the vehicle with this id."""
        return _vehicle(self._get_row("vehicles", "vehicle", id))

    def vehicle_by_external_id(self, external_id: str) -> Vehicle | None:
        """Return the vehicle with this external id, or None."""
        row = self._by_external("vehicles", external_id)
        return _vehicle(row) if row else None

    def vehicles(self, *, active_only: bool = True) -> list[Vehicle]:
        """Return the vehicles in id order, only active ones unless told otherwise."""
        where = " WHERE active = 1" if active_only else ""
        return [_vehicle(row) for row in self.db.query(f"SELECT * FROM vehicles{where} ORDER BY id")]

    def add_shift_exception(self, e: ShiftException) -> ShiftException:
        """Store a day (or part of a day) a vehicle does not run."""
        new = copy.deepcopy(e)
        with self.transaction():
            self._require("vehicles", "vehicle", new.vehicle_id, field="vehicle_id")
            new.id = self._insert("shift_exceptions", _exception_row(new))
        return new

    def shift_exceptions(self, start: dt.date, end: dt.date) -> list[ShiftException]:
        """Return exceptions on days from `start` to `end`, both included."""
        rows = self.db.query(
            "SELECT * FROM shift_exceptions WHERE day BETWEEN ? AND ? ORDER BY day, vehicle_id, id",
            [start.isoformat(), end.isoformat()],
        )
        return [_exception(row) for row in rows]

    # ------------------------------------------------------------------ services

    def services(self) -> list[Service]:
        """Return the service catalogue (inactive entries included) in catalogue order."""
        return [_service(row) for row in self.db.query("SELECT * FROM services ORDER BY rowid")]

    def upsert_service(self, s: Service) -> Service:
        """Add a service to the catalogue or overwrite the one with the same code."""
        with self.transaction():
            self.db["services"].upsert(_service_row(s), pk="code")
        return copy.deepcopy(s)

    # ------------------------------------------------------------------ requests

    def _check_request_refs(self, r: Request) -> None:
        if r.resident_id is not None:
            self._require("residents", "resident", r.resident_id, field="resident_id")
        d = r.details
        if r.kind == RequestKind.SESSION:
            self._require("sites", "site", d.site_id, field="details.site_id")
        elif r.kind == RequestKind.ERRAND:
            for i, p in enumerate(d.pickups):
                self._require("sites", "site", p.site_id, field=f"details.pickups[{i}].site_id")
        elif r.kind == RequestKind.RIDE:
            for name in ("from_site_id", "to_site_id"):
                if getattr(d, name) is not None:
                    self._require("sites", "site", getattr(d, name), field=f"details.{name}")
            if d.return_of is not None:
                self._require("requests", "request", d.return_of, field="details.return_of")
        elif r.kind == RequestKind.VISIT:
            known = {s.code for s in self.services()}
            for code in d.services:
                if code not in known:
                    msg = f"details.services: unknown service {code!r}"
                    raise NotFound(msg)

    def add_request(self, req: Request, *, user: str) -> Request:
        """Store a new request and its first event (none → its status) together."""
        new = copy.deepcopy(req)
        with self.transaction():
            self._check_request_refs(new)
            self._check_external_free("requests", "request", new.external_id, None)
            new.id = self._insert("requests", _request_row(new))
            self._insert("request_events", _event_row(RequestEvent(
                request_id=new.id, at=_now(), user=user, from_status=None, to_status=new.status)))
        logger.info("request %s added (%s, %s)", new.id, new.kind.value, new.status.value)
        return new

    def update_request(self, req: Request) -> Request:
        """Overwrite the stored request ``req.id`` except its status (use `change_status`)."""
        with self.transaction():
            old = self.get_request(req.id) if req.id is not None else None
            if old is None:
                msg = "request: has no id; add it before updating"
                raise InputError(msg)
            if req.status != old.status:
                msg = f"request {req.id}: status changes go through change_status"
                raise InputError(msg)
            self._check_request_refs(req)
            self._check_external_free("requests", "request", req.external_id, req.id)
            self._update("requests", "request", req.id, _request_row(req))
        return self.get_request(req.id)

    def get_request(self, id: int) -> Request:
        """Return the request with this id."""
        return _request(self._get_row("requests", "request", id))

    def request_by_external_id(self, external_id: str) -> Request | None:
        """Return the request with this external id, or None."""
        row = self._by_external("requests", external_id)
        return _request(row) if row else None

    def requests(self, *, statuses: Iterable[RequestStatus] | None = None,
                 kind: RequestKind | None = None) -> list[Request]:
        """Return requests in id order, filtered by status and kind when given."""
        where, args = [], []
        if statuses is not None:
            values = [RequestStatus(s).value for s in statuses]
            if not values:
                return []
            where.append(f"status IN ({', '.join('?' * len(values))})")
            args += values
        if kind is not None:
            where.append("kind = ?")
            args.append(RequestKind(kind).value)
        sql = "SELECT * FROM requests" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        return [_request(row) for row in self.db.query(sql, args)]

    def change_status(self, request_id: int, to_status: RequestStatus | str, *, user: str,
                      note: str = "", promised: TimeWindow | None = None) -> Request:
        """Move a request along its life cycle and record the event, in one transaction.

        Parameters
        ----------
        request_id
            The request.
        to_status
            The new status; must be allowed by `scheduler.domain.TRANSITIONS`.
        user
            Who made the change (kept in the event).
        note
            Free text kept with the event.
        promised
            The window promised to the resident; required to book unless one is stored.
        """
        try:
            to = RequestStatus(to_status)
        except ValueError:
            msg = f"status: unknown status {to_status!r}; use one of {', '.join(s.value for s in RequestStatus)}"
            raise InputError(msg) from None
        with self.transaction():
            req = self.get_request(request_id)
            if not req.can_move_to(to):
                allowed = ", ".join(sorted(s.value for s in TRANSITIONS[req.status]))
                msg = (f"request {request_id}: cannot change status from {req.status.value} to "
                       f"{to.value} (allowed: {allowed or 'none'})")
                raise InputError(msg)
            if promised is not None:
                req.promised = promised
            if to == RequestStatus.BOOKED and req.promised is None:
                msg = f"request {request_id}: booking needs the promised window"
                raise InputError(msg)
            event = RequestEvent(request_id=request_id, at=_now(), user=user,
                                 from_status=req.status, to_status=to, note=note)
            req.status = to
            self.db["requests"].update(request_id, {
                "status": to.value,
                "promised": _dumps(_window_dict(req.promised)) if req.promised else None,
            })
            self._insert("request_events", _event_row(event))
        logger.info("request %s: %s -> %s", request_id, event.from_status.value, to.value)
        return req

    def events(self, request_id: int) -> list[RequestEvent]:
        """Return a request's events, oldest first."""
        rows = self.db.query("SELECT * FROM request_events WHERE request_id = ? ORDER BY id", [request_id])
        return [_event(row) for row in rows]

    # ------------------------------------------------------------------ session bookings

    def add_session_booking(self, b: SessionBooking) -> SessionBooking:
        """Book a resident into a hall session on a day."""
        new = copy.deepcopy(b)
        with self.transaction():
            session = self.get_request(new.session_request_id)
            if session.kind != RequestKind.SESSION:
                msg = f"session_request_id: request {new.session_request_id} is a {session.kind.value}, not a session"
                raise InputError(msg)
            self._require("residents", "resident", new.resident_id, field="resident_id")
            new.id = self._insert("session_bookings", _booking_row(new))
        return new

    def session_bookings(self, *, session_request_id: int | None = None,
                         day: dt.date | None = None) -> list[SessionBooking]:
        """Return bookings in id order, filtered by session and day when given."""
        where, args = [], []
        if session_request_id is not None:
            where.append("session_request_id = ?")
            args.append(session_request_id)
        if day is not None:
            where.append("day = ?")
            args.append(day.isoformat())
        sql = "SELECT * FROM session_bookings" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        return [_booking(row) for row in self.db.query(sql, args)]

    # ------------------------------------------------------------------ plans

    def save_plan(self, plan: Plan) -> Plan:
        """Store a new version of a week's plan with its stops and unassigned requests.

        The version number is the next one for ``plan.week_start`` (whatever
        ``plan.version`` says). Everything is written in one transaction: if
        any stop cannot be stored, no trace of this version remains.
        """
        new = copy.deepcopy(plan)
        week = new.week_start.isoformat()
        with self.transaction():
            latest = self.db.execute(
                "SELECT COALESCE(MAX(version), 0) FROM plans WHERE week_start = ?", [week]).fetchone()[0]
            new.version = latest + 1
            new.id = self._insert("plans", _plan_row(new))
            for i, stop in enumerate(new.stops):
                stop.plan_id = new.id
                try:
                    stop.id = self._insert("plan_stops", _stop_row(stop))
                except sqlite3.IntegrityError:
                    msg = (f"plan {week}: stops[{i}] (vehicle {stop.vehicle_id}, {stop.day}, seq {stop.seq}) "
                           "refers to a vehicle, request, site or resident that is not stored")
                    raise StorageError(msg) from None
            for i, item in enumerate(new.unassigned):
                item.plan_id = new.id
                try:
                    self._insert("plan_unassigned", _unassigned_row(item))
                except sqlite3.IntegrityError:
                    msg = f"plan {week}: unassigned[{i}] refers to request {item.request_id}, which is not stored"
                    raise StorageError(msg) from None
        logger.info("plan %s v%s saved: %d stops, %d unassigned", week, new.version,
                    len(new.stops), len(new.unassigned))
        return new

    def _load_plan(self, row: dict) -> Plan:
        plan = _plan(row)
        plan.stops = [_stop(r) for r in self.db.query(
            "SELECT * FROM plan_stops WHERE plan_id = ? ORDER BY vehicle_id, day, seq, id", [plan.id])]
        plan.unassigned = [_unassigned(r) for r in self.db.query(
            "SELECT * FROM plan_unassigned WHERE plan_id = ? ORDER BY id", [plan.id])]
        return plan

    def get_plan(self, week_start: dt.date, version: int | None = None) -> Plan | None:
        """Return a plan version of the week (the latest when `version` is None) with its stops."""
        sql = "SELECT * FROM plans WHERE week_start = ?"
        args: list = [week_start.isoformat()]
        if version is not None:
            sql += " AND version = ?"
            args.append(version)
        rows = list(self.db.query(sql + " ORDER BY version DESC LIMIT 1", args))
        return self._load_plan(rows[0]) if rows else None

    def get_plan_by_id(self, plan_id: int) -> Plan:
        """Return the plan version with this id, with its stops."""
        return self._load_plan(self._get_row("plans", "plan", plan_id))

    def published_plan(self, week_start: dt.date) -> Plan | None:
        """Return the latest published version of the week, with its stops, or None."""
        rows = list(self.db.query(
            "SELECT * FROM plans WHERE week_start = ? AND status = ? ORDER BY version DESC LIMIT 1",
            [week_start.isoformat(), PlanStatus.PUBLISHED.value]))
        return self._load_plan(rows[0]) if rows else None

    def plans(self, week_start: dt.date | None = None) -> list[Plan]:
        """Return plan versions without their stops, newest week and version first."""
        if week_start is None:
            rows = self.db.query("SELECT * FROM plans ORDER BY week_start DESC, version DESC")
        else:
            rows = self.db.query("SELECT * FROM plans WHERE week_start = ? ORDER BY version DESC",
                                 [week_start.isoformat()])
        return [_plan(row) for row in rows]

    def publish_plan(self, plan_id: int, *, user: str) -> Plan:
        """Mark a plan version published; earlier published versions stay as history."""
        with self.transaction():
            self._get_row("plans", "plan", plan_id)
            self.db["plans"].update(plan_id, {"status": PlanStatus.PUBLISHED.value,
                                              "published_at": _now().isoformat(), "published_by": user})
        logger.info("plan %s published", plan_id)
        return self.get_plan_by_id(plan_id)


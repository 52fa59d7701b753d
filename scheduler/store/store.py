"""Store the domain in SQLite: `Store` is the front every other module uses.

`Store.open` opens (or creates) a database, sets its durability settings
(`configure`: foreign keys, write-ahead logging, ``synchronous=FULL``, a busy
timeout), and applies pending migrations
(`scheduler.store.migrations`). Every ``add_*`` returns a copy of the object with
its new id; every ``get_*`` raises `NotFound` naming the id.

One pattern for every entity: `scheduler.store.mappers` maps each dataclass to
its row and back (one `Mapper` per entity), and one generic accessor,
`scheduler.store.entities.Entities`, gives add / update / get /
by_external_id / all / where over any table. ``Store``'s methods for one
entity are one-liners over its accessor; writes that span tables (a request
and its first event, a status change and its event, a plan with its stops and
unassigned requests) are written here, in one `Store.transaction`: when any
part fails, the database keeps its previous state.

A new entity costs a numbered migration for its table, a mapper and one line::

    # mappers.py
    USER = Mapper(to_row=lambda u: {"login": u.login, "name": u.name},
                  from_row=lambda row: User(row["login"], row["name"], id=row["id"]))
    # Store.__init__
    self.users = Entities(db, "users", "user", USER)
    # callers: store.users.add(User("sato", "佐藤")), store.users.get(7) -> NotFound "user 7 not found"

Nothing here logs personal data (names, addresses, phone numbers); logs carry
ids and counts only.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Self

import sqlite_utils

from routing.errors import InputError
from routing.instance import database_path
from scheduler.accounts import (
    ApiToken,
    AuditEntry,
    LoginLimits,
    LoginSession,
    LoginThrottle,
    Role,
    User,
    account_key,
)
from scheduler.clock import city_now, stamp_now
from scheduler.closures import RoadClosure, day_bounds
from scheduler.domain import (
    OPEN_STATUSES,
    CallOutcome,
    IdLabels,
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
    TimeWindow,
    Vehicle,
    city_id,
)
from scheduler.evidence.records import StopHandled, handled_for, save_handled
from scheduler.evidence.summary import REPORTS, refresh_days, refresh_plan_week
from scheduler.lifecycle import (
    StopAction,
    check_move,
    check_press_day,
    check_press_time,
    report_steps,
    stop_action,
)
from scheduler.locks import Lock
from scheduler.plan_job import STALE_AFTER_S, JobState, PlanJob
from scheduler.store.entities import Entities, transaction
from scheduler.store.errors import NotFound, StorageError, is_busy
from scheduler.store.mappers import (
    API_TOKEN,
    AUDIT_ENTRY,
    CALL_OUTCOME,
    JOB,
    LOCK,
    LOGIN_SESSION,
    LOGIN_THROTTLE,
    PLAN,
    PLAN_STOP,
    REQUEST,
    REQUEST_EVENT,
    RESIDENT,
    ROAD_CLOSURE,
    SERVICE,
    SESSION_BOOKING,
    SHIFT_EXCEPTION,
    SITE,
    UNASSIGNED,
    USER,
    VEHICLE,
)
from scheduler.store.migrations import migrate
from scheduler.store.text import like_escape, normalize_search

__all__ = ["NotFound", "StorageError", "Store", "configure", "is_busy", "normalize_search"]

logger = logging.getLogger(__name__)


#: How long a write waits for another process's write lock before giving up (milliseconds).
BUSY_TIMEOUT_MS = 10_000


def configure(db: sqlite_utils.Database, *, memory: bool = False) -> None:
    """Set the connection's durability settings: foreign keys, WAL, ``synchronous=FULL``, busy timeout.

    Write-ahead logging lets the web app read while a plan is stored and makes
    a commit one append to the log; ``synchronous=FULL`` syncs the log at every
    commit, so a committed write (a promise made on the phone) survives a power
    cut, not only a killed process (NORMAL would keep the database intact but
    could lose the last commits). The cost is one fsync per commit, small next
    to the few writes a day of a city office (docs/RELIABILITY.md).
    """
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not memory:
        db.enable_wal()
        db.execute("PRAGMA synchronous = FULL")


#: What people put between the digits of a phone number (after NFKC): hyphens, dashes, ー, brackets, dots.
_PHONE_SEPARATORS = "-()+.\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"



class Store:
    """The odekake database: residents, sites, fleet, requests, bookings and plan versions.

    Use `Store.open` (or `Store.for_instance`) rather than the constructor,
    and close it with a ``with`` block.

    Parameters
    ----------
    db
        An open sqlite-utils database, already migrated.
    """

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        db.register_function(normalize_search, deterministic=True, name="odk_fold", replace=True)
        ext = {"external_id": "external_id"}
        self._residents = Entities(db, "residents", "resident", RESIDENT, **ext)
        self._sites = Entities(db, "sites", "site", SITE, **ext)
        self._vehicles = Entities(db, "vehicles", "vehicle", VEHICLE, **ext, check=self._check_vehicle)
        self._shift_exceptions = Entities(db, "shift_exceptions", "shift exception", SHIFT_EXCEPTION,
                                          order_by="day, vehicle_id, id", check=self._check_shift_exception)
        self._services = Entities(db, "services", "service", SERVICE, key="code", order_by="rowid")
        self._requests = Entities(db, "requests", "request", REQUEST, **ext, check=self._check_request)
        self._events = Entities(db, "request_events", "request event", REQUEST_EVENT)
        self._bookings = Entities(db, "session_bookings", "session booking", SESSION_BOOKING,
                                  check=self._check_booking)
        self._plans = Entities(db, "plans", "plan", PLAN, order_by="week_start DESC, version DESC")
        self._stops = Entities(db, "plan_stops", "plan stop", PLAN_STOP, order_by="vehicle_id, day, seq, id")
        self._unassigned = Entities(db, "plan_unassigned", "unassigned request", UNASSIGNED)
        self._users = Entities(db, "users", "user", USER, order_by="login", check=self._check_user)
        self._tokens = Entities(db, "api_tokens", "API token", API_TOKEN)
        self._sessions = Entities(db, "login_sessions", "log-in session", LOGIN_SESSION)
        self._throttles = Entities(db, "login_throttles", "log-in limit", LOGIN_THROTTLE, key="key", order_by="key")
        self._audit = Entities(db, "audit_log", "audit entry", AUDIT_ENTRY, order_by="id")
        self._jobs = Entities(db, "jobs", "job", JOB, order_by="id DESC")
        self._calls = Entities(db, "call_outcomes", "call outcome", CALL_OUTCOME, order_by="at, id")
        self._closures = Entities(db, "road_closures", "road closure", ROAD_CLOSURE, order_by="starts_at, id")
        self._locks = Entities(db, "locks", "lock", LOCK, order_by="day, id")

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
            configure(db, memory=memory)
            migrate(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            if is_busy(exc):  # another writer, not a bad file: the caller may try again
                raise
            if any(words in str(exc) for words in ("unable to open", "readonly", "read-only")):
                raise InputError.of(str(path), "cannot write the database: the instance folder is read-only or "
                                    "not accessible ({error})", error=str(exc)) from None
            raise InputError.of(str(path), "cannot open as an odekake database ({error})", error=str(exc)) from None
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

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Run the block all-or-nothing (see `scheduler.store.entities.transaction`).

        The outermost block takes the write lock at once (``BEGIN IMMEDIATE``),
        so two processes saving plan versions cannot pick the same number.
        A nested block joins the outer transaction as a savepoint: nothing is
        committed before the outermost block ends, and an exception that
        leaves the outer block rolls everything back.
        """
        return transaction(self.db)

    @contextlib.contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Inside the block, wait at most `seconds` (not the busy timeout) for another connection's write lock.

        For writes that must not hold up their caller when the database is
        busy: an audit entry written in a request (`webapp.audit`), a planning
        job's progress. The write then fails at once with "database is locked"
        (`is_busy`) and the caller keeps it for later or lets it go.
        """
        self.db.execute(f"PRAGMA busy_timeout = {max(0, int(seconds * 1000))}")
        try:
            yield
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def _insert(self, table: str, row: dict) -> int:
        """Insert one row of a write that spans tables and return its id."""
        return self.db[table].insert(row).last_pk

    # ------------------------------------------------------------------ residents

    def add_resident(self, r: Resident) -> Resident:
        """Store a new resident and return it with its id."""
        return self._residents.add(r)

    def update_resident(self, r: Resident) -> Resident:
        """Overwrite the stored resident ``r.id`` with `r`."""
        return self._residents.update(r)

    def get_resident(self, id: int) -> Resident:
        """Return the resident with this id."""
        return self._residents.get(id)

    def resident_by_external_id(self, external_id: str) -> Resident | None:
        """Return the resident with this external id, or None."""
        return self._residents.by_external_id(external_id)

    def residents(self) -> list[Resident]:
        """Return all residents in id order."""
        return self._residents.all()

    def id_labels(self) -> IdLabels:
        """Return the city's ids of every resident, site, vehicle and request by database id.

        For code that holds only database ids (plan stops, diffs) and must name
        records as the city does (`scheduler.domain.city_id`).
        """
        return IdLabels(residents=self._residents.external_ids(), sites=self._sites.external_ids(),
                        vehicles=self._vehicles.external_ids(), requests=self._requests.external_ids())

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
        if all(ch.isdigit() or ch in _PHONE_SEPARATORS for ch in folded):
            digits = "".join(ch for ch in folded if ch.isdigit())
            if not digits:
                return []
            return self._residents.where("phone_digits LIKE ?", [f"%{digits}%"], order_by="kana, id",
                                         limit=limit)
        return self._residents.where(
            "odk_fold(name) LIKE :p ESCAPE '\\' OR odk_fold(kana) LIKE :p ESCAPE '\\' "
            "OR odk_fold(address) LIKE :p ESCAPE '\\'",
            {"p": f"%{like_escape(folded)}%"}, order_by="kana, id", limit=limit,
        )

    # ------------------------------------------------------------------ sites

    def add_site(self, s: Site) -> Site:
        """Store a new site and return it with its id."""
        return self._sites.add(s)

    def update_site(self, s: Site) -> Site:
        """Overwrite the stored site ``s.id`` with `s`."""
        return self._sites.update(s)

    def get_site(self, id: int) -> Site:
        """Return the site with this id."""
        return self._sites.get(id)

    def site_by_external_id(self, external_id: str) -> Site | None:
        """Return the site with this external id, or None."""
        return self._sites.by_external_id(external_id)

    def sites(self, kind: SiteKind | None = None) -> list[Site]:
        """Return all sites, or those of one kind, in id order."""
        if kind is None:
            return self._sites.all()
        return self._sites.where("kind = ?", [SiteKind(kind).value])

    # ------------------------------------------------------------------ vehicles

    def _check_vehicle(self, v: Vehicle) -> None:
        self._sites.require(v.depot_site_id, field="depot_site_id")

    def add_vehicle(self, v: Vehicle) -> Vehicle:
        """Store a new vehicle (its depot site must exist) and return it with its id."""
        return self._vehicles.add(v)

    def update_vehicle(self, v: Vehicle) -> Vehicle:
        """Overwrite the stored vehicle ``v.id`` with `v`."""
        return self._vehicles.update(v)

    def get_vehicle(self, id: int) -> Vehicle:
        """Return the vehicle with this id."""
        return self._vehicles.get(id)

    def vehicle_by_external_id(self, external_id: str) -> Vehicle | None:
        """Return the vehicle with this external id, or None."""
        return self._vehicles.by_external_id(external_id)

    def vehicles(self, *, active_only: bool = True) -> list[Vehicle]:
        """Return the vehicles in id order, only active ones unless told otherwise."""
        return self._vehicles.where("active = 1") if active_only else self._vehicles.all()

    def _check_shift_exception(self, e: ShiftException) -> None:
        self._vehicles.require(e.vehicle_id, field="vehicle_id")

    def add_shift_exception(self, e: ShiftException) -> ShiftException:
        """Store a day (or part of a day) a vehicle does not run."""
        return self._shift_exceptions.add(e)

    def delete_shift_exception(self, id: int) -> None:
        """Remove a shift exception (the van came back from the workshop early, a duty was called off)."""
        self._shift_exceptions.delete(id)

    def shift_exceptions(self, start: dt.date, end: dt.date) -> list[ShiftException]:
        """Return exceptions on days from `start` to `end`, both included."""
        return self._shift_exceptions.where("day BETWEEN ? AND ?", [start.isoformat(), end.isoformat()])

    # ------------------------------------------------------------------ road closures (scheduler.closures)

    def add_road_closure(self, c: RoadClosure) -> RoadClosure:
        """Store a road closure (periods may overlap)."""
        return self._closures.add(c)

    def get_road_closure(self, id: int) -> RoadClosure:
        """Return one road closure; `NotFound` when there is none."""
        return self._closures.get(id)

    def update_road_closure(self, c: RoadClosure) -> RoadClosure:
        """Overwrite a stored road closure (its period cut short when the road reopens early)."""
        return self._closures.update(c)

    def delete_road_closure(self, id: int) -> None:
        """Remove a road closure (the road is open again, or it was entered by mistake)."""
        self._closures.delete(id)

    def road_closures(self, first: dt.date | None = None, last: dt.date | None = None) -> list[RoadClosure]:
        """Return the closures active at any moment of the days `first`..`last` (all of them without days)."""
        if first is None:
            return self._closures.all()
        start, end = day_bounds(first, last or first)
        return self._closures.where("starts_at < ? AND ends_at > ?", [end.isoformat(), start.isoformat()])

    # ------------------------------------------------------------------ locks (scheduler.locks)

    def add_lock(self, lock: Lock) -> Lock:
        """Store a lock (stamped now when it has no time); the same lock twice is refused (`StorageError`)."""
        if lock.created_at is None:
            lock.created_at = stamp_now()
        return self._locks.add(lock)

    def get_lock(self, id: int) -> Lock:
        """Return one lock; `NotFound` when there is none."""
        return self._locks.get(id)

    def delete_lock(self, id: int) -> None:
        """Remove a lock."""
        self._locks.delete(id)

    def locks(self, first: dt.date, last: dt.date) -> list[Lock]:
        """Return the locks of the days `first`..`last`."""
        return self._locks.where("day BETWEEN ? AND ?", [first.isoformat(), last.isoformat()])

    # ------------------------------------------------------------------ services

    def services(self) -> list[Service]:
        """Return the service catalogue (inactive entries included) in catalogue order."""
        return self._services.all()

    def upsert_service(self, s: Service) -> Service:
        """Add a service to the catalogue or overwrite the one with the same code."""
        return self._services.upsert(s)

    # ------------------------------------------------------------------ requests

    def _check_request(self, r: Request) -> None:
        if r.resident_id is not None:
            self._residents.require(r.resident_id, field="resident_id")
        d = r.details
        if r.kind == RequestKind.SESSION:
            self._sites.require(d.site_id, field="details.site_id")
        elif r.kind == RequestKind.ERRAND:
            for i, p in enumerate(d.pickups):
                self._sites.require(p.site_id, field=f"details.pickups[{i}].site_id")
        elif r.kind == RequestKind.RIDE:
            for name in ("from_site_id", "to_site_id"):
                if getattr(d, name) is not None:
                    self._sites.require(getattr(d, name), field=f"details.{name}")
            if d.return_of is not None:
                self._requests.require(d.return_of, field="details.return_of")
        elif r.kind == RequestKind.VISIT:
            known = {s.code for s in self.services()}
            for code in d.services:
                if code not in known:
                    raise NotFound.of("details.services", "unknown service {code!r}", code=code)

    def add_request(self, req: Request, *, user: str) -> Request:
        """Store a new request and its first event (none → its status) together."""
        with self.transaction():
            new = self._requests.add(req)
            self._insert("request_events", REQUEST_EVENT.to_row(RequestEvent(
                request_id=new.id, at=stamp_now(), user=user, from_status=None, to_status=new.status)))
        logger.info("request %s added (%s, %s)", new.id, new.kind.value, new.status.value)
        return new

    def update_request(self, req: Request) -> Request:
        """Overwrite the stored request ``req.id`` except its status (use `change_status`)."""
        with self.transaction():
            if req.id is None:
                raise InputError.of("", "{what}: has no id; add it before updating", what="request")
            if req.status != self.get_request(req.id).status:
                raise InputError.of("", "request {request}: status changes go through change_status",
                                    request=city_id(req))
            return self._requests.update(req)

    def get_request(self, id: int) -> Request:
        """Return the request with this id."""
        return self._requests.get(id)

    def request_by_external_id(self, external_id: str) -> Request | None:
        """Return the request with this external id, or None."""
        return self._requests.by_external_id(external_id)

    def requests(self, *, statuses: Iterable[RequestStatus] | None = None,
                 kind: RequestKind | None = None, resident_id: int | None = None) -> list[Request]:
        """Return requests in id order, filtered by status, kind and resident when given."""
        where, args = [], []
        if resident_id is not None:
            where.append("resident_id = ?")
            args.append(resident_id)
        if statuses is not None:
            values = [RequestStatus(s).value for s in statuses]
            if not values:
                return []
            where.append(f"status IN ({', '.join('?' * len(values))})")
            args += values
        if kind is not None:
            where.append("kind = ?")
            args.append(RequestKind(kind).value)
        return self._requests.where(" AND ".join(where), args)

    def open_requests_digest(self) -> str:
        """Return a digest of every request that still needs planning and of every hall-session seat.

        It changes with any booking, cancellation, status change, promise,
        window or detail of an open request, and with any seat booked or
        cancelled. `scheduler.planning.run.plan_week` takes it before it
        compiles a week and again under the write lock before it stores the
        plan: when they differ, something came in while the week was solved
        and the plan takes it in first. Every open request counts, not only
        the week's: a request with no day may fall in any week, and a few
        hundred rows take milliseconds to read.
        """
        digest = hashlib.sha256()
        statuses = sorted(s.value for s in OPEN_STATUSES)
        for row in self.db.execute(
                f"SELECT id, status, promised, windows, details, resident_id, base_priority FROM requests "
                f"WHERE status IN ({', '.join('?' * len(statuses))}) ORDER BY id", statuses).fetchall():
            digest.update(repr(tuple(row)).encode())
        digest.update(b"|seats|")
        for row in self.db.execute("SELECT id, session_request_id, day, services, cancelled_at "
                                   "FROM session_bookings ORDER BY id").fetchall():
            digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()

    def change_status(self, request_id: int, to_status: RequestStatus | str, *, user: str,
                      note: str = "", promised: TimeWindow | None = None, cause: str | None = None,
                      cause_args: dict | None = None) -> Request:
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
            What a person typed, kept with the event (a reason, a driver's note).
        promised
            The window promised to the resident; required to book unless one is stored.
        cause, cause_args
            Why the system made the change: a code of `scheduler.domain.EVENT_CAUSES`
            and its arguments (screens word them; no personal data).
        """
        try:
            to = RequestStatus(to_status)
        except ValueError:
            raise InputError.of("status", "unknown status {status!r}; use one of {known}", status=to_status,
                                known=", ".join(s.value for s in RequestStatus)) from None
        with self.transaction():
            req = self.get_request(request_id)
            check_move(req, to, promised)
            if promised is not None:
                req.promised = promised
            event = RequestEvent(request_id=request_id, at=stamp_now(), user=user,
                                 from_status=req.status, to_status=to, note=note, cause=cause,
                                 cause_args=dict(cause_args or {}))
            req.status = to
            row = REQUEST.to_row(req)
            self._requests.set(request_id, {"status": row["status"], "promised": row["promised"]})
            self._insert("request_events", REQUEST_EVENT.to_row(event))
            if to == RequestStatus.CANCELLED:
                refresh_days(self, [event.at.date()])  # the figures count a cancellation on its day
        logger.info("request %s: %s -> %s", request_id, event.from_status.value, to.value)
        return req

    def events(self, request_id: int) -> list[RequestEvent]:
        """Return a request's events, oldest first."""
        return self._events.where("request_id = ?", [request_id])

    def note_event(self, request_id: int, *, user: str, cause: str, cause_args: dict) -> RequestEvent:
        """Record why the system changed a request without moving its status (a hall session's day moved)."""
        with self.transaction():
            status = self.get_request(request_id).status
            event = RequestEvent(request_id=request_id, at=stamp_now(), user=user, from_status=status,
                                 to_status=status, cause=cause, cause_args=dict(cause_args))
            self._insert("request_events", REQUEST_EVENT.to_row(event))
        return event

    # ------------------------------------------------------------------ session bookings

    def _check_booking(self, b: SessionBooking) -> None:
        session = self.get_request(b.session_request_id)
        if session.kind != RequestKind.SESSION:
            raise InputError.of("session_request_id", "request {request} is a {kind}, not a session",
                                request=city_id(session), kind=session.kind.value)
        self._residents.require(b.resident_id, field="resident_id")

    def add_session_booking(self, b: SessionBooking) -> SessionBooking:
        """Book a resident into a hall session on a day."""
        return self._bookings.add(b)

    def get_session_booking(self, id: int) -> SessionBooking:
        """Return the session booking with this id."""
        return self._bookings.get(id)

    def update_session_booking(self, b: SessionBooking) -> SessionBooking:
        """Change a stored booking (its services, day or session)."""
        return self._bookings.update(b)

    def session_bookings(self, *, session_request_id: int | None = None, day: dt.date | None = None,
                         resident_id: int | None = None, include_cancelled: bool = False) -> list[SessionBooking]:
        """Return bookings in id order, filtered by session, day and resident when given.

        Cancelled seats are left out (they no longer count) unless `include_cancelled`
        (the record: a resident's history, exports, imports matching a stored row).
        """
        where, args = [], []
        if not include_cancelled:
            where.append("cancelled_at IS NULL")
        if resident_id is not None:
            where.append("resident_id = ?")
            args.append(resident_id)
        if session_request_id is not None:
            where.append("session_request_id = ?")
            args.append(session_request_id)
        if day is not None:
            where.append("day = ?")
            args.append(day.isoformat())
        return self._bookings.where(" AND ".join(where), args)

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
            new.id = self._insert("plans", PLAN.to_row(new))
            for stop in new.stops:
                stop.plan_id = new.id
            for item in new.unassigned:
                item.plan_id = new.id
            try:
                ids = self._insert_rows("plan_stops", [PLAN_STOP.to_row(s) for s in new.stops], new.id)
                self._insert_rows("plan_unassigned", [UNASSIGNED.to_row(u) for u in new.unassigned], new.id)
            except sqlite3.IntegrityError:
                raise self._first_missing_reference(new) from None
            for stop, stop_id in zip(new.stops, ids, strict=True):
                stop.id = stop_id
        logger.info("plan %s v%s saved: %d stops, %d unassigned", week, new.version,
                    len(new.stops), len(new.unassigned))
        return new

    def _insert_rows(self, table: str, rows: list[dict], plan_id: int) -> list[int]:
        """Insert a plan's rows of one table in one statement and return their ids in order.

        A plan version has hundreds of stops: one ``executemany`` instead of a
        sqlite-utils insert per row takes the write lock for a tenth of the
        time. Inside the transaction nobody else writes, so the new rows are
        the plan's only rows of the table and their ids rise in insertion order.
        """
        if not rows:
            return []
        columns = list(rows[0])
        names = ", ".join(f"[{c}]" for c in columns)
        self.db.conn.executemany(f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' * len(columns))})",
                                 [tuple(row[c] for c in columns) for row in rows])
        return [r[0] for r in self.db.execute(f"SELECT id FROM [{table}] WHERE plan_id = ? ORDER BY id", [plan_id])]

    def _first_missing_reference(self, plan: Plan) -> StorageError:
        """Return the error naming the first stop or unassigned entry whose reference is not stored."""
        week = plan.week_start.isoformat()
        known = {t: {r[0] for r in self.db.execute(f"SELECT id FROM {t}")}
                 for t in ("vehicles", "requests", "sites", "residents")}
        for i, stop in enumerate(plan.stops):
            refs = (("vehicles", stop.vehicle_id), ("requests", stop.request_id), ("sites", stop.site_id),
                    ("residents", stop.resident_id))
            if any(v is not None and v not in known[t] for t, v in refs):
                return StorageError.of("", "plan {week}: stops[{index}] (vehicle {vehicle}, {day}, seq {seq}) refers "
                                       "to a vehicle, request, site or resident that is not stored", week=week,
                                       index=i, vehicle=stop.vehicle_id, day=stop.day, seq=stop.seq)
        for i, item in enumerate(plan.unassigned):
            if item.request_id not in known["requests"]:
                return StorageError.of("", "plan {week}: unassigned[{index}] refers to request {request}, which is not "
                                       "stored", week=week, index=i, request=item.request_id)
        return StorageError.of("", "plan {week}: a stop or unassigned entry refers to a row that is not stored",
                               week=week)

    def _with_stops(self, plan: Plan) -> Plan:
        plan.stops = self._stops.where("plan_id = ?", [plan.id])
        plan.unassigned = self._unassigned.where("plan_id = ?", [plan.id])
        return plan

    def _latest_plan(self, where: str, args: list) -> Plan | None:
        found = self._plans.where(where, args, order_by="version DESC", limit=1)
        return self._with_stops(found[0]) if found else None

    def later_versions(self, week_start: dt.date, version: int) -> list[tuple[int, int | None]]:
        """Return (version, the version it was derived from, or None) of the week's versions after `version`."""
        return [tuple(row) for row in self.db.execute(
            "SELECT version, json_extract(summary, '$.derived_from') FROM plans "
            "WHERE week_start = ? AND version > ? ORDER BY version", [week_start.isoformat(), version])]

    def get_plan_id(self, week_start: dt.date) -> int | None:
        """Return the id of the week's latest plan version (without reading its stops), or None."""
        row = self.db.execute("SELECT id FROM plans WHERE week_start = ? ORDER BY version DESC LIMIT 1",
                              [week_start.isoformat()]).fetchone()
        return row[0] if row else None

    def get_plan(self, week_start: dt.date, version: int | None = None) -> Plan | None:
        """Return a plan version of the week (the latest when `version` is None) with its stops."""
        if version is None:
            return self._latest_plan("week_start = ?", [week_start.isoformat()])
        return self._latest_plan("week_start = ? AND version = ?", [week_start.isoformat(), version])

    def get_plan_by_id(self, plan_id: int) -> Plan:
        """Return the plan version with this id, with its stops."""
        return self._with_stops(self._plans.get(plan_id))

    def published_plan(self, week_start: dt.date) -> Plan | None:
        """Return the latest published version of the week, with its stops, or None."""
        return self._latest_plan("week_start = ? AND status = ?",
                                 [week_start.isoformat(), PlanStatus.PUBLISHED.value])

    def plans(self, week_start: dt.date | None = None) -> list[Plan]:
        """Return plan versions without their stops, newest week and version first."""
        if week_start is None:
            return self._plans.all()
        return self._plans.where("week_start = ?", [week_start.isoformat()], order_by="version DESC")

    def publish_plan(self, plan_id: int, *, user: str) -> Plan:
        """Mark a plan version published; earlier published versions stay as history."""
        with self.transaction():
            self._plans.set(plan_id, {"status": PlanStatus.PUBLISHED.value,
                                      "published_at": stamp_now().isoformat(), "published_by": user})
            refresh_plan_week(self, plan_id)  # the figures' routes, left-out requests
        logger.info("plan %s published", plan_id)
        return self.get_plan_by_id(plan_id)

    def published_at(self, plan_id: int) -> tuple[dt.datetime | None, str | None]:
        """Return when and by whom a plan version was published; ``(None, None)`` if it is not."""
        self._plans.require(plan_id, field="plan_id")
        when, who = self.db.execute("SELECT published_at, published_by FROM plans WHERE id = ?",
                                    [plan_id]).fetchone()
        return (dt.datetime.fromisoformat(when) if when else None), who

    def get_stop(self, stop_id: int) -> PlanStop:
        """Return the plan stop with this id."""
        return self._stops.get(stop_id)

    # ------------------------------------------------------------------ day of operations

    def mark_stop(self, stop_id: int, action: StopAction | str, *, user: str, note: str = "",
                  today: dt.date | None = None, at: dt.datetime | None = None,
                  now: dt.datetime | None = None) -> Request:
        """Record the crew's report at a stop (到着 / 完了 / 不在 / 対応不可) as request events.

        One transaction, deciding nothing itself (`scheduler.lifecycle.report_steps`):
        the request moves to the status of `STOP_ACTIONS`
        (through ``dispatched`` when it was still ``planned``), and every
        event names the stop and the action. A pick-up that is done, or a
        report that repeats the current status, is kept as an event that
        leaves the status as it is; so is a report the life cycle does not
        allow (the request was cancelled meanwhile, or only part of an errand
        is planned and the request is still ``received``).

        Parameters
        ----------
        stop_id
            The plan stop; it must serve a request (not the depot or the break).
        action
            A `StopAction` value.
        user
            Who reported it.
        note
            Free text, e.g. why the request could not be served.
        today
            The city's date (default `city_today`): a stop of a later day is refused
            (`check_press_day`), nothing stored.
        at, now
            When it happened and the city's now (default: now, `city_now`); a time
            on another day or in the future is refused (`check_press_time`). A
            report repeated with the same action and time (a tablet sending
            again) stores nothing; one older than the stop's latest report is
            kept without changing the status, which follows the latest time.
        """
        act = stop_action(action)
        with self.transaction():
            stop = self.get_stop(stop_id)
            if stop.request_id is None:
                raise InputError.of("", "stop {stop}: a {kind} stop serves no request", stop=stop_id,
                                    kind=stop.step_type)
            now = now or city_now()
            at = (at or now).replace(microsecond=0)
            check_press_day(stop.day, today or now.date())
            check_press_time(stop.day, at, now)
            req = self.get_request(stop.request_id)
            steps = report_steps(req.status, stop.step_type, act, at, self.stop_events([stop_id]))
            if steps is None:
                logger.info("stop %s: %s at %s repeated; kept once", stop_id, act.value, at.isoformat())
                return req
            received = stamp_now()
            for to in steps:
                self._insert("request_events", REQUEST_EVENT.to_row(RequestEvent(
                    request_id=req.id, at=at, user=user, from_status=req.status, to_status=to,
                    note=note, stop_id=stop_id, action=act.value, received_at=received)))
                req.status = to
            self._requests.set(req.id, {"status": req.status.value})
            if act.value in REPORTS:
                refresh_days(self, [stop.day])  # the figures of the day
        logger.info("stop %s: %s (request %s now %s)", stop_id, act.value, req.id, req.status.value)
        return req

    def stop_reports(self, stop_ids: Iterable[int]) -> dict[int, RequestEvent]:
        """Return the latest crew report of each stop that has one, by stop id."""
        ids = [int(i) for i in stop_ids]
        if not ids:
            return {}
        return {e.stop_id: e for e in self.stop_events(ids)}

    def stop_events(self, stop_ids: Iterable[int]) -> list[RequestEvent]:
        """Return every crew report at these stops, in the order they happened (then stored)."""
        ids = [int(i) for i in stop_ids]
        if not ids:
            return []
        return self._events.where(f"stop_id IN ({', '.join('?' * len(ids))}) AND action IS NOT NULL", ids,
                                  order_by="at, id")

    # ------------------------------------------------------------------ what a stop handled (issue 27)

    def record_handled(self, handled: StopHandled) -> StopHandled:
        """Store what a 完了 at a stop handled (`scheduler.evidence.records`), replacing an earlier record."""
        with self.transaction():
            saved = save_handled(self.db, handled)
            refresh_days(self, [handled.day])  # the figures of the day
        return saved

    def handled_at(self, stop_ids: Iterable[int]) -> dict[int, StopHandled]:
        """Return what was handled at these stops, by stop id (stops without a record are left out)."""
        return handled_for(self.db, stop_ids)

    def add_call_outcome(self, outcome: CallOutcome) -> CallOutcome:
        """Store what an operator noted on a call of the day's call list."""
        self._requests.require(outcome.request_id, field="request_id")
        return self._calls.add(outcome)

    def call_outcomes(self, day: dt.date) -> list[CallOutcome]:
        """Return the outcomes noted on the calls of a day, in the order they were noted."""
        return self._calls.where("day = ?", [day.isoformat()])

    def residents_with_ids(self, ids: Iterable[int]) -> list[Resident]:
        """Return the residents with these ids (those that exist), in id order."""
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            return []
        return self._residents.where(f"id IN ({', '.join('?' * len(wanted))})", wanted, order_by="id")

    def requests_with_ids(self, ids: Iterable[int]) -> list[Request]:
        """Return the requests with these ids (those that exist), in id order."""
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            return []
        return self._requests.where(f"id IN ({', '.join('?' * len(wanted))})", wanted, order_by="id")

    # ------------------------------------------------------------------ staff accounts and audit

    def _check_user(self, u: User) -> None:
        if u.vehicle_id is not None:
            self._vehicles.require(u.vehicle_id, field="vehicle_id")
        other = self.user_by_login(u.login)
        if other is not None and other.id != u.id:
            raise StorageError.of("login", "{value!r} is already used by {what} {id}", value=u.login, what="user",
                                  id=other.id)

    def add_user(self, u: User) -> User:
        """Store a new staff account (unique login; a driver's vehicle must exist)."""
        return self._users.add(u)

    def update_user(self, u: User, *, at: dt.datetime | None = None, keep_session: int | None = None) -> User:
        """Overwrite the stored account ``u.id`` with `u`; a new password or disabling ends its log-ins.

        In the same transaction: when the password hash changes, the account's
        sessions (but `keep_session`, the one changing it) and API tokens end
        with ``password``; when the account is disabled, all of them end with
        ``disabled``, so enabling it again brings none of them back.

        Parameters
        ----------
        at
            When (the city's time; default now).
        keep_session
            The session id that made the change and stays (a user giving themself a new password).
        """
        at = at or city_now()
        with self.transaction():
            old = self._users.get(u.id) if u.id is not None else None
            stored = self._users.update(u)
            if old is not None and old.active and not stored.active:
                self.end_sessions(stored.id, "disabled", at=at)
                self.revoke_api_tokens(stored.id, "disabled", at=at)
            elif old is not None and old.password_hash != stored.password_hash:
                self.end_sessions(stored.id, "password", at=at, keep=keep_session)
                self.revoke_api_tokens(stored.id, "password", at=at)
        return stored

    def remove_user(self, user_id: int) -> User:
        """Delete an account with its sessions, tokens and failed log-ins; refuse the last active admin.

        The audit log keeps the login text of what the account did, as before.
        """
        with self.transaction():
            user = self.get_user(user_id)
            others = self._users.where("role = ? AND active = 1 AND id != ?", [Role.ADMIN.value, user_id])
            if user.role == Role.ADMIN and not others:
                raise StorageError.of("login", "{login!r} is the last active admin; add or enable another admin "
                                      "first", login=user.login)
            for table in ("login_sessions", "api_tokens"):
                self.db.execute(f"DELETE FROM {table} WHERE user_id = ?", [user_id])
            self.db.execute("DELETE FROM login_throttles WHERE key = ?", [account_key(user_id)])
            self._users.delete(user_id)
        return user

    def get_user(self, id: int) -> User:
        """Return the account with this id."""
        return self._users.get(id)

    def user_by_login(self, login: str) -> User | None:
        """Return the account with this login, or None."""
        found = self._users.where("login = ?", [login])
        return found[0] if found else None

    def users(self) -> list[User]:
        """Return every staff account, by login."""
        return self._users.all()

    # ------------------------------------------------------------------ API tokens

    def add_api_token(self, token: ApiToken) -> ApiToken:
        """Store the hash of a new personal API token."""
        self._users.require(token.user_id, field="user_id")
        return self._tokens.add(token)

    def get_api_token(self, id: int) -> ApiToken:
        """Return the token with this id (`NotFound` if none)."""
        return self._tokens.get(id)

    def api_tokens(self, user_id: int | None = None) -> list[ApiToken]:
        """Return the tokens of an account (every account's when None), oldest first."""
        if user_id is None:
            return self._tokens.all()
        return self._tokens.where("user_id = ?", [user_id])

    def user_by_token(self, token_sha256: str, *, now: dt.datetime) -> User | None:
        """Return the active account owning the token with this SHA-256 if the token works at `now`, else None."""
        found = self._tokens.where("token_sha256 = ?", [token_sha256])
        if not found or found[0].state(now) != "active":
            return None
        user = self.get_user(found[0].user_id)
        return user if user.active else None

    def revoke_api_token(self, id: int, reason: str = "admin", *, at: dt.datetime | None = None) -> ApiToken:
        """End one token now (`reason`: a code of `scheduler.accounts.END_REASONS`); a revoked one stays so."""
        with self.transaction():
            token = self._tokens.get(id)
            if token.revoked_at is None:
                token.revoked_at, token.revoke_reason = at or city_now(), reason
                token = self._tokens.update(token)
        return token

    def revoke_api_tokens(self, user_id: int, reason: str, *, at: dt.datetime | None = None) -> int:
        """End every token of an account not ended yet; return how many."""
        with self.transaction():
            tokens = self._tokens.where("user_id = ? AND revoked_at IS NULL", [user_id])
            for token in tokens:
                self.revoke_api_token(token.id, reason, at=at)
        return len(tokens)

    # ------------------------------------------------------------------ browser log-in sessions

    def start_session(self, s: LoginSession) -> LoginSession:
        """Store a new log-in session of an existing account."""
        self._users.require(s.user_id, field="user_id")
        return self._sessions.add(s)

    def session_by_secret(self, secret_sha256: str) -> LoginSession | None:
        """Return the session whose secret has this SHA-256 (ended or not), or None."""
        found = self._sessions.where("secret_sha256 = ?", [secret_sha256])
        return found[0] if found else None

    def login_sessions(self, user_id: int | None = None) -> list[LoginSession]:
        """Return the sessions of an account (every account's when None), ended or not, oldest first."""
        if user_id is None:
            return self._sessions.all()
        return self._sessions.where("user_id = ?", [user_id])

    def touch_session(self, id: int, at: dt.datetime) -> None:
        """Note a request of the session at `at` (for its idle limit)."""
        self._sessions.set(id, {"last_seen_at": at.isoformat()})

    def end_session(self, id: int, reason: str, *, at: dt.datetime | None = None) -> None:
        """End one session (`reason`: a code of `scheduler.accounts.END_REASONS`) unless it has ended already."""
        with self.transaction():
            session = self._sessions.get(id)
            if session.ended_at is None:
                session.ended_at, session.end_reason = at or city_now(), reason
                self._sessions.update(session)

    def end_sessions(self, user_id: int, reason: str, *, at: dt.datetime | None = None,
                     keep: int | None = None) -> int:
        """End every session of an account not ended yet (but `keep`); return how many."""
        with self.transaction():
            sessions = [s for s in self._sessions.where("user_id = ? AND ended_at IS NULL", [user_id])
                        if s.id != keep]
            for session in sessions:
                self.end_session(session.id, reason, at=at)
        return len(sessions)

    def open_sessions(self, now: dt.datetime) -> dict[int, int]:
        """Return the count of sessions neither ended nor past their absolute end at `now`, by account id."""
        rows = self.db.execute("SELECT user_id, COUNT(*) FROM login_sessions WHERE ended_at IS NULL "
                               "AND expires_at > ? GROUP BY user_id", [now.isoformat()]).fetchall()
        return dict(rows)

    # ------------------------------------------------------------------ failed log-ins

    def login_throttle(self, key: str) -> LoginThrottle:
        """Return the failed log-ins counted for `key` (nothing counted when it has no row)."""
        return self._throttles.get(key) if self._throttles.exists(key) else LoginThrottle(key)

    def claim_login_attempt(self, limits: dict[str, LoginLimits], now: dt.datetime) -> int:
        """Let a log-in try go ahead, counting it as a failure of each key first, or say how long to wait.

        One write transaction, so tries in parallel (threads, processes) each
        see the ones before: the try is counted before its password is
        checked, and `forgive_login_attempt` takes it back when it was right.
        Keys whose failures are over (`LoginLimits.memory_s`) are forgotten here.

        Parameters
        ----------
        limits
            The limits of each key the try counts against (its account or login, its client address).
        now
            The city's time.

        Returns
        -------
        int
            0 when the try may go ahead (and was counted), else the whole seconds
            to wait (nothing counted).
        """
        with self.transaction():
            forget = now - dt.timedelta(seconds=max(lim.memory_s for lim in limits.values()))
            self.db.execute("DELETE FROM login_throttles WHERE last_failure_at < ? "
                            "AND (locked_until IS NULL OR locked_until <= ?)", [forget.isoformat(), now.isoformat()])
            counted = {key: self.login_throttle(key) for key in limits}
            wait = max(t.wait_s(now, limits[key]) for key, t in counted.items())
            if wait > 0:
                return wait
            for key, throttle in counted.items():
                throttle.failed(now, limits[key])
                self._throttles.upsert(throttle)
        return 0

    def forgive_login_attempt(self, limits: dict[str, LoginLimits]) -> None:
        """Take back the failure `claim_login_attempt` counted for a try that was right; its keys start again."""
        with self.transaction():
            for key, lim in limits.items():
                throttle = self.login_throttle(key)
                throttle.forgive(lim)
                if throttle.clean:
                    self.db.execute("DELETE FROM login_throttles WHERE key = ?", [key])
                else:
                    self._throttles.upsert(throttle)

    def unlock_login(self, key: str) -> bool:
        """Forget the failed log-ins of `key` (an admin unlocking an account); return whether any were counted."""
        with self.transaction():
            return self.db.execute("DELETE FROM login_throttles WHERE key = ?", [key]).rowcount > 0

    def locked_logins(self, now: dt.datetime) -> dict[str, dt.datetime]:
        """Return the keys locked at `now` with the end of their lock."""
        rows = self.db.execute("SELECT key, locked_until FROM login_throttles WHERE locked_until > ?",
                               [now.isoformat()]).fetchall()
        return {key: dt.datetime.fromisoformat(until) for key, until in rows}

    # ------------------------------------------------------------------ audit

    def audit(self, entry: AuditEntry) -> AuditEntry:
        """Append an entry to the audit log (who, when, what; ids only)."""
        return self._audit.add(entry)

    def audit_many(self, entries: Iterable[AuditEntry]) -> int:
        """Append entries to the audit log in one short write transaction; return how many.

        Each keeps its own time (``at``: when it happened, not when it was
        written), so the web app's entries written late by its queue
        (`webapp.audit`) read as they happened; their ids follow the write order.
        """
        rows = [AUDIT_ENTRY.to_row(e) for e in entries]
        if rows:
            with self.transaction():
                self.db["audit_log"].insert_all(rows)
        return len(rows)

    def audit_entries(self, *, limit: int = 200) -> list[AuditEntry]:
        """Return the latest audit entries, newest first."""
        return self._audit.where(order_by="id DESC", limit=limit)

    # ------------------------------------------------------------------ background jobs

    def add_job(self, job: PlanJob, *, now: dt.datetime | None = None) -> tuple[PlanJob, bool]:
        """Store a new queued planning job unless one is already active for its week.

        A running job left behind by a stopped process (running longer than its
        time limit plus `scheduler.plan_job.STALE_AFTER_S`) is marked failed
        (``interrupted``) first, so it cannot block its week for ever.

        Returns
        -------
        tuple[PlanJob, bool]
            The new job and True, or the week's active job and False.
        """
        with self.transaction():
            self._fail_stale_jobs(now or stamp_now())
            active = self.active_job(job.week_start)
            if active is not None:
                return active, False
            return self._jobs.add(job), True

    def _fail_stale_jobs(self, now: dt.datetime) -> None:
        for job in self._jobs.where("state = ?", [JobState.RUNNING.value]):
            started = job.started_at or job.created_at
            if (now - started).total_seconds() > job.time_limit_s + STALE_AFTER_S:
                self._jobs.set(job.id, {"state": JobState.FAILED.value, "error_code": "interrupted",
                                        "finished_at": now.isoformat()})
                logger.warning("job %s (week %s) marked interrupted: running since %s", job.id,
                               job.week_start, started.isoformat())

    def update_job(self, job: PlanJob) -> PlanJob:
        """Overwrite the stored job ``job.id`` with `job` (its state, phase or result)."""
        return self._jobs.update(job)

    def get_job(self, id: int) -> PlanJob:
        """Return the job with this id (`NotFound` if none)."""
        return self._jobs.get(id)

    def active_job(self, week_start: dt.date) -> PlanJob | None:
        """Return the week's queued or running planning job, or None."""
        found = self._jobs.where("week_start = ? AND state IN (?, ?)",
                                 [week_start.isoformat(), JobState.QUEUED.value, JobState.RUNNING.value])
        return found[0] if found else None

    def jobs(self, week_start: dt.date, *, limit: int = 20) -> list[PlanJob]:
        """Return the week's planning jobs, newest first."""
        return self._jobs.where("week_start = ?", [week_start.isoformat()], limit=limit)

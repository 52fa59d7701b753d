"""Store the domain in SQLite: `Store` is the front every other module uses.

`Store.open` opens (or creates) a database, sets its durability settings
(`configure`: foreign keys, write-ahead logging, ``synchronous=FULL``, a busy
timeout), and applies pending migrations
(`scheduler.store.migrations`).

A thin front, as sqlite-utils' ``db[name]``: each table is a public accessor
(`scheduler.store.entities.Entities`, or its subclass in
`scheduler.store.tables` with the entity's own queries), so callers write
``store.residents.get(7)``, ``store.residents.add(r)`` (a copy with its new
id), ``store.vehicles.active()``, ``store.requests.find(statuses=...)``; a
missing id raises `NotFound` naming it. `scheduler.store.mappers` maps each
dataclass to its row and back. Writes that span tables (a request and its
first event, a status change and its event, a plan with its stops and
unassigned requests, a crew's report at a stop, an account and its log-ins)
are this class's named transactions, each in one `Store.transaction`: when
any part fails, the database keeps its previous state. The rules they apply
live in the domain (`scheduler.domain.TRANSITIONS`, `scheduler.domain.lifecycle`);
the store only persists their outcome.

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
    LoginSession,
    Role,
    User,
    account_key,
)
from scheduler.clock import city_now, stamp_now
from scheduler.domain import (
    OPEN_STATUSES,
    CallOutcome,
    IdLabels,
    Request,
    RequestEvent,
    RequestKind,
    RequestStatus,
    SessionBooking,
    ShiftException,
    TimeWindow,
    Vehicle,
    city_id,
)
from scheduler.domain.lifecycle import (
    StopAction,
    check_move,
    check_press_day,
    check_press_time,
    report_steps,
    stop_action,
)
from scheduler.evidence.records import StopHandled, handled_for, save_handled
from scheduler.evidence.summary import REPORTS, refresh_days, refresh_plan_week
from scheduler.plan_job import STALE_AFTER_S, JobState, PlanJob
from scheduler.store import tables
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
    REQUEST,
    REQUEST_EVENT,
    RESIDENT,
    ROAD_CLOSURE,
    SERVICE,
    SESSION_BOOKING,
    SHIFT_EXCEPTION,
    SITE,
    USER,
    VEHICLE,
)
from scheduler.store.migrations import migrate
from scheduler.store.plans import PlanVersions
from scheduler.store.text import normalize_search

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
        self.residents = tables.Residents(db, "residents", "resident", RESIDENT, **ext)
        self.sites = tables.Sites(db, "sites", "site", SITE, **ext)
        self.vehicles = tables.Vehicles(db, "vehicles", "vehicle", VEHICLE, **ext, check=self._check_vehicle)
        self.shift_exceptions = tables.ShiftExceptions(db, "shift_exceptions", "shift exception", SHIFT_EXCEPTION,
                                                       order_by="day, vehicle_id, id",
                                                       check=self._check_shift_exception)
        self.services = Entities(db, "services", "service", SERVICE, key="code", order_by="rowid")
        self.requests = tables.Requests(db, "requests", "request", REQUEST, **ext, check=self._check_request)
        self.request_events = tables.RequestEvents(db, "request_events", "request event", REQUEST_EVENT)
        self.session_bookings = tables.SessionBookings(db, "session_bookings", "session booking", SESSION_BOOKING,
                                                       check=self._check_booking)
        self.plans = PlanVersions(db, on_publish=lambda plan_id: refresh_plan_week(self, plan_id))
        self.plan_stops = self.plans.stops
        self.call_outcomes = tables.CallOutcomes(db, "call_outcomes", "call outcome", CALL_OUTCOME, order_by="at, id",
                                                 check=self._check_call_outcome)
        self.road_closures = tables.RoadClosures(db, "road_closures", "road closure", ROAD_CLOSURE,
                                                 order_by="starts_at, id")
        self.locks = tables.Locks(db, "locks", "lock", LOCK, order_by="day, id")
        self.users = tables.Users(db, "users", "user", USER, order_by="login", check=self._check_user)
        self.api_tokens = tables.ApiTokens(db, "api_tokens", "API token", API_TOKEN, check=self._check_owner)
        self.login_sessions = tables.LoginSessions(db, "login_sessions", "log-in session", LOGIN_SESSION,
                                                   check=self._check_owner)
        self.login_throttles = tables.LoginThrottles(db, "login_throttles", "log-in limit", LOGIN_THROTTLE, key="key",
                                                     order_by="key")
        self.audit_log = tables.AuditLog(db, "audit_log", "audit entry", AUDIT_ENTRY, order_by="id")
        self.jobs = tables.Jobs(db, "jobs", "job", JOB, order_by="id DESC")

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

    def id_labels(self) -> IdLabels:
        """Return the city's ids of every resident, site, vehicle and request by database id.

        For code that holds only database ids (plan stops, diffs) and must name
        records as the city does (`scheduler.domain.city_id`).
        """
        return IdLabels(residents=self.residents.external_ids(), sites=self.sites.external_ids(),
                        vehicles=self.vehicles.external_ids(), requests=self.requests.external_ids())

    # ------------------------------------------------------------------ reference checks (run in the write)

    def _check_vehicle(self, v: Vehicle) -> None:
        self.sites.require(v.depot_site_id, field="depot_site_id")

    def _check_shift_exception(self, e: ShiftException) -> None:
        self.vehicles.require(e.vehicle_id, field="vehicle_id")

    def _check_call_outcome(self, outcome: CallOutcome) -> None:
        self.requests.require(outcome.request_id, field="request_id")

    def _check_owner(self, row: ApiToken | LoginSession) -> None:
        self.users.require(row.user_id, field="user_id")

    def _check_request(self, r: Request) -> None:
        if r.resident_id is not None:
            self.residents.require(r.resident_id, field="resident_id")
        d = r.details
        if r.kind == RequestKind.SESSION:
            self.sites.require(d.site_id, field="details.site_id")
        elif r.kind == RequestKind.ERRAND:
            for i, p in enumerate(d.pickups):
                self.sites.require(p.site_id, field=f"details.pickups[{i}].site_id")
        elif r.kind == RequestKind.RIDE:
            for name in ("from_site_id", "to_site_id"):
                if getattr(d, name) is not None:
                    self.sites.require(getattr(d, name), field=f"details.{name}")
            if d.return_of is not None:
                self.requests.require(d.return_of, field="details.return_of")
        elif r.kind == RequestKind.VISIT:
            known = {s.code for s in self.services.all()}
            for code in d.services:
                if code not in known:
                    raise NotFound.of("details.services", "unknown service {code!r}", code=code)

    # ------------------------------------------------------------------ requests and their events

    def add_request(self, req: Request, *, user: str) -> Request:
        """Store a new request and its first event (none → its status) together."""
        with self.transaction():
            new = self.requests.add(req)
            self._insert("request_events", REQUEST_EVENT.to_row(RequestEvent(
                request_id=new.id, at=stamp_now(), user=user, from_status=None, to_status=new.status)))
        logger.info("request %s added (%s, %s)", new.id, new.kind.value, new.status.value)
        return new

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
            req = self.requests.get(request_id)
            check_move(req, to, promised)
            if promised is not None:
                req.promised = promised
            event = RequestEvent(request_id=request_id, at=stamp_now(), user=user,
                                 from_status=req.status, to_status=to, note=note, cause=cause,
                                 cause_args=dict(cause_args or {}))
            req.status = to
            row = REQUEST.to_row(req)
            self.requests.set(request_id, {"status": row["status"], "promised": row["promised"]})
            self._insert("request_events", REQUEST_EVENT.to_row(event))
            if to == RequestStatus.CANCELLED:
                refresh_days(self, [event.at.date()])  # the figures count a cancellation on its day
        logger.info("request %s: %s -> %s", request_id, event.from_status.value, to.value)
        return req

    def note_event(self, request_id: int, *, user: str, cause: str, cause_args: dict) -> RequestEvent:
        """Record why the system changed a request without moving its status (a hall session's day moved)."""
        with self.transaction():
            status = self.requests.get(request_id).status
            event = RequestEvent(request_id=request_id, at=stamp_now(), user=user, from_status=status,
                                 to_status=status, cause=cause, cause_args=dict(cause_args))
            self._insert("request_events", REQUEST_EVENT.to_row(event))
        return event

    def _check_booking(self, b: SessionBooking) -> None:
        session = self.requests.get(b.session_request_id)
        if session.kind != RequestKind.SESSION:
            raise InputError.of("session_request_id", "request {request} is a {kind}, not a session",
                                request=city_id(session), kind=session.kind.value)
        self.residents.require(b.resident_id, field="resident_id")


    # ------------------------------------------------------------------ day of operations

    def mark_stop(self, stop_id: int, action: StopAction | str, *, user: str, note: str = "",
                  today: dt.date | None = None, at: dt.datetime | None = None,
                  now: dt.datetime | None = None) -> Request:
        """Record the crew's report at a stop (到着 / 完了 / 不在 / 対応不可) as request events.

        One transaction, deciding nothing itself (`scheduler.domain.lifecycle.report_steps`):
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
            stop = self.plan_stops.get(stop_id)
            if stop.request_id is None:
                raise InputError.of("", "stop {stop}: a {kind} stop serves no request", stop=stop_id,
                                    kind=stop.step_type)
            now = now or city_now()
            at = (at or now).replace(microsecond=0)
            check_press_day(stop.day, today or now.date())
            check_press_time(stop.day, at, now)
            req = self.requests.get(stop.request_id)
            steps = report_steps(req.status, stop.step_type, act, at, self.request_events.reports_at([stop_id]))
            if steps is None:
                logger.info("stop %s: %s at %s repeated; kept once", stop_id, act.value, at.isoformat())
                return req
            received = stamp_now()
            for to in steps:
                self._insert("request_events", REQUEST_EVENT.to_row(RequestEvent(
                    request_id=req.id, at=at, user=user, from_status=req.status, to_status=to,
                    note=note, stop_id=stop_id, action=act.value, received_at=received)))
                req.status = to
            self.requests.set(req.id, {"status": req.status.value})
            if act.value in REPORTS:
                refresh_days(self, [stop.day])  # the figures of the day
        logger.info("stop %s: %s (request %s now %s)", stop_id, act.value, req.id, req.status.value)
        return req

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

    # ------------------------------------------------------------------ staff accounts and audit

    def _check_user(self, u: User) -> None:
        if u.vehicle_id is not None:
            self.vehicles.require(u.vehicle_id, field="vehicle_id")
        other = self.users.by_login(u.login)
        if other is not None and other.id != u.id:
            raise StorageError.of("login", "{value!r} is already used by {what} {id}", value=u.login, what="user",
                                  id=other.id)

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
            old = self.users.get(u.id) if u.id is not None else None
            stored = self.users.update(u)
            if old is not None and old.active and not stored.active:
                self.login_sessions.end_all_of(stored.id, "disabled", at=at)
                self.api_tokens.revoke_all_of(stored.id, "disabled", at=at)
            elif old is not None and old.password_hash != stored.password_hash:
                self.login_sessions.end_all_of(stored.id, "password", at=at, keep=keep_session)
                self.api_tokens.revoke_all_of(stored.id, "password", at=at)
        return stored

    def remove_user(self, user_id: int) -> User:
        """Delete an account with its sessions, tokens and failed log-ins; refuse the last active admin.

        The audit log keeps the login text of what the account did, as before.
        """
        with self.transaction():
            user = self.users.get(user_id)
            others = self.users.where("role = ? AND active = 1 AND id != ?", [Role.ADMIN.value, user_id])
            if user.role == Role.ADMIN and not others:
                raise StorageError.of("login", "{login!r} is the last active admin; add or enable another admin "
                                      "first", login=user.login)
            for table in ("login_sessions", "api_tokens"):
                self.db.execute(f"DELETE FROM {table} WHERE user_id = ?", [user_id])
            self.db.execute("DELETE FROM login_throttles WHERE key = ?", [account_key(user_id)])
            self.users.delete(user_id)
        return user

    def user_by_token(self, token_sha256: str, *, now: dt.datetime) -> User | None:
        """Return the active account owning the token with this SHA-256 if the token works at `now`, else None."""
        found = self.api_tokens.where("token_sha256 = ?", [token_sha256])
        if not found or found[0].state(now) != "active":
            return None
        user = self.users.get(found[0].user_id)
        return user if user.active else None

    # ------------------------------------------------------------------ background jobs

    def add_job(self, job: PlanJob, *, now: dt.datetime | None = None) -> tuple[PlanJob, bool]:
        """Store a new queued job unless one is already active for its week (a week plan) or days (a day job).

        A running job left behind by a stopped process (running longer than its
        time limit plus `scheduler.plan_job.STALE_AFTER_S`) is marked failed
        (``interrupted``) first, so it cannot block its week for ever. The
        check and the insert hold the write lock together, so two processes
        cannot both start a job on the same day.

        Returns
        -------
        tuple[PlanJob, bool]
            The new job and True, or the active job in its way and False.
        """
        with self.transaction():
            self._fail_stale_jobs(now or stamp_now())
            active = self.jobs.active(job.week_start) if job.kind == "week_plan" else self.jobs.active_on(job.days)
            if active is not None:
                return active, False
            return self.jobs.add(job), True

    def _fail_stale_jobs(self, now: dt.datetime) -> None:
        for job in self.jobs.where("state = ?", [JobState.RUNNING.value]):
            started = job.started_at or job.created_at
            if (now - started).total_seconds() > job.time_limit_s + STALE_AFTER_S:
                self.jobs.set(job.id, {"state": JobState.FAILED.value, "error_code": "interrupted",
                                        "finished_at": now.isoformat()})
                logger.warning("job %s (week %s) marked interrupted: running since %s", job.id,
                               job.week_start, started.isoformat())

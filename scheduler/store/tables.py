"""The store's tables: one accessor per entity, with the queries staff ask of that entity.

Each class is an `scheduler.store.entities.Entities` (add, update, get,
by_external_id, all, where, delete) plus the reads and one-table writes its
callers need, so that ``store.residents.find("さとう")`` or
``store.vehicles.active()`` is found where the entity is. Writes that span
tables (a request and its first event, a plan with its stops, marking a stop)
are `scheduler.store.store.Store`'s named transactions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from routing.errors import InputError
from scheduler.accounts import (
    ApiToken,
    AuditEntry,
    LoginLimits,
    LoginSession,
    LoginThrottle,
    User,
)
from scheduler.clock import city_now, stamp_now
from scheduler.closures import RoadClosure, day_bounds
from scheduler.domain import (
    CallOutcome,
    Request,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Resident,
    SessionBooking,
    ShiftException,
    Site,
    SiteKind,
    Vehicle,
    city_id,
)
from scheduler.locks import Lock
from scheduler.plan_job import JobState, PlanJob
from scheduler.store.entities import Entities, transaction
from scheduler.store.mappers import AUDIT_ENTRY
from scheduler.store.text import like_escape, normalize_search

#: What people put between the digits of a phone number (after NFKC): hyphens, dashes, ー, brackets, dots.
_PHONE_SEPARATORS = "-()+.\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"


def _in(ids: Iterable[int]) -> tuple[str, list[int]]:
    """Return ``"id IN (?, ?)"`` and the sorted distinct ids (an empty list when there are none)."""
    wanted = sorted({int(i) for i in ids})
    return f"id IN ({', '.join('?' * len(wanted))})", wanted


def _days(first: dt.date, last: dt.date) -> list[str]:
    return [first.isoformat(), last.isoformat()]


@dataclasses.dataclass(frozen=True)
class Residents(Entities[Resident]):
    """Registered residents."""

    def find(self, query: str, *, limit: int = 50) -> list[Resident]:
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
            return self.where("phone_digits LIKE ?", [f"%{digits}%"], order_by="kana, id", limit=limit)
        return self.where(
            "odk_fold(name) LIKE :p ESCAPE '\\' OR odk_fold(kana) LIKE :p ESCAPE '\\' "
            "OR odk_fold(address) LIKE :p ESCAPE '\\'",
            {"p": f"%{like_escape(folded)}%"}, order_by="kana, id", limit=limit,
        )

    def with_ids(self, ids: Iterable[int]) -> list[Resident]:
        """Return the residents with these ids (those that exist), in id order."""
        where, wanted = _in(ids)
        return self.where(where, wanted, order_by="id") if wanted else []


@dataclasses.dataclass(frozen=True)
class Sites(Entities[Site]):
    """Community halls, shops, depots and other places."""

    def of_kind(self, kind: SiteKind | str) -> list[Site]:
        """Return the sites of one kind, in id order."""
        return self.where("kind = ?", [SiteKind(kind).value])


@dataclasses.dataclass(frozen=True)
class Vehicles(Entities[Vehicle]):
    """The fleet (``all`` includes vehicles taken out of service)."""

    def active(self) -> list[Vehicle]:
        """Return the vehicles in service, in id order."""
        return self.where("active = 1")


@dataclasses.dataclass(frozen=True)
class ShiftExceptions(Entities[ShiftException]):
    """Days (or parts of days) a vehicle does not run."""

    def between(self, first: dt.date, last: dt.date) -> list[ShiftException]:
        """Return the exceptions on days from `first` to `last`, both included."""
        return self.where("day BETWEEN ? AND ?", _days(first, last))


@dataclasses.dataclass(frozen=True)
class RoadClosures(Entities[RoadClosure]):
    """Closed roads (`scheduler.closures`); periods may overlap."""

    def between(self, first: dt.date, last: dt.date | None = None) -> list[RoadClosure]:
        """Return the closures active at any moment of the days `first`..`last` (`first` alone when None)."""
        start, end = day_bounds(first, last or first)
        return self.where("starts_at < ? AND ends_at > ?", [end.isoformat(), start.isoformat()])


@dataclasses.dataclass(frozen=True)
class Locks(Entities[Lock]):
    """The dispatcher's locks (`scheduler.locks`)."""

    def add(self, obj: Lock) -> Lock:
        """Store a lock (stamped now when it has no time); the same lock twice is refused (`StorageError`)."""
        if obj.created_at is None:
            obj = dataclasses.replace(obj, created_at=stamp_now())
        return super().add(obj)

    def between(self, first: dt.date, last: dt.date) -> list[Lock]:
        """Return the locks of the days `first`..`last`."""
        return self.where("day BETWEEN ? AND ?", _days(first, last))


@dataclasses.dataclass(frozen=True)
class Requests(Entities[Request]):
    """Residents' requests; a new one and its status changes go through `Store` (they write events)."""

    def update(self, obj: Request) -> Request:
        """Overwrite the stored request ``obj.id`` except its status (use `Store.change_status`)."""
        with transaction(self.db):
            if obj.id is None:
                raise InputError.of("", "{what}: has no id; add it before updating", what="request")
            if obj.status != self.get(obj.id).status:
                raise InputError.of("", "request {request}: status changes go through change_status",
                                    request=city_id(obj))
            return super().update(obj)

    def find(self, *, statuses: Iterable[RequestStatus] | None = None, kind: RequestKind | None = None,
             resident_id: int | None = None) -> list[Request]:
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
        return self.where(" AND ".join(where), args)

    def with_ids(self, ids: Iterable[int]) -> list[Request]:
        """Return the requests with these ids (those that exist), in id order."""
        where, wanted = _in(ids)
        return self.where(where, wanted, order_by="id") if wanted else []


@dataclasses.dataclass(frozen=True)
class RequestEvents(Entities[RequestEvent]):
    """Every change of a request's status, and the crews' reports at stops."""

    def of_request(self, request_id: int) -> list[RequestEvent]:
        """Return a request's events, oldest first."""
        return self.where("request_id = ?", [request_id])

    def reports_at(self, stop_ids: Iterable[int]) -> list[RequestEvent]:
        """Return every crew report at these stops, in the order they happened (then stored)."""
        ids = [int(i) for i in stop_ids]
        if not ids:
            return []
        return self.where(f"stop_id IN ({', '.join('?' * len(ids))}) AND action IS NOT NULL", ids,
                          order_by="at, id")

    def latest_reports_at(self, stop_ids: Iterable[int]) -> dict[int, RequestEvent]:
        """Return the latest crew report of each stop that has one, by stop id."""
        return {e.stop_id: e for e in self.reports_at(stop_ids)}


@dataclasses.dataclass(frozen=True)
class SessionBookings(Entities[SessionBooking]):
    """Seats booked in hall sessions."""

    def find(self, *, session_request_id: int | None = None, day: dt.date | None = None,
             resident_id: int | None = None, include_cancelled: bool = False) -> list[SessionBooking]:
        """Return bookings in id order, filtered by session, day and resident when given.

        Cancelled seats are left out (they no longer count) unless `include_cancelled`
        (the record: a resident's history, exports, imports matching a stored row).
        """
        where, args = [], []
        if not include_cancelled:
            where.append("cancelled_at IS NULL")
        for column, value in (("resident_id", resident_id), ("session_request_id", session_request_id),
                              ("day", day.isoformat() if day is not None else None)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        return self.where(" AND ".join(where), args)


@dataclasses.dataclass(frozen=True)
class CallOutcomes(Entities[CallOutcome]):
    """What operators noted on the calls of a day's call list."""

    def on(self, day: dt.date) -> list[CallOutcome]:
        """Return the outcomes noted on the calls of a day, in the order they were noted."""
        return self.where("day = ?", [day.isoformat()])


@dataclasses.dataclass(frozen=True)
class Users(Entities[User]):
    """Staff accounts (changing or removing one ends its log-ins: `Store.update_user`, `Store.remove_user`)."""

    def by_login(self, login: str) -> User | None:
        """Return the account with this login, or None."""
        found = self.where("login = ?", [login])
        return found[0] if found else None


@dataclasses.dataclass(frozen=True)
class ApiTokens(Entities[ApiToken]):
    """Personal API tokens (their hashes)."""

    def of_user(self, user_id: int) -> list[ApiToken]:
        """Return the tokens of an account, oldest first."""
        return self.where("user_id = ?", [user_id])

    def by_hash(self, token_sha256: str) -> ApiToken | None:
        """Return the token with this SHA-256, or None."""
        found = self.where("token_sha256 = ?", [token_sha256])
        return found[0] if found else None

    def revoke(self, id_: int, reason: str = "admin", *, at: dt.datetime | None = None) -> ApiToken:
        """End one token now (`reason`: a code of `scheduler.accounts.END_REASONS`); a revoked one stays so."""
        with transaction(self.db):
            token = self.get(id_)
            if token.revoked_at is None:
                token.revoked_at, token.revoke_reason = at or city_now(), reason
                token = self.update(token)
        return token

    def revoke_all_of(self, user_id: int, reason: str, *, at: dt.datetime | None = None) -> int:
        """End every token of an account not ended yet; return how many."""
        with transaction(self.db):
            tokens = self.where("user_id = ? AND revoked_at IS NULL", [user_id])
            for token in tokens:
                self.revoke(token.id, reason, at=at)
        return len(tokens)


@dataclasses.dataclass(frozen=True)
class LoginSessions(Entities[LoginSession]):
    """Browser log-in sessions (ended ones stay, with why they ended)."""

    def by_secret(self, secret_sha256: str) -> LoginSession | None:
        """Return the session whose secret has this SHA-256 (ended or not), or None."""
        found = self.where("secret_sha256 = ?", [secret_sha256])
        return found[0] if found else None

    def of_user(self, user_id: int) -> list[LoginSession]:
        """Return the sessions of an account, ended or not, oldest first."""
        return self.where("user_id = ?", [user_id])

    def touch(self, id_: int, at: dt.datetime) -> None:
        """Note a request of the session at `at` (for its idle limit)."""
        self.set(id_, {"last_seen_at": at.isoformat()})

    def end(self, id_: int, reason: str, *, at: dt.datetime | None = None) -> None:
        """End one session (`reason`: a code of `scheduler.accounts.END_REASONS`) unless it has ended already."""
        with transaction(self.db):
            session = self.get(id_)
            if session.ended_at is None:
                session.ended_at, session.end_reason = at or city_now(), reason
                self.update(session)

    def end_all_of(self, user_id: int, reason: str, *, at: dt.datetime | None = None,
                   keep: int | None = None) -> int:
        """End every session of an account not ended yet (but `keep`); return how many."""
        with transaction(self.db):
            sessions = [s for s in self.where("user_id = ? AND ended_at IS NULL", [user_id]) if s.id != keep]
            for session in sessions:
                self.end(session.id, reason, at=at)
        return len(sessions)

    def open_counts(self, now: dt.datetime) -> dict[int, int]:
        """Return the count of sessions neither ended nor past their absolute end at `now`, by account id."""
        rows = self.db.execute("SELECT user_id, COUNT(*) FROM login_sessions WHERE ended_at IS NULL "
                               "AND expires_at > ? GROUP BY user_id", [now.isoformat()]).fetchall()
        return dict(rows)


@dataclasses.dataclass(frozen=True)
class LoginThrottles(Entities[LoginThrottle]):
    """Failed log-ins counted per key (an account, a login, a client address)."""

    def of(self, key: str) -> LoginThrottle:
        """Return the failed log-ins counted for `key` (nothing counted when it has no row)."""
        return self.get(key) if self.exists(key) else LoginThrottle(key)

    def claim(self, limits: dict[str, LoginLimits], now: dt.datetime) -> int:
        """Let a log-in try go ahead, counting it as a failure of each key first, or say how long to wait.

        One write transaction, so tries in parallel (threads, processes) each
        see the ones before: the try is counted before its password is
        checked, and `forgive` takes it back when it was right. Keys whose
        failures are over (`LoginLimits.memory_s`) are forgotten here.

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
        with transaction(self.db):
            forget = now - dt.timedelta(seconds=max(lim.memory_s for lim in limits.values()))
            self.db.execute("DELETE FROM login_throttles WHERE last_failure_at < ? "
                            "AND (locked_until IS NULL OR locked_until <= ?)", [forget.isoformat(), now.isoformat()])
            counted = {key: self.of(key) for key in limits}
            wait = max(t.wait_s(now, limits[key]) for key, t in counted.items())
            if wait > 0:
                return wait
            for key, throttle in counted.items():
                throttle.failed(now, limits[key])
                self.upsert(throttle)
        return 0

    def forgive(self, limits: dict[str, LoginLimits]) -> None:
        """Take back the failure `claim` counted for a try that was right; its keys start again."""
        with transaction(self.db):
            for key, lim in limits.items():
                throttle = self.of(key)
                throttle.forgive(lim)
                if throttle.clean:
                    self.db.execute("DELETE FROM login_throttles WHERE key = ?", [key])
                else:
                    self.upsert(throttle)

    def unlock(self, key: str) -> bool:
        """Forget the failed log-ins of `key` (an admin unlocking an account); return whether any were counted."""
        with transaction(self.db):
            return self.db.execute("DELETE FROM login_throttles WHERE key = ?", [key]).rowcount > 0

    def locked(self, now: dt.datetime) -> dict[str, dt.datetime]:
        """Return the keys locked at `now` with the end of their lock."""
        rows = self.db.execute("SELECT key, locked_until FROM login_throttles WHERE locked_until > ?",
                               [now.isoformat()]).fetchall()
        return {key: dt.datetime.fromisoformat(until) for key, until in rows}


@dataclasses.dataclass(frozen=True)
class AuditLog(Entities[AuditEntry]):
    """Who did what, when (ids only)."""

    def add_many(self, entries: Iterable[AuditEntry]) -> int:
        """Append entries in one short write transaction; return how many.

        Each keeps its own time (``at``: when it happened, not when it was
        written), so the web app's entries written late by its queue
        (`webapp.audit`) read as they happened; their ids follow the write order.
        """
        rows = [AUDIT_ENTRY.to_row(e) for e in entries]
        if rows:
            with transaction(self.db):
                self.db["audit_log"].insert_all(rows)
        return len(rows)

    def latest(self, *, limit: int = 200) -> list[AuditEntry]:
        """Return the latest entries, newest first."""
        return self.where(order_by="id DESC", limit=limit)


@dataclasses.dataclass(frozen=True)
class Jobs(Entities[PlanJob]):
    """Background jobs (a new one is queued by `Store.add_job`): one week plan per week, one day job per day."""

    def active(self, week_start: dt.date) -> PlanJob | None:
        """Return the week's queued or running planning job (kind ``week_plan``), or None."""
        found = self.where("week_start = ? AND kind = 'week_plan' AND state IN (?, ?)",
                           [week_start.isoformat(), JobState.QUEUED.value, JobState.RUNNING.value])
        return found[0] if found else None

    def active_on(self, days: Iterable[dt.date]) -> PlanJob | None:
        """Return a queued or running day job (re-plan, outage, closure) holding any of `days`, or None."""
        wanted = set(days)
        found = self.where("kind != 'week_plan' AND state IN (?, ?)", [JobState.QUEUED.value, JobState.RUNNING.value])
        return next((job for job in found if wanted.intersection(job.days)), None)

    def of_week(self, week_start: dt.date, *, limit: int = 20) -> list[PlanJob]:
        """Return the week's jobs, newest first."""
        return self.where("week_start = ?", [week_start.isoformat()], limit=limit)

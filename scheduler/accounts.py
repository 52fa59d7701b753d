"""Staff accounts, log-ins, API tokens and the audit log: plain dataclasses (the stop actions: scheduler.domain.lifecycle).

Who may do what is the web app's business (``webapp/permissions.py``); this
module only says what an account *is*. Passwords, API tokens and session
secrets are never stored: `User.password_hash` is a werkzeug hash made by the
web layer, `ApiToken.token_sha256` the SHA-256 of a token shown once and
`LoginSession.secret_sha256` the SHA-256 of the secret in a browser's cookie.

A browser log-in is a `LoginSession` row: it lasts until it is ended (log-out,
a new password, the account disabled, an admin; `END_REASONS`), until its
``expires_at`` (absolute) or until it is idle too long (`LoginSession.over`).
An `ApiToken` works until its ``expires_at`` unless revoked first. Failed
log-ins are counted per key (an account, a client address, an unknown login)
in `LoginThrottle` rows; `LoginLimits` says when they make the next try wait
and when they lock the key for a while.

The audit log records who looked at or changed residents' personal data:
ids only, never names, addresses or phone numbers.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from dataclasses import dataclass

from scheduler.clock import stamp_now
from scheduler.domain import DomainError, check_text

__all__ = ["END_REASONS", "ApiToken", "AuditEntry", "LoginLimits", "LoginSession", "LoginThrottle", "Role", "User",
           "account_key", "address_key", "unknown_login_key"]

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
_SHA256 = re.compile(r"[0-9a-f]{64}")

#: Why a log-in session or an API token ended before its time (a closed set; the screens word them).
END_REASONS = frozenset({
    "logout",  # the user logged out (sessions)
    "idle",  # no request for longer than the idle limit (sessions)
    "expired",  # past expires_at (sessions; a token past it is simply expired)
    "password",  # the account got a new password
    "disabled",  # the account was disabled
    "admin",  # an admin ended it (`odekake user logout|revoke`, the users screen)
})



class Role(str, enum.Enum):
    """A staff member's role; the web app's permission table is keyed by it."""

    ADMIN = "admin"
    DISPATCHER = "dispatcher"  # 配車担当
    OPERATOR = "operator"  # オペレーター
    DRIVER = "driver"  # 運転手・職員, tied to one vehicle


@dataclass
class User:
    """A staff account (not a resident: residents never log in)."""

    login: str
    role: Role
    password_hash: str = ""  # empty: cannot log in with a password
    name: str = ""  # staff name shown in the header
    vehicle_id: int | None = None  # drivers only: the vehicle whose routes they see
    active: bool = True
    created_at: dt.datetime | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.login, str) or not _LOGIN.match(self.login):
            raise DomainError.of("login", "{value!r} must be 2-32 lower-case letters, digits, '.', '_' or '-', "
                                 "starting with a letter or digit", value=self.login)
        check_text("name", self.name)
        try:
            self.role = Role(self.role)
        except ValueError:
            raise DomainError.of("role", "unknown role {role!r}; use one of {known}", role=self.role,
                                 known=", ".join(r.value for r in Role)) from None
        if self.role == Role.DRIVER and self.vehicle_id is None:
            raise DomainError.of("vehicle_id", "a driver must be tied to a vehicle")
        if self.role != Role.DRIVER and self.vehicle_id is not None:
            raise DomainError.of("vehicle_id", "only drivers are tied to a vehicle, not a {role}", role=self.role.value)
        if self.created_at is None:
            self.created_at = stamp_now()


def _check_sha256(field: str, value: str) -> None:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise DomainError.of(field, "must be 64 lower-case hex digits")


def _check_end(ended_at: dt.datetime | None, reason: str | None) -> None:
    if (ended_at is None) != (reason is None):
        raise DomainError.of("ended_at/reason", "both or neither")
    if reason is not None and reason not in END_REASONS:
        raise DomainError.of("reason", "unknown end {reason!r}; use one of {known}", reason=reason,
                             known=", ".join(sorted(END_REASONS)))


@dataclass
class ApiToken:
    """A personal API token: only its SHA-256 is kept; it works until `expires_at` unless revoked first."""

    user_id: int
    token_sha256: str
    expires_at: dt.datetime | None = None  # required: a token without an end is refused
    label: str = ""  # what the token is for, in the admin's words ("予約端末")
    created_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    revoke_reason: str | None = None  # a code of END_REASONS
    id: int | None = None

    def __post_init__(self) -> None:
        _check_sha256("token_sha256", self.token_sha256)
        check_text("label", self.label)
        if self.created_at is None:
            self.created_at = stamp_now()
        if self.expires_at is None:
            raise DomainError.of("expires_at", "a token must have an end")
        if self.expires_at <= self.created_at:
            raise DomainError.of("expires_at", "must be after the token is made")
        _check_end(self.revoked_at, self.revoke_reason)

    def state(self, now: dt.datetime) -> str:
        """Return ``active``, ``expired`` or ``revoked`` at `now`."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if now < self.expires_at else "expired"


@dataclass
class LoginSession:
    """A browser log-in kept on the server; the cookie carries only its secret (kept here as a SHA-256).

    Parameters
    ----------
    expires_at
        The absolute end: the session is over then whatever the user does.
    last_seen_at
        The last request (written at most once a minute), for the idle limit.
    ended_at, end_reason
        When and why it was ended (a code of `END_REASONS`); None while it may last.
    """

    user_id: int
    secret_sha256: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_seen_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    end_reason: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        _check_sha256("secret_sha256", self.secret_sha256)
        if self.expires_at <= self.created_at:
            raise DomainError.of("expires_at", "must be after the session starts")
        if self.last_seen_at is None:
            self.last_seen_at = self.created_at
        _check_end(self.ended_at, self.end_reason)

    def over(self, now: dt.datetime, *, idle: dt.timedelta) -> str | None:
        """Return why the session is over at `now` (a code of `END_REASONS`), or None while it lasts."""
        if self.end_reason is not None:
            return self.end_reason
        if now >= self.expires_at:
            return "expired"
        if now - self.last_seen_at >= idle:
            return "idle"
        return None


def account_key(user_id: int) -> str:
    """Return the `LoginThrottle` key of an account."""
    return f"user:{int(user_id)}"


def address_key(address: str) -> str:
    """Return the `LoginThrottle` key of a client address."""
    return f"address:{address}"


def unknown_login_key(digest: str) -> str:
    """Return the `LoginThrottle` key of a login no account has (`digest`: a keyed hash of it, never the text)."""
    return f"login:{digest}"


@dataclass(frozen=True)
class LoginLimits:
    """When failed log-ins of one key make the next try wait, and when they lock the key.

    After `delay_after` failures in a row, each further try waits
    ``(n - delay_after + 1) × delay_step_s`` seconds after the n-th failure (at
    most `delay_max_s`); `lock_after` failures within `window_s` lock the key
    for `lock_s` (an admin may unlock it sooner). Failures in a row start again
    at a success, and are forgotten after a quiet `window_s`.
    """

    delay_after: int = 5
    delay_step_s: int = 5
    delay_max_s: int = 300
    lock_after: int = 20
    window_s: int = 3600
    lock_s: int = 3600

    def __post_init__(self) -> None:
        for name in ("delay_after", "delay_step_s", "delay_max_s", "lock_after", "window_s", "lock_s"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise DomainError.of(name, "must be a whole number of at least 1, not {value!r}", value=value)

    @property
    def memory_s(self) -> int:
        """Seconds after its last failure when a key that is not locked may be forgotten."""
        return max(self.window_s, self.delay_max_s)


@dataclass
class LoginThrottle:
    """The failed log-ins counted for one key (`account_key`, `address_key`, `unknown_login_key`)."""

    key: str
    failures: int = 0  # in a row, since the last success
    last_failure_at: dt.datetime | None = None
    window_start: dt.datetime | None = None
    window_failures: int = 0  # since window_start
    locked_until: dt.datetime | None = None

    def wait_s(self, now: dt.datetime, limits: LoginLimits) -> int:
        """Return the whole seconds before the key may try again (0: now)."""
        waits = [0]
        if self.locked_until is not None:
            waits.append(math.ceil((self.locked_until - now).total_seconds()))
        if self.failures >= limits.delay_after and self.last_failure_at is not None:
            delay = min(limits.delay_step_s * (self.failures - limits.delay_after + 1), limits.delay_max_s)
            waits.append(math.ceil(delay - (now - self.last_failure_at).total_seconds()))
        return max(waits)

    def failed(self, now: dt.datetime, limits: LoginLimits) -> None:
        """Count one failure at `now`; the `lock_after`-th within the window locks the key."""
        if self.window_start is None or (now - self.window_start).total_seconds() >= limits.window_s:
            self.window_start, self.window_failures = now, 0
        self.failures += 1
        self.window_failures += 1
        self.last_failure_at = now
        if self.window_failures >= limits.lock_after:
            self.locked_until = now + dt.timedelta(seconds=limits.lock_s)

    def forgive(self, limits: LoginLimits) -> None:
        """Take back one failure counted before a try that turned out right: the failures in a row start again."""
        self.failures = 0
        self.window_failures = max(0, self.window_failures - 1)
        if self.window_failures < limits.lock_after:
            self.locked_until = None

    @property
    def clean(self) -> bool:
        """Whether nothing is counted (the row may go)."""
        return self.failures == 0 and self.window_failures == 0 and self.locked_until is None


@dataclass
class AuditEntry:
    """Who looked at or changed which residents' data, and when (ids only).

    Parameters
    ----------
    user
        The staff login.
    action
        What was done, a short code: ``view``, ``search``, ``change`` ...
    subject
        What kind of record: ``resident``, ``request``, ``plan`` ...
    subject_ids
        The ids of the records touched (residents whose data was shown).
    where
        The screen or API endpoint (``dispatch.week``), never a URL with a query.
    address
        The client's address, for log-ins and refusals (``login``, ``login_failed``,
        ``login_refused``); empty for the rest.
    """

    user: str
    action: str
    subject: str
    subject_ids: tuple[int, ...] = ()
    where: str = ""
    at: dt.datetime | None = None
    id: int | None = None
    address: str = ""

    def __post_init__(self) -> None:
        self.subject_ids = tuple(int(i) for i in self.subject_ids)
        if not self.action or not self.subject:
            raise DomainError.of("action/subject", "must not be empty")
        if self.at is None:
            self.at = stamp_now()

"""Staff accounts, API tokens, the audit log and the driver's stop actions: plain dataclasses.

Who may do what is the web app's business (``webapp/permissions.py``); this
module only says what an account *is*. Passwords and API tokens are never
stored: `User.password_hash` is a werkzeug hash made by the web layer and
`ApiToken.token_sha256` the SHA-256 of a token shown once.

The audit log records who looked at or changed residents' personal data:
ids only, never names, addresses or phone numbers.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from scheduler.domain import DomainError, RequestStatus, check_text

__all__ = ["STOP_ACTIONS", "ApiToken", "AuditEntry", "Role", "StopAction", "User"]

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


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
            msg = (f"login: {self.login!r} must be 2-32 lower-case letters, digits, '.', '_' or '-', "
                   "starting with a letter or digit")
            raise DomainError(msg)
        check_text("name", self.name)
        try:
            self.role = Role(self.role)
        except ValueError:
            msg = f"role: unknown role {self.role!r}; use one of {', '.join(r.value for r in Role)}"
            raise DomainError(msg) from None
        if self.role == Role.DRIVER and self.vehicle_id is None:
            msg = "vehicle_id: a driver must be tied to a vehicle"
            raise DomainError(msg)
        if self.role != Role.DRIVER and self.vehicle_id is not None:
            msg = f"vehicle_id: only drivers are tied to a vehicle, not a {self.role.value}"
            raise DomainError(msg)
        if self.created_at is None:
            self.created_at = _now()


@dataclass
class ApiToken:
    """A personal API token: only its SHA-256 is kept."""

    user_id: int
    token_sha256: str
    created_at: dt.datetime | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9a-f]{64}", self.token_sha256 or ""):
            msg = "token_sha256: must be 64 lower-case hex digits"
            raise DomainError(msg)
        if self.created_at is None:
            self.created_at = _now()


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
    """

    user: str
    action: str
    subject: str
    subject_ids: tuple[int, ...] = ()
    where: str = ""
    at: dt.datetime | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        self.subject_ids = tuple(int(i) for i in self.subject_ids)
        if not self.action or not self.subject:
            msg = "action/subject: must not be empty"
            raise DomainError(msg)
        if self.at is None:
            self.at = _now()


class StopAction(str, enum.Enum):
    """What the crew reports at a stop (到着 / 完了 / 不在 / 対応不可)."""

    ARRIVED = "arrived"
    DONE = "done"
    NOT_HOME = "not_home"
    CANNOT_SERVE = "cannot_serve"


#: The request status each stop action leads to. A pick-up that is done leaves the
#: errand or ride dispatched: its delivery or drop-off finishes it (see `Store.mark_stop`).
STOP_ACTIONS: dict[StopAction, RequestStatus | None] = {
    StopAction.ARRIVED: RequestStatus.DISPATCHED,
    StopAction.DONE: RequestStatus.DONE,
    StopAction.NOT_HOME: RequestStatus.NO_SHOW,
    StopAction.CANNOT_SERVE: RequestStatus.FAILED,
}

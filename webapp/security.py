"""Log-in sessions, API tokens, CSRF and the guard every request passes.

- Browser log-ins are kept on the server (`scheduler.accounts.LoginSession`,
  table ``login_sessions``): the cookie carries only a random secret as
  Flask-Login's user id, the table its SHA-256. Every request looks it up
  (`_load_user`); it is over when it was ended (log-out, a new password, the
  account disabled, an admin: `Store.login_sessions.end_all_of`), past its absolute end
  (``PERMANENT_SESSION_LIFETIME`` after the log-in) or idle too long
  (``ODEKAKE_SESSION_IDLE_MINUTES``, per role ``ODEKAKE_SESSION_IDLE_MINUTES_BY_ROLE``),
  all by the city's clock (`webapp.clock`). A cookie kept after the end
  opens nothing, and enabling an account again brings no old session back.
  The last request is written at most once a minute (`TOUCH_EVERY`), and
  never holds up a request while the database is busy.
- Passwords are werkzeug hashes. `check_password` runs exactly one hash check
  whatever the login: a dummy hash of the same method and cost for an unknown
  or disabled account, so the answer's time does not tell whether a login exists.
- API clients may send ``Authorization: Bearer TOKEN`` instead: the token is
  looked up by its SHA-256 and works until its ``expires_at`` unless revoked
  (`scheduler.store.Store.user_by_token`). Such calls carry no cookie, so they
  need no CSRF token.
- CSRF (Flask-WTF) is checked by `guard` on every POST/PUT/PATCH/DELETE made
  with the browser session: forms send ``csrf_token``, scripts the
  ``X-CSRFToken`` header (the token is in ``<meta name="csrf-token">``).
  ``POST /api/session`` accepts JSON only, which a browser cannot send to
  another site without the site's consent (CORS).
- `guard` then applies the permission table (`webapp.permissions`).
- Failed log-ins are limited in `webapp.login_limits`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import sqlite3
from collections.abc import Callable

from flask import (
    Flask,
    abort,
    current_app,
    g,
    has_app_context,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from scheduler.accounts import ApiToken, LoginSession, Role, User
from scheduler.store import NotFound, Store, is_busy
from webapp import clock, login_limits, permissions, settings
from webapp.args import is_api_request
from webapp.db import get_store

__all__ = ["TOUCH_EVERY", "StaffUser", "check_password", "check_permission_table", "end_current_session", "guard",
           "hash_password", "idle_limit", "init_app", "is_api_request", "new_api_token", "start_session"]

log = logging.getLogger(__name__)

csrf = CSRFProtect()
login_manager = LoginManager()
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: A session's last request is written when the one written is older than this (the idle limit's precision).
TOUCH_EVERY = dt.timedelta(minutes=1)
#: Seconds a request waits for the write lock to note its session's last request (else it is noted later).
_TOUCH_WAIT_S = 0.2


class StaffUser(UserMixin):
    """The logged-in staff account as Flask-Login sees it.

    Parameters
    ----------
    account
        The stored account, read again at every request.
    login_session
        The browser session it came with (None: an API token).
    secret
        That session's secret, the cookie's Flask-Login user id.
    """

    def __init__(self, account: User, login_session: LoginSession | None = None, secret: str = "") -> None:
        self.account = account
        self.login_session = login_session
        self.secret = secret

    def get_id(self) -> str:
        return self.secret

    @property
    def is_active(self) -> bool:
        return self.account.active

    @property
    def login(self) -> str:
        return self.account.login

    @property
    def role(self) -> Role:
        return self.account.role

    @property
    def vehicle_id(self) -> int | None:
        return self.account.vehicle_id

    @property
    def session_id(self) -> int | None:
        """The id of the browser session (None for an API token)."""
        return self.login_session.id if self.login_session is not None else None


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------- passwords


def hash_password(password: str) -> str:
    """Return the werkzeug hash of a password (never store the password)."""
    return generate_password_hash(password)


_dummy: list[str] = []


def _dummy_hash() -> str:
    """A hash of a random password made like every stored one (same method and cost), made once per process."""
    if not _dummy:
        _dummy.append(hash_password(secrets.token_urlsafe(16)))
    return _dummy[0]


def check_password(account: User | None, password: str) -> bool:
    """Return whether `password` opens `account` (an active account with a password).

    Always one hash check: an unknown or disabled account, or one without a
    password, is checked against a dummy hash of the same cost, so the time of
    the answer is the same.
    """
    usable = account is not None and account.active and bool(account.password_hash)
    matches = check_password_hash(account.password_hash if usable else _dummy_hash(), password)
    return usable and matches


# ----------------------------------------------------------------------------- API tokens


def new_api_token(store: Store, account: User, *, expires_at: dt.datetime | None = None, label: str = "",
                  now: dt.datetime | None = None) -> str:
    """Create a personal API token for `account`, store its SHA-256 and return the token (shown once).

    Parameters
    ----------
    expires_at
        When it stops working (the city's time); default ``ODEKAKE_TOKEN_DAYS`` after `now`.
    label
        What it is for, in the admin's words.
    now
        The city's time now (default: the app's clock in a request, else the command line's).
    """
    now = now or clock.now()
    if expires_at is None:
        config = current_app.config if has_app_context() else settings.defaults()
        expires_at = now + dt.timedelta(days=config["ODEKAKE_TOKEN_DAYS"])
    token = secrets.token_urlsafe(32)
    store.api_tokens.add(ApiToken(user_id=account.id, token_sha256=_sha256(token), expires_at=expires_at,
                                 label=label, created_at=now))
    return token


@login_manager.request_loader
def _load_user_from_token(req) -> StaffUser | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    account = get_store().user_by_token(_sha256(header.removeprefix("Bearer ").strip()), now=clock.now())
    if account is None:
        return None
    g.auth_by_token = True
    return StaffUser(account)


# ----------------------------------------------------------------------------- browser sessions


def idle_limit(role: Role) -> dt.timedelta:
    """Return how long a session of `role` may go without a request (the settings, read now)."""
    config = current_app.config
    minutes = config["ODEKAKE_SESSION_IDLE_MINUTES_BY_ROLE"].get(Role(role).value,
                                                                 config["ODEKAKE_SESSION_IDLE_MINUTES"])
    return dt.timedelta(minutes=minutes)


def start_session(store: Store, account: User, now: dt.datetime) -> StaffUser:
    """Store a new browser session of `account` from `now`; return the user to give ``login_user``."""
    secret = secrets.token_urlsafe(32)
    stored = store.login_sessions.add(LoginSession(user_id=account.id, secret_sha256=_sha256(secret), created_at=now,
                                              expires_at=now + current_app.config["PERMANENT_SESSION_LIFETIME"]))
    return StaffUser(account, stored, secret)


def end_current_session(reason: str = "logout") -> None:
    """End the browser session of this request in the database (the cookie it came with opens nothing after)."""
    session_id = getattr(current_user, "session_id", None)
    if session_id is not None:
        get_store().login_sessions.end(session_id, reason, at=clock.now())


def _quietly(store: Store, write: Callable[[], None]) -> None:
    """Write unless another connection holds the write lock longer than `_TOUCH_WAIT_S` (then skip it)."""
    try:
        with store.waiting_at_most(_TOUCH_WAIT_S):
            write()
    except sqlite3.OperationalError as exc:
        if not is_busy(exc):
            raise
        log.info("session bookkeeping skipped: the database is busy")


@login_manager.user_loader
def _load_user(secret: str) -> StaffUser | None:
    store = get_store()
    found = store.login_sessions.by_secret(_sha256(secret))
    if found is None:
        return None  # an unknown secret, or a cookie from before sessions were kept on the server
    try:
        account = store.users.get(found.user_id)
    except NotFound:
        return None
    now = clock.now()
    why = found.over(now, idle=idle_limit(account.role))
    if why is not None:
        if found.ended_at is None:
            _quietly(store, lambda: store.login_sessions.end(found.id, why, at=now))
        return None
    if not account.active:
        return None
    if now - found.last_seen_at >= TOUCH_EVERY:
        _quietly(store, lambda: store.login_sessions.touch(found.id, now))
    return StaffUser(account, found, secret)


# ----------------------------------------------------------------------------- the guard


def _unauthorized():
    if is_api_request():
        return jsonify(error="login required"), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def guard():
    """Check every request: log-in, the permission table, then CSRF on browser writes."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no such route: the 404 handler answers
    if endpoint not in permissions.PUBLIC:
        if not current_user.is_authenticated:
            return _unauthorized()
        if not permissions.allowed(endpoint, current_user.role):
            abort(403)
    if request.method in _UNSAFE and not g.get("auth_by_token") and endpoint != "api.session":
        csrf.protect()
    return None


def check_permission_table(app: Flask) -> None:
    """Refuse to start when a route is missing from the permission table (or a line is stale)."""
    permissions.check_table({rule.endpoint for rule in app.url_map.iter_rules()})


def init_app(app: Flask) -> None:
    """Set up Flask-Login, CSRF, the guard and the answer to too many failed log-ins on `app`."""
    login_manager.session_protection = "strong"
    login_manager.init_app(app)
    login_manager.unauthorized_handler(_unauthorized)
    csrf.init_app(app)
    app.before_request(guard)
    login_limits.init_app(app)
    # templates show a link only to those who may follow it: {% if may("dispatch.sheet") %}
    app.jinja_env.globals["may"] = lambda endpoint: (current_user.is_authenticated
                                                     and permissions.allowed(endpoint, current_user.role))

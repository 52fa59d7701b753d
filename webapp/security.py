"""Log-in, API tokens, CSRF and the guard every request passes.

- Browser sessions are Flask-Login sessions (expire after
  ``PERMANENT_SESSION_LIFETIME``); passwords are werkzeug hashes.
- API clients may send ``Authorization: Bearer TOKEN`` instead: the token is
  looked up by its SHA-256 (`scheduler.store.Store.user_by_token`). Such
  calls carry no cookie, so they need no CSRF token.
- CSRF (Flask-WTF) is checked by `guard` on every POST/PUT/PATCH/DELETE made
  with the browser session: forms send ``csrf_token``, scripts the
  ``X-CSRFToken`` header (the token is in ``<meta name="csrf-token">``).
  ``POST /api/session`` accepts JSON only, which a browser cannot send to
  another site without the site's consent (CORS).
- `guard` then applies the permission table (`webapp.permissions`).
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Flask, abort, g, jsonify, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from scheduler.accounts import ApiToken, Role, User
from scheduler.store import Store
from webapp import permissions
from webapp.db import get_store

__all__ = ["StaffUser", "check_password", "check_permission_table", "guard", "hash_password",
           "init_app", "is_api_request", "new_api_token"]

csrf = CSRFProtect()
login_manager = LoginManager()
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class StaffUser(UserMixin):
    """The logged-in staff account as Flask-Login sees it."""

    def __init__(self, account: User) -> None:
        self.account = account

    def get_id(self) -> str:
        return str(self.account.id)

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


def hash_password(password: str) -> str:
    """Return the werkzeug hash of a password (never store the password)."""
    return generate_password_hash(password)


def check_password(account: User | None, password: str) -> bool:
    """Return whether `password` opens `account` (an active account with a password)."""
    if account is None or not account.active or not account.password_hash:
        return False
    return check_password_hash(account.password_hash, password)


def new_api_token(store: Store, account: User) -> str:
    """Create a personal API token for `account`, store its SHA-256 and return the token (shown once)."""
    token = secrets.token_urlsafe(32)
    store.add_api_token(ApiToken(user_id=account.id, token_sha256=_sha256(token)))
    return token


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@login_manager.user_loader
def _load_user(user_id: str) -> StaffUser | None:
    try:
        account = get_store().get_user(int(user_id))
    except ValueError:  # not a number, or NotFound: a session of a deleted account
        return None
    return StaffUser(account) if account.active else None


@login_manager.request_loader
def _load_user_from_token(req) -> StaffUser | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    account = get_store().user_by_token(_sha256(header.removeprefix("Bearer ").strip()))
    if account is None:
        return None
    g.auth_by_token = True
    return StaffUser(account)


def is_api_request() -> bool:
    """Return whether the request is for the JSON API (answered in JSON, never HTML)."""
    return request.blueprint == "api" or request.path.startswith("/api/")


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
    """Set up Flask-Login, CSRF and the guard on `app`."""
    login_manager.session_protection = "strong"
    login_manager.init_app(app)
    login_manager.unauthorized_handler(_unauthorized)
    csrf.init_app(app)
    app.before_request(guard)
    # templates show a link only to those who may follow it: {% if may("dispatch.sheet") %}
    app.jinja_env.globals["may"] = lambda endpoint: (current_user.is_authenticated
                                                     and permissions.allowed(endpoint, current_user.role))

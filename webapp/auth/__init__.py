"""Log-in, log-out, the language switch and the home page that sends each role to its screen.

`log_in` is the one way in for the form and ``POST /api/session``: the try is
counted first (`webapp.login_limits`; a refused one raises `LoginRefused`),
the password checked in constant time (`webapp.security.check_password`),
and a right one starts a server-side session (`webapp.security.start_session`).
Every try and every refusal is in the audit log: ``login``, ``login_failed``,
``login_refused`` (subject ``user``, the account's id when the login exists,
none otherwise; the client address), never the typed login or password.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from scheduler.accounts import AuditEntry, Role, User
from webapp import audit, clock
from webapp.db import get_store
from webapp.i18n import LANGUAGES
from webapp.login_limits import LoginRefused, keys_for, refusal_words
from webapp.security import check_password, end_current_session, start_session

bp = Blueprint("auth", __name__, template_folder="templates")

#: Where each role lands after logging in.
HOME_OF_ROLE = {Role.ADMIN: "dispatch.index", Role.DISPATCHER: "dispatch.index",
                Role.OPERATOR: "booking.index", Role.DRIVER: "driver.today"}


class LoginForm(FlaskForm):
    """Login and password; errors are shown beside the field."""

    login = StringField(lazy_gettext("ログイン名"), validators=[InputRequired(lazy_gettext("入力してください"))])
    password = PasswordField(lazy_gettext("パスワード"), validators=[InputRequired(lazy_gettext("入力してください"))])


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site (never another host), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _audit_login(action: str, account: User | None) -> None:
    """Note a log-in try: who logged in (only after a right password), which account (id), from where."""
    audit.record_entry(AuditEntry(user=account.login if action == "login" else "", action=action, subject="user",
                                  subject_ids=(account.id,) if account is not None else (),
                                  where=request.endpoint or "", address=request.remote_addr or ""))


def log_in(login: str, password: str) -> bool:
    """Start a session for `login` when the password opens it; return whether it did.

    Raises
    ------
    LoginRefused
        Too many failed tries for the login or the client address: nothing was checked.
    """
    store = get_store()
    now = clock.now()
    account = store.users.by_login(login.strip())
    keys = keys_for(account, login, request.remote_addr or "")
    wait_s = store.login_throttles.claim(keys, now)
    if wait_s:
        _audit_login("login_refused", account)
        raise LoginRefused(wait_s)
    if not check_password(account, password):
        _audit_login("login_failed", account)
        return False
    with store.transaction():
        store.login_throttles.forgive(keys)
        user = start_session(store, account, now)
    session.clear()
    session.permanent = True  # the cookie lives as long as the session may (PERMANENT_SESSION_LIFETIME)
    login_user(user)
    _audit_login("login", account)
    return True


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the log-in form; log in and go on to where the user was going."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("auth.home"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        lang = session.get("lang")
        try:
            if log_in(form.login.data, form.password.data):
                if lang:
                    session["lang"] = lang
                return redirect(safe_next(request.args.get("next")) or url_for("auth.home"))
        except LoginRefused as refused:
            return (render_template("auth/login.html", form=form, refused=refusal_words(refused.retry_after_s)),
                    429, {"Retry-After": str(refused.retry_after_s)})
        failed = True
    return render_template("auth/login.html", form=form, failed=failed), 401 if failed else 200


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session: in the database too, so the cookie opens nothing afterwards."""
    lang = session.get("lang")
    end_current_session("logout")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.route("/")
def home():
    """Send each role to its screen."""
    return redirect(url_for(HOME_OF_ROLE[current_user.role]))


@bp.route("/lang/<code>")
def language(code: str):
    """Switch the screens' language (``ja`` or ``en``) and go back."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("auth.home"))


__all__ = ["HOME_OF_ROLE", "LoginForm", "bp", "log_in", "safe_next"]

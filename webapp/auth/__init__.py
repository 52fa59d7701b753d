"""Log-in, log-out, the language switch and the home page that sends each role to its screen."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from scheduler.accounts import Role
from webapp.db import get_store
from webapp.i18n import LANGUAGES
from webapp.security import StaffUser, check_password

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


def log_in(login: str, password: str) -> bool:
    """Start a session for `login` when the password opens it; return whether it did."""
    account = get_store().user_by_login(login.strip())
    if not check_password(account, password):
        return False
    session.clear()
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
    login_user(StaffUser(account))
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
        if log_in(form.login.data, form.password.data):
            if lang:
                session["lang"] = lang
            return redirect(safe_next(request.args.get("next")) or url_for("auth.home"))
        failed = True
    return render_template("auth/login.html", form=form, failed=failed), 401 if failed else 200


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session."""
    lang = session.get("lang")
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

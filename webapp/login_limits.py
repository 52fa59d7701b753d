"""Failed log-ins: a growing wait, then a lock, per login and per client address, counted in the database.

Every log-in try (the form, ``POST /api/session``) counts against two keys
before its password is checked (`scheduler.store.Store.login_throttles.claim`:
one write transaction, so every thread and worker process sees the same
counts):

- its account (``user:7``), or, for a login no account has, a keyed hash of
  the typed text (``login:…``, never the text), so an unknown login is
  limited exactly like a known one and the answers tell nothing apart;
- its client address (``address:…``), with higher limits (an office shares
  one address behind its router) that stop one client trying many logins.

After ``ODEKAKE_LOGIN_DELAY_AFTER`` failures in a row the next try must wait,
5 s more for each further failure (``ODEKAKE_LOGIN_DELAY_STEP_S``, at most
``ODEKAKE_LOGIN_DELAY_MAX_S``); ``ODEKAKE_LOGIN_LOCK_AFTER`` failures within
``ODEKAKE_LOGIN_WINDOW_MINUTES`` lock the key for ``ODEKAKE_LOGIN_LOCK_MINUTES``
(an admin may unlock an account sooner: the users screen, ``odekake user
unlock``). A try that must wait is refused before any password is checked,
even the right one: `LoginRefused`, answered 429 with ``Retry-After`` and
ログインに続けて失敗したため、しばらくお待ちください. A right password takes
its own count back and its keys' failures in a row start again.

Locks end by themselves, so no one can lock a colleague out for good; a
refused try is not counted, so waiting is never made longer by trying.

The client address is ``request.remote_addr``: no proxy header is trusted, so
behind a reverse proxy every client has the proxy's address and the address
limits count them all together (raise ``ODEKAKE_LOGIN_ADDRESS_*`` there).
"""

from __future__ import annotations

import hashlib
import hmac
import math

from flask import Flask, current_app, jsonify, render_template
from flask_babel import gettext as _

from scheduler.accounts import (
    LoginLimits,
    User,
    account_key,
    address_key,
    unknown_login_key,
)
from webapp.args import is_api_request

__all__ = ["LoginRefused", "init_app", "keys_for", "refusal_words"]


class LoginRefused(Exception):
    """Too many failed log-ins for the login or the client address: try again after `retry_after_s`."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed log-ins; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


def _limits(config, *, delay_after: str, lock_after: str) -> LoginLimits:
    return LoginLimits(delay_after=config[delay_after], lock_after=config[lock_after],
                       delay_step_s=config["ODEKAKE_LOGIN_DELAY_STEP_S"], delay_max_s=config["ODEKAKE_LOGIN_DELAY_MAX_S"],
                       window_s=config["ODEKAKE_LOGIN_WINDOW_MINUTES"] * 60,
                       lock_s=config["ODEKAKE_LOGIN_LOCK_MINUTES"] * 60)


def _unknown_login_digest(login: str) -> str:
    """A hash of a login no account has, keyed by the app's secret (the database never holds the typed text)."""
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, login.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def keys_for(account: User | None, login: str, address: str) -> dict[str, LoginLimits]:
    """Return the keys a log-in try counts against, with their limits (the settings, read now)."""
    config = current_app.config
    login_key = account_key(account.id) if account is not None else unknown_login_key(_unknown_login_digest(login))
    return {login_key: _limits(config, delay_after="ODEKAKE_LOGIN_DELAY_AFTER", lock_after="ODEKAKE_LOGIN_LOCK_AFTER"),
            address_key(address): _limits(config, delay_after="ODEKAKE_LOGIN_ADDRESS_DELAY_AFTER",
                                          lock_after="ODEKAKE_LOGIN_ADDRESS_LOCK_AFTER")}


def refusal_words(retry_after_s: int) -> str:
    """The words for a refused try, in the user's language (never whether the login exists)."""
    if retry_after_s < 60:
        return _("ログインに続けて失敗したため、しばらくお待ちください（あと%(n)s秒）", n=retry_after_s)
    return _("ログインに続けて失敗したため、しばらくお待ちください（あと%(n)s分）。急ぐときは管理者にロックの解除を頼んでください",
             n=math.ceil(retry_after_s / 60))


def _refused(exc: LoginRefused):
    words = refusal_words(exc.retry_after_s)
    headers = {"Retry-After": str(exc.retry_after_s)}
    if is_api_request():
        return jsonify(error=words, retry_after_s=exc.retry_after_s), 429, headers
    return render_template("errors.html", code=429, message=words), 429, headers


def init_app(app: Flask) -> None:
    """Answer `LoginRefused` with 429 and ``Retry-After`` (the log-in form shows it beside the form itself)."""
    app.register_error_handler(LoginRefused, _refused)

"""One error handler for the app: JSON ``{"error": ...}`` for the API, a Japanese page for people.

Bad input (`routing.errors.InputError`, raised by the store and the domain
with a message naming the field) is a 400; a missing record (`NotFound`) a
404. The API answers it as ``{"error": <the English line>, "message": <the same
in the session's language>, "field": <the field it names, or "">}``; a page
shows the message in the user's language (`webapp.messages`). A write that waited the store's busy timeout for another's write lock
in vain (SQLite's "database is locked", `scheduler.store.is_busy`; it
changed nothing) is a 503 in the user's language (混み合っています。もう一度お試しください /
The system is busy; please try again) with ``Retry-After``. Anything
unexpected is logged with its traceback (which holds no personal data:
locals are not logged) and answered with a plain 500 page: never a stack
trace to the user.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from routing.errors import InputError
from scheduler.store import NotFound, is_busy
from webapp.args import BadBody
from webapp.i18n import N_
from webapp.messages import message
from webapp.security import is_api_request

__all__ = ["init_app", "input_error_json"]

log = logging.getLogger(__name__)


#: The words of an error page by status code (any other code reads as the server's problem, 500).
_WORDS = {400: N_("入力に誤りがあります"), 401: N_("ログインしてください"), 403: N_("権限がありません"),
          404: N_("ページが見つかりません"), 413: N_("送信内容が大きすぎます。小さくしてから送ってください"),
          503: N_("混み合っています。もう一度お試しください"),
          500: N_("サーバーで問題が起きました。時間をおいてもう一度お試しください")}


def _message(code: int, exc: Exception) -> str:
    if isinstance(exc, CSRFError):
        return _("フォームの有効期限が切れました。もう一度送信してください")
    return _(_WORDS.get(code, _WORDS[500]))


def _answer(code: int, exc: Exception, detail: str | None = None):
    if is_api_request():
        return jsonify(error=detail or getattr(exc, "description", None) or str(exc)), code
    return render_template("errors.html", code=code, message=_message(code, exc), detail=detail), code


def _http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    return _answer(exc.code, exc, exc.description if exc.code == 400 else None)


def _input_error(exc: InputError):
    code = 404 if isinstance(exc, NotFound) else 400
    if is_api_request():
        return jsonify(input_error_json(exc)), code
    return _answer(code, exc, message(exc))


def _bad_body(exc: BadBody):
    """An unreadable JSON body: answered as the bad input it names (in the session's language too)."""
    return _input_error(exc.error)


def input_error_json(exc: InputError, **extra) -> dict:
    """Return the API's answer to bad input: the English ``error``, its ``message`` in the session's language, ``field``."""
    return {"error": str(exc), "message": message(exc), "field": exc.field, **extra}


#: Seconds a busy answer (503) asks the client to wait before trying again.
BUSY_RETRY_AFTER_S = 2


def _database_error(exc: sqlite3.OperationalError):
    if not is_busy(exc):
        return _unexpected(exc)
    log.warning("database busy: %s answered 503", request.endpoint)
    words = _(_WORDS[503])
    answer = jsonify(error=words) if is_api_request() else render_template("errors.html", code=503, message=words)
    return answer, 503, {"Retry-After": str(BUSY_RETRY_AFTER_S)}


def _unexpected(exc: Exception):
    log.exception("unexpected error")
    return _answer(500, InternalServerError(), "internal error")


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InputError, _input_error)
    app.register_error_handler(BadBody, _bad_body)
    app.register_error_handler(sqlite3.OperationalError, _database_error)
    app.register_error_handler(Exception, _unexpected)

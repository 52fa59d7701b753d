"""Reading what a request brings: dates, numbers, ids in paths, JSON bodies; bad input names the field (a 400).

One place per kind of input, so no view has to think of it:

- Dates (`parse_day`, `parse_monday`): ISO dates in the years the service can
  plan (`FIRST_YEAR`–`LAST_YEAR`); 9999-12-31 is refused before any view adds
  a day to it.
- Whole numbers (`query_int`, `check_int`) and ids in paths (the ``int``
  converter, registered by `init_app` for every ``<int:...>`` of the app):
  within SQLite's 64-bit integers (`DB_INT_MIN`–`DB_INT_MAX`). An id beyond
  that is a 400 naming the path's argument (checked after the log-in guard).
- JSON bodies (`BodyJson`, the app's JSON provider, which ``request.get_json`` uses): UTF-8 (or the
  UTF-16/32 JSON allows), nested at most `MAX_JSON_DEPTH` levels (checked on
  the text, before parsing), no lone surrogate (``"\\ud800"``) in any string or
  key, no number outside SQLite's integers, no NaN or infinity. The message
  names where (``draft.notes``, ``services[2]``). The error is an HTTP 400 that
  ``request.get_json(silent=True)`` does not silence, so every view gets it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from routing.errors import InputError

__all__ = ["DB_INT_MAX", "DB_INT_MIN", "FIRST_YEAR", "LAST_YEAR", "MAX_JSON_DEPTH", "BadBody", "BodyJson",
           "check_day", "check_int", "init_app", "is_api_request", "parse_day", "parse_int", "parse_monday",
           "query_int"]

#: The years a date may fall in: what the service can plan (its calendar, week arithmetic, SQLite text dates).
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: SQLite's INTEGER: a signed 64-bit number. Ids, versions and counts outside it cannot exist.
DB_INT_MIN, DB_INT_MAX = -(2**63), 2**63 - 1
#: The deepest nesting a JSON body may have (the deepest the API reads is 3: a draft's shops' entries).
MAX_JSON_DEPTH = 32


def check_day(day: dt.date, field: str) -> dt.date:
    """Return `day` when its year is one the service can plan; `InputError` naming `field` otherwise."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError.of(field, "{day} is outside the years {first}–{last}", day=day.isoformat(), first=FIRST_YEAR,
                            last=LAST_YEAR)
    return day


def is_api_request() -> bool:
    """Return whether the request is for the JSON API (answered in JSON, never HTML)."""
    return request.blueprint == "api" or request.path.startswith("/api/")


def parse_day(text: str, *, field: str = "date") -> dt.date:
    """Parse an ISO date (``2026-12-01``) in `FIRST_YEAR`–`LAST_YEAR`; `InputError` naming `field` otherwise."""
    try:
        day = dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError.of(field, "{text!r} is not a date like 2026-12-01", text=_short(text)) from None
    return check_day(day, field)


def parse_moment(value: Any, *, field: str = "at") -> dt.datetime:
    """Parse an ISO 8601 moment with its offset (``2026-12-01T09:12:00+09:00``) into the city's wall-clock time.

    The result is naive, in the city's time zone (`webapp.clock`), as every time the
    scheduler keeps; a moment without an offset is refused (whose clock would it be?).
    """
    from webapp import clock

    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise InputError.of(field, "{text!r} is not a time like 2026-12-01T09:12:00+09:00", text=_short(value))
    if moment.tzinfo is None:
        raise InputError.of(field, "{text!r} has no offset (+09:00)", text=_short(value))
    check_day(moment.date(), field)
    return moment.astimezone(clock.zone()).replace(tzinfo=None, microsecond=0)


def parse_monday(text: str, *, field: str = "week") -> dt.date:
    """Parse the Monday that starts a planning week, in `FIRST_YEAR`–`LAST_YEAR`; `InputError` naming `field`."""
    day = parse_day(text, field=field)
    if day.weekday() != 0:
        raise InputError.of(field, "{day} is a {weekday}, not a Monday", day=day.isoformat(),
                            weekday=day.strftime("%A"))
    return day


def check_int(value: Any, field: str) -> int:
    """Return `value` when it is a whole number SQLite can hold (not a bool); `InputError` naming `field`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError.of(field, "expected a whole number, got {value!r}", value=_short(value))
    if not DB_INT_MIN <= value <= DB_INT_MAX:
        raise InputError.of(field, "{value} is out of range (whole numbers up to {most})", value=_short(value),
                            most=DB_INT_MAX)
    return value


def query_int(name: str) -> int | None:
    """Return the query parameter `name` as a whole number SQLite can hold, None when absent."""
    text = request.args.get(name)
    if text is None or text == "":
        return None
    return parse_int(text, name)


def parse_int(text: str, field: str) -> int:
    """Parse a whole number typed or sent as text (a form field), SQLite-sized; `InputError` naming `field`."""
    try:
        value = int(text)
    except ValueError:
        raise InputError.of(field, "{text!r} is not a whole number", text=_short(text)) from None
    return check_int(value, field)


def _short(value: Any, most: int = 40) -> Any:
    """Return `value` cut to `most` characters when it is long text or a long number (for a message)."""
    text = value if isinstance(value, str) else str(value) if isinstance(value, int) else None
    if text is None or len(text) <= most:
        return value
    return text[:most] + "…"


# --------------------------------------------------------------------------- ids in paths


class _OutOfRange(str):
    """A path's number SQLite cannot hold, as the URL gave it (`_check_path_ids` refuses it, naming the argument)."""


class DbIntConverter(IntegerConverter):
    """``<int:name>``: an unsigned whole number; one beyond SQLite's 64-bit range is kept as `_OutOfRange`."""

    regex = r"[0-9]+"  # ASCII digits only (\\d also matches other scripts' digits)

    def to_python(self, value: str) -> Any:
        if len(value) > len(str(DB_INT_MAX)) or int(value) > DB_INT_MAX:
            return _OutOfRange(value)
        return super().to_python(value)


def _check_path_ids() -> None:
    """Refuse a request whose path holds an id beyond SQLite's range, naming the argument (after the guard)."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, _OutOfRange):
            raise InputError.of(name, "{value} is out of range (ids go up to {most})", value=_short(str(value)),
                                most=DB_INT_MAX)


# --------------------------------------------------------------------------- JSON bodies


class BadBody(BadRequest):
    """A JSON body that cannot be read; the description names where (an HTTP 400, never silenced).

    ``error`` keeps the same as an `InputError`'s parts, so the answer words it in the
    session's language (`webapp.errors`).
    """

    def __init__(self, error: InputError) -> None:
        super().__init__(description=str(error))
        self.error = error

    @classmethod
    def of(cls, where: str, template: str, /, **params: Any) -> BadBody:
        """Return the refusal naming `where` with the problem `template` filled from `params`."""
        return cls(InputError.of(where, template, **params))


#: A JSON string (to skip) or a bracket (to count).
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


def _depth(text: str) -> int:
    """Return the deepest nesting of arrays and objects in JSON text (strings skipped; text not yet checked)."""
    depth = deepest = 0
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    break
        elif token in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise BadBody.of("body", "{name} is not a number JSON allows", name=name)


def _check_value(value: Any, where: str) -> None:
    """Refuse lone surrogates, numbers SQLite cannot hold and non-finite numbers anywhere in `value`."""
    if isinstance(value, str):
        if m := _SURROGATE.search(value):
            raise BadBody.of(where, "invalid Unicode (a lone surrogate \\u{code:04x} at character {position})",
                             code=ord(m.group()), position=m.start())
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not DB_INT_MIN <= value <= DB_INT_MAX:
            raise BadBody.of(where, "{value} is out of range (whole numbers up to {most})", value=_short(value),
                             most=DB_INT_MAX)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise BadBody.of(where, "the number is too large")
    elif isinstance(value, dict):
        for key, item in value.items():
            if _SURROGATE.search(key):
                raise BadBody.of(where, "a key has invalid Unicode (a lone surrogate)")
            # a message names a key that reads as a name (every field of the API does), else the object holding it
            inner = where if not _NAME.fullmatch(key) else key if where == "body" else f"{where}.{key}"
            _check_value(item, inner)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_value(item, f"{where}[{i}]")


class BodyJson(DefaultJSONProvider):
    """The app's JSON provider: request bodies are read with every check of the module's docstring."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if isinstance(s, (bytes, bytearray)):
            try:
                s = bytes(s).decode(json.detect_encoding(s))
            except UnicodeDecodeError as exc:
                raise BadBody.of("body", "not UTF-8 text (byte {byte})", byte=exc.start) from None
        if _depth(s) > MAX_JSON_DEPTH:
            raise BadBody.of("body", "nested deeper than {most} levels", most=MAX_JSON_DEPTH)
        try:
            value = json.loads(s, parse_constant=_refuse_constant, **kwargs)
        except ValueError as exc:  # JSONDecodeError, or a number of more than 4300 digits
            raise BadBody.of("body", "not JSON ({error})", error=_short(str(exc), 80)) from None
        _check_value(value, "body")
        return value


def init_app(app: Flask) -> None:
    """Install the readers: the JSON provider, the ``int`` path converter and the check of path ids.

    Call it after `webapp.security.init_app` (the log-in guard answers first) and before the
    blueprints are registered (their rules take the converter).
    """
    app.json = BodyJson(app)
    app.url_map.converters["int"] = DbIntConverter
    app.before_request(_check_path_ids)

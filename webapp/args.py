"""Reading dates and numbers from URLs and query strings; bad input names the field (a 400)."""

from __future__ import annotations

import datetime as dt

from flask import request

from routing.errors import InputError

__all__ = ["parse_day", "query_int"]


def parse_day(text: str, *, field: str = "date") -> dt.date:
    """Parse an ISO date (``2026-12-01``) from a URL; `InputError` naming `field` otherwise."""
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        msg = f"{field}: {text!r} is not a date like 2026-12-01"
        raise InputError(msg) from None


def query_int(name: str) -> int | None:
    """Return the query parameter `name` as a whole number, None when absent."""
    text = request.args.get(name)
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        msg = f"{name}: {text!r} is not a whole number"
        raise InputError(msg) from None

"""The JSON API's blueprint and the request helpers its view modules share.

`webapp.api` (its package) and `webapp.api.booking`, `webapp.api.audit_log`
put their routes on `bp`; it lives here so they import it without importing
the package that imports them (no import circle, tests/test_layers.py).
"""

from __future__ import annotations

from flask import Blueprint, request

from routing.errors import InputError

__all__ = ["bp", "json_body", "window_json"]

bp = Blueprint("api", __name__, url_prefix="/api")


def json_body() -> dict:
    """Return the JSON object of the request's body; anything else is an `InputError` naming ``body``."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        msg = "body: expected a JSON object (Content-Type: application/json)"
        raise InputError(msg)
    return data


def window_json(w) -> dict:
    """Return a time window (day, start, end) as JSON."""
    return {"day": w.day.isoformat(), "start_s": w.start_s, "end_s": w.end_s}

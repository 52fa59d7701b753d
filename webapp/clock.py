"""The city's clock in the web app: "now" and "today" in the instance's time zone, never the server's.

`ODEKAKE_TIME_ZONE` names the zone (Asia/Tokyo by default); `ODEKAKE_NOW` may
fix the time for tests and training copies. Every view that needs "today"
(a default date, a booking horizon, the driver's day) asks here.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_app_context

from scheduler.clock import city_now, time_zone

__all__ = ["draft_limits", "now", "today", "zone"]


def zone():
    """Return the city's time zone (a `zoneinfo.ZoneInfo`)."""
    return time_zone(current_app.config["ODEKAKE_TIME_ZONE"] if has_app_context() else None)


def now() -> dt.datetime:
    """Return the city's wall-clock time now (naive, whole seconds); outside the app, the environment's settings."""
    if not has_app_context():
        return city_now()
    config = current_app.config
    return city_now(config["ODEKAKE_TIME_ZONE"], fixed=config["ODEKAKE_NOW"])


def today() -> dt.date:
    """Return the city's date today."""
    return now().date()


def draft_limits() -> dict:
    """Return `scheduler.booking.parse_draft`'s limits from the settings: today, the horizon, the largest amount."""
    config = current_app.config
    return {"today": today(), "horizon_days": config["ODEKAKE_BOOKING_HORIZON_DAYS"],
            "max_amount_yen": config["ODEKAKE_ERRAND_MAX_YEN"]}

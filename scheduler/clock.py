"""The city's clock: "today" and "now" are the instance's time zone, never the server's.

Everything in the scheduler is wall-clock time of the city (naive datetimes,
week time 0 = Monday 00:00 there). A server may run in UTC: at 06:08 on a
Monday in Japan it is still Sunday in UTC. `city_now` converts the real clock
to the city's time zone; a fixed time (tests, a training copy) may replace it.

The one reading of the real clock is `stamp_now`; nothing else in routing,
scheduler or webapp calls ``datetime.now()``.

Settings, read at call time when the caller passes none (the web app passes
its own, `webapp.clock`):

- ``ODEKAKE_TIME_ZONE`` (environment): the city's time zone, default `DEFAULT_TIME_ZONE`;
- ``ODEKAKE_NOW`` (environment): a fixed "now" in the city's time, ISO text such as
  ``2026-12-04T09:00``, for training copies and examples; unset: the real clock.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routing.errors import InputError

__all__ = ["DEFAULT_TIME_ZONE", "city_now", "city_today", "stamp_now", "time_zone"]

#: The time zone of a city unless its instance says otherwise.
DEFAULT_TIME_ZONE = "Asia/Tokyo"


def time_zone(name: str | None) -> ZoneInfo:
    """Return the named time zone (IANA name such as ``Asia/Tokyo``); a wrong name is an `InputError`."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"time zone: {name!r} is not a time zone name such as 'Asia/Tokyo'"
        raise InputError(msg) from None


def city_now(zone: str | None = None, *, fixed: dt.datetime | str | None = None) -> dt.datetime:
    """Return the city's wall-clock time now (naive, whole seconds).

    Parameters
    ----------
    zone
        The city's time zone (default ``$ODEKAKE_TIME_ZONE``, else `DEFAULT_TIME_ZONE`).
    fixed
        A fixed time to use instead of the real clock (tests, training copies):
        a naive datetime in the city's time or ISO text ``2026-12-07T09:00``
        (default ``$ODEKAKE_NOW``, else the real clock).
    """
    fixed = fixed if fixed is not None else os.environ.get("ODEKAKE_NOW") or None
    if fixed is not None:
        try:
            when = dt.datetime.fromisoformat(fixed) if isinstance(fixed, str) else fixed
        except ValueError:
            msg = f"ODEKAKE_NOW: {fixed!r} is not a time such as 2026-12-07T09:00"
            raise InputError(msg) from None
        return when.replace(tzinfo=None, microsecond=0)
    return stamp_now(zone)


def city_today(zone: str | None = None, *, fixed: dt.datetime | str | None = None) -> dt.date:
    """Return the city's date today (see `city_now`)."""
    return city_now(zone, fixed=fixed).date()


def stamp_now(zone: str | None = None) -> dt.datetime:
    """Return the real time in the city's time zone (naive, whole seconds), for recording when something happened.

    Events, audit entries, publications and jobs are stamped with it. Unlike
    `city_now` it never reads ``ODEKAKE_NOW``: a training copy with a fixed
    "today" still records the order and duration of what staff do.
    """
    return dt.datetime.now(time_zone(zone or os.environ.get("ODEKAKE_TIME_ZONE"))).replace(tzinfo=None, microsecond=0)

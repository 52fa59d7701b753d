"""Times as the scheduler keeps them: seconds of the day (``hhmm``), week seconds, day labels.

Part of `scheduler.domain` (import names from there).
"""

from __future__ import annotations

import datetime as dt

from scheduler.domain.checks import DAY_S, DomainError


def hhmm(seconds: int) -> str:
    """Format seconds since midnight as ``H:MM`` (``30600 -> '8:30'``)."""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


def day_label(day: dt.date, start_s: int | None = None, end_s: int | None = None) -> str:
    """Format a day, with a time or a window if given, as staff read it.

    ``'2026-12-01 (Tue)'``, ``'2026-12-01 (Tue) 9:00'`` or
    ``'2026-12-01 (Tue) 9:00–12:00'``. Week seconds belong to the engine
    (`scheduler.vrp.format.format_week_time`); this is the service's side.

    Parameters
    ----------
    day
        The date.
    start_s, end_s
        Seconds since midnight of `day` (see `hhmm`).
    """
    text = f"{day.isoformat()} ({day.strftime('%a')})"
    if start_s is not None:
        text += f" {hhmm(start_s)}"
        if end_s is not None:
            text += f"–{hhmm(end_s)}"
    return text


def parse_hhmm(text: str) -> int:
    """Parse ``'8:30'`` or ``'08:30'`` into seconds since midnight."""
    try:
        hours, minutes = text.strip().split(":")
        h, m = int(hours), int(minutes)
    except (AttributeError, ValueError):
        raise DomainError.of("", "{text!r} is not a time like 8:30", text=text) from None
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise DomainError.of("", "{text!r} is not a time of day", text=text)
    return h * 3600 + m * 60


def week_monday(day: dt.date) -> dt.date:
    """Return the Monday of the week containing `day`."""
    return day - dt.timedelta(days=day.weekday())


def week_seconds(week_start: dt.date, day: dt.date, seconds_of_day: int) -> int:
    """Return seconds since `week_start` (a Monday, 00:00) of a time on `day`."""
    return (day - week_start).days * DAY_S + seconds_of_day

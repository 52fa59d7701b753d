"""The week board's notes on hall sessions moved or cancelled for a day off (issue 26).

The plan's summary lists them (``session_moves``, `scheduler.planning.holiday_sessions`);
each becomes one line in staff words: 「1月11日(月・成人の日) の巡回（上集会所）は 1月12日(火)
に移しました」, with the residents whose seat changed to phone.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from scheduler.domain import Plan
from webapp.i18n import date_label, day_off_label

__all__ = ["session_move_lines"]


def _line(move: dict, site: str, sunday: dt.date) -> str:
    day = day_off_label(move["from"], move["holiday"])
    if move["to"] is None:
        text = _("%(day)s の巡回（%(site)s）は休日のため中止しました", day=day, site=site)
    elif dt.date.fromisoformat(move["to"]) > sunday:
        text = _("%(day)s の巡回（%(site)s）は翌週の %(to)s に移しました", day=day, site=site, to=date_label(move["to"]))
    else:
        text = _("%(day)s の巡回（%(site)s）は %(to)s に移しました", day=day, site=site, to=date_label(move["to"]))
    if move.get("seats"):
        text += " · " + _("予約%(n)s名の席が変わりました。連絡してください", n=move["seats"])
    return text


def session_move_lines(store, plan: Plan | None) -> list[str]:
    """Return the board's line for each session of the plan moved or cancelled for a day off.

    A session with nowhere to move to is not here: the unassigned list says why.
    """
    if plan is None:
        return []
    moves = [m for m in plan.summary.get("session_moves", []) if m["to"] is not None or m["rule"] == "cancel"]
    names = {sid: store.sites.get(sid).name for sid in {m["site_id"] for m in moves}}
    sunday = plan.week_start + dt.timedelta(days=6)
    return [_line(m, names[m["site_id"]], sunday) for m in moves]

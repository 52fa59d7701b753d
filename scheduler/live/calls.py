"""The day's call list (連絡リスト): whom to phone because the van will not come when they were told.

A resident is on the list when the current ETA (`scheduler.live.day`) of the
stop they wait for

- breaks the window they were promised on the phone (a booking): any lateness;
- or leaves the window they were told (the promise, or the published start
  rounded to the half hour) by more than the instance's margin, later or
  earlier (default `DEFAULT_MARGIN_S`, 15 minutes).

Each entry names its request and stop (its id is the stop's: one call per stop
and day), whom to phone (the stop's resident; for a hall session each resident
booked into it that day), the window told and the time now expected, why, and what to say
(`read_back`, Japanese). What operators noted on a call (`CALL_OUTCOMES`) is
kept in ``call_outcomes``; an entry keeps its latest outcome, and one whose
resident asked to cancel leaves the list once the request is cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from scheduler.domain import (
    DAY_S,
    CallOutcome,
    TimeWindow,
    hhmm,
    week_seconds,
)
from scheduler.live.day import LiveDay, LiveStep

__all__ = ["CALL_REASONS", "DEFAULT_MARGIN_S", "Call", "call_list", "expected_text", "read_back"]

#: How far an ETA may leave the told window before the resident is called (seconds).
DEFAULT_MARGIN_S = 15 * 60
#: Why a resident is on the list.
CALL_REASONS = ("promise_broken", "later", "earlier")
_WEEKDAYS_JA = "月火水木金土日"
#: What the resident waits for, by request kind, as said on the phone.
_WHAT = {"visit": "ご訪問", "errand": "お届け", "ride": "お迎え", "session": "巡回"}


@dataclass(frozen=True)
class Call:
    """One resident to phone: the stop they wait for, the window told, the expected start, why."""

    step: LiveStep
    vehicle_id: int
    told: TimeWindow
    expected_s: int  # seconds of the day the service is now expected to start
    reason: str
    moved_s: int  # expected start minus the told window's nearer edge (negative: earlier)
    outcome: CallOutcome | None = None
    #: whom to phone: the stop's resident, or each resident booked into the hall session that day
    residents: tuple[int, ...] = ()

    @property
    def id(self) -> int:
        return self.step.stop.id

    @property
    def request_id(self) -> int:
        return self.step.stop.request_id

    @property
    def stop_id(self) -> int:
        return self.step.stop.id


def _rounded(seconds: int) -> int:
    """Round a time to 5 minutes, as said on the phone."""
    return (seconds + 150) // 300 * 300


def read_back(call: Call, name: str = "") -> str:
    """Return what to say to the resident (Japanese): the told window, the new expected time, a question."""
    told = call.told
    day = f"{told.day.month}月{told.day.day}日（{_WEEKDAYS_JA[told.day.weekday()]}）"
    what = _WHAT.get(call.step.request.kind.value if call.step.request else "", "ご訪問")
    whom = f"{name}様、" if name else ""
    when = f"{hhmm(_rounded(call.expected_s))}ごろ"
    told_text = f"{hhmm(told.start_s)}から{hhmm(told.end_s)}の間"
    if call.reason == "earlier":
        change = f"予定より早く、{when}に伺えそうです"
    else:
        change = f"遅れており、{when}の到着になる見込みです"
    return (f"{whom}お出かけ市役所です。{day}の{what}は{told_text}とお伝えしていましたが、{change}。"
            "ご都合はいかがでしょうか。")


def _call_for(step: LiveStep, vehicle_id: int, week_start: dt.date, margin_s: int) -> Call | None:
    """Return the call one step needs, or None."""
    told, start = step.told, step.eta.start_s
    if told is None or start is None or step.stop.request_id is None:
        return None
    if step.request is not None and step.request.status.value in ("cancelled", "done", "no_show", "failed"):
        return None
    opens = week_seconds(week_start, told.day, told.start_s)
    closes = week_seconds(week_start, told.day, told.end_s)
    promised = step.request is not None and step.request.promised is not None
    expected = start - week_seconds(week_start, step.stop.day, 0)
    if start > closes and (promised or start - closes > margin_s):
        return Call(step, vehicle_id, told, expected, "promise_broken" if promised else "later", start - closes)
    if opens - start > margin_s:
        return Call(step, vehicle_id, told, expected, "earlier", start - opens)
    return None


def call_list(live: LiveDay, *, margin_s: int = DEFAULT_MARGIN_S,
              outcomes: dict[int, CallOutcome] | None = None) -> list[Call]:
    """Return the residents to phone for the day, the most late first.

    Parameters
    ----------
    live
        The day as it happens (`scheduler.live.day.live_day`).
    margin_s
        How far an ETA may leave a told window (not a promise) before a call.
    outcomes
        The latest outcome noted per stop id, attached to its entry.
    """
    if live.plan is None:
        return []
    week_start, found = live.plan.week_start, []
    for vday in live.vehicles:
        for step in vday.steps:
            call = _call_for(step, vday.vehicle_id, week_start, margin_s)
            if call is not None:
                found.append(replace(call, outcome=(outcomes or {}).get(call.stop_id), residents=live.whom(step)))
    return sorted(found, key=lambda c: (-abs(c.moved_s), c.stop_id))


def expected_text(call: Call) -> str:
    """Return the expected time as shown and stored (``11:20``)."""
    return hhmm(_rounded(call.expected_s) % DAY_S)

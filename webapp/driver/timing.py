"""What the driver's cards say about time: the expected start of each stop to come, how late, what happened.

`card_times` re-times the driver's own vehicle on the day (`webapp.live.day_live`,
the same numbers as ``GET /api/days/<day>/live``) and keeps, per plan stop, what
a card shows: 見込み hh:mm for a stop to come, 約n分遅れ when that start breaks the
window the resident was told (else the stop's last window), and the times of
what happened (到着 and when the crew left). The page also carries these numbers
in ``data-`` attributes, so that the tablet can re-time the rest of the route
from them while it is offline (``static/driver.js``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from scheduler.domain import DAY_S, hhmm
from webapp.live import day_live

__all__ = ["CardTime", "card_times"]


def _day_s(week_seconds: int | None) -> int | None:
    return None if week_seconds is None else week_seconds % DAY_S


@dataclass(frozen=True)
class CardTime:
    """One stop's times as its card shows them (seconds of its day; None when unknown or not applicable)."""

    state: str
    eta_s: int | None = None
    late_by_s: int = 0
    arrived_s: int | None = None
    left_s: int | None = None
    told_end_s: int | None = None

    @property
    def late_minutes(self) -> int:
        """How late in whole minutes, rounded up (0 when on time): the n of 約n分遅れ."""
        return math.ceil(self.late_by_s / 60) if self.late_by_s > 0 else 0

    @property
    def actual(self) -> str:
        """What happened, ``H:MM–H:MM`` (arrived, left; one time when both came with one report), or ''."""
        if self.arrived_s is None and self.left_s is None:
            return ""
        if self.arrived_s == self.left_s:
            return hhmm(self.arrived_s)
        arrived = hhmm(self.arrived_s) if self.arrived_s is not None else ""
        return f"{arrived}–{hhmm(self.left_s) if self.left_s is not None else ''}"


def card_times(day: dt.date, vehicle_id: int) -> dict[int, CardTime]:
    """Return the times of every stop of `vehicle_id`'s published route on `day`, by plan stop id."""
    live = day_live(day, vehicle_ids=[vehicle_id])
    times: dict[int, CardTime] = {}
    for vday in live.vehicles:
        for step in vday.steps:
            eta = step.eta
            times[step.stop.id] = CardTime(
                state=step.state, eta_s=_day_s(eta.start_s), late_by_s=eta.late_by_s,
                arrived_s=_day_s(eta.arrived_at_s), left_s=_day_s(eta.left_at_s),
                told_end_s=step.told.end_s if step.told else None)
    return times

"""A van out of service (breakdown, driver ill): stored as shift exceptions, then each affected day re-planned.

`record_outage` stores the period ``[start, until)`` as one `ShiftException`
per day of the vehicle (運休: part of a day on the first and last day, whole
days between; the reason one of `SHIFT_EXCEPTION_REASONS`, any other text kept
as the note of an ``other``). An exception of the same vehicle and day that
overlaps or touches the new one is merged into it (the old one deleted), so
overlapping outages make one period.

Then every affected day from today on whose week has a published plan is
re-planned (`scheduler.planning.replan_day.replan_day`): the day under way
with the vehicle out from `start`, later days with its shift gone (the
exceptions). Days of one week chain: each derives from the version the day
before made, so the week's latest version holds them all. What cannot be kept
lands in those versions' unassigned lists and on their calls with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from routing.errors import InputError
from scheduler.domain import (
    DAY_S,
    SHIFT_EXCEPTION_REASONS,
    Plan,
    ShiftException,
    week_monday,
)
from scheduler.planning.replan_day import (
    DEFAULT_MARGIN_S,
    DayReplan,
    Outage,
    replan_day,
)
from scheduler.vrp.params import SolveParams

if TYPE_CHECKING:
    from scheduler.matrices import MatrixProvider
    from scheduler.store import Store

__all__ = ["OutageResult", "outage_exceptions", "record_outage"]


@dataclass
class OutageResult:
    """What an outage did: the exceptions stored (merged), and the days re-planned."""

    exceptions: list[ShiftException] = field(default_factory=list)
    replans: list[DayReplan] = field(default_factory=list)
    skipped_days: list[dt.date] = field(default_factory=list)  # affected days with no published week to re-plan


def _seconds(when: dt.datetime) -> int:
    return when.hour * 3600 + when.minute * 60 + when.second


def outage_exceptions(vehicle_id: int, start: dt.datetime, until: dt.datetime, reason: str,
                      note: str = "") -> list[ShiftException]:
    """Return the shift exceptions of an outage, one per day (part of the first and last day, whole days between)."""
    if until <= start:
        raise InputError.of("until", "{until} is not after from ({start})", until=until.isoformat(),
                            start=start.isoformat())
    if reason not in SHIFT_EXCEPTION_REASONS or reason == "extra_duty":
        reason, note = "other", (f"{reason} {note}".strip())
    out, day = [], start.date()
    while day <= until.date():
        lo = _seconds(start) if day == start.date() else 0
        hi = _seconds(until) if day == until.date() else DAY_S
        if hi > lo:
            whole = lo == 0 and hi == DAY_S
            out.append(ShiftException(vehicle_id, day, reason, None if whole else lo, None if whole else hi,
                                      note=note))
        day += dt.timedelta(days=1)
    return out


def _merged(store: Store, new: ShiftException) -> ShiftException:
    """Store `new`, merged with the vehicle's exceptions of the day it overlaps or touches; return what is stored."""
    lo, hi = (0, DAY_S) if new.start_s is None else (new.start_s, new.end_s)
    for old in store.shift_exceptions.between(new.day, new.day):
        if old.vehicle_id != new.vehicle_id or old.reason == "extra_duty":
            continue
        olo, ohi = (0, DAY_S) if old.start_s is None else (old.start_s, old.end_s)
        if olo <= hi and lo <= ohi:
            lo, hi = min(lo, olo), max(hi, ohi)
            store.shift_exceptions.delete(old.id)
    whole = lo == 0 and hi == DAY_S
    return store.shift_exceptions.add(ShiftException(new.vehicle_id, new.day, new.reason, None if whole else lo,
                                                    None if whole else hi, note=new.note))


def record_outage(store: Store, network: MatrixProvider, vehicle_id: int, start: dt.datetime, until: dt.datetime,
                  reason: str, *, now: dt.datetime, user: str, note: str = "", params: SolveParams | None = None,
                  margin_s: int = DEFAULT_MARGIN_S, on_phase: Callable[[str], None] | None = None) -> OutageResult:
    """Store a vehicle's outage and re-plan every affected day from today on where it has a route (module docstring).

    `on_phase` is told each day's re-plan phases (`replan_day`), a job's progress.
    """
    store.vehicles.get(vehicle_id)  # NotFound names it
    out = OutageResult()
    with store.transaction():
        out.exceptions = [_merged(store, e) for e in outage_exceptions(vehicle_id, start, until, reason, note)]
    latest: dict[dt.date, Plan] = {}
    for exc in out.exceptions:
        day = exc.day
        base = latest.get(week_monday(day)) or store.plans.published(week_monday(day))
        if day < now.date() or base is None or not any((s.vehicle_id, s.day) == (vehicle_id, day) for s in base.stops):
            out.skipped_days.append(day)
            continue
        outages = [Outage(vehicle_id, max(start, now))] if day == now.date() else []
        result = replan_day(store, network, day, now=now, user=user, params=params, outages=outages,
                            margin_s=margin_s, base=latest.get(week_monday(day)), on_phase=on_phase)
        latest[week_monday(day)] = result.plan
        out.replans.append(result)
    return out

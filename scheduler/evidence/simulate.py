"""Weeks of the FICTIONAL sample district played day by day, so the figures and the demo have a history.

`simulate_weeks` loads the sample (`scheduler.io.sample`) into an empty store, or goes on after
the weeks already there, then for each week: adds the residents' new requests (phone bookings
with a promised hour among them, as the sample makes them), cancels a few open ones as residents
do, plans the week with a solution limit (fast, the same plan on any machine), publishes it and
plays each day's published routes: 到着 then 完了 at each stop with a delay that grows through the
day, about `NOT_HOME_RATE` not home at the door, a few that cannot be served, and what each 完了
handled (the requested services, now and then one more; walk-ins at hall sessions). The reports
go through `scheduler.evidence.records.report_at_stop` as the tablet's do. Everything is drawn
from one seeded random generator: the same seed gives the same history.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scheduler.domain import DAY_S, RequestStatus
from scheduler.evidence.records import report_at_stop
from scheduler.evidence.summary import refresh_days

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["NOT_HOME_RATE", "WeekPlayed", "simulate_weeks"]

#: About this share of door stops finds nobody home (不在).
NOT_HOME_RATE = 0.065
#: About this share of stops cannot be served (対応不可: the terminal is down, a shop closed).
CANNOT_SERVE_RATE = 0.01
#: About this share of open requests is cancelled by the resident before its week is planned.
CANCEL_RATE = 0.03
_USER = "simulate"


@dataclass
class WeekPlayed:
    """What one simulated week did: requests added and cancelled, stops reported by outcome."""

    week_start: dt.date
    added: int = 0
    cancelled: int = 0
    done: int = 0
    not_home: int = 0
    cannot_serve: int = 0
    unassigned: int = 0

    def line(self) -> str:
        """One progress line for the command line."""
        return (f"week {self.week_start}: {self.added} requests added, {self.cancelled} cancelled, "
                f"{self.unassigned} left out; stops: {self.done} done, {self.not_home} not home, "
                f"{self.cannot_serve} cannot serve")


def simulate_weeks(store: Store, network: Any, weeks: int, *, start: dt.date | None = None, seed: int = 7,
                   scale: float = 1.0, on_week: Callable[[WeekPlayed], None] | None = None) -> list[WeekPlayed]:
    """Play `weeks` weeks from `start` (a Monday; default after the last week planned, else next Monday).

    `scale` is the fraction of the sample's weekly requests (see `scheduler.io.sample.load_sample`).
    `on_week` is called after each week (a progress line).
    """
    from scheduler.io.sample import add_week_requests, load_sample, sample_now
    from scheduler.service_calendar import next_monday, parse_monday

    rng = random.Random(seed)
    loaded = any((s.external_id or "").startswith("SAMPLE-") for s in store.sites.all())
    week = parse_monday(start.isoformat()) if start else _after_last_plan(store) or next_monday()
    played = []
    for i in range(weeks):
        now = sample_now(week)
        report = WeekPlayed(week)
        if i == 0 and not loaded:
            report.added = load_sample(store, network, week, seed=seed, scale=scale).requests
        else:
            report.added = len(add_week_requests(store, week, now, rng, scale=scale))
        report.cancelled = _cancel_some(store, rng, now)
        _plan_and_play(store, network, week, now, rng, report)
        played.append(report)
        if on_week:
            on_week(report)
        week += dt.timedelta(days=7)
    return played


def _after_last_plan(store: Store) -> dt.date | None:
    plans = store.plans.versions()
    return max(p.week_start for p in plans) + dt.timedelta(days=7) if plans else None


def _cancel_some(store: Store, rng: random.Random, now: dt.datetime) -> int:
    """Cancel about `CANCEL_RATE` of the residents' open requests (as they phone to cancel)."""
    cancelled = 0
    for req in store.requests.find(statuses=[RequestStatus.RECEIVED, RequestStatus.BOOKED]):
        if req.resident_id is not None and rng.random() < CANCEL_RATE:
            store.change_status(req.id, RequestStatus.CANCELLED, user=_USER, note="resident cancelled (simulated)")
            # the store stamps events with the real clock: date this one in the simulated week (and its figures)
            event_id, stamped = store.db.execute("SELECT id, at FROM request_events WHERE id = (SELECT MAX(id) "
                                                 "FROM request_events WHERE request_id = ?)", [req.id]).fetchone()
            store.db.execute("UPDATE request_events SET at = ? WHERE id = ?", [now.isoformat(), event_id])
            refresh_days(store, {now.date(), dt.date.fromisoformat(stamped[:10])})
            cancelled += 1
    return cancelled


def _plan_and_play(store: Store, network: Any, week: dt.date, now: dt.datetime, rng: random.Random,
                   report: WeekPlayed) -> None:
    from scheduler.planning import plan_week, publish
    from scheduler.vrp.params import SolveParams

    result = plan_week(store, network, week, params=SolveParams(time_limit_s=30, solution_limit=1), user=_USER,
                       now=now)
    plan = publish(store, result.plan.id, user=_USER)
    report.unassigned = len(plan.unassigned)
    codes = [s.code for s in store.services.all()]
    by_route: dict[tuple[int, dt.date], list] = {}
    for stop in sorted(plan.stops, key=lambda s: (s.day, s.vehicle_id, s.seq)):
        if stop.request_id is not None:
            by_route.setdefault((stop.vehicle_id, stop.day), []).append(stop)
    with store.transaction():
        for stops in by_route.values():
            _play_route(store, stops, rng, codes, report)


def _play_route(store: Store, stops: list, rng: random.Random, codes: list[str], report: WeekPlayed) -> None:
    """Report every stop of one route in order, late by a delay that grows through the day."""
    delay_s, failed = rng.choice([0, 0, 120, 300, 600]), set()
    day = stops[0].day
    end_of_day = dt.datetime.combine(day, dt.time(23, 0))
    for stop in stops:
        delay_s = max(0, delay_s + int(rng.gauss(60, 240)))
        if stop.request_id in failed:  # its pick-up failed: nothing to deliver
            continue
        arrived = _moment(day, stop.arrival_s + delay_s)
        left = _moment(day, stop.departure_s + delay_s)
        action, handled = _outcome(store, stop, rng, codes)
        store.mark_stop(stop.id, "arrived", user=_USER, today=day, at=arrived, now=end_of_day)
        report_at_stop(store, stop.id, action, handled=handled, user=_USER, today=day, at=left, now=end_of_day,
                       note="simulated" if action == "cannot_serve" else "")
        setattr(report, action, getattr(report, action) + 1)
        if action != "done":
            failed.add(stop.request_id)


def _moment(day: dt.date, week_s: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=min(week_s % DAY_S, 22 * 3600))


def _outcome(store: Store, stop: Any, rng: random.Random, codes: list[str]) -> tuple[str, dict | None]:
    """Draw what happens at a stop: not home at a door, cannot serve, or done with what it handled."""
    roll = rng.random()
    at_door = stop.step_type in ("visit", "delivery", "pickup") and stop.site_id is None
    if at_door and roll < NOT_HOME_RATE:
        return "not_home", None
    if roll > 1 - CANNOT_SERVE_RATE:
        return "cannot_serve", None
    if stop.step_type == "visit" and rng.random() < 0.15:  # asked on the doorstep for one more
        services = dict.fromkeys(store.requests.get(stop.request_id).details.services, 1)
        extra = rng.choice(codes)
        services[extra] = services.get(extra, 0) + 1
        return "done", {"services": services}
    if stop.step_type == "session":
        walk_ins = {code: n for code in rng.sample(codes, 2) if (n := rng.choice([0, 1, 1, 2, 3]))}
        return "done", {"walk_ins": walk_ins} if walk_ins else None
    return "done", None

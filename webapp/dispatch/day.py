"""What the dispatcher's 今日の運行 and 連絡リスト screens show: the live day as rows, the late stops, the calls.

`day_screen` turns `webapp.live.day_live` into one section per vehicle with a
row per stop as the week board and the route map number them (the cards of
`webapp.plan_views.shift_rows`: the deliveries of a several-shop errand at one
door are one row, shown with the live state of its first stop), and the stops
whose ETA breaks the window their resident was told (the banner). `call_rows`
is the call list with each resident's name and phone. Both carry the ids of the
residents they show, for `webapp.audit.record`. The words of states, reasons
and outcomes are Japanese phrases translated where shown. Each stop not yet left
carries what its 完了 would record, pre-filled as on the tablet
(`webapp.driver.handled.prefills`, recorded by `webapp.dispatch.done`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from scheduler.domain import DAY_S, Plan, hhmm
from scheduler.live.calls import Call, expected_text, read_back
from scheduler.live.day import LiveDay, LiveStep
from scheduler.store import Store
from webapp.driver.handled import Prefill, prefills
from webapp.i18n import N_
from webapp.plan_views import StopCard, shift_rows

__all__ = ["FINAL_STATES", "OUTCOME_WORDS", "REASON_WORDS", "STATE_WORDS", "CallRow", "DayRow", "DayScreen",
           "LateItem", "VehicleSection", "call_rows", "day_screen"]

#: The staff word of each live state (`scheduler.live.eta.StepEta.state`).
STATE_WORDS: dict[str, str] = {"planned": N_("予定"), "arrived": N_("到着"), "done": N_("完了"),
                               "not_home": N_("不在"), "cannot_serve": N_("対応不可"), "passed": N_("通過")}
#: States after which the van has left the stop (greyed on the map).
FINAL_STATES = frozenset({"done", "not_home", "cannot_serve", "passed"})
#: Why a resident is on the call list (`scheduler.live.calls.CALL_REASONS`), as staff say it.
REASON_WORDS: dict[str, str] = {"promise_broken": N_("約束の時間に間に合いません"),
                                "later": N_("伝えた時間より遅れます"),
                                "earlier": N_("伝えた時間より早く着きます")}
#: What came of a call (`scheduler.domain.CALL_OUTCOMES`), as the buttons say it.
OUTCOME_WORDS: dict[str, str] = {"informed": N_("連絡済み"), "no_answer": N_("不在・折返し待ち"),
                                 "accepted": N_("変更了承"), "cancel": N_("取消希望")}
_DEPOT = frozenset({"start", "end"})


def _time(week_s: int | None) -> str:
    return "" if week_s is None else hhmm(week_s % DAY_S)


def _minutes(seconds: int | None) -> int:
    """Whole minutes, rounded up: 30 s late is 1 minute late."""
    return -(-int(seconds or 0) // 60)


@dataclass
class DayRow:
    """One stop of a vehicle's day as the table shows it."""

    card: StopCard
    number: str  # 1..n as on the map; empty for the depot and the break
    state: str
    arrived: str
    left: str
    eta: str
    late_min: int
    told: str

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


@dataclass
class VehicleSection:
    """One vehicle's route of the day: its rows and its crew's last report."""

    vehicle_id: int
    name: str
    rows: list[DayRow]
    last_report_min: int | None  # minutes since the last report; None when none came yet


@dataclass
class LateItem:
    """A stop whose ETA breaks the window its resident was told (or its booked window)."""

    stop_id: int
    vehicle: str
    row: DayRow


@dataclass
class DayScreen:
    """The day as the 今日の運行 screen shows it."""

    day: dt.date
    now: dt.datetime
    plan: Plan | None
    vehicles: list[VehicleSection] = field(default_factory=list)
    late: list[LateItem] = field(default_factory=list)
    prefill: dict[int, Prefill] = field(default_factory=dict)  # what a 完了 records, per stop not yet left

    @property
    def resident_ids(self) -> list[int]:
        return sorted({r.card.resident_id for v in self.vehicles for r in v.rows if r.card.resident_id is not None})

    @property
    def done_ids(self) -> list[int]:
        """Stops the vans have left (the map greys them)."""
        return [r.card.id for v in self.vehicles for r in v.rows if r.final]


def _row(card: StopCard, number: str, step: LiveStep | None) -> DayRow:
    if step is None:  # not re-timed (no live step for it): as planned
        return DayRow(card, number, "planned", "", "", hhmm(card.start_s), 0, "")
    eta, told = step.eta, step.told
    return DayRow(card, number, step.state, _time(eta.arrived_at_s), _time(eta.left_at_s), _time(eta.start_s),
                  _minutes(eta.late_by_s) if eta.start_s is not None and card.request_id is not None else 0,
                  f"{hhmm(told.start_s)}–{hhmm(told.end_s)}" if told else "")


def _rows(cards: list[StopCard], steps: dict[int, LiveStep]) -> list[DayRow]:
    """Return a vehicle's rows, numbered as the route map numbers its markers (located stops, no depot or break)."""
    rows, number = [], 0
    for card in cards:
        label = ""
        if card.step_type not in _DEPOT and card.step_type != "break" and card.lat is not None:
            number += 1
            label = str(number)
        rows.append(_row(card, label, steps.get(card.id)))
    return rows


def day_screen(store: Store, live: LiveDay) -> DayScreen:
    """Return the live day as sections of rows, with the stops the ETAs make late."""
    screen = DayScreen(day=live.day, now=live.now, plan=live.plan)
    if live.plan is None:
        return screen
    cards = shift_rows(live.plan, store, day=live.day)
    for vday in live.vehicles:
        shift = cards.get((vday.vehicle_id, live.day))
        if shift is None:
            continue
        steps = {s.stop.id: s for s in vday.steps}
        age = None if vday.last_report is None else max(0, int((live.now - vday.last_report.at).total_seconds()))
        section = VehicleSection(vday.vehicle_id, shift.vehicle.name, _rows(shift.stops, steps),
                                 None if age is None else age // 60)
        screen.vehicles.append(section)
        row_of = {sid: r for r in section.rows for sid in (r.card.stop_ids or (r.card.id,))}
        late = {row_of[s.stop.id].card.id: row_of[s.stop.id] for s in vday.late_steps() if s.stop.id in row_of}
        screen.late += [LateItem(stop_id, section.name, row) for stop_id, row in late.items()]
        screen.prefill |= prefills(store, [r.card for r in section.rows if not r.final])
    return screen


@dataclass
class CallRow:
    """One resident to phone about a call of the list, as the screen and the printout show it."""

    call: Call
    vehicle: str
    name: str
    phone: str
    told: str
    expected: str
    read_back: str
    #: the row's element id: ``call-<stop id>``, then ``call-<stop id>-<resident id>`` for the session's other seats
    anchor: str = ""


def call_rows(calls: list[Call], residents: dict, vehicles: dict[int, str]) -> list[CallRow]:
    """Return one row per resident to phone (`residents` by id; a hall session: each one booked) with the vehicle."""
    rows = []
    for call in calls:
        people = [residents.get(i) for i in call.residents] or [None]
        for k, person in enumerate(people):
            name = person.name if person else ""
            rows.append(CallRow(call, vehicles.get(call.vehicle_id, str(call.vehicle_id)), name,
                                person.phone if person else "", f"{hhmm(call.told.start_s)}–{hhmm(call.told.end_s)}",
                                expected_text(call), read_back(call, name),
                                f"call-{call.id}" if k == 0 else f"call-{call.id}-{person.id if person else k}"))
    return rows

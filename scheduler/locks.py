"""Locks (鍵): what a dispatcher keeps where it is when a week or a day is planned again.

A `Lock` holds one of three things, each "kept on this vehicle and day":

- a **stop**: its request stays on the stop's vehicle and day (the stop's id is
  kept for the record; the request, vehicle and day are what count, so the lock
  outlives the plan version the stop belonged to);
- a **shift** (``vehicle_id`` and ``day``): every request on that route stays on it;
- a **day** (``day`` only): every request on a route of that day stays on its route.

`held_requests` says which request each lock holds in a plan version (request
id -> (vehicle id, day)); `add_lock_steps` puts them on a problem in the format
as ``locked`` steps (``vehicles[].steps``, docs/PROBLEM_FORMAT.md
"Re-planning"): the engine then serves each on its vehicle and day, in any
order, or not at all (``fixed_step_broken``). `scheduler.planning.replan_day`,
`scheduler.planning.run.plan_week` (a week with a published version) and
`scheduler.planning.moves.move_request` (which refuses moving a locked request)
honour them. `check_new_lock` refuses a stop of no request and a lock already there.
The functions take the store as ``Any``: the store imports this module (its `Lock`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from routing.errors import InputError
from scheduler.domain import DomainError, Plan, week_monday

if TYPE_CHECKING:
    from scheduler.compiler import CompiledWeek

__all__ = ["Lock", "LockConflict", "add_lock_steps", "check_new_lock", "held_requests", "lock_of_stop",
           "locked_request"]


class LockConflict(InputError):
    """The same lock is already there (the API answers 409)."""


@dataclass
class Lock:
    """A stop, a shift or a day kept on its vehicle and day (see the module docstring)."""

    day: dt.date
    vehicle_id: int | None = None
    stop_id: int | None = None
    request_id: int | None = None  # a stop lock's request
    created_by: str = ""
    created_at: dt.datetime | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if (self.stop_id is None) != (self.request_id is None):
            raise DomainError.of("stop_id", "a stop lock needs both the stop and its request")
        if self.stop_id is not None and self.vehicle_id is None:
            raise DomainError.of("vehicle", "a stop lock needs the stop's vehicle")

    @property
    def kind(self) -> str:
        """``stop``, ``shift`` or ``day``."""
        return "stop" if self.stop_id is not None else "shift" if self.vehicle_id is not None else "day"

    @property
    def week(self) -> dt.date:
        return week_monday(self.day)

    def covers(self, vehicle_id: int, day: dt.date, request_id: int | None = None) -> bool:
        """Return whether this lock holds a stop of `request_id` on `vehicle_id`'s route of `day`."""
        if day != self.day:
            return False
        if self.kind == "day":
            return True
        return vehicle_id == self.vehicle_id and (self.kind == "shift" or request_id == self.request_id)

    def key(self) -> tuple:
        """What makes two locks the same lock."""
        return (self.day, self.vehicle_id, self.request_id)


def lock_of_stop(store: Any, stop_id: int, *, user: str = "") -> Lock:
    """Return the lock of one stored stop (not stored); a stop of no request (a depot, a break) is refused."""
    stop = store.plan_stops.get(stop_id)  # NotFound names it
    if stop.request_id is None:
        raise InputError.of("stop_id", "stop {stop} is not a resident's stop (a depot or a break)", stop=stop_id)
    return Lock(day=stop.day, vehicle_id=stop.vehicle_id, stop_id=stop_id, request_id=stop.request_id,
                created_by=user)


def check_new_lock(store: Any, lock: Lock) -> None:
    """Refuse a lock already there (`LockConflict`)."""
    if any(old.key() == lock.key() for old in store.locks.between(lock.day, lock.day)):
        raise LockConflict.of("lock", "it is locked already")


def held_requests(locks: Iterable[Lock], plan: Plan | None) -> dict[int, tuple[int, dt.date]]:
    """Return request id -> the (vehicle id, day) its locks keep it on, for the requests routed in `plan`.

    A stop lock holds its request on the lock's vehicle and day even when `plan`
    routes it elsewhere; shift and day locks hold what `plan` routes there.
    """
    locks = list(locks)
    out: dict[int, tuple[int, dt.date]] = {}
    for lock in locks:
        if lock.kind == "stop":
            out[lock.request_id] = (lock.vehicle_id, lock.day)
    for s in plan.stops if plan is not None else ():
        if s.request_id is not None and s.request_id not in out and any(
                lock.kind != "stop" and lock.covers(s.vehicle_id, s.day) for lock in locks):
            out[s.request_id] = (s.vehicle_id, s.day)
    return out


def locked_request(store: Any, request_id: int, plan: Plan | None) -> bool:
    """Return whether a lock holds `request_id` (its stops in `plan`, or a stop lock of it)."""
    days = sorted({s.day for s in plan.stops if s.request_id == request_id}) if plan is not None else []
    if not days:
        return False
    locks = store.locks.between(days[0], days[-1])
    return request_id in held_requests(locks, plan)


def add_lock_steps(problem: dict, compiled: CompiledWeek, held: dict[int, tuple[int, dt.date]]) -> int:
    """Put each held request's tasks in `problem` as ``locked`` steps of its shift's vehicle; return how many requests.

    `problem`'s vehicles carry the ids of `compiled`'s shifts (the week's
    problem, or a day problem cut from it). A request whose shift is not in the
    problem (out of service, another day), whose tasks are not in it (done),
    which a vehicle already holds (a rider on board) or which is an errand from
    several shops (the format holds no ``delivery_group``) is left as it is.
    """
    present = {job["id"]: "job" for job in problem.get("jobs", ())}
    for ship in problem.get("shipments", ()):
        if "delivery_group" not in ship:  # the format cannot hold a several-shop errand's shipments
            present[ship["pickup"]["id"]], present[ship["delivery"]["id"]] = "pickup", "delivery"
    already = {step["id"] for v in problem["vehicles"] for step in v.get("steps", ())}
    shift_of = {(compiled.vehicles[v["id"]].vehicle_id, compiled.vehicles[v["id"]].day): v
                for v in problem["vehicles"]}
    count = 0
    for rid, (vehicle_id, day) in sorted(held.items()):
        vehicle = shift_of.get((vehicle_id, day))
        tids = [t for t in compiled.request_tasks.get(rid, ())
                if t in present and compiled.tasks[t].day in (None, day)]
        if vehicle is None or not tids or already.intersection(tids):
            continue
        vehicle.setdefault("steps", []).extend({"type": present[t], "id": t, "locked": True} for t in tids)
        count += 1
    return count

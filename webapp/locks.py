"""Locks (鍵) as the screens and the API make them: one place that reads what was given, checks it and stores it.

`new_lock` takes a stop id, a vehicle and day, or a day (exactly one of the
three forms), refuses an unknown stop or vehicle (404 naming the field), a
stop of no request (400) and a lock already there (`scheduler.locks.LockConflict`,
a 409), and stores it with who made it. `locks_by_place` lets a screen find the
lock of a stop (by its request), a shift or a day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from scheduler.locks import Lock, check_new_lock, lock_of_stop
from scheduler.store import NotFound, Store

__all__ = ["LockIndex", "lock_index", "new_lock"]


def new_lock(store: Store, *, user: str, stop_id: int | None = None, vehicle_id: int | None = None,
             day: dt.date | None = None) -> Lock:
    """Store a lock of a stop, a shift (vehicle and day) or a day; refuse what is unknown or there already."""
    if stop_id is not None:
        if not store.db.execute("SELECT 1 FROM plan_stops WHERE id = ?", [stop_id]).fetchone():
            raise NotFound.of("stop_id", "{what} {id!r} not found", what="plan stop", id=stop_id)
        lock = lock_of_stop(store, stop_id, user=user)
    else:
        if vehicle_id is not None:
            try:
                store.vehicles.get(vehicle_id)
            except NotFound:
                raise NotFound.of("vehicle", "{what} {id!r} not found", what="vehicle", id=vehicle_id) from None
        lock = Lock(day=day, vehicle_id=vehicle_id, created_by=user)
    check_new_lock(store, lock)
    return store.locks.add(lock)


@dataclass
class LockIndex:
    """The locks of some days, found by what a screen shows: a request's stop, a shift, a day."""

    stops: dict[tuple[int, dt.date, int], Lock] = field(default_factory=dict)  # (vehicle, day, request)
    shifts: dict[tuple[int, dt.date], Lock] = field(default_factory=dict)
    days: dict[dt.date, Lock] = field(default_factory=dict)

    def of_stop(self, vehicle_id: int, day: dt.date, request_id: int | None) -> Lock | None:
        """Return the stop's own lock (None: none of its own)."""
        return self.stops.get((vehicle_id, day, request_id)) if request_id is not None else None

    def holds(self, vehicle_id: int, day: dt.date, request_id: int | None) -> bool:
        """Return whether a lock of the stop, its shift or its day holds it."""
        return (self.of_stop(vehicle_id, day, request_id) is not None or (vehicle_id, day) in self.shifts
                or day in self.days)


def lock_index(store: Store, first: dt.date, last: dt.date) -> LockIndex:
    """Return the locks of the days `first`..`last` by stop, shift and day."""
    out = LockIndex()
    for lock in store.locks.between(first, last):
        if lock.kind == "stop":
            out.stops[(lock.vehicle_id, lock.day, lock.request_id)] = lock
        elif lock.kind == "shift":
            out.shifts[(lock.vehicle_id, lock.day)] = lock
        else:
            out.days[lock.day] = lock
    return out

"""Plan versions: a week's plan with its stops and unassigned requests, read and written together.

`PlanVersions` is the store's ``plans`` (``store.plans.get(week)``,
``store.plans.save(plan)``, ``store.plans.publish(id, user=...)``): every
version of a week is kept; saving one writes the plan, its stops and its
unassigned requests in one transaction; publishing one refreshes the
figures of its week (the store's ``on_publish``, `scheduler.evidence.summary`).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import logging
import sqlite3
from collections.abc import Callable

import sqlite_utils

from scheduler.clock import stamp_now
from scheduler.domain import Plan, PlanStatus
from scheduler.store.entities import Entities, transaction
from scheduler.store.errors import StorageError
from scheduler.store.mappers import PLAN, PLAN_STOP, UNASSIGNED

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class PlanVersions:
    """The plan versions of every week, each with its stops and unassigned requests.

    Parameters
    ----------
    db
        The store's database.
    on_publish
        Called with a plan id inside the transaction that publishes it (the store refreshes its figures).
    """

    db: sqlite_utils.Database
    on_publish: Callable[[int], None]
    rows: Entities = dataclasses.field(init=False)
    stops: Entities = dataclasses.field(init=False)
    unassigned: Entities = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "rows", Entities(self.db, "plans", "plan", PLAN, order_by="week_start DESC, version DESC"))
        set_(self, "stops", Entities(self.db, "plan_stops", "plan stop", PLAN_STOP,
                                     order_by="vehicle_id, day, seq, id"))
        set_(self, "unassigned", Entities(self.db, "plan_unassigned", "unassigned request", UNASSIGNED))

    def save(self, plan: Plan) -> Plan:
        """Store a new version of a week's plan with its stops and unassigned requests.

        The version number is the next one for ``plan.week_start`` (whatever
        ``plan.version`` says). Everything is written in one transaction: if
        any stop cannot be stored, no trace of this version remains.
        """
        new = copy.deepcopy(plan)
        week = new.week_start.isoformat()
        with transaction(self.db):
            latest = self.db.execute(
                "SELECT COALESCE(MAX(version), 0) FROM plans WHERE week_start = ?", [week]).fetchone()[0]
            new.version = latest + 1
            new.id = self.db["plans"].insert(PLAN.to_row(new)).last_pk
            for stop in new.stops:
                stop.plan_id = new.id
            for item in new.unassigned:
                item.plan_id = new.id
            try:
                ids = self._insert_rows("plan_stops", [PLAN_STOP.to_row(s) for s in new.stops], new.id)
                self._insert_rows("plan_unassigned", [UNASSIGNED.to_row(u) for u in new.unassigned], new.id)
            except sqlite3.IntegrityError:
                raise self._first_missing_reference(new) from None
            for stop, stop_id in zip(new.stops, ids, strict=True):
                stop.id = stop_id
        logger.info("plan %s v%s saved: %d stops, %d unassigned", week, new.version,
                    len(new.stops), len(new.unassigned))
        return new

    def _insert_rows(self, table: str, rows: list[dict], plan_id: int) -> list[int]:
        """Insert a plan's rows of one table in one statement and return their ids in order.

        A plan version has hundreds of stops: one ``executemany`` instead of a
        sqlite-utils insert per row takes the write lock for a tenth of the
        time. Inside the transaction nobody else writes, so the new rows are
        the plan's only rows of the table and their ids rise in insertion order.
        """
        if not rows:
            return []
        columns = list(rows[0])
        names = ", ".join(f"[{c}]" for c in columns)
        self.db.conn.executemany(f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' * len(columns))})",
                                 [tuple(row[c] for c in columns) for row in rows])
        return [r[0] for r in self.db.execute(f"SELECT id FROM [{table}] WHERE plan_id = ? ORDER BY id", [plan_id])]

    def _first_missing_reference(self, plan: Plan) -> StorageError:
        """Return the error naming the first stop or unassigned entry whose reference is not stored."""
        week = plan.week_start.isoformat()
        known = {t: {r[0] for r in self.db.execute(f"SELECT id FROM {t}")}
                 for t in ("vehicles", "requests", "sites", "residents")}
        for i, stop in enumerate(plan.stops):
            refs = (("vehicles", stop.vehicle_id), ("requests", stop.request_id), ("sites", stop.site_id),
                    ("residents", stop.resident_id))
            if any(v is not None and v not in known[t] for t, v in refs):
                return StorageError.of("", "plan {week}: stops[{index}] (vehicle {vehicle}, {day}, seq {seq}) refers "
                                       "to a vehicle, request, site or resident that is not stored", week=week,
                                       index=i, vehicle=stop.vehicle_id, day=stop.day, seq=stop.seq)
        for i, item in enumerate(plan.unassigned):
            if item.request_id not in known["requests"]:
                return StorageError.of("", "plan {week}: unassigned[{index}] refers to request {request}, which is not "
                                       "stored", week=week, index=i, request=item.request_id)
        return StorageError.of("", "plan {week}: a stop or unassigned entry refers to a row that is not stored",
                               week=week)

    def _with_stops(self, plan: Plan) -> Plan:
        plan.stops = self.stops.where("plan_id = ?", [plan.id])
        plan.unassigned = self.unassigned.where("plan_id = ?", [plan.id])
        return plan

    def _latest_plan(self, where: str, args: list) -> Plan | None:
        found = self.rows.where(where, args, order_by="version DESC", limit=1)
        return self._with_stops(found[0]) if found else None

    def later_versions(self, week_start: dt.date, version: int) -> list[tuple[int, int | None]]:
        """Return (version, the version it was derived from, or None) of the week's versions after `version`."""
        return [tuple(row) for row in self.db.execute(
            "SELECT version, json_extract(summary, '$.derived_from') FROM plans "
            "WHERE week_start = ? AND version > ? ORDER BY version", [week_start.isoformat(), version])]

    def latest_id(self, week_start: dt.date) -> int | None:
        """Return the id of the week's latest plan version (without reading its stops), or None."""
        row = self.db.execute("SELECT id FROM plans WHERE week_start = ? ORDER BY version DESC LIMIT 1",
                              [week_start.isoformat()]).fetchone()
        return row[0] if row else None

    def get(self, week_start: dt.date, version: int | None = None) -> Plan | None:
        """Return a plan version of the week (the latest when `version` is None) with its stops."""
        if version is None:
            return self._latest_plan("week_start = ?", [week_start.isoformat()])
        return self._latest_plan("week_start = ? AND version = ?", [week_start.isoformat(), version])

    def by_id(self, plan_id: int) -> Plan:
        """Return the plan version with this id, with its stops."""
        return self._with_stops(self.rows.get(plan_id))

    def published(self, week_start: dt.date) -> Plan | None:
        """Return the latest published version of the week, with its stops, or None."""
        return self._latest_plan("week_start = ? AND status = ?",
                                 [week_start.isoformat(), PlanStatus.PUBLISHED.value])

    def versions(self, week_start: dt.date | None = None) -> list[Plan]:
        """Return plan versions without their stops, newest week and version first."""
        if week_start is None:
            return self.rows.all()
        return self.rows.where("week_start = ?", [week_start.isoformat()], order_by="version DESC")

    def publish(self, plan_id: int, *, user: str) -> Plan:
        """Mark a plan version published; earlier published versions stay as history."""
        with transaction(self.db):
            self.rows.set(plan_id, {"status": PlanStatus.PUBLISHED.value,
                                      "published_at": stamp_now().isoformat(), "published_by": user})
            self.on_publish(plan_id)  # the figures' routes, left-out requests
        logger.info("plan %s published", plan_id)
        return self.by_id(plan_id)

    def published_at(self, plan_id: int) -> tuple[dt.datetime | None, str | None]:
        """Return when and by whom a plan version was published; ``(None, None)`` if it is not."""
        self.rows.require(plan_id, field="plan_id")
        when, who = self.db.execute("SELECT published_at, published_by FROM plans WHERE id = ?",
                                    [plan_id]).fetchone()
        return (dt.datetime.fromisoformat(when) if when else None), who

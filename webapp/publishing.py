"""Plan versions on the screens: compare a version with the one before (比較), publish one (公開する).

`compare_versions` turns `scheduler.planning.diff.PlanDiff` into rows staff
read (the request's city id, kind, resident, vehicle, day and time before and
after); `publish_version` publishes a version, with the bookings and
cancellations made into it since, unless a newer one is already published.
Comparison rows hold residents' names: the view passes
`Comparison.resident_ids` to `webapp.audit.record`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from routing.errors import InputError
from scheduler.domain import DAY_S, Plan, PlanStatus
from scheduler.planning import diff_plans, publish
from scheduler.store import NotFound, Store

__all__ = ["ChangeRow", "Comparison", "PublishCheck", "PublishConflict", "compare_versions", "publish_check",
           "publish_version"]

#: The kinds of change, in the order the screen lists them.
CHANGE_KINDS = ("unassigned", "reassigned", "moved", "added")


class PublishConflict(InputError):
    """A newer version of the week is already published (answered 409)."""


@dataclass
class Slot:
    """Where and when a request is served in one version: vehicle, day, service start (seconds of the day)."""

    vehicle: str
    day: dt.date
    start_s: int


@dataclass
class ChangeRow:
    """One request whose plan changed between two versions."""

    change: str  # one of CHANGE_KINDS
    request_id: int
    request_label: str
    kind: str
    resident_id: int | None
    name: str
    old: Slot | None = None
    new: Slot | None = None
    delta_min: int = 0
    reason: str = ""


@dataclass
class Comparison:
    """A plan version set against the version before it."""

    new: Plan
    old: Plan | None
    rows: list[ChangeRow] = field(default_factory=list)

    def of(self, change: str) -> list[ChangeRow]:
        """Return the rows of one kind of change."""
        return [r for r in self.rows if r.change == change]

    @property
    def resident_ids(self) -> list[int]:
        """Residents whose names the comparison shows (for the audit log)."""
        return sorted({r.resident_id for r in self.rows if r.resident_id is not None})


#: A change of start time of at least this much counts as "the time changes" for a resident (15 minutes).
TIME_CHANGE_S = 900


@dataclass
class PublishCheck:
    """A draft set against the version the drivers have now, before it is published.

    `counts` holds (code, published, draft) for ``served``, ``unassigned`` and
    ``promises_kept``; `worse` the codes where the draft is worse. `changed`
    counts the requests whose day, vehicle or time (by `TIME_CHANGE_S` or more)
    changes: residents who may need to be told.
    """

    published: Plan | None
    draft: Plan
    counts: list[tuple[str, int, int]] = field(default_factory=list)
    worse: list[str] = field(default_factory=list)
    changed: int = 0
    left_out: int = 0


def publish_check(store: Store, week: dt.date, version: int) -> PublishCheck:
    """Return how the draft `version` compares with the week's published version (see `PublishCheck`)."""
    draft = _plan(store, week, version)
    published = store.plans.published(week)
    check = PublishCheck(published=published, draft=draft)
    if published is None or published.id == draft.id:
        return check
    for code in ("served", "unassigned", "promises_kept"):
        old, new = int(published.summary.get(code, 0)), int(draft.summary.get(code, 0))
        check.counts.append((code, old, new))
        if (new > old) if code == "unassigned" else (new < old):
            check.worse.append(code)
    diff = diff_plans(published, draft, min_shift_s=TIME_CHANGE_S)
    check.changed = len(diff.reassigned) + len(diff.moved)
    check.left_out = len(diff.newly_unassigned)
    if check.left_out and "unassigned" not in check.worse:
        check.worse.append("left_out")  # as many left out overall, but some who had a place lose it
    return check


def _plan(store: Store, week: dt.date, version: int | None) -> Plan:
    plan = store.plans.get(week, version)
    if plan is None:
        what = f"version {version}" if version is not None else "no plan"
        msg = f"week {week.isoformat()}: {what}" + (" not found" if version is not None else "")
        raise NotFound(msg)
    return plan


def compare_versions(store: Store, week: dt.date, version: int | None = None) -> Comparison:
    """Compare a version of the week (default the latest) with the version before it."""
    new = _plan(store, week, version)
    old = store.plans.get(week, new.version - 1) if new.version > 1 else None
    comparison = Comparison(new=new, old=old)
    if old is None:
        return comparison
    diff = diff_plans(old, new)
    labels = store.id_labels()
    vehicles = {v.id: v.name for v in store.vehicles.all()}

    def slot(s: dict | None) -> Slot | None:
        if s is None:
            return None
        day = dt.date.fromisoformat(s["day"]) if isinstance(s["day"], str) else s["day"]
        return Slot(vehicles.get(s["vehicle_id"], labels.vehicle(s["vehicle_id"])), day, s["start_s"] % DAY_S)

    groups = {"unassigned": diff.newly_unassigned, "reassigned": diff.reassigned, "moved": diff.moved,
              "added": diff.newly_served}
    for change in CHANGE_KINDS:
        for m in groups[change]:
            request = store.requests.get(m["request_id"])
            person = store.residents.get(request.resident_id) if request.resident_id is not None else None
            comparison.rows.append(ChangeRow(
                change=change, request_id=request.id, request_label=labels.request(request.id),
                kind=request.kind.value, resident_id=request.resident_id, name=person.name if person else "",
                old=slot(m.get("old")), new=slot(m.get("new")), delta_min=m.get("delta_s", 0) // 60,
                reason=m.get("reason", "") if change == "unassigned" else ""))
    return comparison


def _with_later_bookings(store: Store, plan: Plan) -> Plan:
    """Return the newest version derived from `plan` by bookings and cancellations alone (`plan` when none).

    Each booking or cancellation stores a version derived from the latest one
    (``summary["derived_from"]``); those made while the dispatcher looked at
    `plan` are promises told to residents, and must reach the drivers with it.
    """
    tip = plan.version
    for version, base in store.plans.later_versions(plan.week_start, plan.version):
        if base == tip:
            tip = version
    return plan if tip == plan.version else _plan(store, plan.week_start, tip)


def publish_version(store: Store, week: dt.date, version: int | None, *, user: str) -> tuple[Plan, bool]:
    """Publish a version of the week to the drivers (default the latest), with the bookings made into it since.

    A booking or a cancellation made into a draft stores a draft derived from
    it; publishing the draft alone would leave the drivers without those
    promises. So the version published is the newest one derived from the
    chosen one by bookings and cancellations alone. The version and the
    newer ones are read under the write lock, so a booking confirmed at the
    same moment is either in what is published or derived from it (and then
    published at once, `scheduler.booking.confirm`).

    Returns
    -------
    tuple[Plan, bool]
        The plan published (the chosen version, or the newest derived from it)
        and whether it changed (False: it was already published).

    Raises
    ------
    NotFound
        The week has no such version.
    PublishConflict
        A newer version is already published (drivers see the newest published one).
    """
    with store.transaction():
        plan = _with_later_bookings(store, _plan(store, week, version))
        if plan.status == PlanStatus.PUBLISHED:
            return plan, False
        current = store.plans.published(week)
        if current is not None and current.version > plan.version:
            msg = f"version: v{current.version} of week {week.isoformat()} is newer and already published"
            raise PublishConflict(msg)
        return publish(store, plan.id, user=user), True

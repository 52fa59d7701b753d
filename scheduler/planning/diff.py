"""What changed between two plan versions of a week, request by request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from scheduler.domain import DAY_S, IdLabels, Plan, day_label

__all__ = ["PlanDiff", "diff_plans"]


@dataclass
class PlanDiff:
    """What changed between two plan versions of a week."""

    old_version: int
    new_version: int
    moved: list[dict] = field(default_factory=list)  # request_id, old, new, delta_s
    reassigned: list[dict] = field(default_factory=list)  # vehicle or day changed
    newly_unassigned: list[dict] = field(default_factory=list)  # request_id, reason
    newly_served: list[dict] = field(default_factory=list)  # request_id, slot

    @property
    def empty(self) -> bool:
        """Whether the two versions serve the same requests at the same times."""
        return not (self.moved or self.reassigned or self.newly_unassigned or self.newly_served)

    def lines(self, labels: IdLabels | None = None) -> list[str]:
        """Describe the changes, one line each.

        Parameters
        ----------
        labels
            The city's ids of requests and vehicles (`Store.id_labels`); without
            them, records are named by database id (``#15``).
        """
        labels = labels or IdLabels()
        out = [f"v{self.old_version} -> v{self.new_version}:"]
        if self.empty:
            return out + ["  no change"]

        def req(m: dict) -> str:
            return f"  request {labels.request(m['request_id'])}"

        def slot(s: dict) -> str:
            day = dt.date.fromisoformat(s["day"]) if isinstance(s["day"], str) else s["day"]
            return f"vehicle {labels.vehicle(s['vehicle_id'])} {day_label(day, s['start_s'] % DAY_S)}"

        for m in self.reassigned:
            out.append(f"{req(m)}: vehicle/day changed {slot(m['old'])} -> {slot(m['new'])}")
        for m in self.moved:
            sign = "+" if m["delta_s"] > 0 else "-"
            out.append(f"{req(m)}: moved {sign}{abs(m['delta_s']) // 60} min ({slot(m['old'])} -> {slot(m['new'])})")
        for u in self.newly_unassigned:
            out.append(f"{req(u)}: newly UNASSIGNED — {u['reason']}")
        for s in self.newly_served:
            out.append(f"{req(s)}: newly served {slot(s['new'])}")
        return out


def _first_stops(plan: Plan) -> dict[int, dict]:
    first: dict[int, dict] = {}
    for s in plan.stops:
        if s.request_id is None:
            continue
        slot = {"vehicle_id": s.vehicle_id, "day": s.day, "start_s": s.start_s}
        if s.request_id not in first or s.start_s < first[s.request_id]["start_s"]:
            first[s.request_id] = slot
    return first


def diff_plans(old: Plan, new: Plan, *, min_shift_s: int = 60) -> PlanDiff:
    """Compare two plan versions request by request.

    Each served request is located by its first stop (vehicle, day, service
    start). A request whose vehicle or day changed is *reassigned*; one that
    stayed on its vehicle and day but starts at least `min_shift_s` earlier or
    later is *moved*.

    Parameters
    ----------
    old, new
        Two plan versions (with stops and unassigned lists), usually of one week.
    min_shift_s
        Smallest change of start time that counts as a move.
    """
    a, b = _first_stops(old), _first_stops(new)
    diff = PlanDiff(old.version, new.version)
    new_reasons = {u.request_id: u.reason for u in new.unassigned}
    for rid in sorted(set(a) | set(b)):
        if rid in a and rid in b:
            o, n = a[rid], b[rid]
            if (o["vehicle_id"], o["day"]) != (n["vehicle_id"], n["day"]):
                diff.reassigned.append({"request_id": rid, "old": o, "new": n, "delta_s": n["start_s"] - o["start_s"]})
            elif abs(n["start_s"] - o["start_s"]) >= min_shift_s:
                diff.moved.append({"request_id": rid, "old": o, "new": n, "delta_s": n["start_s"] - o["start_s"]})
        elif rid in a:
            diff.newly_unassigned.append({"request_id": rid, "old": a[rid],
                                          "reason": new_reasons.get(rid, "not in the new version")})
        else:
            diff.newly_served.append({"request_id": rid, "new": b[rid]})
    return diff

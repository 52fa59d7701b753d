"""Plan versions: `Plan`, `PlanStop` (one step of a route), `UnassignedRequest`, `PlanStatus`.

Part of `scheduler.domain` (import names from there).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from scheduler.domain.checks import _fail

# --------------------------------------------------------------------------- plans


class PlanStatus(str, enum.Enum):
    """A plan version is a draft until published to drivers."""

    DRAFT = "draft"
    PUBLISHED = "published"


@dataclass
class PlanStop:
    """One step of a planned route (times in week seconds)."""

    vehicle_id: int
    day: dt.date
    seq: int
    step_type: str  # start | visit | session | pickup | delivery | break | end
    arrival_s: int
    start_s: int  # service start (arrival + waiting)
    departure_s: int
    request_id: int | None = None
    site_id: int | None = None
    resident_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    load: tuple[int, ...] = ()
    driving_s: int = 0  # driving so far on this route
    distance_m: int = 0
    part: int | None = None  # errands: which shop of the request's pickups (0-based) this stop is for
    id: int | None = None
    plan_id: int | None = None
    #: the intervals (week seconds) its service could start in when planned; () = any time or not known
    windows: tuple[tuple[int, int], ...] = ()


@dataclass
class UnassignedRequest:
    """A request a plan could not serve, with the reason in words for staff."""

    request_id: int
    reason: str
    day: dt.date | None = None
    plan_id: int | None = None


@dataclass
class Plan:
    """A plan version of one week; earlier versions are kept."""

    week_start: dt.date
    version: int
    created_at: dt.datetime
    created_by: str
    status: PlanStatus = PlanStatus.DRAFT
    summary: dict = field(default_factory=dict)  # served, unassigned, driving_s, cost, solve_s ...
    stops: list[PlanStop] = field(default_factory=list)
    unassigned: list[UnassignedRequest] = field(default_factory=list)
    id: int | None = None

    def __post_init__(self) -> None:
        if self.week_start.weekday() != 0:
            _fail("week_start", "{day} is not a Monday", day=self.week_start)
        self.status = PlanStatus(self.status)

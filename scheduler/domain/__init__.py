"""Domain model of odekake: residents, sites, vehicles, shifts, services, requests, plans.

Plain dataclasses with no framework imports (no OR-Tools, Flask or SQLite).
Each validates itself in ``__post_init__`` and raises `DomainError` (an
`InputError`) whose message names the field.

Times inside the scheduler are integer seconds. A time of day is seconds since
midnight (``8:30 -> 30600``); a point of the planning week is seconds since
Monday 00:00 Asia/Tokyo (see `week_seconds`).

The package: ``checks``, ``times``, ``ids``, ``masters``, ``requests``, ``plans`` (one module per group; every name is
imported from ``scheduler.domain``).
"""

from __future__ import annotations

from scheduler.domain.checks import (  # noqa: F401
    DAY_S,
    MAX_AMOUNT_YEN,
    TEXT_LIMIT,
    TEXT_LIMITS,
    DomainError,
    _fail,
    check_phone,
    check_text,
    check_texts,
)
from scheduler.domain.ids import (  # noqa: F401
    IdLabels,
    city_id,
)
from scheduler.domain.masters import (  # noqa: F401
    CAPACITY_DIMENSIONS,
    DEFAULT_LUNCH_EARLIEST_S,
    DEFAULT_LUNCH_LATEST_END_S,
    DEFAULT_LUNCH_S,
    DEFAULT_SERVICES,
    DEFAULT_WORK_END_S,
    DEFAULT_WORK_START_S,
    EXTRA_DUTY,
    SHIFT_EXCEPTION_REASONS,
    STOP_SETUP_S,
    Intervals,
    Resident,
    Service,
    Shift,
    ShiftException,
    Site,
    SiteKind,
    Skill,
    Vehicle,
    opening_intervals,
)
from scheduler.domain.plans import (  # noqa: F401
    Plan,
    PlanStatus,
    PlanStop,
    UnassignedRequest,
)
from scheduler.domain.requests import (  # noqa: F401
    CALL_OUTCOMES,
    EVENT_CAUSES,
    ON_HOLIDAY_RULES,
    OPEN_STATUSES,
    TRANSITIONS,
    CallOutcome,
    Details,
    ErrandDetails,
    ErrandPickup,
    Request,
    RequestEvent,
    RequestKind,
    RequestStatus,
    RideDetails,
    SessionBooking,
    SessionDetails,
    SessionRule,
    TimeWindow,
    VisitDetails,
)
from scheduler.domain.times import (  # noqa: F401
    day_label,
    hhmm,
    parse_hhmm,
    week_monday,
    week_seconds,
)

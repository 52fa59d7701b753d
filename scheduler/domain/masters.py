"""People, places, fleet and services: residents, sites (with opening hours), vehicles, shift exceptions, shifts, the service catalogue (site kinds and skills with them).

Part of `scheduler.domain` (import names from there).
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from dataclasses import dataclass, field

from scheduler.domain.checks import (
    _check_latlon,
    _check_time_of_day,
    _fail,
    check_phone,
    check_texts,
)
from scheduler.domain.times import hhmm

# --------------------------------------------------------------------------- enums


class SiteKind(str, enum.Enum):
    """Kinds of sites (拠点)."""

    COMMUNITY_HALL = "community_hall"  # 公民館・集会所
    BRANCH_OFFICE = "branch_office"  # 支所
    SHOP = "shop"  # 店舗
    PHARMACY = "pharmacy"  # 薬局
    CLINIC = "clinic"  # 診療所
    DEPOT = "depot"  # 車庫


class Skill(str, enum.Enum):
    """Equipment a vehicle carries and a task may need."""

    OFFICE_TERMINAL = "office_terminal"  # 行政端末
    COOL_BOX = "cool_box"  # 保冷ボックス
    WHEELCHAIR = "wheelchair"  # 車椅子スペース


# --------------------------------------------------------------------------- people and places


@dataclass
class Resident:
    """A resident (住民) who phones in; personal data, shown only to roles that need it."""

    name: str
    kana: str
    phone: str
    address: str
    lat: float
    lon: float
    district: str = ""  # 地区
    notes: str = ""  # doorstep notes: 耳が遠い, 裏口から, 車椅子 ...
    contact_name: str = ""  # family member or care manager (連絡先)
    contact_phone: str = ""
    consent: bool = True  # consent to store and use the data for the service
    external_id: str | None = None  # id in the city's own register (import key)
    id: int | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            _fail("name", "must not be empty")
        check_texts(self)
        self.phone = check_phone("phone", self.phone)
        self.contact_phone = check_phone("contact_phone", self.contact_phone)
        _check_latlon("", self.lat, self.lon)


#: Opening hours of one weekday: sorted, non-overlapping ``(open_s, close_s)`` intervals.
Intervals = tuple[tuple[int, int], ...]


def opening_intervals(value: object, *, name: str = "opening_hours") -> Intervals:
    """Check one day's opening hours and return them as sorted intervals.

    Parameters
    ----------
    value
        One ``(open_s, close_s)`` pair or a list of them.
    name
        What the error message names (``opening_hours[2]``).

    Raises
    ------
    DomainError
        A pair that is not times of day, closes before it opens, or overlaps another.
    """
    try:
        pairs = [tuple(value)] if len(value) == 2 and all(isinstance(v, int) for v in value) else \
            [tuple(span) for span in value]
    except TypeError:
        _fail(name, "{value!r} is not (open_s, close_s) or a list of them", value=value)
    spans = []
    for pair in pairs:
        if len(pair) != 2:
            _fail(name, "{pair!r} is not (open_s, close_s)", pair=pair)
        start, end = pair
        _check_time_of_day(name, start)
        _check_time_of_day(name, end)
        if start >= end:
            _fail(name, "opens {opens} after it closes {closes}", opens=hhmm(start), closes=hhmm(end))
        spans.append((start, end))
    spans.sort()
    for (s1, e1), (s2, e2) in itertools.pairwise(spans):
        if s2 < e1:
            _fail(name, "{first} overlaps {second}", first=f"{hhmm(s1)}–{hhmm(e1)}", second=f"{hhmm(s2)}–{hhmm(e2)}")
    return tuple(spans)


@dataclass
class Site:
    """A place the van or a vehicle goes to (拠点).

    `opening_hours` maps a weekday (0 = Monday) to its opening intervals,
    ``((open_s, close_s), ...)`` seconds since midnight, sorted and not
    overlapping: several intervals make a lunch closure (``9:00–12:30`` and
    ``14:00–18:00``). A weekday not in the map is closed; an empty map means
    no hours are recorded (always open). One ``(open_s, close_s)`` pair per
    day, the shape of older data, is accepted and turned into one interval.
    """

    name: str
    kind: SiteKind
    lat: float
    lon: float
    address: str = ""
    opening_hours: dict[int, Intervals] = field(default_factory=dict)
    external_id: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            _fail("name", "must not be empty")
        check_texts(self)
        self.kind = SiteKind(self.kind)
        _check_latlon("", self.lat, self.lon)
        hours = {}
        for weekday, value in self.opening_hours.items():
            wd = int(weekday)
            if not 0 <= wd <= 6:
                _fail("opening_hours", "weekday {weekday!r} is not 0 (Mon) to 6 (Sun)", weekday=weekday)
            spans = opening_intervals(value, name=f"opening_hours[{wd}]")
            if spans:
                hours[wd] = spans
        self.opening_hours = dict(sorted(hours.items()))

    def intervals_on(self, day: dt.date) -> Intervals:
        """Return the opening intervals on `day` (empty when closed; see the class docstring)."""
        value = self.opening_hours.get(day.weekday())
        return opening_intervals(value) if value else ()

    def hours_on(self, day: dt.date) -> tuple[int, int] | None:
        """Return the first opening and last closing time on `day`, or None when closed."""
        spans = self.intervals_on(day)
        return (spans[0][0], spans[-1][1]) if spans else None


# --------------------------------------------------------------------------- fleet


#: Staff hours from DOMAIN.md: 8:30–17:15, a 60-minute lunch starting 11:30–12:30.
DEFAULT_WORK_START_S = 8 * 3600 + 30 * 60
DEFAULT_WORK_END_S = 17 * 3600 + 15 * 60
DEFAULT_LUNCH_EARLIEST_S = 11 * 3600 + 30 * 60
DEFAULT_LUNCH_LATEST_END_S = 13 * 3600 + 30 * 60
DEFAULT_LUNCH_S = 3600

#: Capacity dimensions, in this order in the solver's amount vectors.
CAPACITY_DIMENSIONS = ("seats", "boxes")


@dataclass
class Vehicle:
    """A vehicle (車両) with its home depot, capacity, skills and working pattern."""

    name: str
    depot_site_id: int
    capacity: dict[str, int] = field(default_factory=lambda: {"seats": 0, "boxes": 0})
    skills: tuple[Skill, ...] = ()
    cost_per_hour: int = 3600  # yen per driving hour (the solver's per_hour)
    fixed_cost: int = 0  # yen per day used
    work_start_s: int = DEFAULT_WORK_START_S
    work_end_s: int = DEFAULT_WORK_END_S
    lunch_earliest_s: int = DEFAULT_LUNCH_EARLIEST_S
    lunch_latest_end_s: int = DEFAULT_LUNCH_LATEST_END_S
    lunch_s: int = DEFAULT_LUNCH_S
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # weekdays it runs, 0 = Monday
    active: bool = True
    external_id: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            _fail("name", "must not be empty")
        check_texts(self)
        unknown = set(self.capacity) - set(CAPACITY_DIMENSIONS)
        if unknown:
            _fail("capacity", "unknown dimension {dimension!r}; use {known}", dimension=min(unknown),
                  known=", ".join(CAPACITY_DIMENSIONS))
        for dim in CAPACITY_DIMENSIONS:
            value = self.capacity.setdefault(dim, 0)
            if not isinstance(value, int) or value < 0:
                _fail(f"capacity.{dim}", "{value!r} is not a whole number >= 0", value=value)
        self.skills = tuple(Skill(s) for s in self.skills)
        for name in ("work_start_s", "work_end_s", "lunch_earliest_s", "lunch_latest_end_s"):
            _check_time_of_day(name, getattr(self, name))
        if self.work_start_s >= self.work_end_s:
            _fail("work_end_s", "working hours end before they start")
        if self.lunch_s < 0 or self.cost_per_hour < 0 or self.fixed_cost < 0:
            _fail("lunch_s/cost_per_hour/fixed_cost", "must not be negative")
        if self.lunch_s and self.lunch_latest_end_s - self.lunch_earliest_s < self.lunch_s:
            _fail("lunch_latest_end_s", "the lunch window is shorter than the lunch break")
        for wd in self.workdays:
            if not 0 <= wd <= 6:
                _fail("workdays", "weekday {weekday!r} is not 0 (Mon) to 6 (Sun)", weekday=wd)

    def amount_vector(self) -> list[int]:
        """Return capacity as a list in `CAPACITY_DIMENSIONS` order."""
        return [self.capacity.get(dim, 0) for dim in CAPACITY_DIMENSIONS]


#: Reasons of a shift exception; ``extra_duty`` (臨時運行) is the one that adds a day instead of removing one.
SHIFT_EXCEPTION_REASONS = ("maintenance", "absence", "other", "extra_duty")
EXTRA_DUTY = "extra_duty"


@dataclass
class ShiftException:
    """A day (or part of it) a vehicle does not run: maintenance, staff absence (運休).

    With ``reason="extra_duty"`` (臨時運行, e.g. a holiday duty) it is the
    opposite: the vehicle runs that day even when it is a holiday or not one
    of its workdays, for ``start_s``–``end_s`` (its usual hours when None).
    """

    vehicle_id: int
    day: dt.date
    reason: str = "maintenance"  # one of SHIFT_EXCEPTION_REASONS
    start_s: int | None = None  # None: the whole day
    end_s: int | None = None
    note: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if self.reason not in SHIFT_EXCEPTION_REASONS:
            _fail("reason", "{value!r} is not one of {known}", value=self.reason, known=", ".join(SHIFT_EXCEPTION_REASONS))
        if (self.start_s is None) != (self.end_s is None):
            _fail("start_s/end_s", "give both or neither")
        if self.start_s is not None:
            _check_time_of_day("start_s", self.start_s)
            _check_time_of_day("end_s", self.end_s)
            if self.start_s >= self.end_s:
                _fail("end_s", "ends before it starts")


@dataclass
class Shift:
    """One vehicle on one service day with its working hours and lunch window."""

    vehicle_id: int
    day: dt.date
    start_s: int
    end_s: int
    lunch_earliest_s: int = DEFAULT_LUNCH_EARLIEST_S
    lunch_latest_end_s: int = DEFAULT_LUNCH_LATEST_END_S
    lunch_s: int = DEFAULT_LUNCH_S

    def __post_init__(self) -> None:
        _check_time_of_day("start_s", self.start_s)
        _check_time_of_day("end_s", self.end_s)
        if self.start_s >= self.end_s:
            _fail("end_s", "shift ends before it starts")


# --------------------------------------------------------------------------- services


@dataclass
class Service:
    """An entry of the service catalogue (業務メニュー): what staff do on a visit."""

    code: str
    name_ja: str
    name_en: str
    duration_s: int
    skill: Skill | None = Skill.OFFICE_TERMINAL
    active: bool = True

    def __post_init__(self) -> None:
        if not self.code or not self.code.replace("_", "").isalnum():
            _fail("code", "{value!r} must be letters, digits and underscores", value=self.code)
        if not isinstance(self.duration_s, int) or self.duration_s <= 0:
            _fail("duration_s", "{value!r} must be a positive number of seconds", value=self.duration_s)
        if self.skill is not None:
            self.skill = Skill(self.skill)


#: Set-up time at every stop (DOMAIN.md: 5 minutes).
STOP_SETUP_S = 300

#: Default catalogue (DOMAIN.md); editable in the database.
DEFAULT_SERVICES: tuple[Service, ...] = (
    Service("residence_certificate", "住民票の写し", "Residence record copy", 600),
    Service("seal_certificate", "印鑑登録証明書", "Seal registration certificate", 600),
    Service("tax_certificate", "課税・納税証明書", "Tax certificate", 600),
    Service("mynumber_application", "マイナンバーカード申請", "My Number card application", 1200),
    Service("insurance_link", "マイナ保険証の利用登録", "Health-insurance card linking", 900),
    Service("consultation", "オンライン相談", "Online consultation", 1800),
)

"""Domain model of odekake: residents, sites, vehicles, shifts, services, requests, plans.

Plain dataclasses with no framework imports (no OR-Tools, Flask or SQLite).
Each validates itself in ``__post_init__`` and raises `DomainError` (an
`InputError`) whose message names the field.

Times inside the scheduler are integer seconds. A time of day is seconds since
midnight (``8:30 -> 30600``); a point of the planning week is seconds since
Monday 00:00 Asia/Tokyo (see `week_seconds`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

from routing.errors import InputError
from scheduler.clock import stamp_now as _stamp_now

DAY_S = 86_400


class DomainError(InputError):
    """A domain object was given an impossible value; the message names the field."""


def _fail(field_name: str, problem: str, /, **params: object) -> None:
    """Raise `DomainError` naming `field_name`; `problem` is an English template filled from `params`."""
    raise DomainError.of(field_name, problem, **params)


#: Characters no text typed by staff or read from a file may hold: C0 controls but tab and line
#: breaks, DEL and C1 controls (a NUL byte stored in a name breaks exports, sheets and searches).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: The most a driver may be asked to collect for one errand (yen); an instance may set less.
MAX_AMOUNT_YEN = 10_000_000


#: Most characters of a free-text field (a memo longer than this turns a stop sheet into pages).
TEXT_LIMIT = 500
#: Fields with a tighter limit.
TEXT_LIMITS = {"name": 100, "kana": 100, "contact_name": 100, "district": 100, "address": 200, "phone": 20,
               "contact_phone": 20, "external_id": 64}


def check_text(field_name: str, value: object) -> None:
    """Refuse text holding control characters (tab and line breaks are allowed) or too long, naming the field."""
    if isinstance(value, str):
        limit = TEXT_LIMITS.get(field_name.rsplit(".", 1)[-1], TEXT_LIMIT)
        if len(value) > limit:
            _fail(field_name, "{count} characters; at most {limit}", count=len(value), limit=limit)
        found = _CONTROL.search(value)
        if found:
            _fail(field_name, "contains a control character (U+{code:04X}) at position {position}; remove it",
                  code=ord(found.group()), position=found.start() + 1)
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            check_text(f"{field_name}[{i}]", item)


def check_phone(field_name: str, value: str) -> str:
    """Return a phone number as written with ASCII digits and hyphens; refuse one that cannot be dialled.

    Full-width digits and hyphens (０２４６－１２－３４５６) are read as ASCII, spaces
    and brackets between the parts as hyphens (0246 (12) 3456 -> 0246-12-3456);
    the number must have 10 or 11 digits and nothing else. Empty is allowed (no phone).
    """
    text = unicodedata.normalize("NFKC", value or "").strip()
    # spaces and brackets between the parts, as people also write them, become hyphens
    text = re.sub(r"[\s()ー‐−]+", "-", text).strip("-")
    if not text:
        return ""
    digits = sum(c.isdigit() for c in text)
    if not re.fullmatch(r"[0-9][0-9-]*[0-9]", text) or not 10 <= digits <= 11:
        _fail(field_name, "{value!r} is not a phone number: 10 or 11 digits with hyphens, "
                          "e.g. 0246-12-3456 or 090-1234-5678", value=value)
    return text


def check_texts(obj: object, prefix: str = "") -> None:
    """Apply `check_text` to every text field (and tuple of texts) of a dataclass instance."""
    for f in dataclasses.fields(obj):
        check_text(prefix + f.name, getattr(obj, f.name))


def _check_latlon(prefix: str, lat: float, lon: float) -> None:
    if not isinstance(lat, (int, float)) or not -90 <= lat <= 90:
        _fail(f"{prefix}lat", "latitude {lat!r} is not between -90 and 90", lat=lat)
    if not isinstance(lon, (int, float)) or not -180 <= lon <= 180:
        _fail(f"{prefix}lon", "longitude {lon!r} is not between -180 and 180", lon=lon)


def _check_time_of_day(name: str, seconds: int, *, allow_end_of_day: bool = True) -> None:
    limit = DAY_S if allow_end_of_day else DAY_S - 1
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 <= seconds <= limit:
        _fail(name, "time of day {seconds!r} is not whole seconds between 0 and {limit}", seconds=seconds, limit=limit)


def hhmm(seconds: int) -> str:
    """Format seconds since midnight as ``H:MM`` (``30600 -> '8:30'``)."""
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


def day_label(day: dt.date, start_s: int | None = None, end_s: int | None = None) -> str:
    """Format a day, with a time or a window if given, as staff read it.

    ``'2026-12-01 (Tue)'``, ``'2026-12-01 (Tue) 9:00'`` or
    ``'2026-12-01 (Tue) 9:00–12:00'``. Week seconds belong to the engine
    (`scheduler.vrp.format.format_week_time`); this is the service's side.

    Parameters
    ----------
    day
        The date.
    start_s, end_s
        Seconds since midnight of `day` (see `hhmm`).
    """
    text = f"{day.isoformat()} ({day.strftime('%a')})"
    if start_s is not None:
        text += f" {hhmm(start_s)}"
        if end_s is not None:
            text += f"–{hhmm(end_s)}"
    return text


def parse_hhmm(text: str) -> int:
    """Parse ``'8:30'`` or ``'08:30'`` into seconds since midnight."""
    try:
        hours, minutes = text.strip().split(":")
        h, m = int(hours), int(minutes)
    except (AttributeError, ValueError):
        raise DomainError.of("", "{text!r} is not a time like 8:30", text=text) from None
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise DomainError.of("", "{text!r} is not a time of day", text=text)
    return h * 3600 + m * 60


def week_monday(day: dt.date) -> dt.date:
    """Return the Monday of the week containing `day`."""
    return day - dt.timedelta(days=day.weekday())


def week_seconds(week_start: dt.date, day: dt.date, seconds_of_day: int) -> int:
    """Return seconds since `week_start` (a Monday, 00:00) of a time on `day`."""
    return (day - week_start).days * DAY_S + seconds_of_day


def city_id(entity: object) -> str:
    """Return the id people and other systems read for a resident, site, vehicle or request.

    The city's own id (``external_id``, e.g. ``V12`` or ``K099``) when it is
    set, else the database id as ``#15``: the only place a database id shows
    is where the city gave none. Every message, export and report names
    records through this function (or `IdLabels`, when only database ids are
    at hand).

    Parameters
    ----------
    entity
        Any object with ``external_id`` and ``id`` attributes.
    """
    external = getattr(entity, "external_id", None)
    if external:
        return str(external)
    db_id = getattr(entity, "id", None)
    return f"#{db_id}" if db_id is not None else "#?"


@dataclass(frozen=True)
class _Ref:
    """A bare (external id, database id) pair, labelled by `city_id`."""

    external_id: str | None
    id: int | None


@dataclass
class IdLabels:
    """The city's ids of stored records by database id, for code that holds only database ids.

    Built by `scheduler.store.Store.id_labels` (one query per table); each
    method returns `city_id` of the record, so an id missing from the map
    reads ``#15``.
    """

    residents: dict[int, str | None] = field(default_factory=dict)
    sites: dict[int, str | None] = field(default_factory=dict)
    vehicles: dict[int, str | None] = field(default_factory=dict)
    requests: dict[int, str | None] = field(default_factory=dict)

    def resident(self, db_id: int | None) -> str:
        """Return the city's id of a resident."""
        return city_id(_Ref(self.residents.get(db_id), db_id))

    def site(self, db_id: int | None) -> str:
        """Return the city's id of a site."""
        return city_id(_Ref(self.sites.get(db_id), db_id))

    def vehicle(self, db_id: int | None) -> str:
        """Return the city's id of a vehicle."""
        return city_id(_Ref(self.vehicles.get(db_id), db_id))

    def request(self, db_id: int | None) -> str:
        """Return the city's id of a request."""
        return city_id(_Ref(self.requests.get(db_id), db_id))


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


class RequestKind(str, enum.Enum):
    """The four kinds of requests."""

    VISIT = "visit"  # 訪問 (home visit)
    SESSION = "session"  # 巡回 (hall session)
    ERRAND = "errand"  # おつかい (shop -> home delivery)
    RIDE = "ride"  # 乗車 (demand-responsive ride)


class RequestStatus(str, enum.Enum):
    """A request's life (受付 → 提示 → 予約 → 計画 → 配車 → 完了/不在/取消/失敗)."""

    RECEIVED = "received"
    OFFERED = "offered"
    BOOKED = "booked"
    PLANNED = "planned"
    DISPATCHED = "dispatched"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    FAILED = "failed"


#: Status changes a request may make; anything else is refused.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.RECEIVED: frozenset({RequestStatus.OFFERED, RequestStatus.BOOKED,
                                       RequestStatus.PLANNED, RequestStatus.CANCELLED}),
    RequestStatus.OFFERED: frozenset({RequestStatus.BOOKED, RequestStatus.RECEIVED,
                                      RequestStatus.PLANNED, RequestStatus.CANCELLED}),
    RequestStatus.BOOKED: frozenset({RequestStatus.PLANNED, RequestStatus.CANCELLED}),
    RequestStatus.PLANNED: frozenset({RequestStatus.DISPATCHED, RequestStatus.PLANNED,
                                      RequestStatus.RECEIVED, RequestStatus.BOOKED,
                                      RequestStatus.CANCELLED}),
    RequestStatus.DISPATCHED: frozenset({RequestStatus.DONE, RequestStatus.NO_SHOW,
                                         RequestStatus.FAILED, RequestStatus.CANCELLED}),
    RequestStatus.DONE: frozenset(),
    RequestStatus.NO_SHOW: frozenset({RequestStatus.RECEIVED}),
    RequestStatus.CANCELLED: frozenset(),
    RequestStatus.FAILED: frozenset({RequestStatus.RECEIVED}),
}

#: Statuses of requests that still need planning.
OPEN_STATUSES = frozenset({RequestStatus.RECEIVED, RequestStatus.OFFERED,
                           RequestStatus.BOOKED, RequestStatus.PLANNED})


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


# --------------------------------------------------------------------------- requests


@dataclass
class TimeWindow:
    """A window on one calendar day, seconds since midnight, both ends included."""

    day: dt.date
    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        if isinstance(self.day, str):
            self.day = dt.date.fromisoformat(self.day)
        _check_time_of_day("start_s", self.start_s)
        _check_time_of_day("end_s", self.end_s)
        if self.start_s > self.end_s:
            _fail("end_s", "window {window} ends before it starts", window=f"{hhmm(self.start_s)}–{hhmm(self.end_s)}")

    def to_week(self, week_start: dt.date) -> tuple[int, int]:
        """Return the window in week seconds."""
        return (week_seconds(week_start, self.day, self.start_s),
                week_seconds(week_start, self.day, self.end_s))

    def label(self) -> str:
        """Human label such as ``'2026-12-01 (Tue) 9:00–12:00'``."""
        return day_label(self.day, self.start_s, self.end_s)


@dataclass
class VisitDetails:
    """A home visit (訪問): the services the resident asked for."""

    services: tuple[str, ...]

    def __post_init__(self) -> None:
        self.services = tuple(self.services)
        if not self.services:
            _fail("details.services", "a home visit needs at least one service")


@dataclass
class SessionRule:
    """When a hall session recurs (巡回ルール).

    ``frequency``: ``weekly`` (every week on `weekday`), ``biweekly`` (every
    second week counted from `anchor`, a date on which a session was held) or
    ``monthly`` (the `nth` `weekday` of each month, e.g. the first Tuesday).
    """

    frequency: str
    weekday: int
    nth: int | None = None
    anchor: dt.date | None = None

    def __post_init__(self) -> None:
        if self.frequency not in {"weekly", "biweekly", "monthly"}:
            _fail("details.rule.frequency", "{value!r}: use weekly, biweekly or monthly", value=self.frequency)
        if not 0 <= self.weekday <= 6:
            _fail("details.rule.weekday", "weekday {weekday!r} is not 0 (Mon) to 6 (Sun)", weekday=self.weekday)
        if isinstance(self.anchor, str):
            self.anchor = dt.date.fromisoformat(self.anchor)
        if self.frequency == "monthly" and not (self.nth and 1 <= self.nth <= 5):
            _fail("details.rule.nth", "a monthly rule needs nth between 1 and 5")
        if self.frequency == "biweekly" and self.anchor is None:
            _fail("details.rule.anchor", "a biweekly rule needs an anchor date")

    def occurs_on(self, day: dt.date) -> bool:
        """Return whether the rule holds a session on `day`."""
        if day.weekday() != self.weekday:
            return False
        if self.frequency == "weekly":
            return True
        if self.frequency == "biweekly":
            return ((day - self.anchor).days // 7) % 2 == 0
        return (day.day - 1) // 7 + 1 == self.nth


#: What a hall session does on a rule day that is a holiday or has no service: ``move`` to the
#: next service day the hall is open (that week, else the next), or ``cancel`` that day's session.
ON_HOLIDAY_RULES = ("move", "cancel")


@dataclass
class SessionDetails:
    """A hall session (巡回): the van stays at a site while residents walk in."""

    site_id: int
    rule: SessionRule
    session_s: int = 5400
    earliest_start_s: int = 9 * 3600  # preferred hours for the session to start
    latest_start_s: int = 14 * 3600
    #: what becomes of a session whose rule day is a holiday or has no service (see `ON_HOLIDAY_RULES`)
    on_holiday: str = "move"

    def __post_init__(self) -> None:
        if isinstance(self.rule, dict):
            self.rule = SessionRule(**self.rule)
        if self.on_holiday not in ON_HOLIDAY_RULES:
            _fail("details.on_holiday", "{value!r} is not one of {known}", value=self.on_holiday,
                  known=", ".join(ON_HOLIDAY_RULES))
        if not isinstance(self.session_s, int) or self.session_s <= 0:
            _fail("details.session_s", "must be a positive number of seconds")
        _check_time_of_day("details.earliest_start_s", self.earliest_start_s)
        _check_time_of_day("details.latest_start_s", self.latest_start_s)
        if self.earliest_start_s > self.latest_start_s:
            _fail("details.latest_start_s", "latest start before earliest start")


@dataclass
class ErrandPickup:
    """One shop an errand collects from, once the goods are ready."""

    site_id: int
    boxes: int = 1
    ready_s: int = 0  # seconds since midnight on the delivery day when the goods are ready

    def __post_init__(self) -> None:
        if not isinstance(self.boxes, int) or self.boxes < 1:
            _fail("details.pickups.boxes", "{value!r} must be 1 or more", value=self.boxes)
        _check_time_of_day("details.pickups.ready_s", self.ready_s)


@dataclass
class ErrandDetails:
    """An errand (おつかい): pick-up at one or more shops, delivery home in a window."""

    pickups: tuple[ErrandPickup, ...]
    chilled: bool = False  # needs a cool box and a ride limit
    max_ride_s: int | None = None  # default for chilled goods: 90 minutes
    amount_to_collect_yen: int = 0
    order: str = ""  # what to pick up, for the driver's list

    def __post_init__(self) -> None:
        self.pickups = tuple(ErrandPickup(**p) if isinstance(p, dict) else p for p in self.pickups)
        if not self.pickups:
            _fail("details.pickups", "an errand needs at least one shop to pick up from")
        if self.chilled and self.max_ride_s is None:
            self.max_ride_s = 5400
        if self.max_ride_s is not None and self.max_ride_s <= 0:
            _fail("details.max_ride_s", "must be positive")
        amount = self.amount_to_collect_yen
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_AMOUNT_YEN:
            _fail("details.amount_to_collect_yen", "{value!r} is not a whole number of yen from 0 to {limit:,}",
                  value=amount, limit=MAX_AMOUNT_YEN)

    @property
    def boxes(self) -> int:
        """Total boxes delivered."""
        return sum(p.boxes for p in self.pickups)


@dataclass
class RideDetails:
    """A ride (デマンド交通): pick-up → drop-off; a site id, or None for the resident's home."""

    from_site_id: int | None
    to_site_id: int | None
    seats: int = 1
    wheelchair: bool = False
    max_ride_s: int = 3600
    return_of: int | None = None  # id of the outbound ride this one returns from

    def __post_init__(self) -> None:
        if self.from_site_id is None and self.to_site_id is None:
            _fail("details.to_site_id", "a ride from home must go to a site")
        if self.from_site_id is not None and self.from_site_id == self.to_site_id:
            _fail("details.to_site_id", "pick-up and drop-off are the same site")
        if not isinstance(self.seats, int) or self.seats < 1:
            _fail("details.seats", "{value!r} must be 1 or more", value=self.seats)
        if self.max_ride_s <= 0:
            _fail("details.max_ride_s", "must be positive")


Details = VisitDetails | SessionDetails | ErrandDetails | RideDetails
_DETAILS_FOR_KIND = {RequestKind.VISIT: VisitDetails, RequestKind.SESSION: SessionDetails,
                     RequestKind.ERRAND: ErrandDetails, RequestKind.RIDE: RideDetails}


@dataclass
class Request:
    """What a resident (or the city, for hall sessions) asked for.

    `windows` are the resident's preferences (one must hold); `promised` is the
    window told to the resident on the phone, which every plan must keep.
    For errands the windows are for the delivery home.
    """

    kind: RequestKind
    details: Details
    resident_id: int | None = None
    status: RequestStatus = RequestStatus.RECEIVED
    windows: list[TimeWindow] = field(default_factory=list)
    promised: TimeWindow | None = None
    received_at: dt.datetime = field(default_factory=lambda: _stamp_now())
    base_priority: int = 0  # 0–100 before the waiting bonus
    notes: str = ""
    external_id: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        self.kind = RequestKind(self.kind)
        self.status = RequestStatus(self.status)
        expected = _DETAILS_FOR_KIND[self.kind]
        if isinstance(self.details, dict):
            self.details = expected(**self.details)
        if not isinstance(self.details, expected):
            _fail("details", "a {kind} request needs {details}", kind=self.kind.value, details=expected.__name__)
        if self.kind != RequestKind.SESSION and self.resident_id is None:
            _fail("resident_id", "a {kind} request needs a resident", kind=self.kind.value)
        self.windows = [TimeWindow(**w) if isinstance(w, dict) else w for w in self.windows]
        if isinstance(self.promised, dict):
            self.promised = TimeWindow(**self.promised)
        if not 0 <= self.base_priority <= 100:
            _fail("base_priority", "{value!r} is not between 0 and 100", value=self.base_priority)
        check_texts(self)
        check_texts(self.details, "details.")
        if self.status == RequestStatus.BOOKED and self.promised is None:
            _fail("promised", "a booked request needs the promised window")

    def can_move_to(self, status: RequestStatus) -> bool:
        """Return whether the life cycle allows changing to `status`."""
        return RequestStatus(status) in TRANSITIONS[self.status]


@dataclass
class SessionBooking:
    """A resident booked into a hall session on a given day (巡回の予約)."""

    session_request_id: int
    resident_id: int
    day: dt.date
    services: tuple[str, ...] = ()
    id: int | None = None
    cancelled_at: dt.datetime | None = None  # None: the seat is active (the resident is coming)
    cancel_reason: str = ""  # why, as the resident said on the phone (取消理由)
    cancelled_by: str = ""  # the staff login who cancelled it

    @property
    def cancelled(self) -> bool:
        """Whether the seat was cancelled (it no longer counts, but stays on record)."""
        return self.cancelled_at is not None


#: Why the system (not a person) changed a request: the closed set of `RequestEvent.cause`,
#: with the arguments each one carries in `RequestEvent.cause_args`. Screens say them
#: in staff words from the code and its arguments; nothing reads the free-text note.
EVENT_CAUSES: dict[str, tuple[str, ...]] = {
    "plan": ("week", "version"),  # a plan version serves the request
    "plan_left_out": ("week", "version", "reason"),  # a new plan version no longer serves it (reason in words)
    "plan_booking": ("week", "version"),  # served by the version a phone booking derived
    "plan_cancellation": ("week", "version"),  # served by the version a cancellation derived (time freed)
    "csv_import": (),  # cancelled by a CSV import that marked it cancelled
    "personal_data_removed": (),  # cancelled because the resident's personal data was removed on request
    "moved_for_holiday": ("from", "to", "holiday"),  # a hall session's day off moved to the next service day
    "cancelled_for_holiday": ("day", "holiday"),  # a hall session's day off cancelled (its rule says cancel)
}


@dataclass
class RequestEvent:
    """One change of a request, kept for the record (who, when, from, to, why).

    ``note`` is what a person typed (the cancel reason a resident gave, a
    driver's note); ``cause`` is why the system made the change, a code of
    `EVENT_CAUSES` with its ``cause_args`` (no personal data).
    """

    request_id: int
    at: dt.datetime
    user: str
    from_status: RequestStatus | None
    to_status: RequestStatus
    note: str = ""
    id: int | None = None
    stop_id: int | None = None  # the plan stop the crew reported at (driver's buttons)
    action: str | None = None  # the crew's report there (scheduler.lifecycle.StopAction value)
    cause: str | None = None
    cause_args: dict = field(default_factory=dict)
    #: when the server stored a crew's report (``at`` is when it happened); None: at once
    received_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.cause is not None:
            if self.cause not in EVENT_CAUSES:
                _fail("cause", "unknown cause {value!r}; use one of {known}", value=self.cause, known=", ".join(EVENT_CAUSES))
            missing = [k for k in EVENT_CAUSES[self.cause] if k not in self.cause_args]
            if missing:
                _fail("cause_args", "cause {value!r} needs {missing}", value=self.cause, missing=", ".join(missing))


#: What an operator notes on a call of the day's call list: 連絡済み / 不在・折返し待ち / 変更了承 / 取消希望.
CALL_OUTCOMES = ("informed", "no_answer", "accepted", "cancel")


@dataclass
class CallOutcome:
    """What an operator noted on a call of the day's call list (`scheduler.live.calls`).

    ``told`` and ``expected`` keep the times said (``10:00–11:00``, ``11:20``) as
    they stood when the call was made.
    """

    day: dt.date
    request_id: int
    stop_id: int | None
    outcome: str
    user: str
    at: dt.datetime
    note: str = ""
    told: str = ""
    expected: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if self.outcome not in CALL_OUTCOMES:
            _fail("outcome", f"{self.outcome!r} is not one of {', '.join(CALL_OUTCOMES)}")
        check_text("note", self.note)


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

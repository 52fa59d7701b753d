"""Import residents, sites, vehicles and requests from CSV files (see docs/CSV_FORMATS.md).

`import_csv` reads a UTF-8 file (with or without the byte-order mark that
Japanese Excel writes) with a header row, checks every row and writes them in
one transaction. Rows are keyed by their ``external_id``: a row whose id is
already stored updates that record, so importing the same file twice creates
no duplicates.

A file with bad rows imports nothing and the report lists **every** bad row
(row numbers as a spreadsheet shows them: the header is row 1), unless
``skip_bad`` is given: then the good rows are imported and the bad ones are
listed as skipped. Problems with the file itself (missing, not UTF-8, wrong
header) raise `CsvError` with one line naming the file.

Row checks never log cell values: they may be personal data.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import difflib
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from routing.addresses import AddressIndex
from routing.errors import InputError
from scheduler.domain import (
    CAPACITY_DIMENSIONS,
    DEFAULT_LUNCH_EARLIEST_S,
    DEFAULT_LUNCH_LATEST_END_S,
    DEFAULT_LUNCH_S,
    DEFAULT_WORK_END_S,
    DEFAULT_WORK_START_S,
    DomainError,
    ErrandPickup,
    Request,
    RequestKind,
    RequestStatus,
    Resident,
    Service,
    SessionBooking,
    SessionRule,
    Site,
    SiteKind,
    Skill,
    TimeWindow,
    Vehicle,
    hhmm,
    opening_intervals,
    parse_hhmm,
)
from scheduler.store import Store

#: Tables `import_csv` accepts, in the order that lets references resolve.
TABLES = ("residents", "sites", "vehicles", "requests", "session_bookings")


class CsvError(InputError):
    """The CSV file as a whole cannot be read (missing, not UTF-8, wrong header)."""


@dataclass
class RowError:
    """One problem of one row: spreadsheet row number (header = 1), column, problem.

    `external_id` is the row's city id when it has one, shown after the row
    number so staff find the record in their own system.
    """

    row: int
    column: str
    problem: str
    external_id: str = field(default="", compare=False)
    #: The problem with its parts (`routing.errors.InputError`), for a screen in another language.
    cause: InputError | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" ({self.external_id})" if self.external_id else "")
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.problem}"


@dataclass
class ImportReport:
    """What an import did: counts of rows inserted, updated, unchanged, skipped, and the errors."""

    table: str
    path: str
    skip_bad: bool = False
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    placed: int = 0  # rows placed from their address (included in the counts above)
    errors: list[RowError] = field(default_factory=list)
    encoding: str = "utf-8"  # how the file was read: a code of ENCODINGS

    @property
    def bad_rows(self) -> list[int]:
        """Return the numbers of the rows with errors, in order."""
        return sorted({e.row for e in self.errors})

    @property
    def failed(self) -> bool:
        """Return True when the file had bad rows and therefore nothing was imported."""
        return bool(self.errors) and not self.skip_bad

    def format(self) -> str:
        """Return the report as lines for the command line."""
        name = Path(self.path).name
        if self.failed:
            head = (f"{name}: {len(self.bad_rows)} bad row(s); nothing imported "
                    "(fix them, or use --skip-bad to import the other rows)")
        else:
            head = (f"{name}: {self.inserted} inserted, {self.updated} updated, "
                    f"{self.unchanged} unchanged, {self.skipped} skipped into {self.table}")
            if self.placed:
                head += f" ({self.placed} placed from their address)"
        head += f"; read as {ENCODINGS[self.encoding]}"
        return "\n".join([head, *(f"  {e}" for e in self.errors)])


# --------------------------------------------------------------------------- cell parsers
# Each parser takes a stripped, non-empty cell and raises ValueError with a
# message for the staff member who typed it.

_TRUE = {"1", "yes", "y", "true", "t", "はい", "有", "あり", "○", "◯"}
_FALSE = {"0", "no", "n", "false", "f", "いいえ", "無", "なし", "×"}
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
             "mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6,
             "月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}
#: Between the ends of a range: a dash, a tilde (〜, ～ reads as ~) or から (9時から17時, 月から金).
_RANGE_DASH = re.compile(r"\s*(?:[-–〜~]|から)\s*")
_SITE_KIND_ALIASES = {"公民館": "community_hall", "集会所": "community_hall", "支所": "branch_office",
                      "店舗": "shop", "商店": "shop", "薬局": "pharmacy", "診療所": "clinic",
                      "病院": "clinic", "車庫": "depot"}
_IMPORT_STATUSES = (RequestStatus.RECEIVED, RequestStatus.OFFERED, RequestStatus.BOOKED,
                    RequestStatus.CANCELLED)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _text(text: str) -> str:
    return text


def _float(text: str) -> float:
    try:
        return float(_nfkc(text))
    except ValueError:
        raise InputError.of("", "{text!r} is not a number", text=text) from None


def _int(text: str) -> int:
    cleaned = _nfkc(text).replace(",", "")
    if not re.fullmatch(r"-?\d+", cleaned):
        raise InputError.of("", "{text!r} is not a whole number", text=text)
    return int(cleaned)


def _minutes(text: str) -> int:
    minutes = _int(text)
    if minutes <= 0:
        raise InputError.of("", "{text!r} must be a positive number of minutes", text=text)
    return minutes * 60


def _bool(text: str) -> bool:
    folded = _nfkc(text).lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise InputError.of("", "{text!r} is not yes/no (use yes, no, 1 or 0)", text=text)


def _time(text: str) -> int:
    """Parse ``9:00``, ``9時``, ``9時30分`` (full-width digits too) into seconds since midnight."""
    return parse_hhmm(_clock_words(_nfkc(text)))


def _clock_words(text: str) -> str:
    """Write a time given in Japanese clock words as ``H:MM`` (``9時`` -> ``9:00``, ``9時半`` -> ``9:30``)."""
    match = re.fullmatch(r"(\d{1,2})\s*時\s*(?:(\d{1,2})\s*分|(半))?", text)
    if match is None:
        return text
    minutes = "30" if match[3] else f"{int(match[2] or 0):02d}"
    return f"{match[1]}:{minutes}"


def _span(text: str) -> tuple[int, int]:
    """Parse ``9:00-12:00`` (also with –, 〜 or ~) into seconds since midnight."""
    parts = _RANGE_DASH.split(_nfkc(text))
    if len(parts) != 2:
        raise InputError.of("", "{text!r} is not a time range like 9:00-12:00", text=text)
    start, end = _time(parts[0]), _time(parts[1])
    if start >= end:
        raise InputError.of("", "{text!r} ends before it starts", text=text)
    return start, end


def _date(text: str) -> dt.date:
    """Parse ``2026-12-01`` or ``2026/12/1`` (as Excel may rewrite dates)."""
    match = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", _nfkc(text))
    try:
        if not match:
            raise ValueError
        return dt.date(*map(int, match.groups()))
    except ValueError:
        raise InputError.of("", "{text!r} is not a date like 2026-12-01", text=text) from None


def _datetime(text: str) -> dt.datetime:
    """Parse ``2026-11-20 09:15`` (``T`` or space; ``/`` in the date allowed)."""
    parts = re.split(r"[T ]+", _nfkc(text), maxsplit=1)
    day = _date(parts[0])
    seconds = _time(parts[1]) if len(parts) == 2 else 0
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)


def _weekday(text: str) -> int:
    key = _nfkc(text).lower()[:3]
    if key not in _WEEKDAYS:
        raise InputError.of("", "{text!r} is not a weekday (mon..sun or 月..日)", text=text)
    return _WEEKDAYS[key]


def _weekdays(text: str) -> tuple[int, ...]:
    """Parse ``mon-fri``, ``mon;wed;fri`` or ``月-金`` into weekday numbers."""
    days: list[int] = []
    for part in _split_list(text):
        ends = _RANGE_DASH.split(part)
        if len(ends) == 2:
            first, last = _weekday(ends[0]), _weekday(ends[1])
            if first > last:
                raise InputError.of("", "{text!r}: the range runs backwards", text=part)
            days.extend(range(first, last + 1))
        else:
            days.append(_weekday(part))
    return tuple(sorted(set(days)))


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;；]", text) if p.strip()]


def _windows(text: str) -> list[TimeWindow]:
    """Parse ``2026-12-01 9:00-12:00;2026-12-03 13:00-16:00``."""
    result = []
    for part in _split_list(text):
        pieces = part.split(None, 1)
        if len(pieces) != 2:
            raise InputError.of("", "{text!r} is not a window like 2026-12-01 9:00-12:00", text=part)
        start, end = _span(pieces[1])
        result.append(TimeWindow(_date(pieces[0]), start, end))
    return sorted(result, key=lambda w: (w.day, w.start_s))


def _window(text: str) -> TimeWindow:
    windows = _windows(text)
    if len(windows) != 1:
        raise InputError.of("", "{text!r}: give exactly one window like 2026-12-01 10:00-11:00", text=text)
    return windows[0]


_CLOSED_WORDS = {"off", "closed", "休", "休み", "休業", "定休", "定休日"}
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _day_list(text: str) -> list[int]:
    """Parse the days of an opening-hours group: ``mon-fri``, ``Mo,We``, ``月-金``, ``月火水``, ``土日``."""
    days: list[int] = []
    for part in re.split(r"[,、・/]", re.sub(r"曜日?", "", text)):
        part = part.strip()
        if not part:
            continue
        if part.lower() in {"daily", "毎日"}:
            days.extend(range(7))
        elif re.fullmatch(r"[月火水木金土日]{2,}", part):  # 月火水: one kanji per day
            days.extend(_weekday(c) for c in part)
        else:
            days.extend(_weekdays(part))
    if not days:
        raise InputError.of("", "{text!r} names no day", text=text)
    return days


def _hours_group(group: str) -> tuple[list[int], list[tuple[int, int]] | None]:
    """Parse one group ``DAYS HOURS``; the hours are None for a closed day (``sun off``)."""
    if re.match(r"\d", group):  # hours naming no day (9時から17時): every day
        group = f"毎日 {group}"
    match = re.fullmatch(r"(?P<days>\D+?)\s*(?P<hours>\d.*|(?:off|closed|休み?|休業|定休日?))",
                         group, flags=re.IGNORECASE)
    if match is None:
        raise InputError.of("", "{text!r} is not like mon-fri 9:00-12:30,14:00-18:00 or sun off", text=group)
    days = _day_list(match["days"])
    hours = match["hours"].strip()
    if hours.lower() in _CLOSED_WORDS:
        return days, None
    hours = _RANGE_DASH.sub("-", hours)  # 9:00 - 12:00, 9時から17時
    return days, [_span(part) for part in re.split(r"[,、\s]+", hours) if part]


def _opening_hours(text: str) -> dict[int, tuple[tuple[int, int], ...]]:
    """Parse opening hours as staff write them.

    ``mon-fri 9:00-12:30,14:00-18:00; sat 9:00-12:00; sun off``: groups
    separated by ``;``, each naming days then one or more time ranges (a
    lunch closure) or ``off``/``closed``/``休み``. A day named in several
    groups gets the intervals of all of them (``mon-fri 9:00-12:30;mon-fri
    14:00-18:00``); intervals that overlap, or a day both open and closed, are
    an error, never an overwrite. Days may be English (``mon``, ``Mo``) or
    Japanese (``月-金``, ``月火水``, ``土日``); hours naming no day are every
    day's. Times may be written ``9:00`` or ``9時`` (``9時半``, ``9時30分``),
    ranges with ``-``, ``〜``/``～`` or ``から`` (``9時から17時``), digits full-width too.
    """
    text = _nfkc(text)
    open_days: dict[int, list[tuple[int, int]]] = {}
    closed: set[int] = set()
    for group in _split_list(text):
        days, spans = _hours_group(group)
        for wd in days:
            if spans is None:
                closed.add(wd)
            else:
                open_days.setdefault(wd, []).extend(spans)
    for wd in sorted(open_days):
        if wd in closed:
            raise InputError.of("", "{text!r}: {day} is given both opening hours and 'closed'", text=text,
                                day=_DAY_NAMES[wd])
        try:
            open_days[wd] = opening_intervals(open_days[wd], name=f"{text!r}: on {_DAY_NAMES[wd]}")
        except DomainError as exc:
            raise InputError.of("", "{text!r}: on {day}: {cause}", text=text, day=_DAY_NAMES[wd],
                                cause=InputError.of("", exc.template, **exc.params)) from None
    if not open_days:
        raise InputError.of("", "{text!r} opens on no day; leave the cell empty when no hours are recorded", text=text)
    return dict(sorted(open_days.items()))


def _rule(text: str) -> SessionRule:
    """Parse ``weekly:tue``, ``biweekly:thu:2026-12-03`` or ``monthly:1:tue``."""
    parts = [p.strip() for p in _nfkc(text).split(":")]
    kind = parts[0].lower()
    try:
        if kind == "weekly" and len(parts) == 2:
            return SessionRule("weekly", _weekday(parts[1]))
        if kind == "biweekly" and len(parts) == 3:
            return SessionRule("biweekly", _weekday(parts[1]), anchor=_date(parts[2]))
        if kind == "monthly" and len(parts) == 3:
            return SessionRule("monthly", _weekday(parts[2]), nth=_int(parts[1]))
    except DomainError as exc:
        raise InputError.of("", exc.template, **exc.params) from None
    raise InputError.of("", "{text!r} is not a rule like weekly:tue, biweekly:thu:2026-12-03 or monthly:1:tue", text=text)


def _choice(options: dict[str, object]) -> Callable[[str], object]:
    def parse(text: str) -> object:
        key = _nfkc(text).lower()
        if key in options:
            return options[key]
        raise InputError.of("", "{text!r} is not one of {known}{hint}", text=text,
                            known=", ".join(sorted(o for o in options if o.isascii())),
                            hint=_did_you_mean(key, list(options)))

    return parse


def _did_you_mean(word: str, choices: list[str]) -> InputError | str:
    """Return the hint naming the choice closest to `word` (worded like a message), or ""."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return InputError.of("", " (did you mean {word!r}?)", word=close[0]) if close else ""


_site_kind = _choice({**{k.value: k for k in SiteKind}, **{a: SiteKind(v) for a, v in _SITE_KIND_ALIASES.items()}})
_request_kind = _choice({k.value: k for k in RequestKind})
_import_status = _choice({s.value: s for s in _IMPORT_STATUSES})


def _skills(text: str) -> tuple[Skill, ...]:
    parse = _choice({s.value: s for s in Skill})
    return tuple(dict.fromkeys(parse(p) for p in _split_list(text)))


# --------------------------------------------------------------------------- the same parsers for forms
# The master-data screens read what staff type with the parsers the import uses,
# so a cell and a form field accept and refuse the same text with the same words.


def parse_cell(kind: str, text: str) -> object:
    """Parse what staff typed in a field as the import reads a cell of that kind.

    Parameters
    ----------
    kind
        ``opening_hours`` (``月-金 9:00-12:30,14:00-18:00; 土 9:00-12:00; 日 休み``),
        ``span`` (``8:30-17:15``), ``weekdays`` (``月-金``, ``mon;wed``),
        ``skills`` (``cool_box;wheelchair``) or ``site_kind`` (``公民館``, ``shop``).
    text
        The text typed (blank is the caller's business).

    Raises
    ------
    ValueError
        The problem, worded for the person who typed it.
    """
    parsers: dict[str, Callable[[str], object]] = {
        "opening_hours": _opening_hours, "span": _span, "weekdays": _weekdays, "skills": _skills,
        "site_kind": _site_kind}
    return parsers[kind](text)


def format_opening_hours(hours: dict[int, tuple[tuple[int, int], ...]]) -> str:
    """Write a site's opening hours in the staff syntax `parse_cell` reads back to the same hours.

    Consecutive days with the same intervals make one group (``月-金 9:00-12:30,14:00-18:00; 土 9:00-12:00``);
    an empty map (no hours recorded) is an empty text.
    """
    groups: list[tuple[list[int], tuple[tuple[int, int], ...]]] = []
    for wd in sorted(hours):
        if groups and groups[-1][1] == hours[wd] and groups[-1][0][-1] == wd - 1:
            groups[-1][0].append(wd)
        else:
            groups.append(([wd], hours[wd]))
    parts = []
    for days, spans in groups:
        names = "月火水木金土日"
        label = names[days[0]] if len(days) == 1 else f"{names[days[0]]}-{names[days[-1]]}"
        parts.append(f"{label} {','.join(f'{hhmm(a)}-{hhmm(b)}' for a, b in spans)}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- rows


class _Row:
    """One data row: reads cells through parsers and collects every problem."""

    def __init__(self, number: int, cells: dict[str, str]) -> None:
        self.number = number
        self.cells = cells
        self.errors: list[RowError] = []

    def filled(self, column: str) -> bool:
        return bool(self.cells.get(column, "").strip())

    def error(self, column: str, problem: str | InputError, /, **params: object) -> None:
        """Record a problem of `column`: an error, or an English template filled from `params`."""
        cause = problem if isinstance(problem, InputError) else InputError.of("", problem, **params)
        self.errors.append(RowError(self.number, column, str(cause), self.cells.get("external_id", "").strip(),
                                    cause=cause))

    def get(self, column: str, parse: Callable[[str], object] = _text, *, required: bool = False,
            default: object = None) -> object:
        text = self.cells.get(column, "").strip()
        if not text:
            if required:
                self.error(column, "must not be empty")
            return default
        try:
            return parse(text)
        except InputError as exc:  # DomainError included
            self.error(column, exc)
            return default
        except ValueError as exc:
            self.error(column, "{cause}", cause=str(exc))
            return default


def _domain_column(exc: InputError, columns: dict[str, str]) -> tuple[str, InputError]:
    """Map a DomainError naming a field to (CSV column, the problem); one naming no known column keeps its field."""
    for prefix, column in columns.items():
        if exc.field and exc.field.startswith(prefix):
            return column, InputError.of("", exc.template, **exc.params) if exc.template else exc
    return "", exc


# --------------------------------------------------------------------------- per-table specs


@dataclass(frozen=True)
class _Spec:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    build: Callable[[Store, _Row], object | None]  # None when the row has errors
    lookup: Callable[[Store, object], object | None]  # the stored record the built object updates
    add: Callable[[Store, object, str], object]
    update: Callable[[Store, object, object, str], object]
    domain_columns: dict[str, str]
    #: Columns that together identify a row: the same key twice in one file is an error.
    key: tuple[str, ...] = ("external_id",)
    #: Rows carry a position (lat, lon): placed by address when empty, checked against the road graph.
    located: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def _build_resident(store: Store, row: _Row) -> Resident | None:
    values = {
        "name": row.get("name", required=True), "kana": row.get("kana", default=""),
        "phone": row.get("phone", default=""), "address": row.get("address", default=""),
        "lat": row.get("lat", _float, required=True), "lon": row.get("lon", _float, required=True),
        "district": row.get("district", default=""), "notes": row.get("notes", default=""),
        "contact_name": row.get("contact_name", default=""),
        "contact_phone": row.get("contact_phone", default=""),
        "consent": row.get("consent", _bool, default=True),
    }
    return None if row.errors else Resident(external_id=row.cells["external_id"].strip(), **values)


def _build_site(store: Store, row: _Row) -> Site | None:
    values = {
        "name": row.get("name", required=True), "kind": row.get("kind", _site_kind, required=True),
        "lat": row.get("lat", _float, required=True), "lon": row.get("lon", _float, required=True),
        "address": row.get("address", default=""),
        "opening_hours": row.get("opening_hours", _opening_hours, default={}),
    }
    return None if row.errors else Site(external_id=row.cells["external_id"].strip(), **values)


def _site_ref(store: Store, row: _Row, column: str, *, allow_home: bool = False,
              required: bool = True) -> int | None:
    text = row.get(column, required=required)
    if text is None:
        return None
    if allow_home and text.lower() in {"home", "自宅"}:
        return None
    site = store.site_by_external_id(text)
    if site is None:
        known = [s.external_id for s in store.sites() if s.external_id]
        row.error(column, "no site with external_id {text!r}{hint}", text=text, hint=_did_you_mean(text, known))
        return None
    return site.id


def _build_vehicle(store: Store, row: _Row) -> Vehicle | None:
    depot = _site_ref(store, row, "depot")
    work = row.get("work_hours", _span, default=(DEFAULT_WORK_START_S, DEFAULT_WORK_END_S))
    lunch = row.get("lunch_window", _span, default=(DEFAULT_LUNCH_EARLIEST_S, DEFAULT_LUNCH_LATEST_END_S))
    lunch_s = row.get("lunch_minutes", _int, default=DEFAULT_LUNCH_S // 60) * 60
    capacity = {dim: row.get(dim, _int, default=0) for dim in CAPACITY_DIMENSIONS}
    values = {
        "name": row.get("name", required=True), "skills": row.get("skills", _skills, default=()),
        "cost_per_hour": row.get("cost_per_hour", _int, default=3600),
        "fixed_cost": row.get("fixed_cost", _int, default=0),
        "workdays": row.get("workdays", _weekdays, default=(0, 1, 2, 3, 4)),
        "active": row.get("active", _bool, default=True),
    }
    if row.errors:
        return None
    return Vehicle(depot_site_id=depot, capacity=capacity, work_start_s=work[0], work_end_s=work[1],
                   lunch_earliest_s=lunch[0], lunch_latest_end_s=lunch[1], lunch_s=lunch_s,
                   external_id=row.cells["external_id"].strip(), **values)


#: Columns each request kind uses besides the common ones.
_KIND_COLUMNS: dict[RequestKind, tuple[str, ...]] = {
    RequestKind.VISIT: ("services",),
    RequestKind.SESSION: ("site", "rule", "session_minutes", "start_between"),
    RequestKind.ERRAND: ("shops", "chilled", "max_ride_minutes", "amount_yen", "order"),
    RequestKind.RIDE: ("from", "to", "seats", "wheelchair", "max_ride_minutes", "return_of"),
}


def _shops(store: Store, row: _Row) -> tuple[ErrandPickup, ...]:
    """Parse ``SHOP1:2:10:00;SHOP2`` (site external id, boxes, time the goods are ready)."""
    pickups = []
    for part in _split_list(row.cells.get("shops", "")):
        pieces = part.split(":", 2)
        ext = pieces[0].strip()
        try:
            boxes = _int(pieces[1]) if len(pieces) > 1 and pieces[1].strip() else 1
            ready_text = pieces[2].strip() if len(pieces) > 2 else ""
            ready_text = re.sub(r"^ready\s*", "", ready_text, flags=re.IGNORECASE)
            ready_s = _time(ready_text) if ready_text else 0
            site = store.site_by_external_id(ext)
            if site is None:
                known = [s.external_id for s in store.sites() if s.external_id]
                raise InputError.of("", "no site with external_id {text!r}{hint}", text=ext,
                                    hint=_did_you_mean(ext, known))
            pickups.append(ErrandPickup(site.id, boxes, ready_s))
        except InputError as exc:  # DomainError included
            row.error("shops", "{text!r}: {cause}", text=part,
                      cause=InputError.of("", exc.template, **exc.params) if exc.template else exc)
    return tuple(pickups)


def _service_names(store: Store) -> dict[str, Service]:
    """Return every way to write an active service: code, name_ja, name_en (NFKC, lower case)."""
    names: dict[str, Service] = {}
    for service in store.services():
        if service.active:
            for name in (service.code, service.name_ja, service.name_en):
                names.setdefault(_nfkc(name).lower(), service)
    return names


def _near_service(word: str, names: dict[str, Service]) -> Service | None:
    """Return the service `word` was most likely meant to be: a near name, else a near start of a name.

    ``住民票`` is near ``住民票の写し``; ``住民表`` is near its start ``住民票``.
    """
    close = difflib.get_close_matches(word, list(names), n=1, cutoff=0.6)
    if close:
        return names[close[0]]
    starts = {name[:len(word)]: service for name, service in names.items() if len(name) > len(word)}
    close = difflib.get_close_matches(word, list(starts), n=1, cutoff=0.6)
    return starts[close[0]] if close else None


def _services_list(store: Store, row: _Row) -> tuple[str, ...]:
    """Read the ``services`` cell: codes or Japanese or English names, ``;``-separated, as codes."""
    names = _service_names(store)
    codes = []
    for text in _split_list(row.cells.get("services", "")):
        service = names.get(_nfkc(text).lower())
        if service is None:
            near = _near_service(_nfkc(text).lower(), names)
            hint = InputError.of("", "; did you mean {name} ({code})?", name=near.name_ja, code=near.code) if near else ""
            row.error("services", "{text!r} unknown{hint}", text=text, hint=hint)
            continue
        codes.append(service.code)
    return tuple(codes)


def _build_request(store: Store, row: _Row) -> Request | None:
    kind = row.get("kind", _request_kind, required=True)
    resident_ext = row.get("resident")
    resident_id = None
    if resident_ext is not None:
        resident = store.resident_by_external_id(resident_ext)
        if resident is None:
            row.error("resident", "no resident with external_id {text!r}", text=resident_ext)
        else:
            resident_id = resident.id
    elif kind not in (None, RequestKind.SESSION):
        row.error("resident", "a {kind} request needs a resident", kind=kind.value)
    common = {
        "status": row.get("status", _import_status, default=RequestStatus.RECEIVED),
        "windows": row.get("windows", _windows, default=[]),
        "promised": row.get("promised", _window),
        "received_at": row.get("received_at", _datetime),
        "base_priority": row.get("priority", _int, default=0),
        "notes": row.get("notes", default=""),
    }
    if kind is None:
        return None
    for column in {c for cols in _KIND_COLUMNS.values() for c in cols} - set(_KIND_COLUMNS[kind]):
        if row.filled(column):
            row.error(column, "not used by a {kind} request; leave it empty", kind=kind.value)
    if kind == RequestKind.VISIT:
        row.get("services", required=True)
        details = {"services": _services_list(store, row)}
    elif kind == RequestKind.SESSION:
        window = row.get("start_between", _span, default=(9 * 3600, 14 * 3600))
        details = {"site_id": _site_ref(store, row, "site"), "rule": row.get("rule", _rule, required=True),
                   "session_s": row.get("session_minutes", _minutes, default=5400),
                   "earliest_start_s": window[0], "latest_start_s": window[1]}
    elif kind == RequestKind.ERRAND:
        row.get("shops", required=True)
        details = {"pickups": _shops(store, row), "chilled": row.get("chilled", _bool, default=False),
                   "max_ride_s": row.get("max_ride_minutes", _minutes),
                   "amount_to_collect_yen": row.get("amount_yen", _int, default=0),
                   "order": row.get("order", default="")}
    else:
        return_of = row.get("return_of")
        return_id = None
        if return_of is not None:
            outbound = store.request_by_external_id(return_of)
            if outbound is None or outbound.kind != RequestKind.RIDE:
                row.error("return_of", "no ride request with external_id {text!r} (import it first)", text=return_of)
            else:
                return_id = outbound.id
        details = {"from_site_id": _site_ref(store, row, "from", allow_home=True),
                   "to_site_id": _site_ref(store, row, "to", allow_home=True),
                   "seats": row.get("seats", _int, default=1),
                   "wheelchair": row.get("wheelchair", _bool, default=False),
                   "max_ride_s": row.get("max_ride_minutes", _minutes, default=3600),
                   "return_of": return_id}
    if row.errors:
        return None
    existing = store.request_by_external_id(row.cells["external_id"].strip())
    if existing is not None:
        # Stored requests keep their reception time unless the file gives one;
        # their status is handled by _update_request.
        common["received_at"] = common["received_at"] or existing.received_at
    if common["received_at"] is None:
        del common["received_at"]
    return Request(kind=kind, details=details, resident_id=resident_id,
                   external_id=row.cells["external_id"].strip(), **common)


def _session_ref(store: Store, row: _Row) -> Request | None:
    """Read the ``session`` cell: the external id of a hall-session request."""
    text = row.get("session", required=True)
    if text is None:
        return None
    session = store.request_by_external_id(text)
    if session is None or session.kind != RequestKind.SESSION:
        known = [r.external_id for r in store.requests() if r.kind == RequestKind.SESSION and r.external_id]
        row.error("session", "no hall-session request with external_id {text!r}{hint}", text=text,
                  hint=_did_you_mean(text, known))
        return None
    return session


def _check_session_day(row: _Row, session: Request, day: dt.date) -> None:
    """Refuse a booking on a day the session is not held (its promised day, else its rule's days)."""
    if session.promised is not None:
        held = day == session.promised.day
        when = InputError.of("", "promised for {day}", day=session.promised.day.isoformat())
    else:
        rule = session.details.rule
        held = rule.occurs_on(day)
        when = InputError.of("", "held {frequency} on {weekday}", frequency=rule.frequency,
                             weekday=_DAY_NAMES[rule.weekday])
    if not held:
        row.error("day", "{day} ({weekday}) is not a day of session {session} ({when})", day=day.isoformat(),
                  weekday=_DAY_NAMES[day.weekday()], session=session.external_id, when=when)


def _build_booking(store: Store, row: _Row) -> SessionBooking | None:
    session = _session_ref(store, row)
    resident_ext = row.get("resident", required=True)
    resident = store.resident_by_external_id(resident_ext) if resident_ext is not None else None
    if resident_ext is not None and resident is None:
        row.error("resident", "no resident with external_id {text!r}", text=resident_ext)
    day = row.get("day", _date, required=True)
    services = _services_list(store, row)
    if session is not None and day is not None:
        _check_session_day(row, session, day)
    if row.errors:
        return None
    return SessionBooking(session_request_id=session.id, resident_id=resident.id, day=day, services=services)


def _stored_booking(store: Store, booking: SessionBooking) -> SessionBooking | None:
    """Return the stored booking of the same resident into the same session on the same day.

    An active seat first; else a cancelled one, which the import leaves cancelled (`_update_booking`).
    """
    same = store.session_bookings(session_request_id=booking.session_request_id, day=booking.day,
                                  include_cancelled=True)
    mine = sorted((b for b in same if b.resident_id == booking.resident_id), key=lambda b: b.cancelled_at is not None)
    return mine[0] if mine else None


def _update_booking(store: Store, new: SessionBooking, old: SessionBooking, user: str) -> SessionBooking | None:
    """Update a stored seat's services; a seat cancelled on the phone stays cancelled (CSV has no such column)."""
    new = dataclasses.replace(new, id=old.id, cancelled_at=old.cancelled_at, cancel_reason=old.cancel_reason,
                              cancelled_by=old.cancelled_by)
    return None if new == old else store.update_session_booking(new)


def _by_external_id(find: Callable[[Store, str], object | None]) -> Callable[[Store, object], object | None]:
    def lookup(store: Store, obj: object) -> object | None:
        return find(store, obj.external_id)

    return lookup


def _replace_id(new: object, old: object) -> object:
    return dataclasses.replace(new, id=old.id)


def _update_plain(store_update: Callable[[Store, object], object]):
    def update(store: Store, new: object, old: object, user: str) -> object | None:
        new = _replace_id(new, old)
        if new == old:
            return None
        return store_update(store, new)

    return update


def _update_request(store: Store, new: Request, old: Request, user: str) -> object | None:
    """Update a stored request from a row.

    The life cycle of a stored request belongs to staff and planning, so the
    ``status`` column is ignored for it, except ``cancelled``, which cancels
    the request (when its life cycle allows) and records an event.
    """
    wanted = new.status
    candidate = dataclasses.replace(new, id=old.id, status=old.status)
    cancel = wanted == RequestStatus.CANCELLED and old.status != RequestStatus.CANCELLED
    if candidate == old and not cancel:
        return None
    if candidate != old:
        store.update_request(candidate)
    if cancel:
        store.change_status(old.id, RequestStatus.CANCELLED, user=user, cause="csv_import")
    return candidate


_SPECS: dict[str, _Spec] = {
    "residents": _Spec(
        required=("external_id", "name"),
        optional=("lat", "lon", "kana", "phone", "address", "district", "notes", "contact_name", "contact_phone",
                  "consent"),
        located=True,
        build=_build_resident, lookup=_by_external_id(Store.resident_by_external_id),
        add=lambda store, obj, user: store.add_resident(obj),
        update=_update_plain(Store.update_resident), domain_columns={"lat": "lat", "lon": "lon", "name": "name"}),
    "sites": _Spec(
        required=("external_id", "name", "kind"),
        optional=("lat", "lon", "address", "opening_hours"),
        located=True,
        build=_build_site, lookup=_by_external_id(Store.site_by_external_id),
        add=lambda store, obj, user: store.add_site(obj),
        update=_update_plain(Store.update_site),
        domain_columns={"lat": "lat", "lon": "lon", "name": "name", "opening_hours": "opening_hours"}),
    "vehicles": _Spec(
        required=("external_id", "name", "depot"),
        optional=("seats", "boxes", "skills", "cost_per_hour", "fixed_cost", "work_hours", "lunch_window",
                  "lunch_minutes", "workdays", "active"),
        build=_build_vehicle, lookup=_by_external_id(Store.vehicle_by_external_id),
        add=lambda store, obj, user: store.add_vehicle(obj),
        update=_update_plain(Store.update_vehicle),
        domain_columns={"capacity.seats": "seats", "capacity.boxes": "boxes", "work_": "work_hours",
                        "lunch_latest_end_s": "lunch_window", "lunch_s": "lunch_minutes",
                        "depot_site_id": "depot", "name": "name", "workdays": "workdays"}),
    "requests": _Spec(
        required=("external_id", "kind"),
        optional=("resident", "status", "priority", "received_at", "windows", "promised", "notes",
                  "services", "site", "rule", "session_minutes", "start_between",
                  "shops", "chilled", "max_ride_minutes", "amount_yen", "order",
                  "from", "to", "seats", "wheelchair", "return_of"),
        build=_build_request, lookup=_by_external_id(Store.request_by_external_id),
        add=lambda store, obj, user: store.add_request(obj, user=user),
        update=_update_request,
        domain_columns={"details.services": "services", "details.rule": "rule", "details.session_s": "session_minutes",
                        "details.earliest_start_s": "start_between", "details.latest_start_s": "start_between",
                        "details.pickups": "shops", "details.max_ride_s": "max_ride_minutes",
                        "details.amount_to_collect_yen": "amount_yen", "details.to_site_id": "to",
                        "details.from_site_id": "from", "details.seats": "seats", "details.return_of": "return_of",
                        "details.site_id": "site", "promised": "promised", "base_priority": "priority",
                        "resident_id": "resident"}),
    "session_bookings": _Spec(
        required=("session", "resident", "day"),
        optional=("services",),
        build=_build_booking, lookup=_stored_booking,
        add=lambda store, obj, user: store.add_session_booking(obj),
        update=_update_booking,
        domain_columns={"session_request_id": "session", "resident_id": "resident"},
        key=("session", "resident", "day")),
}


# --------------------------------------------------------------------------- reading the file


#: How a CSV file may be written, as detected: code -> words. Excel in Japan saves "CSV" as
#: Shift_JIS (Windows code page 932); "CSV UTF-8" with a byte-order mark.
ENCODINGS = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)"}


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """Return the text of a CSV file and the encoding code it was read with (UTF-8 with or without BOM, CP932).

    A byte-order mark means UTF-8; otherwise UTF-8 is tried first (Japanese
    text in CP932 is practically never valid UTF-8), then CP932.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        order = ("utf-8-sig",)
    else:
        order = ("utf-8", "cp932")
    for encoding in order:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            last = exc
    raise CsvError.of("", "{path}: neither UTF-8 nor Shift_JIS (byte 0x{byte:02x} at offset {offset}); "
                      "save it from Excel as 'CSV UTF-8 (コンマ区切り)' or 'CSV (コンマ区切り)'",
                      path=path, byte=raw[last.start], offset=last.start)


def _read(path: Path, spec: _Spec) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """Return the header, the data rows (with spreadsheet row numbers) and the encoding of a CSV file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CsvError.of("", "{path}: no such file", path=path) from None
    except OSError as exc:
        raise CsvError.of("", "{path}: cannot read ({detail})", path=path, detail=exc.strerror or exc) from None
    text, encoding = _decode(path, raw)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise CsvError.of("", "{path}: not a readable CSV file ({detail})", path=path, detail=exc) from None
    if not records or not any(c.strip() for c in records[0]):
        raise CsvError.of("", "{path}: empty file; the first row must be the header ({columns}, ...)", path=path,
                          columns=", ".join(spec.required))
    header = [unicodedata.normalize("NFKC", c).strip().lower() for c in records[0]]
    while header and not header[-1]:
        header.pop()  # trailing empty columns, as spreadsheets sometimes write
    _check_header(path, header, spec)
    rows = [(number, cells) for number, cells in enumerate(records[1:], start=2)
            if any(c.strip() for c in cells)]
    return header, rows, encoding


def _check_header(path: Path, header: list[str], spec: _Spec) -> None:
    problems = []
    for i, name in enumerate(header, start=1):
        if not name:
            problems.append(InputError.of("", "column {number} has no name", number=i))
        elif name not in spec.columns:
            problems.append(InputError.of("", "unknown column {name!r}{hint}", name=name,
                                          hint=_did_you_mean(name, list(spec.columns))))
    duplicates = sorted({n for n in header if n and header.count(n) > 1})
    problems += [InputError.of("", "column {name!r} appears twice", name=name) for name in duplicates]
    missing = [c for c in spec.required if c not in header]
    if spec.located and ("lat" in header) != ("lon" in header):
        missing.append("lon (lat and lon go together)" if "lat" in header else "lat (lat and lon go together)")
    if missing:
        columns = ", ".join(missing)
        problems.insert(0, InputError.of("", "missing required columns {columns}", columns=columns) if len(missing) > 1
                        else InputError.of("", "missing required column {columns}", columns=columns))
    if problems:
        raise CsvError.of("", "{path}: header: {problems}", path=path, problems=problems)


# --------------------------------------------------------------------------- the import


class _RowFailed(Exception):
    """Raised inside a row's savepoint to undo that row."""


class _Abort(Exception):
    """Raised to roll back the whole import."""


class PointChecker(Protocol):
    """What the import needs of a road network to check positions (`routing.network.RoadNetwork`)."""

    snap_limit_m: float

    def off_road(self, points: Sequence[tuple[str, float, float]]) -> dict[str, float]:  # pragma: no cover
        """Return ``{id: metres to the nearest road}`` of the points too far to snap."""


@dataclass
class _Context:
    """What every row of one import shares: the store, the file's keys so far, the checks asked for."""

    store: Store
    spec: _Spec
    header: list[str]
    user: str
    report: ImportReport
    network: PointChecker | None = None
    addresses: AddressIndex | None = None
    seen: dict[tuple[str, ...], int] = field(default_factory=dict)


def import_csv(store: Store, table: str, path: str | Path, *, skip_bad: bool = False, user: str,
               network: PointChecker | None = None, addresses: AddressIndex | None = None) -> ImportReport:
    """Import one CSV file into a table of the store, all rows in one transaction.

    Parameters
    ----------
    store
        The open store.
    table
        ``residents``, ``sites``, ``vehicles``, ``requests`` or
        ``session_bookings`` (import them in that order).
    path
        The CSV file (UTF-8 with or without BOM, or Shift_JIS as Excel saves "CSV";
        header row; docs/CSV_FORMATS.md).
    skip_bad
        Import the good rows even when some rows are bad (those are reported as skipped).
    user
        Who imports (recorded in request events).
    network
        The instance's road network, when it has one: every resident and site
        is refused when it lies farther from any road than the snap limit.
    addresses
        Where residents and sites with an address but no ``lat``/``lon`` are
        placed; without it such a row is refused.

    Returns
    -------
    ImportReport
        Counts and every row error; ``report.failed`` is True when bad rows
        stopped the import and nothing was written.

    Raises
    ------
    CsvError
        The file is missing, neither UTF-8 nor Shift_JIS, or its header is wrong.
    """
    if table not in _SPECS:
        raise CsvError.of("table", "unknown table {text!r}; use one of {known}", text=table, known=", ".join(TABLES))
    spec = _SPECS[table]
    path = Path(path)
    header, records, encoding = _read(path, spec)
    report = ImportReport(table=table, path=str(path), skip_bad=skip_bad, encoding=encoding)
    ctx = _Context(store, spec, header, user, report, network=network, addresses=addresses)
    try:
        with store.transaction():
            for number, cells in records:
                outcome = _import_row(ctx, number, cells)
                if outcome is None:
                    report.skipped += 1
                else:
                    setattr(report, outcome, getattr(report, outcome) + 1)
            if report.failed:
                raise _Abort
    except _Abort:
        report.inserted = report.updated = report.unchanged = report.skipped = report.placed = 0
    return report


def _check_key(ctx: _Context, row: _Row) -> None:
    """Refuse a row whose key (``external_id``, or a booking's session, resident and day) is already in the file."""
    if ctx.spec.key == ("external_id",):
        external_id = row.get("external_id", required=True)
        key = None if external_id is None else (external_id,)
    else:
        key = tuple(_nfkc(row.cells.get(c, "")) for c in ctx.spec.key)
        with contextlib.suppress(ValueError):  # the same day written two ways is still the same day
            key = (*key[:-1], _date(key[-1]).isoformat()) if ctx.spec.key[-1] == "day" else key
    if key is None or not all(key):
        return
    if key in ctx.seen:
        if len(key) == 1:
            row.error(ctx.spec.key[0], "{text!r} is already on row {row}", text=key[0], row=ctx.seen[key])
        else:
            row.error(ctx.spec.key[0], "the same {columns} are already on row {row}", columns=", ".join(ctx.spec.key),
                      row=ctx.seen[key])
    else:
        ctx.seen[key] = row.number


def _import_row(ctx: _Context, number: int, cells: list[str]) -> str | None:
    """Check and write one row inside its own savepoint; return the outcome or None when bad."""
    spec, store = ctx.spec, ctx.store
    row = _Row(number, dict(zip(ctx.header, cells, strict=False)))
    if len(cells) > len(ctx.header) and any(c.strip() for c in cells[len(ctx.header):]):
        row.error("", "has {cells} cells but the header has {columns} columns", cells=len(cells),
                  columns=len(ctx.header))
    _check_key(ctx, row)
    if spec.located and not row.errors:
        _place_by_address(ctx, row)
    outcome = None
    try:
        with store.transaction():
            obj = spec.build(store, row) if not row.errors else None
            if obj is not None and spec.located:
                _check_on_road(ctx, row, obj)
            if obj is not None and not row.errors:
                try:
                    existing = spec.lookup(store, obj)
                    if existing is None:
                        spec.add(store, obj, ctx.user)
                        outcome = "inserted"
                    else:
                        changed = spec.update(store, obj, existing, ctx.user) is not None
                        outcome = "updated" if changed else "unchanged"
                except InputError as exc:  # DomainError included
                    row.error(*_domain_column(exc, spec.domain_columns))
            if row.errors:
                raise _RowFailed
    except _RowFailed:
        outcome = None
    except DomainError as exc:  # raised while building the dataclass
        row.error(*_domain_column(exc, spec.domain_columns))
        outcome = None
    ctx.report.errors.extend(row.errors)
    return outcome


def _place_by_address(ctx: _Context, row: _Row) -> None:
    """Fill an empty ``lat``/``lon`` from the address data, or refuse the row saying why.

    The address itself is never repeated in the message: it is personal data.
    """
    if row.filled("lat") or row.filled("lon") or not row.filled("address"):
        return
    if ctx.addresses is None:
        row.error("lat", "empty, and no address data to place the row from its address: give lat and lon, "
                  "or import with --addresses FILE.osm")
        return
    try:
        match = ctx.addresses.find(row.cells["address"])
    except InputError as exc:
        row.error("address", exc)
        return
    if match is None:
        row.error("address", "not found in the address data ({file}); give lat and lon "
                  "(placing on the map comes with the operator screens)", file=ctx.addresses.path.name)
        return
    row.cells["lat"], row.cells["lon"] = f"{match.lat:.7f}", f"{match.lon:.7f}"
    ctx.report.placed += 1


def _check_on_road(ctx: _Context, row: _Row, obj: Resident | Site) -> None:
    """Refuse a position farther from any road than the snap limit (planning could not reach it)."""
    if ctx.network is None:
        return
    far = ctx.network.off_road([(obj.external_id or "", obj.lat, obj.lon)])
    if far:
        distance = next(iter(far.values()))
        row.error("lat/lon", "point ({lat:.6f}, {lon:.6f}) is {distance:.0f} m from the nearest road "
                  "(limit {limit:.0f} m)", lat=obj.lat, lon=obj.lon, distance=distance, limit=ctx.network.snap_limit_m)

"""Reading what staff type: times, time ranges, days, dates, windows, opening hours, yes/no, numbers.

The grammar of staff-typed text, shared by the CSV import (a cell, `scheduler.io.csv_tables`) and
the master-data forms (a field, `parse_cell`), so both accept and refuse the same text with the
same words. Each ``parse_*`` takes a stripped, non-empty text and raises `InputError` (a
`ValueError`) worded for the person who typed it. Written as staff write it: ``9:00``, ``9時``,
``9時半``, ``9時から17時``, ``9:00〜12:00``, full-width digits (NFKC), ``月-金``, ``月火水``, ``土日``,
``mon;wed``, ``2026/12/1``, ``はい``/``いいえ``, ``1,200`` (yen), ``公民館`` (a site kind).
`format_opening_hours` writes a site's hours back in the same syntax.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable

from routing.errors import InputError
from scheduler.domain import (
    DomainError,
    RequestKind,
    SessionRule,
    SiteKind,
    Skill,
    TimeWindow,
    hhmm,
    opening_intervals,
    parse_hhmm,
)

# --------------------------------------------------------------------------- parsers
# Each parser takes a stripped, non-empty text (a CSV cell, a form field) and raises
# ValueError (an InputError) with a message for the staff member who typed it.

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


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_float(text: str) -> float:
    try:
        return float(nfkc(text))
    except ValueError:
        raise InputError.of("", "{text!r} is not a number", text=text) from None


def parse_int(text: str) -> int:
    cleaned = nfkc(text).replace(",", "")
    if not re.fullmatch(r"-?\d+", cleaned):
        raise InputError.of("", "{text!r} is not a whole number", text=text)
    return int(cleaned)


def parse_minutes(text: str) -> int:
    minutes = parse_int(text)
    if minutes <= 0:
        raise InputError.of("", "{text!r} must be a positive number of minutes", text=text)
    return minutes * 60


def parse_bool(text: str) -> bool:
    folded = nfkc(text).lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise InputError.of("", "{text!r} is not yes/no (use yes, no, 1 or 0)", text=text)


def parse_time(text: str) -> int:
    """Parse ``9:00``, ``9時``, ``9時30分`` (full-width digits too) into seconds since midnight."""
    return parse_hhmm(_clock_words(nfkc(text)))


def _clock_words(text: str) -> str:
    """Write a time given in Japanese clock words as ``H:MM`` (``9時`` -> ``9:00``, ``9時半`` -> ``9:30``)."""
    match = re.fullmatch(r"(\d{1,2})\s*時\s*(?:(\d{1,2})\s*分|(半))?", text)
    if match is None:
        return text
    minutes = "30" if match[3] else f"{int(match[2] or 0):02d}"
    return f"{match[1]}:{minutes}"


def parse_span(text: str) -> tuple[int, int]:
    """Parse ``9:00-12:00`` (also with –, 〜 or ~) into seconds since midnight."""
    parts = _RANGE_DASH.split(nfkc(text))
    if len(parts) != 2:
        raise InputError.of("", "{text!r} is not a time range like 9:00-12:00", text=text)
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if start >= end:
        raise InputError.of("", "{text!r} ends before it starts", text=text)
    return start, end


def parse_date(text: str) -> dt.date:
    """Parse ``2026-12-01`` or ``2026/12/1`` (as Excel may rewrite dates)."""
    match = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", nfkc(text))
    try:
        if not match:
            raise ValueError
        return dt.date(*map(int, match.groups()))
    except ValueError:
        raise InputError.of("", "{text!r} is not a date like 2026-12-01", text=text) from None


def parse_datetime(text: str) -> dt.datetime:
    """Parse ``2026-11-20 09:15`` (``T`` or space; ``/`` in the date allowed)."""
    parts = re.split(r"[T ]+", nfkc(text), maxsplit=1)
    day = parse_date(parts[0])
    seconds = parse_time(parts[1]) if len(parts) == 2 else 0
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)


def parse_weekday(text: str) -> int:
    key = nfkc(text).lower()[:3]
    if key not in _WEEKDAYS:
        raise InputError.of("", "{text!r} is not a weekday (mon..sun or 月..日)", text=text)
    return _WEEKDAYS[key]


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Parse ``mon-fri``, ``mon;wed;fri`` or ``月-金`` into weekday numbers."""
    days: list[int] = []
    for part in split_list(text):
        ends = _RANGE_DASH.split(part)
        if len(ends) == 2:
            first, last = parse_weekday(ends[0]), parse_weekday(ends[1])
            if first > last:
                raise InputError.of("", "{text!r}: the range runs backwards", text=part)
            days.extend(range(first, last + 1))
        else:
            days.append(parse_weekday(part))
    return tuple(sorted(set(days)))


def split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;；]", text) if p.strip()]


def parse_windows(text: str) -> list[TimeWindow]:
    """Parse ``2026-12-01 9:00-12:00;2026-12-03 13:00-16:00``."""
    result = []
    for part in split_list(text):
        pieces = part.split(None, 1)
        if len(pieces) != 2:
            raise InputError.of("", "{text!r} is not a window like 2026-12-01 9:00-12:00", text=part)
        start, end = parse_span(pieces[1])
        result.append(TimeWindow(parse_date(pieces[0]), start, end))
    return sorted(result, key=lambda w: (w.day, w.start_s))


def parse_window(text: str) -> TimeWindow:
    windows = parse_windows(text)
    if len(windows) != 1:
        raise InputError.of("", "{text!r}: give exactly one window like 2026-12-01 10:00-11:00", text=text)
    return windows[0]


_CLOSED_WORDS = {"off", "closed", "休", "休み", "休業", "定休", "定休日"}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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
            days.extend(parse_weekday(c) for c in part)
        else:
            days.extend(parse_weekdays(part))
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
    return days, [parse_span(part) for part in re.split(r"[,、\s]+", hours) if part]


def parse_opening_hours(text: str) -> dict[int, tuple[tuple[int, int], ...]]:
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
    text = nfkc(text)
    open_days: dict[int, list[tuple[int, int]]] = {}
    closed: set[int] = set()
    for group in split_list(text):
        days, spans = _hours_group(group)
        for wd in days:
            if spans is None:
                closed.add(wd)
            else:
                open_days.setdefault(wd, []).extend(spans)
    for wd in sorted(open_days):
        if wd in closed:
            raise InputError.of("", "{text!r}: {day} is given both opening hours and 'closed'", text=text,
                                day=DAY_NAMES[wd])
        try:
            open_days[wd] = opening_intervals(open_days[wd], name=f"{text!r}: on {DAY_NAMES[wd]}")
        except DomainError as exc:
            raise InputError.of("", "{text!r}: on {day}: {cause}", text=text, day=DAY_NAMES[wd],
                                cause=InputError.of("", exc.template, **exc.params)) from None
    if not open_days:
        raise InputError.of("", "{text!r} opens on no day; leave the cell empty when no hours are recorded", text=text)
    return dict(sorted(open_days.items()))


def parse_rule(text: str) -> SessionRule:
    """Parse ``weekly:tue``, ``biweekly:thu:2026-12-03`` or ``monthly:1:tue``."""
    parts = [p.strip() for p in nfkc(text).split(":")]
    kind = parts[0].lower()
    try:
        if kind == "weekly" and len(parts) == 2:
            return SessionRule("weekly", parse_weekday(parts[1]))
        if kind == "biweekly" and len(parts) == 3:
            return SessionRule("biweekly", parse_weekday(parts[1]), anchor=parse_date(parts[2]))
        if kind == "monthly" and len(parts) == 3:
            return SessionRule("monthly", parse_weekday(parts[2]), nth=parse_int(parts[1]))
    except DomainError as exc:
        raise InputError.of("", exc.template, **exc.params) from None
    raise InputError.of("", "{text!r} is not a rule like weekly:tue, biweekly:thu:2026-12-03 or monthly:1:tue", text=text)


def choice(options: dict[str, object]) -> Callable[[str], object]:
    def parse(text: str) -> object:
        key = nfkc(text).lower()
        if key in options:
            return options[key]
        raise InputError.of("", "{text!r} is not one of {known}{hint}", text=text,
                            known=", ".join(sorted(o for o in options if o.isascii())),
                            hint=did_you_mean(key, list(options)))

    return parse


def did_you_mean(word: str, choices: list[str]) -> InputError | str:
    """Return the hint naming the choice closest to `word` (worded like a message), or ""."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return InputError.of("", " (did you mean {word!r}?)", word=close[0]) if close else ""


parse_site_kind = choice({**{k.value: k for k in SiteKind}, **{a: SiteKind(v) for a, v in _SITE_KIND_ALIASES.items()}})
parse_request_kind = choice({k.value: k for k in RequestKind})


def parse_skills(text: str) -> tuple[Skill, ...]:
    parse = choice({s.value: s for s in Skill})
    return tuple(dict.fromkeys(parse(p) for p in split_list(text)))


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
        "opening_hours": parse_opening_hours, "span": parse_span, "weekdays": parse_weekdays, "skills": parse_skills,
        "site_kind": parse_site_kind}
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


"""Checking what staff and files give the domain: `DomainError`, text, phones, points, times of day.

Part of `scheduler.domain` (import names from there).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from routing.errors import InputError

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

"""The period and grouping the 実績 screen asks for: a month, a fiscal year (年度, April–March) or custom dates.

`read_question` reads the query string (``period=month|fy|custom``, ``month=2026-11``, ``fy=2026``,
``from=``/``to=``, ``by=``, ``district=``) into a `Question`; a wrong value is kept with its
`InputError` under the field it names, so the form shows the message beside that field and the
page still answers (with the default period). The same checks as ``GET /api/stats``
(`scheduler.evidence.stats.check_query`) decide what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from routing.errors import InputError
from scheduler.evidence.stats import GROUPINGS, check_query
from webapp.args import check_day, parse_day

__all__ = ["PERIODS", "Question", "fiscal_year", "fiscal_year_days", "read_question"]

#: The kinds of period the form offers.
PERIODS = ("fy", "month", "custom")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def fiscal_year(day: dt.date) -> int:
    """Return the fiscal year (年度) of `day`: April to March, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_days(year: int) -> tuple[dt.date, dt.date]:
    """Return the first and last day of fiscal year `year` (1 April `year` to 31 March `year` + 1)."""
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def _month_days(text: str) -> tuple[dt.date, dt.date]:
    m = _MONTH.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError.of("month", "{text!r} is not a month like 2026-11", text=text[:20])
    first = check_day(dt.date(int(m.group(1)), int(m.group(2)), 1), "month")
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _fy_days(text: str) -> tuple[dt.date, dt.date]:
    if not re.fullmatch(r"\d{4}", text):
        raise InputError.of("fy", "{text!r} is not a fiscal year like 2026", text=text[:20])
    first, last = fiscal_year_days(int(text))
    check_day(first, "fy")
    return first, check_day(last, "fy")


@dataclass
class Question:
    """What the screen was asked: the period (its kind and days), the grouping, one district or all."""

    period: str
    first: dt.date
    last: dt.date
    by: str
    district: str | None
    values: dict[str, str]  # the form's fields as typed (shown again)
    errors: dict[str, InputError] = field(default_factory=dict)

    def query(self, **extra: str) -> dict[str, str]:
        """The ``/api/stats`` parameters of this question (for the CSV and Excel links)."""
        q = {"from": self.first.isoformat(), "to": self.last.isoformat(), "by": self.by}
        if self.district:
            q["district"] = self.district
        return {**q, **extra}


def read_question(args: Mapping[str, str], today: dt.date, store) -> Question:
    """Read the form's query string; a bad field falls back to the default period and keeps its error."""
    values = {"period": args.get("period") or "fy", "month": args.get("month") or today.isoformat()[:7],
              "fy": args.get("fy") or str(fiscal_year(today)), "from": args.get("from") or "",
              "to": args.get("to") or "", "by": args.get("by") or "district", "district": args.get("district") or ""}
    if values["period"] not in PERIODS:
        values["period"] = "fy"
    default = fiscal_year_days(fiscal_year(today))
    if not values["from"] or not values["to"]:
        values["from"], values["to"] = default[0].isoformat(), default[1].isoformat()
    try:
        first, last = _days(values)
        check_query(store, first, last, values["by"], values["district"] or None)
    except InputError as exc:  # the default period of every district answers, the message beside the field
        by = values["by"] if values["by"] in GROUPINGS else "district"
        return Question(values["period"], *default, by, None, values, {exc.field or "to": exc})
    return Question(values["period"], first, last, values["by"], values["district"] or None, values)


def _days(values: Mapping[str, str]) -> tuple[dt.date, dt.date]:
    if values["period"] == "month":
        return _month_days(values["month"])
    if values["period"] == "fy":
        return _fy_days(values["fy"])
    return parse_day(values["from"], field="from"), parse_day(values["to"], field="to")

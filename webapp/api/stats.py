"""The figures of a period for the yearly evaluation (issue 27): ``GET /api/stats`` as JSON, CSV or Excel.

Dispatchers and admins. The figures are `scheduler.evidence.stats.figures`; the files
`scheduler.evidence.exports` (CSV UTF-8 with a byte-order mark, .xlsx with a sheet per table).
No resident is named or numbered in any of them.
"""

from __future__ import annotations

from flask import Response, jsonify, request

from routing.errors import InputError
from scheduler.evidence.exports import csv_bytes, xlsx_bytes
from scheduler.evidence.stats import figures
from webapp import clock
from webapp.api.blueprint import bp
from webapp.args import parse_day
from webapp.db import get_store
from webapp.results.exports import export_language, headings, sheet_names

__all__ = ["FORMATS", "TABLES"]

#: The answer's formats: JSON, one table as CSV, every table as an Excel workbook.
FORMATS = ("json", "csv", "xlsx")
#: The tables a CSV can hold (``table=``).
TABLES = ("rows", "totals", "trend", "reach")
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    value = request.args.get(name) or allowed[0]
    if value not in allowed:
        raise InputError.of(name, "{value!r}: use one of {known}", value=value, known=", ".join(allowed))
    return value


@bp.route("/stats", endpoint="stats")
def stats():
    """The figures of a period: ``?from=2026-04-01&to=2027-03-31&by=district|site|vehicle|service|month``.

    ``district=`` keeps one district; ``format=json|csv|xlsx`` (CSV: one table, ``table=rows|totals|trend|reach``,
    UTF-8 with a byte-order mark; Excel: a sheet per table). The files' column headings and sheet names are
    staff words in ``lang=ja|en``, else the session's language, else ``Accept-Language``'s, Japanese first
    (`webapp.results.exports`); the JSON keys stay English. JSON: ``rows`` (one per group, counts additive:
    every grouping sums to ``totals``; ``unique_…``, ``…_rate``, ``…_share``, ``…_p50``/``…_p90``,
    ``…_per_…`` are not sums), ``trend`` (per month, against the same month a year earlier), ``reach`` (per
    district), ``empty`` (true when nothing happened in the period: every figure zero). An end before the
    start, a period over 5 years, an unknown grouping or district: 400 naming the field.
    """
    first = parse_day(request.args.get("from", ""), field="from")
    last = parse_day(request.args.get("to", ""), field="to")
    by = request.args.get("by") or "district"
    fmt, table = _choice("format", FORMATS), _choice("table", TABLES)
    lang = export_language() if fmt != "json" else None
    answer = figures(get_store(), first, last, by, district=request.args.get("district") or None,
                     today=clock.now().date())
    name = f"odekake-stats-{by}-{first.isoformat()}-{last.isoformat()}"
    if fmt == "json":
        return jsonify(answer.to_json())
    words = headings(lang, by, {s.code: (s.name_ja, s.name_en) for s in get_store().services.all()})
    if fmt == "csv":
        return Response(csv_bytes(answer.tables()[table], words), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}-{table}.csv"'})
    return Response(xlsx_bytes(answer.tables(), words, sheet_names(lang)), mimetype=_XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})

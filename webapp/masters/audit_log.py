"""監査ログの書き出し (admins): the audit log of a period as CSV for the data-protection officer.

The page asks for the period (default: last month, by the city's clock) and
downloads the same file as ``GET /api/audit.csv`` and ``odekake audit export``
(`scheduler.io.audit_export`); a wrong date is shown beside its field.
"""

from __future__ import annotations

import datetime as dt

from flask import render_template, request

from routing.errors import InputError
from scheduler.io.audit_export import MAX_DAYS
from webapp import clock
from webapp.api.audit_log import csv_download
from webapp.args import parse_day
from webapp.masters.blueprint import bp
from webapp.messages import problem


@bp.route("/audit", endpoint="audit")
def audit_page():
    """監査ログ: choose the period, download the CSV (``?from=&to=&download=1``)."""
    end_of_last_month = clock.today().replace(day=1) - dt.timedelta(days=1)
    values = {"from": request.args.get("from") or end_of_last_month.replace(day=1).isoformat(),
              "to": request.args.get("to") or end_of_last_month.isoformat()}
    errors: dict[str, str] = {}
    if request.args.get("download"):
        try:
            return csv_download(parse_day(values["from"], field="from"), parse_day(values["to"], field="to"))
        except InputError as exc:
            name = exc.field or str(exc).partition(": ")[0]
            errors[name if name in values else "to"] = problem(exc)
    return render_template("masters/audit.html", values=values, errors=errors, max_days=MAX_DAYS), (
        400 if errors else 200)

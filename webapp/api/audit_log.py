"""The audit log for the data-protection officer, as CSV (admins only): ``GET /api/audit.csv?from=&to=``.

The same file as ``odekake audit export`` (`scheduler.io.audit_export`): who
viewed or changed which resident's data in the period, one row per record,
UTF-8 with BOM, ISO dates. Taking the log out is itself audited (``export`` of
``audit_log``, with the ids of the entries written out).
"""

from __future__ import annotations

import datetime as dt

from flask import Response, request
from flask_login import current_user

from scheduler.io.audit_export import audit_entry, audit_export
from webapp import audit
from webapp.api.blueprint import bp
from webapp.args import parse_day
from webapp.db import get_store

__all__ = ["csv_download"]


def csv_download(first: dt.date, last: dt.date) -> Response:
    """The period's CSV as a download, the export audited (the API's and the masters page's answer)."""
    export = audit_export(get_store(), first, last)
    audit.record_entry(audit_entry(export, user=current_user.login, where=request.endpoint or "",
                                   address=request.remote_addr or ""))
    return Response(export.text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{export.filename()}"'})


@bp.route("/audit.csv", endpoint="audit_csv")
def audit_csv():
    """The audit log of a period as CSV: ``?from=2026-11-01&to=2026-11-30`` (both days included, at most 367 days).

    One row per record an entry names: ``at`` (ISO), ``user``, ``action``, ``subject``, ``subject_id``, the
    resident's city id and database id, ``where``, ``address``, ``entry``. UTF-8 with a byte-order mark (Excel
    opens it as is). Admins only; the export is audited.
    """
    return csv_download(parse_day(request.args.get("from", ""), field="from"),
                        parse_day(request.args.get("to", ""), field="to"))

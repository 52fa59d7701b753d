"""The audit log for the data-protection officer: who viewed or changed which resident's data, per period, as CSV.

One row per record an entry names (an entry that names none, such as a
log-in, is one row): when (ISO), who, what, which record, and — when the
record is a resident or a resident's request — that resident's city id, so
the officer can filter by resident in a spreadsheet. The text starts with a
byte-order mark (UTF-8 with BOM: Excel opens it with the Japanese intact) and
holds ids only, never names (the audit log has none). Columns in
docs/CSV_FORMATS.md, "The audit export".

Exporting the log is itself audited by the caller (`audit_entry`: action
``export``, subject ``audit_log``, the ids of the entries written out).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from routing.errors import InputError
from scheduler.accounts import AuditEntry
from scheduler.domain import city_id
from scheduler.io.cells import safe_row
from scheduler.store.mappers import AUDIT_ENTRY

__all__ = ["COLUMNS", "MAX_DAYS", "AuditExport", "audit_entry", "audit_export", "check_period"]

#: Columns of the CSV, in order (docs/CSV_FORMATS.md).
COLUMNS = ("at", "user", "action", "subject", "subject_id", "resident_id", "resident_db_id", "where", "address",
           "entry")
#: The longest period one export covers (a year and a day: a leap year, or one year by the officer's dates).
MAX_DAYS = 367
#: Subjects whose ids are residents, and those whose ids are requests (of one resident each).
_RESIDENT_SUBJECTS, _REQUEST_SUBJECTS = {"resident"}, {"request"}


@dataclass
class AuditExport:
    """The CSV of a period and the audit entries it holds (their ids go into the export's own entry)."""

    first: dt.date
    last: dt.date
    entries: list[AuditEntry]
    text: str

    @property
    def rows(self) -> int:
        """Data rows in the CSV (header not counted)."""
        return self.text.count("\n") - 1

    def filename(self) -> str:
        """A file name for a download: ``audit-2026-11-01-2026-11-30.csv``."""
        return f"audit-{self.first.isoformat()}-{self.last.isoformat()}.csv"


def check_period(first: dt.date, last: dt.date) -> None:
    """Refuse a period that ends before it starts or is longer than `MAX_DAYS`, naming the field."""
    if last < first:
        msg = f"to: {last.isoformat()} is before from {first.isoformat()}"
        raise InputError(msg)
    if (last - first).days + 1 > MAX_DAYS:
        msg = f"to: the period is {(last - first).days + 1} days; export at most {MAX_DAYS} days at a time"
        raise InputError(msg)


def _entries(store, first: dt.date, last: dt.date) -> list[AuditEntry]:
    """The audit entries from `first` 00:00 to the end of `last`, in the order they were written."""
    # ``at`` is ISO text: every time of the last day sorts before "<last>T99" (and 9999-12-31 needs no next day)
    rows = store.db.query("SELECT * FROM audit_log WHERE at >= ? AND at < ? ORDER BY id",
                          [first.isoformat(), f"{last.isoformat()}T99"])
    return [AUDIT_ENTRY.from_row(row) for row in rows]


def _lookup(store, table: str, column: str, ids: Iterable[int]) -> dict[int, object]:
    """``id -> column`` for the rows of `table` with these ids (rows since removed are absent)."""
    wanted = sorted(set(ids))
    found: dict[int, object] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        sql = f"SELECT id, {column} FROM {table} WHERE id IN ({', '.join('?' * len(chunk))})"
        found.update((row["id"], row[column]) for row in store.db.query(sql, chunk))
    return found


def audit_export(store, first: dt.date, last: dt.date) -> AuditExport:
    """Return the CSV of the audit entries from `first` to `last` (both included)."""
    check_period(first, last)
    entries = _entries(store, first, last)
    request_ids = [i for e in entries if e.subject in _REQUEST_SUBJECTS for i in e.subject_ids]
    resident_of_request = _lookup(store, "requests", "resident_id", request_ids)
    resident_ids = [i for e in entries if e.subject in _RESIDENT_SUBJECTS for i in e.subject_ids]
    resident_ids += [r for r in resident_of_request.values() if r is not None]
    external = _lookup(store, "residents", "external_id", resident_ids)

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in entries:
        for subject_id in e.subject_ids or (None,):
            resident = (subject_id if e.subject in _RESIDENT_SUBJECTS
                        else resident_of_request.get(subject_id) if e.subject in _REQUEST_SUBJECTS else None)
            # a removed resident keeps its database id in the log; its city id is gone with it
            resident_text = "" if resident is None else city_id(
                SimpleNamespace(id=resident, external_id=external.get(resident)))
            writer.writerow(safe_row([e.at.isoformat(timespec="seconds"), e.user, e.action, e.subject,
                                      "" if subject_id is None else subject_id, resident_text,
                                      "" if resident is None else resident, e.where, e.address, e.id]))
    return AuditExport(first, last, entries, "\ufeff" + buf.getvalue())


def audit_entry(export: AuditExport, *, user: str, where: str, address: str = "") -> AuditEntry:
    """The audit entry of the export itself: who took which entries out, from where."""
    return AuditEntry(user=user, action="export", subject="audit_log",
                      subject_ids=tuple(e.id for e in export.entries if e.id is not None), where=where, address=address)

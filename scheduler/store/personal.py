"""A resident's data on request (Japan's Act on the Protection of Personal Information).

`export_resident` gathers every row stored about one resident: their row in
``residents``, and every row of every table that refers to it, directly or
through rows already gathered (their requests, those requests' events, plan
stops and unassigned entries, their session bookings, and the tables other
parts of odekake add with a foreign key to any of these), plus the audit
entries that name them. Nothing of another resident is included.

`forget_resident` removes the resident's personal data and keeps anonymous
service statistics (what was served where and when), in one transaction:

- the resident row stays as an anonymous record (name ``（削除済み）``;
  kana, phone, address, notes, contacts and the city's id emptied; consent 0;
  position rounded to about a kilometre; district kept);
- their requests keep kind, services, status, windows and dates; notes, the
  city's id and the free text of the details (an errand's order) are emptied;
  requests still open are cancelled with an event; hall-session seats still
  active are cancelled, and the reasons of cancelled seats become ``[削除]``;
- their events' notes are emptied; their plan stops keep the times and the
  rounded position;
- every text column of every table is then searched for the resident's name,
  kana, phone numbers, address and contacts, and each occurrence is replaced
  by ``[削除]`` (free text written about them elsewhere);
- an audit entry records who did it and when (``forget``, ids only).

The change is written with ``secure_delete`` on and the write-ahead log is
checkpointed and truncated afterwards, so the old text does not linger in the
database file. Backups made before keep it until they are rotated out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scheduler.accounts import AuditEntry
from scheduler.clock import stamp_now
from scheduler.domain import RequestStatus

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["FORGOTTEN_NAME", "ForgetReport", "export_resident", "forget_resident", "resident_rows"]

#: The name an anonymous resident record keeps after `forget_resident`.
FORGOTTEN_NAME = "（削除済み）"
_REDACTED = "[削除]"
#: Decimal places of latitude/longitude kept after forgetting (0.01° ≈ 1 km).
_KEPT_DECIMALS = 2
#: Keys of request details that hold codes, not free text: kept when forgetting.
_CODE_KEYS = frozenset({"services", "frequency"})
_PERSONAL_COLUMNS = ("name", "kana", "phone", "phone_digits", "address", "notes", "contact_name",
                     "contact_phone", "external_id")
_OPEN = ("received", "offered", "booked", "planned", "dispatched")


def _tables(db) -> list[str]:
    return [t for t in db.table_names() if not t.startswith(("_", "sqlite_"))]


def _foreign_keys(db, table: str) -> list[tuple[str, str, str]]:
    """Return (column, parent table, parent column) of each foreign key of `table`."""
    return [(row[3], row[2], row[4] or "id")
            for row in db.execute(f"PRAGMA foreign_key_list([{table}])").fetchall()]


def _rowids(db, table: str, column: str, values: set) -> set[int]:
    if not values:
        return set()
    found: set[int] = set()
    ordered = sorted(values)
    for i in range(0, len(ordered), 500):
        chunk = ordered[i:i + 500]
        sql = f"SELECT rowid FROM [{table}] WHERE [{column}] IN ({', '.join('?' * len(chunk))})"
        found.update(row[0] for row in db.execute(sql, chunk).fetchall())
    return found


def resident_rows(db, resident_id: int) -> dict[str, set[int]]:
    """Return the rowids of every row about one resident, by table (see the module docstring).

    Rows are gathered child-wards only: a row is the resident's when one of
    its foreign keys points at a row already gathered, so the plans, vehicles
    and sites those rows refer to are not.
    """
    gathered: dict[str, set[int]] = {"residents": _rowids(db, "residents", "id", {resident_id})}
    keys: dict[str, set] = {"residents": {resident_id}}
    changed = True
    while changed:
        changed = False
        for table in _tables(db):
            for column, parent, parent_column in _foreign_keys(db, table):
                if parent not in keys or parent_column != "id":
                    continue
                new = _rowids(db, table, column, keys[parent]) - gathered.get(table, set())
                if new:
                    gathered.setdefault(table, set()).update(new)
                    keys[table] = _rowids_to_ids(db, table, gathered[table])
                    changed = True
    gathered["audit_log"] = _audit_rows(db, keys)
    return {t: ids for t, ids in gathered.items() if ids}


def _rowids_to_ids(db, table: str, rowids: set[int]) -> set:
    columns = {c.name for c in db[table].columns}
    if "id" not in columns:
        return set(rowids)
    return {row[0] for row in db.execute(
        f"SELECT id FROM [{table}] WHERE rowid IN ({', '.join(map(str, sorted(rowids)))})").fetchall()}


def _audit_rows(db, keys: dict[str, set]) -> set[int]:
    """Audit entries naming the resident or one of their requests."""
    subjects = {"resident": keys.get("residents", set()), "request": keys.get("requests", set())}
    found = set()
    for rowid, subject, ids in db.execute("SELECT rowid, subject, subject_ids FROM audit_log").fetchall():
        wanted = subjects.get(subject)
        if wanted and wanted & set(json.loads(ids or "[]")):
            found.add(rowid)
    return found


def _readable(value: object) -> object:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def export_resident(store: Store, resident_id: int, *, user: str) -> dict:
    """Return everything stored about one resident as a JSON-ready dict, and audit the export.

    Keys are table and column names (``residents``, ``requests``,
    ``request_events`` ...); JSON columns are decoded. The export itself is
    recorded in the audit log (``export``, the resident's id).
    """
    store.residents.get(resident_id)  # NotFound names the id
    db = store.db
    rows = resident_rows(db, resident_id)
    tables = {}
    for table, rowids in sorted(rows.items()):
        found = db.execute(f"SELECT * FROM [{table}] WHERE rowid IN ({', '.join(map(str, sorted(rowids)))}) "
                           "ORDER BY rowid")
        names = [d[0] for d in found.description]
        tables[table] = [{n: _readable(v) for n, v in zip(names, row, strict=True)} for row in found]
    store.audit_log.add(AuditEntry(user=user, action="export", subject="resident", subject_ids=(resident_id,),
                           where="cli"))
    return {"about": {"resident_id": resident_id, "exported_at": stamp_now()
                      .isoformat(), "exported_by": user,
                      "contents": "every stored row about this resident, by table"},
            "tables": tables}


@dataclass
class ForgetReport:
    """What `forget_resident` changed: rows per table, requests and hall-session seats cancelled."""

    resident_id: int
    changed: dict[str, int] = field(default_factory=dict)
    cancelled: int = 0
    seats_cancelled: int = 0

    def format(self) -> str:
        """One line for staff (counts only)."""
        tables = ", ".join(f"{t} {n}" for t, n in sorted(self.changed.items()))
        return (f"resident {self.resident_id}: personal data removed ({tables}); "
                f"{self.cancelled} open requests cancelled"
                + (f", {self.seats_cancelled} hall-session seats cancelled" if self.seats_cancelled else "")
                + "; served statistics kept")


def _blank_free_text(value: object, key: str = "") -> object:
    if isinstance(value, dict):
        return {k: _blank_free_text(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank_free_text(v, key) for v in value]
    if isinstance(value, str) and key not in _CODE_KEYS:
        return ""
    return value


def _personal_values(db, resident_id: int) -> list[str]:
    row = db.execute(f"SELECT {', '.join(_PERSONAL_COLUMNS)} FROM residents WHERE id = ?",
                     [resident_id]).fetchone()
    values = {str(v).strip() for v in row if v is not None and len(str(v).strip()) >= 2}
    for line in list(values):  # free text is searched line by line too
        values.update(part.strip() for part in line.splitlines() if len(part.strip()) >= 2)
    return sorted(values, key=len, reverse=True)


def forget_resident(store: Store, resident_id: int, *, user: str) -> ForgetReport:
    """Remove one resident's personal data, keep anonymous statistics; see the module docstring."""
    db = store.db
    report = ForgetReport(resident_id)
    # Overwrite freed space with zeros, so the old text is not left in the file's free pages.
    db.execute("PRAGMA secure_delete = ON")
    with store.transaction():
        store.residents.get(resident_id)
        values = _personal_values(db, resident_id)
        request_ids = [r[0] for r in db.execute(
            "SELECT id FROM requests WHERE resident_id = ? ORDER BY id", [resident_id]).fetchall()]
        _anonymise_rows(db, resident_id, request_ids, report)
        _sweep(db, values, report)
        for rid in request_ids:
            if store.requests.get(rid).status.value in _OPEN:
                store.change_status(rid, RequestStatus.CANCELLED, user=user, cause="personal_data_removed")
                report.cancelled += 1
        _cancel_seats(db, resident_id, user, report)
        store.audit_log.add(AuditEntry(user=user, action="forget", subject="resident", subject_ids=(resident_id,),
                               where="cli"))
    # The old page images sit in the write-ahead log until a checkpoint copies and truncates it.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return report


def _cancel_seats(db, resident_id: int, user: str, report: ForgetReport) -> None:
    """Redact the reasons of the resident's cancelled seats (free text), then cancel their active seats."""
    now = stamp_now().isoformat()
    redacted = db.execute("UPDATE session_bookings SET cancel_reason = ? WHERE resident_id = ? "
                          "AND cancelled_at IS NOT NULL AND cancel_reason != ?",
                          [_REDACTED, resident_id, _REDACTED]).rowcount
    report.seats_cancelled = db.execute("UPDATE session_bookings SET cancelled_at = ?, cancel_reason = ?, cancelled_by = ? "
                      "WHERE resident_id = ? AND cancelled_at IS NULL",
                      [now, "resident's personal data removed on request", user, resident_id]).rowcount
    if redacted or report.seats_cancelled:
        report.changed["session_bookings"] = (report.changed.get("session_bookings", 0) + redacted
                                              + report.seats_cancelled)


def _anonymise_rows(db, resident_id: int, request_ids: list[int], report: ForgetReport) -> None:
    lat, lon = db.execute("SELECT lat, lon FROM residents WHERE id = ?", [resident_id]).fetchone()
    db.execute("UPDATE residents SET name = ?, kana = '', phone = '', phone_digits = '', address = '', "
               "notes = '', contact_name = '', contact_phone = '', external_id = NULL, consent = 0, "
               "lat = ?, lon = ? WHERE id = ?",
               [FORGOTTEN_NAME, round(lat, _KEPT_DECIMALS), round(lon, _KEPT_DECIMALS), resident_id])
    report.changed["residents"] = 1
    for rid in request_ids:
        details = json.loads(db.execute("SELECT details FROM requests WHERE id = ?", [rid]).fetchone()[0])
        db.execute("UPDATE requests SET notes = '', external_id = NULL, details = ? WHERE id = ?",
                   [json.dumps(_blank_free_text(details), ensure_ascii=False, sort_keys=True), rid])
    report.changed["requests"] = len(request_ids)
    marks = ", ".join("?" * len(request_ids))
    if request_ids:
        report.changed["request_events"] = db.execute(
            f"UPDATE request_events SET note = '' WHERE request_id IN ({marks}) AND note != ''",
            request_ids).rowcount
    report.changed["plan_stops"] = db.execute(
        f"UPDATE plan_stops SET lat = round(lat, {_KEPT_DECIMALS}), lon = round(lon, {_KEPT_DECIMALS}) "
        "WHERE resident_id = ? AND lat IS NOT NULL", [resident_id]).rowcount


def _sweep(db, values: list[str], report: ForgetReport) -> None:
    """Replace every occurrence of the resident's personal values in every text column."""
    if not values:
        return
    pattern = re.compile("|".join(rf"(?<![0-9A-Za-z]){re.escape(v)}(?![0-9A-Za-z])" for v in values))
    for table in _tables(db):
        text_columns = [c.name for c in db[table].columns if c.type.upper() == "TEXT"]
        for column in text_columns:
            found = db.execute(
                f"SELECT rowid, [{column}] FROM [{table}] WHERE "
                + " OR ".join(f"instr([{column}], ?) > 0" for _ in values), values).fetchall()
            for rowid, text in found:
                cleaned = pattern.sub(_REDACTED, text)
                if cleaned != text:
                    db.execute(f"UPDATE [{table}] SET [{column}] = ? WHERE rowid = ?", [cleaned, rowid])
                    report.changed[table] = report.changed.get(table, 0) + 1

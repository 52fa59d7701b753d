"""Tests of `odekake resident export|forget`: one resident's rows only; forgetting leaves no personal text."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from scheduler.store.personal import resident_rows
from webapp.cli import cli

PERSONAL = ("name", "kana", "phone", "address", "notes", "contact_name", "contact_phone", "external_id")


def _odekake(instance, *args):
    return CliRunner().invoke(cli, ["--instance", str(instance), *args])


def _busiest_resident(conn) -> tuple[int, str]:
    """The resident with most requests, given a note on an event and a doorstep note to find later."""
    rid, ext = conn.execute("SELECT r.id, r.external_id FROM residents r JOIN requests q ON q.resident_id = r.id "
                            "GROUP BY r.id ORDER BY COUNT(q.id) DESC, r.id LIMIT 1").fetchone()
    name, phone = conn.execute("SELECT name, phone FROM residents WHERE id = ?", [rid]).fetchone()
    with conn:
        conn.execute("UPDATE residents SET notes = '耳が遠い', contact_name = '長男 太郎', "
                     "contact_phone = '090-1111-2222' WHERE id = ?", [rid])
        conn.execute("UPDATE request_events SET note = ? WHERE id = (SELECT MIN(e.id) FROM request_events e "
                     "JOIN requests q ON q.id = e.request_id WHERE q.resident_id = ?)", [f"{name}さん {phone} 不在", rid])
        # free text about them in another resident's record
        conn.execute("UPDATE residents SET notes = ? WHERE id = (SELECT MIN(id) FROM residents WHERE id != ?)",
                     [f"隣の{name}さんと同じ日に", rid])
    return rid, ext


def test_export_holds_every_row_of_that_resident_and_nobody_elses(safety_instance, tmp_path):
    """Every table's rows that refer to the resident are exported, and only those."""
    conn = sqlite3.connect(safety_instance / "odekake.db")
    rid, ext = _busiest_resident(conn)
    requests = {r[0] for r in conn.execute("SELECT id FROM requests WHERE resident_id = ?", [rid])}
    expected = {
        "residents": {rid},
        "requests": requests,
        "request_events": {r[0] for r in conn.execute(
            f"SELECT id FROM request_events WHERE request_id IN ({','.join(map(str, requests))})")},
        "plan_stops": {r[0] for r in conn.execute(
            f"SELECT id FROM plan_stops WHERE resident_id = ? OR request_id IN ({','.join(map(str, requests))})",
            [rid])},
    }
    conn.close()
    out = tmp_path / "export.json"
    result = _odekake(safety_instance, "resident", "export", ext, "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))["tables"]
    for table, ids in expected.items():
        assert {row["id"] for row in data[table]} == ids, table
    assert data["residents"][0]["contact_phone"] == "090-1111-2222"
    assert all(row["resident_id"] in (rid, None) for t in data.values() for row in t if "resident_id" in row)
    assert all(isinstance(row["details"], dict) for row in data["requests"])  # JSON decoded, readable keys
    conn = sqlite3.connect(safety_instance / "odekake.db")
    other_names = {r[0] for r in conn.execute("SELECT name FROM residents WHERE id != ?", [rid])}
    audit = conn.execute("SELECT action, subject_ids FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    text = out.read_text(encoding="utf-8")
    assert not any(name in text for name in other_names)
    assert audit == ("export", f"[{rid}]")


def _text_cells(conn):
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        columns = [c[1] for c in conn.execute(f"PRAGMA table_info([{table}])") if c[2].upper() == "TEXT"]
        for column in columns:
            for (value,) in conn.execute(f"SELECT [{column}] FROM [{table}] WHERE [{column}] IS NOT NULL"):
                yield table, column, value


def test_forget_leaves_no_personal_text_and_keeps_served_counts(safety_instance):
    """After forget, no personal field of the resident is in any text column (nor in the file); counts kept."""
    db_path = safety_instance / "odekake.db"
    conn = sqlite3.connect(db_path)
    rid, ext = _busiest_resident(conn)
    personal = [v for v in conn.execute(f"SELECT {', '.join(PERSONAL)} FROM residents WHERE id = ?",
                                        [rid]).fetchone() if v and len(v) >= 2]
    personal.append(personal[2].replace("-", ""))  # the phone as digits
    served = conn.execute("SELECT status, COUNT(*) FROM requests WHERE status IN ('done', 'dispatched') "
                          "GROUP BY status").fetchall()
    stops = conn.execute("SELECT COUNT(*), COUNT(DISTINCT request_id) FROM plan_stops").fetchone()
    conn.close()

    result = _odekake(safety_instance, "resident", "forget", ext, "--yes")
    assert result.exit_code == 0, result.output
    assert not any(v in result.output for v in personal)

    conn = sqlite3.connect(db_path)
    leaks = [(t, c) for t, c, value in _text_cells(conn) for v in personal if v in str(value)]
    assert leaks == []
    assert conn.execute("SELECT status, COUNT(*) FROM requests WHERE status IN ('done', 'dispatched') "
                        "GROUP BY status").fetchall() == served
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT request_id) FROM plan_stops").fetchone() == stops
    assert conn.execute("SELECT user, action, subject, subject_ids FROM audit_log ORDER BY id DESC "
                        "LIMIT 1").fetchone()[1:] == ("forget", "resident", f"[{rid}]")
    assert conn.execute("SELECT COUNT(*) FROM requests WHERE resident_id = ?", [rid]).fetchone()[0] > 0
    conn.close()
    raw = db_path.read_bytes()
    assert not any(v.encode("utf-8") in raw for v in personal)
    assert _odekake(safety_instance, "check").exit_code == 0


def test_resident_rows_follow_foreign_keys_of_new_tables(safety_instance):
    """A table added later with a foreign key to requests is part of the resident's rows without new code."""
    conn = sqlite3.connect(safety_instance / "odekake.db")
    with conn:
        conn.execute("CREATE TABLE offers (id INTEGER PRIMARY KEY, request_id INTEGER REFERENCES requests(id))")
        rid, req = conn.execute("SELECT resident_id, id FROM requests WHERE resident_id IS NOT NULL LIMIT 1").fetchone()
        other = conn.execute("SELECT id FROM requests WHERE resident_id != ? LIMIT 1", [rid]).fetchone()[0]
        conn.execute("INSERT INTO offers (request_id) VALUES (?), (?)", [req, other])
    import sqlite_utils

    rows = resident_rows(sqlite_utils.Database(conn), rid)
    assert rows["offers"] == {1}

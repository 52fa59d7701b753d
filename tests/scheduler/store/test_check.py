"""Tests of `odekake check`: a sound database passes; each broken invariant is listed; exit 1."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from webapp.cli import cli


def _check(instance):
    return CliRunner().invoke(cli, ["--instance", str(instance), "check"])


def test_a_planned_instance_passes_every_check(safety_instance):
    """Sample week planned, published, one stop reported: no problem, exit 0."""
    result = _check(safety_instance)
    assert result.exit_code == 0, result.output
    assert "database ok" in result.output


def test_each_broken_invariant_is_listed(safety_instance):
    """A half-stored plan, a status no event explains, a booking of a non-session: each one line, exit 1."""
    conn = sqlite3.connect(safety_instance / "odekake.db")
    with conn:
        plan_id = conn.execute("SELECT MAX(id) FROM plans").fetchone()[0]
        conn.execute("DELETE FROM plan_stops WHERE plan_id = ? AND request_id = (SELECT MAX(request_id) "
                     "FROM plan_stops WHERE plan_id = ?)", [plan_id, plan_id])
        conn.execute("UPDATE requests SET status = 'done' WHERE id = (SELECT MIN(id) FROM requests "
                     "WHERE status = 'planned')")
        visit, resident = conn.execute("SELECT id, resident_id FROM requests WHERE kind = 'visit' LIMIT 1").fetchone()
        conn.execute("INSERT INTO session_bookings (session_request_id, resident_id, day) VALUES (?, ?, '2026-12-01')",
                     [visit, resident])
        conn.execute("INSERT INTO audit_log (at, user, action, subject, subject_ids) "
                     "VALUES ('2026-12-01', 'x', 'view', 'resident', '[\"山田\"]')")
    conn.close()
    result = _check(safety_instance)
    assert result.exit_code == 1
    out = result.output
    assert "summary says" in out
    assert "but its last event ended at planned" in out
    assert "not a session" in out
    assert "subject_ids is not a list of ids" in out


def test_a_damaged_file_is_reported_not_opened(safety_instance):
    """A truncated database file: one error line, exit 2, no traceback."""
    path = safety_instance / "odekake.db"
    path.write_bytes(path.read_bytes()[:8192])
    result = _check(safety_instance)
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "damaged database" in result.output

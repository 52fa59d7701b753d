"""`odekake evidence rebuild` on a planned and published sample instance (click's CliRunner)."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from scheduler.store import Store
from tests.conftest import planned_sample_copy
from webapp.cli import cli

WEEK = dt.date(2026, 11, 30)


def run(instance, *args: str):
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], catch_exceptions=False)


def test_rebuild_sums_the_days_again_and_names_a_bad_date(sample_instance, tmp_path):
    instance = tmp_path / "inst"
    store, _ = planned_sample_copy(sample_instance, instance, WEEK, scale=0.1)
    with store:
        store.db.execute("DELETE FROM figures_days")
        store.db.execute("DELETE FROM figures_counts")
    done = run(instance, "evidence", "rebuild", "--from", WEEK.isoformat(), "--to", (WEEK + dt.timedelta(days=6)).isoformat())
    assert done.exit_code == 0, done.output
    assert done.output.startswith("summed 7 days again")
    with Store.for_instance(instance) as store:
        days = {r[0] for r in store.db.execute("SELECT day FROM figures_days")}
        legs = store.db.execute("SELECT SUM(distance_m) FROM figures_counts WHERE legs = 1").fetchone()[0]
        ends = store.db.execute("SELECT SUM(s.distance_m) FROM plan_stops s JOIN plans p ON p.id = s.plan_id "
                                "WHERE p.status = 'published' AND s.step_type = 'end'").fetchone()[0]
    assert days == {(WEEK + dt.timedelta(days=n)).isoformat() for n in range(7)}
    assert legs == ends > 0
    bad = CliRunner().invoke(cli, ["--instance", str(instance), "evidence", "rebuild", "--from", "2026-13-01"])
    assert bad.exit_code != 0 and "from" in bad.output

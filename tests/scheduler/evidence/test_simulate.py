"""`odekake sample simulate`: two small weeks of the sample district give figures (the summary's, the same as the
events') and a database that checks."""

from __future__ import annotations

import datetime as dt
import shutil

from click.testing import CliRunner

from scheduler.evidence.stats import GROUPINGS, figures, figures_from_events
from scheduler.store import Store
from webapp.cli import cli

MONDAY = dt.date(2026, 11, 2)


def _odekake(instance, *args):
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], catch_exceptions=False)


def test_two_simulated_weeks_give_figures_and_a_sound_database(sample_instance, tmp_path):
    shutil.copytree(sample_instance / "graph", tmp_path / "graph")
    played = _odekake(tmp_path, "sample", "simulate", "--weeks", "2", "--start", MONDAY.isoformat(), "--scale", "0.3")
    assert played.exit_code == 0, played.output
    lines = [line for line in played.output.splitlines() if line.startswith("week ")]
    assert [line.split(":")[0] for line in lines] == ["week 2026-11-02", "week 2026-11-09"]
    with Store.for_instance(tmp_path) as store:
        answer = figures(store, MONDAY, MONDAY + dt.timedelta(days=13), "vehicle")
        summed = store.db.execute("SELECT COUNT(*) FROM figures_days").fetchone()[0]
        for by in GROUPINGS:  # the daily summary kept by the reports and publications: the figures of the events
            for first, last in ((MONDAY, MONDAY + dt.timedelta(days=13)), (MONDAY.replace(day=1), dt.date(2026, 11, 30))):
                assert figures(store, first, last, by).to_json() == figures_from_events(store, first, last, by).to_json()
        actions = {r[0] for r in store.db.execute("SELECT DISTINCT action FROM request_events WHERE stop_id IS NOT NULL")}
    t = answer.totals
    assert not answer.empty and summed >= 14
    assert t["visits_done"] > 0 and t["sessions_held"] > 0 and t["services_total"] > 0 and t["distance_m"] > 0
    assert t["errands_delivered"] + t["rides_done"] > 0 and t["unique_residents"] > 0
    assert {"arrived", "done", "not_home"} <= actions
    checked = _odekake(tmp_path, "check")
    assert checked.exit_code == 0, checked.output

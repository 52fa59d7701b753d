"""`odekake sample simulate`: two small weeks of the sample district give figures (the summary's, the same as the
events') and a database that checks; the residents served and lead times counted in SQL are those counted in Python."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from click.testing import CliRunner

from scheduler.evidence.stats import GROUPINGS, figures, figures_from_events
from scheduler.store import Store
from webapp.cli import cli

MONDAY = dt.date(2026, 11, 2)


def _odekake(instance, *args):
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def played(sample_instance, tmp_path_factory):
    """The instance folder and the output of two simulated weeks."""
    folder = tmp_path_factory.mktemp("simulated")
    shutil.copytree(sample_instance / "graph", folder / "graph")
    played = _odekake(folder, "sample", "simulate", "--weeks", "2", "--start", MONDAY.isoformat(), "--scale", "0.3")
    assert played.exit_code == 0, played.output
    return folder, played


def test_two_simulated_weeks_give_figures_and_a_sound_database(played):
    tmp_path, played = played
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


def test_the_unique_residents_and_lead_times_counted_in_sql_are_those_counted_from_the_facts(played):
    # figures' unique residents (COUNT(DISTINCT) over day and month rows) and lead times (read as bare pairs)
    # against figures_from_events' sets and lists of the raw rows: one district, a cut month, a today inside
    folder, _ = played
    with Store.for_instance(folder) as store:
        districts = [r[0] for r in store.db.execute("SELECT DISTINCT district FROM figures_served ORDER BY 1")]
        leads = store.db.execute("SELECT COUNT(*) FROM figures_leads").fetchone()[0]
        assert districts and leads > 10
        questions = [{"first": MONDAY + dt.timedelta(days=3), "last": dt.date(2026, 11, 30), "today": MONDAY + dt.timedelta(days=9)},
                     {"first": dt.date(2026, 10, 1), "last": dt.date(2026, 12, 31), "district": districts[0]}]
        for kw in questions:
            for by in GROUPINGS:
                new = figures(store, by=by, **kw).to_json()
                old = figures_from_events(store, by=by, **kw).to_json()
                assert new == old, (by, kw)
                assert new["totals"]["unique_residents"] > 0 and new["totals"]["lead_time_days_p90"] is not None

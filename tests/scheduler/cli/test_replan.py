"""`odekake replan DAY` and `odekake outage VEHICLE` on a planned and published sample instance (click's CliRunner)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from scheduler.store import Store
from scheduler.store.check import check_database
from tests.conftest import planned_sample_copy
from webapp.cli import cli

WEEK = dt.date(2026, 11, 30)


def run(instance, *args: str):
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], catch_exceptions=False)


@pytest.fixture
def planned(sample_instance, tmp_path):
    instance = tmp_path / "inst"
    store, _ = planned_sample_copy(sample_instance, instance, WEEK, scale=0.2)
    store.close()
    return instance


def test_replan_and_outage_store_draft_versions(planned, monkeypatch):
    monkeypatch.setenv("ODEKAKE_NOW", "2026-12-01T08:00")
    out = run(planned, "replan", "2026-12-01", "--from", "11:00")
    assert out.exit_code == 0, out.output
    assert out.output.startswith("2026-12-01: week 2026-11-30 v2 (draft, from v1):")
    out = run(planned, "outage", "2", "--from", "2026-12-02T08:00", "--until", "2026-12-02T18:00",
              "--reason", "maintenance")
    assert out.exit_code == 0, out.output
    assert "vehicle 2 on 2026-12-02 (maintenance)" in out.output
    with Store.for_instance(planned) as store:
        wed = dt.date(2026, 12, 2)
        if "2026-12-02: week" in out.output:
            assert not [s for s in store.plans.get(WEEK).stops if (s.vehicle_id, s.day) == (2, wed)]
        assert check_database(store.db) == []
    bad = run(planned, "replan", "2026-12-01", "--from", "noon")
    assert bad.exit_code != 0 and "from" in bad.output


@pytest.mark.parametrize("args", [["outage", "99999999999999999999999", "--from", "2026-12-01T11:00", "--until",
                                   "2026-12-01T12:00"], ["closure", "remove", str(2**63)],
                                  ["closure", "add", "--way", str(10**30), "--from", "2026-12-01T08:00",
                                   "--until", "2026-12-01T18:00"]])
def test_an_id_beyond_sqlites_integers_is_a_usage_error_not_a_traceback(tmp_path, args):
    out = CliRunner().invoke(cli, ["--instance", str(tmp_path), *args])
    assert out.exit_code == 2 and "range" in out.output, (out.output, out.exception)

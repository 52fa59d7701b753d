"""`odekake closure add|list|remove` on a planned and published sample instance (click's CliRunner)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from routing.network import RoadNetwork
from scheduler.domain import city_id
from tests.conftest import planned_sample_copy
from webapp.cli import cli

WEEK = dt.date(2026, 11, 30)


def run(instance, *args: str):
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def planned(sample_instance, tmp_path_factory):
    instance = tmp_path_factory.mktemp("closures") / "inst"
    store, _ = planned_sample_copy(sample_instance, instance, WEEK, scale=0.2)
    with store:
        plan = store.plans.published(WEEK)
        stop = next(s for s in plan.stops if s.step_type == "visit" and s.resident_id is not None)
        resident = city_id(store.residents.get(stop.resident_id))
    return instance, stop, resident


def test_add_list_remove(planned, monkeypatch):
    """Closing every way at a visited home names that resident unreachable; listed; removed; bad input named."""
    monkeypatch.setenv("ODEKAKE_NOW", "2026-11-27T09:00")
    instance, stop, resident = planned
    G = RoadNetwork.from_instance(instance).G
    home = RoadNetwork.from_instance(instance).snap([("h", stop.lat, stop.lon)])[0].node
    ways = sorted({w for _, _, o in [*G.in_edges(home, data="osmid"), *G.out_edges(home, data="osmid")]
                   for w in (o if isinstance(o, list) else [o])})
    args = [a for w in ways for a in ("--way", str(w))]
    r = run(instance, "closure", "add", *args, "--from", "2026-12-01T08:00", "--until", "2026-12-01T17:00",
            "--note", "積雪")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("closure 1: ") and f"week {WEEK.isoformat()}: " in r.output
    assert f"resident {resident}" in r.output.splitlines()[-1]
    r = run(instance, "closure", "list")
    assert r.exit_code == 0 and r.output.startswith("1\t2026-12-01T08:00\t2026-12-01T17:00\tways ") and "積雪" in r.output
    r = run(instance, "closure", "remove", "1")
    assert r.exit_code == 0 and run(instance, "closure", "list").output == "no road closures\n"
    r = run(instance, "closure", "add", "--way", "5", "--from", "2026-12-01T08:00", "--until", "2026-12-01T07:00")
    assert r.exit_code == 2 and "error: until: 2026-12-01T07:00 is not after from" in r.output
    r = run(instance, "closure", "add", "--from-point", "32.8", "--to-point", "32.8,130.7", "--from",
            "2026-12-01T08:00", "--until", "2026-12-01T09:00")
    assert r.exit_code == 2 and "error: from-point: '32.8' is not LAT,LON" in r.output
    assert run(instance, "closure", "remove", "1").exit_code == 2

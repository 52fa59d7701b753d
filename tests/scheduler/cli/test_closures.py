"""`odekake closure add|list|remove` on a planned and published sample instance (click's CliRunner)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from routing.network import RoadNetwork
from scheduler.domain import city_id
from scheduler.store import Store
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
        request = city_id(store.requests.get(stop.request_id))
    return instance, stop, resident, request


def _home_ways(instance, stop) -> list[str]:
    """``--way`` arguments for every way at the stop's home (closing them cuts it off)."""
    network = RoadNetwork.from_instance(instance)
    G = network.G
    home = network.snap([("h", stop.lat, stop.lon)])[0].node
    ways = sorted({w for _, _, o in [*G.in_edges(home, data="osmid"), *G.out_edges(home, data="osmid")]
                   for w in (o if isinstance(o, list) else [o])})
    return [a for w in ways for a in ("--way", str(w))]


def test_add_list_remove(planned, monkeypatch):
    """Closing every way at a visited home names that resident unreachable; --no-replan stores it alone;
    listed; removed; bad input named."""
    monkeypatch.setenv("ODEKAKE_NOW", "2026-11-27T09:00")
    instance, stop, resident, _ = planned
    r = run(instance, "closure", "add", *_home_ways(instance, stop), "--from", "2026-12-01T08:00",
            "--until", "2026-12-01T17:00", "--note", "積雪", "--no-replan")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("closure 1: ") and f"week {WEEK.isoformat()}: " in r.output
    assert f"resident {resident}" in r.output.splitlines()[-2]
    assert r.output.splitlines()[-1].startswith("not re-planned (--no-replan)")
    with Store.for_instance(instance) as store:
        assert [p.version for p in store.plans.versions(WEEK)] == [1]
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


def test_add_re_plans_the_days_it_touches(planned, monkeypatch):
    """A visited home cut off on its day: the command names that day, its legs and the stop cut off, and stores
    the day re-planned as draft v2 without that resident's visit; another day stays as published."""
    monkeypatch.setenv("ODEKAKE_NOW", "2026-11-27T09:00")
    instance, stop, _, request = planned
    r = run(instance, "closure", "add", *_home_ways(instance, stop), "--from", f"{stop.day.isoformat()}T06:00",
            "--until", f"{stop.day.isoformat()}T20:00", "--solution-limit", "1")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    touched = next(line for line in lines if line.startswith("days touched: "))
    assert touched.startswith(f"days touched: {stop.day.isoformat()} (") and "legs still to drive" in touched
    assert f"cut off: request {request} (vehicle " in r.output
    assert any(line.startswith(f"{stop.day.isoformat()}: week {WEEK.isoformat()} v2 (draft, from v1): ")
               for line in lines)
    with Store.for_instance(instance) as store:
        v1, v2 = store.plans.get(WEEK, 1), store.plans.get(WEEK, 2)
        assert stop.request_id not in {s.request_id for s in v2.stops if s.day == stop.day}
        other = next(s.day for s in v1.stops if s.day != stop.day)
        assert ([(s.vehicle_id, s.seq, s.request_id, s.start_s) for s in v2.stops if s.day == other]
                == [(s.vehicle_id, s.seq, s.request_id, s.start_s) for s in v1.stops if s.day == other])

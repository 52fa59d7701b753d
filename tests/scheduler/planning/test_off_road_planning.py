"""Planning never fails on one point off the road: that request is listed with the reason, the rest is planned."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from routing.addresses import AddressIndex
from routing.network import RoadNetwork
from scheduler.io.csv_import import import_csv
from scheduler.planning import plan_week
from scheduler.store import Store
from scheduler.vrp.params import SolveParams

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
WEEK = dt.date(2026, 11, 30)


def test_planning_with_one_unreachable_resident_plans_everyone_else(sample_graph):
    """R001 moved out to sea after import (graph rebuilt, or data older than the graph): its visit V001 is
    unassigned as off_road naming R001; the other 8 example requests are served in a validated plan."""
    with Store.open() as store:
        addresses = AddressIndex(EXAMPLES / "addresses.osm")
        for table in ("residents", "sites", "vehicles", "requests", "session_bookings"):
            assert import_csv(store, table, EXAMPLES / f"{table}.csv", user="t", addresses=addresses).errors == []
        r001 = store.residents.by_external_id("R001")
        store.residents.update(dataclasses.replace(r001, lat=32.754, lon=130.544))
        # plan_week runs the project's validator and refuses to store a plan that fails it
        result = plan_week(store, RoadNetwork(sample_graph), WEEK,
                           params=SolveParams(time_limit_s=10, solution_limit=50),
                           now=dt.datetime(2026, 11, 27, 17, 0))
        v001 = store.requests.by_external_id("V001")
        summary = result.plan.summary
        assert (summary["requests"], summary["served"]) == (9, 8)
        [unassigned] = result.plan.unassigned
        assert unassigned.request_id == v001.id
        assert unassigned.reason.startswith("道路から離れすぎた地点です・位置を確認 / the place is too far")
        assert "resident R001's home is" in unassigned.reason and "(limit 500 m)" in unassigned.reason
        assert [s.code for s in result.compiled.skipped] == ["off_road"]

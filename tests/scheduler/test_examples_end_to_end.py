"""The documented example CSV files, imported through the CLI, plan cleanly on the sample district."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

from click.testing import CliRunner

from routing.network import RoadNetwork
from scheduler.io.exports import plan_csv
from scheduler.planning import plan_week
from scheduler.store import Store
from scheduler.vrp.params import SolveParams
from scheduler.vrp.validator import validate
from webapp.cli import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
WEEK = dt.date(2026, 11, 30)


def test_example_files_import_and_plan_on_the_sample_district(sample_instance, tmp_path):
    """Import sites, vehicles, residents, requests from docs/examples, then plan their week: all served."""
    instance = tmp_path / "city"
    shutil.copytree(sample_instance / "graph", instance / "graph")
    runner = CliRunner()
    for table in ("sites", "vehicles", "residents", "requests"):
        result = runner.invoke(cli, ["--instance", str(instance), "import", table, str(EXAMPLES / f"{table}.csv")])
        assert result.exit_code == 0, result.output
    with Store.for_instance(instance) as store:
        result = plan_week(store, RoadNetwork.from_instance(instance, cache_dir=None), WEEK,
                           params=SolveParams(time_limit_s=10, solution_limit=50),
                           now=dt.datetime(2026, 11, 27, 17, 0))
        rows = list(csv.DictReader(io.StringIO(plan_csv(result.plan, store))))
    assert validate(result.compiled.problem, result.solution) == []
    summary = result.plan.summary
    # 8 requests: 2 visits, 3 hall sessions (weekly Tue, biweekly Thu, 1st Tue), 1 errand, 2 rides
    assert summary["requests"] == 8 and summary["served"] == 8
    assert summary["broken_promises"] == []
    # the stop sheet names every request by its id in requests.csv
    assert {r["request"] for r in rows} - {""} == {"V001", "V002", "S001", "S002", "S003", "E001", "R-OUT", "R-BACK"}
    # E001 (SHOP_MARU:2, PHARM:1, 3,450 yen): one stop at R002's door with each shop's boxes
    [door] = [r for r in rows if r["request"] == "E001" and r["kind"] == "delivery"]
    assert door["resident_id"] == "R002" and door["boxes"] == "3" and door["collect_yen"] == "3450"
    assert door["todo"].startswith("配達 計3箱（") and "スーパーやまざと 2箱" in door["todo"]
    assert "やまざと薬局 1箱" in door["todo"]


def test_planning_without_vehicles_says_so(sample_instance, tmp_path):
    """plan-week on an instance with a graph but no vehicles names the missing fleet, exit 2."""
    instance = tmp_path / "empty"
    shutil.copytree(sample_instance / "graph", instance / "graph")
    result = CliRunner().invoke(cli, ["--instance", str(instance), "plan-week", "2026-11-30"])
    assert result.exit_code == 2
    assert "no vehicle has a shift" in result.output

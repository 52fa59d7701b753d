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


def _import_examples(instance: Path) -> None:
    """Import every docs/examples file through the CLI, in the order of the README's onboarding section."""
    runner = CliRunner()
    for table in ("residents", "sites", "vehicles", "requests", "session_bookings"):
        args = ["--instance", str(instance), "import", table, str(EXAMPLES / f"{table}.csv")]
        if table == "residents":
            args += ["--addresses", str(EXAMPLES / "addresses.osm")]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output


def test_example_files_import_and_plan_on_the_sample_district(sample_instance, tmp_path):
    """Import every docs/examples file (points checked on the graph), then plan their week: all served."""
    instance = tmp_path / "city"
    shutil.copytree(sample_instance / "graph", instance / "graph")
    _import_examples(instance)
    with Store.for_instance(instance) as store:
        result = plan_week(store, RoadNetwork.from_instance(instance, cache_dir=None), WEEK,
                           params=SolveParams(time_limit_s=10, solution_limit=50),
                           now=dt.datetime(2026, 11, 27, 17, 0))
        rows = list(csv.DictReader(io.StringIO(plan_csv(result.plan, store))))
    assert validate(result.compiled.problem, result.solution) == []
    summary = result.plan.summary
    # 9 requests: 3 visits, 3 hall sessions (weekly Tue, biweekly Thu, 1st Tue), 1 errand, 2 rides
    assert summary["requests"] == 9 and summary["served"] == 9
    assert summary["broken_promises"] == []
    # S003 (60 min) has two bookings: (5 + 30) + (5 + 20 + 15) = 75 minutes on site
    with Store.for_instance(instance) as store:
        s003_id = store.requests.by_external_id("S003").id
    s003 = [j for j in result.compiled.problem["jobs"] if result.compiled.tasks[j["id"]].request_id == s003_id]
    assert [j["service"] for j in s003] == [75 * 60]
    # the stop sheet names every request by its id in requests.csv
    assert {r["request"] for r in rows} - {""} == {"V001", "V002", "V003", "S001", "S002", "S003", "E001", "R-OUT", "R-BACK"}
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

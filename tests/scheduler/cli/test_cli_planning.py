"""The planning commands of `odekake`, end to end with click's CliRunner on a temporary instance."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from routing.instance import graph_dir
from webapp.cli import cli

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
WEEK = "2026-11-30"
#: Stop on the first solution; the time limit is only a safety net, far above the solve time (< 1 s).
QUICK = ("--time-limit", "60", "--solution-limit", "1")


def run(instance: Path, *args: str):
    """Invoke `odekake --instance <instance> args...` and return the result."""
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], catch_exceptions=False)


def test_end_to_end_on_a_small_sample_week(tmp_path):
    """init (twice) -> sample load builds the graph -> plan-week twice -> diff -> publish -> export csv/json."""
    inst = tmp_path / "inst"
    for _ in range(2):  # idempotent
        r = run(inst, "init")
        assert r.exit_code == 0 and "database ready" in r.output
    r = run(inst, "sample", "load", "--week", WEEK, "--scale", "0.1")
    assert r.exit_code == 0, r.output
    assert "built the sample road graph" in r.output and "loaded FICTIONAL sample" in r.output
    assert (graph_dir(inst) / "graph.graphml").exists()

    problem, solution = tmp_path / "p.json", tmp_path / "s.json"
    # a solution limit, not the clock, ends each search: the same plans on a loaded machine
    r = run(inst, "plan-week", WEEK, *QUICK, "--export-problem", str(problem), "--export-solution", str(solution))
    assert r.exit_code == 0, r.output
    assert f"week {WEEK} plan v1" in r.output and "promises kept:" in r.output and "driving:" in r.output
    assert json.loads(problem.read_text())["vehicles"] and json.loads(solution.read_text())["code"] == 0

    r = run(inst, "plan-week", WEEK, *QUICK, "--seed", "1")
    assert r.exit_code == 0 and "plan v2" in r.output
    r = run(inst, "plan", "diff", "--week", WEEK, "1", "2")
    assert r.exit_code == 0 and r.output.startswith("v1 -> v2:")
    r = run(inst, "plan", "publish", "--week", WEEK, "--version", "1")
    assert r.exit_code == 0 and f"published week {WEEK} plan v1" in r.output

    r = run(inst, "export", "plan", "--week", WEEK, "--format", "csv")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and rows[0]["kind"] == "start" and {"resident", "todo", "collect_yen"} <= set(rows[0])
    for_excel = tmp_path / "plan.csv"
    r = run(inst, "export", "plan", "--week", WEEK, "--format", "csv", "-o", str(for_excel))
    assert r.exit_code == 0 and for_excel.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    assert list(csv.DictReader(io.StringIO(for_excel.read_text(encoding="utf-8-sig")))) == rows
    out = tmp_path / "plan.json"
    r = run(inst, "export", "plan", "--week", WEEK, "--version", "1", "--format", "json", "-o", str(out))
    assert r.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["status"] == "published"


@pytest.fixture
def graph_instance(tmp_path, sample_instance):
    """A fresh instance with a copy of the sample road graph (no database yet)."""
    inst = tmp_path / "inst"
    shutil.copytree(graph_dir(sample_instance), graph_dir(inst))
    return inst


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan-week", "2026-12-01"], "error: week 2026-12-01 is a Tuesday, not a Monday"),
        (["plan-week", "next week"], "error: week 'next week': expected a date like 2026-11-30"),
        (["plan", "diff", "--week", WEEK, "1", "2"], f"error: week {WEEK}: no plan version 1"),
        (["plan", "publish", "--week", WEEK], f"error: week {WEEK}: no plan; run `odekake plan-week {WEEK}` first"),
        (["export", "plan", "--week", WEEK], f"error: week {WEEK}: no plan;"),
        (["sample", "load", "--week", "2026-12-02"], "error: week 2026-12-02 is a Wednesday, not a Monday"),
        (["import", "residents", "missing.csv"], "error: missing.csv: no such file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(graph_instance, args, message):
    """Each kind of bad input prints one `error:` line (no traceback) and exits with status 2."""
    r = run(graph_instance, *args)
    assert r.exit_code == 2
    assert r.stderr.startswith(message) and r.stderr.count("\n") == 1
    assert "Traceback" not in r.output


def test_plan_week_without_a_graph_says_how_to_build_one(tmp_path):
    """With no road graph in the instance, plan-week names the fix in one line."""
    r = run(tmp_path / "empty", "plan-week", WEEK)
    assert r.exit_code == 2 and "no road graph" in r.stderr and "odekake graph build" in r.stderr


def test_import_wrapper_and_bad_csv(graph_instance, tmp_path):
    """The example CSVs import; a bad row refuses the whole file with exit 2 unless --skip-bad."""
    for table in ("residents", "sites", "vehicles", "requests", "session_bookings"):
        r = run(graph_instance, "import", table, str(EXAMPLES / f"{table}.csv"),
                "--addresses", str(EXAMPLES / "addresses.osm"))
        assert r.exit_code == 0, r.output
    lines = (EXAMPLES / "residents.csv").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([lines[0], lines[1].replace("R001", "R900").replace("37.14450", "north")]) + "\n",
                   encoding="utf-8")
    r = run(graph_instance, "import", "residents", str(bad))
    assert r.exit_code == 2 and "Traceback" not in r.output and "row" in r.stderr
    r = run(graph_instance, "import", "residents", str(bad), "--skip-bad")
    assert r.exit_code == 0


def test_sample_load_twice_is_refused(graph_instance):
    """Loading the sample into an instance that already has it is a one-line error."""
    assert run(graph_instance, "sample", "load", "--week", WEEK, "--scale", "0.05").exit_code == 0
    r = run(graph_instance, "sample", "load", "--week", WEEK, "--scale", "0.05")
    assert r.exit_code == 2 and "already loaded" in r.stderr


def test_failed_planning_names_the_cause_and_still_exports_the_problem(tmp_path, monkeypatch):
    """When the search finds no plan, plan-week says so in one line (exit 1) and --export-problem is written."""
    inst = tmp_path / "inst"
    assert run(inst, "sample", "load", "--week", WEEK, "--scale", "0.1").exit_code == 0

    def found_nothing(problem, params=None, on_progress=None):
        tasks = [("job", j["id"]) for j in problem["jobs"]]
        unassigned = [{"id": i, "type": t, "code": "not_solved", "reason": "no solution found"} for t, i in tasks]
        return {"code": 0, "routes": [], "unassigned": unassigned,
                "summary": {"cost": 0, "routes": 0, "unassigned": len(unassigned), "duration": 0}}

    monkeypatch.setattr("scheduler.vrp.solver.solve", found_nothing)
    problem = tmp_path / "p.json"
    r = CliRunner().invoke(cli, ["--instance", str(inst), "plan-week", WEEK, *QUICK, "--export-problem", str(problem)])
    assert r.exit_code == 1
    assert "found no plan" in r.stderr and "Traceback" not in r.output + r.stderr
    assert json.loads(problem.read_text())["vehicles"]


def test_plan_week_logs_the_best_plan_so_far_when_its_counts_change(caplog):
    """`odekake -v plan-week` logs the solver's progress in counts, once per change (no resident's data)."""
    import logging

    from scheduler.cli.plan import _progress_logger
    from scheduler.planning.run import SolveProgress

    log = _progress_logger()
    with caplog.at_level(logging.INFO, logger="scheduler.cli.plan"):
        for served in (130, 130, 142):  # the second is a cheaper plan serving the same: not logged again
            log(SolveProgress(served=served, unassigned=149 - served, promises_kept=31, promised=31,
                              expected_solve_s=9.0))
    assert [r.getMessage() for r in caplog.records] == [
        "best plan so far: 130 planned, 19 not planned, promises kept 31/31",
        "best plan so far: 142 planned, 7 not planned, promises kept 31/31"]

"""`python -m scheduler solve|validate`: exit codes, one-line JSON errors, atomic output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scheduler.vrp.cli import main
from tests.scheduler.conftest import line_matrix

GOOD = {
    "vehicles": [{"id": 1, "start_index": 0, "end_index": 0}],
    "jobs": [{"id": 1, "location_index": 1, "service": 60}, {"id": 2, "location_index": 2, "skills": [5]}],
    "matrices": {"car": {"durations": line_matrix([0, 300, 500])}},
    "options": {"solution_limit": 10},
}


def run(capsys, *argv):
    """Call main() and return (status, parsed stdout or raw text)."""
    status = main(list(argv))
    out = capsys.readouterr().out
    try:
        return status, json.loads(out)
    except json.JSONDecodeError:
        return status, out


def test_solve_prints_solution_and_validate_accepts_it(tmp_path, capsys):
    """solve writes a solution (exit 0 even with an unassigned job) that validate calls valid."""
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(GOOD))
    out = tmp_path / "s.json"
    status, _ = run(capsys, "solve", str(problem), "-o", str(out), "--seed", "1")
    assert status == 0
    solution = json.loads(out.read_text())
    assert solution["code"] == 0 and solution["summary"]["unassigned"] == 1
    assert solution["unassigned"][0]["reason"] == "no vehicle has skills [5]"
    assert [p.name for p in tmp_path.iterdir()] == ["p.json", "s.json"] or \
        sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "s.json"]
    status, text = run(capsys, "validate", str(problem), str(out))
    assert (status, text) == (0, "valid\n")


def test_solve_to_stdout(tmp_path, capsys):
    """Without -o the solution JSON goes to standard output."""
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(GOOD))
    status, solution = run(capsys, "solve", str(problem), "--time-limit", "1", "--solution-limit", "5")
    assert status == 0 and solution["summary"]["routes"] == 1


@pytest.mark.parametrize("change, field", [
    (lambda d: d["jobs"][0].update(time_windows=[[10, 5]]), "jobs[0].time_windows[0]: start after end"),
    (lambda d: d["jobs"][1].update(location_index=9), "jobs[1].location_index: location index 9 out of range"),
    (lambda d: d["vehicles"][0].update(capacity="x"), "vehicles[0].capacity: expected a list"),
    (lambda d: d["matrices"]["car"]["durations"].pop(), "matrices.car.durations"),
])
def test_bad_problem_exits_2_naming_the_field(tmp_path, capsys, change, field):
    """Invalid input exits 2 with {"code": 2, "error": ...} naming the field, and writes no output file."""
    data = json.loads(json.dumps(GOOD))
    change(data)
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(data))
    status, answer = run(capsys, "solve", str(problem), "-o", str(tmp_path / "s.json"))
    assert status == 2
    assert answer["code"] == 2 and answer["error"].startswith(field), answer
    assert not (tmp_path / "s.json").exists()


def test_bad_json_exits_2_with_line(tmp_path, capsys):
    """A file that is not JSON exits 2 naming the file and line."""
    problem = tmp_path / "p.json"
    problem.write_text('{"jobs": [\n')
    status, answer = run(capsys, "solve", str(problem))
    assert status == 2 and "p.json: line 2" in answer["error"]


def test_validate_reports_violations(tmp_path, capsys):
    """validate prints each violation and exits 1."""
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(GOOD))
    solution = tmp_path / "s.json"
    solution.write_text(json.dumps({"code": 0, "routes": [], "unassigned": [], "summary": {}}))
    status, text = run(capsys, "validate", str(problem), str(solution))
    assert status == 1
    assert "job 1: neither routed nor listed as unassigned" in text


def test_internal_failure_exits_1(tmp_path, capsys, monkeypatch):
    """An unexpected exception becomes {"code": 1, ...} and exit 1, not a traceback."""
    import scheduler.vrp.solver

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(scheduler.vrp.solver, "solve", boom)
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps(GOOD))
    status, answer = run(capsys, "solve", str(problem))
    assert status == 1 and answer == {"code": 1, "error": "internal error: RuntimeError: disk on fire"}


def test_module_entry_point_runs(tmp_path):
    """`python -m scheduler` runs as a module and keeps stderr free of tracebacks."""
    problem = tmp_path / "p.json"
    problem.write_text('{"jobs": 3, "matrices": {"car": {"durations": [[0]]}}}')
    proc = subprocess.run([sys.executable, "-m", "scheduler", "solve", str(problem)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert json.loads(proc.stdout) == {"code": 2, "error": "jobs: expected a list, got int"}
    assert "Traceback" not in proc.stderr


def test_options_fill_in_what_params_and_flags_leave_open(tmp_path, capsys, monkeypatch):
    """Flags beat the --params file, which beats the problem's options, which beat the defaults."""
    import scheduler.vrp.solver

    seen = []
    monkeypatch.setattr(scheduler.vrp.solver, "solve", lambda problem, params: seen.append(params) or {})
    problem = tmp_path / "p.json"
    problem.write_text(json.dumps({**GOOD, "options": {"time_limit": 7, "seed": 3, "solution_limit": 10}}))
    params = tmp_path / "params.json"
    params.write_text('{"seed": 4, "solution_limit": 20, "metaheuristic": "TABU_SEARCH"}')
    status, _ = run(capsys, "solve", str(problem), "--params", str(params), "--solution-limit", "5")
    assert status == 0
    (got,) = seen
    # time limit from options, seed and metaheuristic from the file, solution limit from the flag,
    # workers from the defaults
    assert (got.time_limit_s, got.seed, got.metaheuristic, got.solution_limit, got.workers) == \
        (7, 4, "TABU_SEARCH", 5, 2)


def test_from_options_is_the_one_merge_of_options():
    """from_options sets time_limit_s, seed and solution_limit from options and keeps the rest of base."""
    from scheduler.vrp.params import SolveParams

    assert SolveParams.from_options({}) == SolveParams()
    assert SolveParams.from_options({"time_limit": 2, "seed": 9}) == SolveParams(time_limit_s=2, seed=9)
    base = SolveParams(solution_limit=30, workers=1)
    assert SolveParams.from_options({"solution_limit": None}, base) == SolveParams(workers=1)
    assert SolveParams.from_options({"seed": 1}, base) == SolveParams(seed=1, solution_limit=30, workers=1)


def test_solve_without_params_reads_the_options(monkeypatch):
    """solve(problem) with no parameters searches with the problem's options over the defaults."""
    import scheduler.vrp.solver
    from scheduler.vrp.params import SolveParams

    seen = []
    real_run = scheduler.vrp.solver.run
    monkeypatch.setattr(scheduler.vrp.solver, "run", lambda model, params, started, report=None: seen.append(params) or
                        real_run(model, params, started))
    scheduler.vrp.solver.solve({**GOOD, "options": {"solution_limit": 3, "seed": 2}})
    assert seen == [SolveParams(solution_limit=3, seed=2)]

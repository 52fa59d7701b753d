"""A large week solved day by day (`scheduler.vrp.parts`): parts never share a task, merged plans are valid."""

from __future__ import annotations

from scheduler.vrp import parts as parts_module
from scheduler.vrp import solver
from scheduler.vrp.model import node_layout, node_travel
from scheduler.vrp.params import SolveParams
from scheduler.vrp.parts import merge, part_progress, parts_of, vehicle_groups
from scheduler.vrp.portfolio import Progress, Reporter
from scheduler.vrp.precheck import prepare
from scheduler.vrp.problem import parse_problem
from scheduler.vrp.search import constructed_plan
from scheduler.vrp.validator import validate
from tests.scheduler.vrp.test_construct import _large_week


def _parts(week: dict):
    model = prepare(parse_problem(week))
    nodes = node_layout(model)
    constructed, _ = constructed_plan(model, nodes, node_travel(model, nodes), 0.0)
    vehicle_of = {t: k for k, route in enumerate(constructed.routes) for t in route}
    return model, constructed, parts_of(model, vehicle_of)


def test_vehicles_group_by_hours_that_overlap():
    """Fifty shifts over five days: five groups of ten, each one day."""
    problem = parse_problem(_large_week())
    groups = vehicle_groups(problem)
    assert [len(g) for g in groups] == [10] * 5
    for g in groups:
        assert len({problem.vehicles[k].time_window for k in g}) == 1


def test_every_task_is_in_exactly_one_part_on_the_day_the_plan_gave_it():
    week = _large_week()
    model, constructed, parts = _parts(week)
    assert len(parts) == 5
    jobs = [j for p in parts for j in p.jobs]
    shipments = [s for p in parts for s in p.shipments]
    left_out = {t for t in range(len(model.tasks)) if t not in set(model.modelled)}
    assert sorted(jobs) == [j for j in range(len(week["jobs"])) if j not in left_out]
    assert len(shipments) == len(set(shipments))
    day_of_vehicle = {k: d for d, p in enumerate(parts) for k in p.vehicles}
    for k, route in enumerate(constructed.routes):
        for t in route:
            task = model.tasks[t]
            part = parts[day_of_vehicle[k]]
            assert (t in part.jobs) if task.kind == "job" else (task.shipment in part.shipments)


def test_merged_part_solutions_are_a_valid_plan_of_the_whole_week():
    """Each day solved on its own (solution limit, no clock), merged: the validator accepts the whole week."""
    week = _large_week(seed=9, n_jobs=200, n_shipments=60)
    model, _, parts = _parts(week)
    solutions = [solver.solve(p.problem(model.problem), SolveParams(solution_limit=5, time_limit_s=120))
                 for p in parts]
    merged = merge(model.problem, solutions)
    assert validate(week, merged) == []
    assert merged["summary"]["search"]["parts"] == 5
    assert merged["summary"]["cost"] == sum(s["summary"]["cost"] for s in solutions)


def test_a_large_week_solved_in_parts_is_valid():
    """The whole path under a short time limit: a valid, non-empty plan (parts or the constructed plan).

    How far it gets in 8 s depends on the machine (a slow one may answer with the whole
    week's constructed plan before any day is searched), so only what holds for every
    outcome is checked here; what each progress report holds is checked exactly below.
    """
    week = _large_week(seed=4)
    reports = []
    solution = solver.solve(week, SolveParams(time_limit_s=8, workers=1), on_progress=reports.append)
    assert validate(week, solution) == []
    assert solution["routes"]
    assert solution["summary"]["search"]["stopped"] in {"constructed", "converged", "time_limit", "finished"}
    ids = {j["id"] for j in week["jobs"]} | {s[x]["id"] for s in week["shipments"] for x in ("pickup", "delivery")}
    day_of = {j["id"]: j["time_windows"][0][0] // 86400 for j in week["jobs"]}
    for report in reports:
        assert report.served <= ids
        assert min(report.elapsed_s, 8) <= report.expected_s <= 8  # the limit, even past it on a slow machine
        assert len({day_of[t] for t in report.served if t in day_of}) >= 2  # more than one day's part


def test_a_day_s_progress_is_reported_with_the_days_solved_and_the_plan_of_the_days_to_come(monkeypatch):
    """A part's best plan so far is reported with the parts solved before it and the whole-week plan of the days after.

    No clock: the solver's clock stands at 10 s, the part began at 2 s (its own 1.5 s
    elapsed is reported as 3.5 s); only the last part's expected end is its own.
    """
    from types import SimpleNamespace

    week = _large_week(seed=4)
    model, constructed, parts = _parts(week)
    tasks = model.tasks
    planned = {tasks[t].id for route in constructed.routes for t in route}

    def ids(part) -> set[int]:
        out = {model.problem.jobs[j].id for j in part.jobs}
        return out | {x.id for s in part.shipments for x in (model.problem.shipments[s].pickup,
                                                             model.problem.shipments[s].delivery)}

    monkeypatch.setattr(parts_module, "time", SimpleNamespace(monotonic=lambda: 10.0))
    sent = []
    report = Reporter(model, SolveParams(time_limit_s=30), 8.0, sent.append)
    solved = [{"routes": [{"steps": [{"type": "job", "id": i} for i in sorted(ids(parts[0]) & planned)]}]}]
    on_part = part_progress(report, 8.0, planned, solved, parts[2:], last=False)
    found = frozenset(sorted(ids(parts[1]))[:3])
    on_part(Progress(found, elapsed_s=1.5, expected_s=4.0))
    last = part_progress(report, 8.0, planned, solved, [], last=True)
    last(Progress(found, elapsed_s=1.5, expected_s=4.0))
    whole, final = sent
    assert whole.served == (ids(parts[0]) & planned) | found | (planned & set().union(*map(ids, parts[2:])))
    assert (whole.elapsed_s, whole.expected_s) == (3.5, 30)  # a later day still to come: the time limit
    assert final.served == (ids(parts[0]) & planned) | found and final.expected_s == 2.0 + 4.0


def test_a_split_week_reports_the_whole_solve_time_whichever_answer_wins(monkeypatch):
    """When the whole-week plan beats the merged days, its times still cover the days' search that came after it."""
    week = _large_week(seed=4)
    # the merged days always lose: the whole-week plan is the answer
    monkeypatch.setattr(parts_module, "score",
                        lambda problem, solution: ("parts" in solution["summary"]["search"], 0, 0))
    reports = []
    solution = solver.solve(week, SolveParams(time_limit_s=6, workers=1), on_progress=reports.append)
    assert validate(week, solution) == []
    assert solution["summary"]["search"] == {"stopped": "constructed"}
    times = solution["summary"]["computing_times"]
    # however far a slow machine got, the answer's times cover every report (the days' search included)
    assert times["loading"] + times["solving"] >= max((r.elapsed_s for r in reports), default=0) * 1000 - 2

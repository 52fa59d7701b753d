"""Parsing of the problem format: good input becomes dataclasses, bad input a one-line error naming the field."""

from __future__ import annotations

import copy
import json

import pytest

from routing.errors import InputError
from scheduler.vrp.format import MAX_TIME
from scheduler.vrp.params import ParamsError, SolveParams
from scheduler.vrp.problem import ProblemError, load_problem, parse_problem

BASE = {
    "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [4], "skills": [1],
                  "time_window": [0, 1000], "breaks": [{"id": 1, "time_windows": [[100, 200]], "service": 60}],
                  "costs": {"fixed": 10, "per_hour": 7200}}],
    "jobs": [{"id": 1, "location_index": 1, "service": 30, "delivery": [1], "time_windows": [[0, 50], [60, 90]]},
             {"id": 2, "location_index": 1, "pickup": [2]}],
    "shipments": [{"pickup": {"id": 1, "location_index": 0}, "delivery": {"id": 1, "location_index": 1},
                   "amount": [1], "max_ride_time": 300}],
    "matrices": {"car": {"durations": [[0, 10], [10, 0]], "distances": [[0, 100], [100, 0]]}},
}


def broken(change) -> dict:
    """Return a deep copy of BASE after applying `change` to it."""
    data = copy.deepcopy(BASE)
    change(data)
    return data


def test_parse_good_problem():
    """Every field lands in the dataclasses; absent amounts become zeros."""
    p = parse_problem(copy.deepcopy(BASE))
    assert p.dimensions == 1
    assert p.jobs[0].time_windows == [(0, 50), (60, 90)]
    assert p.jobs[1].delivery == [0] and p.jobs[1].pickup == [2]
    assert p.shipments[0].max_ride_time == 300
    v = p.vehicles[0]
    assert (v.fixed_cost, v.per_hour_cost, v.breaks[0].service) == (10, 7200, 60)
    assert p.size == 2


def test_parse_defaults():
    """Absent fields take the format's defaults: unlimited capacity, any time, costs 0 and 3600, zero distances."""
    p = parse_problem({"vehicles": [{"id": 1, "time_window": [0, 1000], "breaks": [{"id": 1, "service": 60}]},
                                    {"id": 2}],
                       "jobs": [{"id": 1, "location_index": 1}],
                       "matrices": {"car": {"durations": [[0, 10], [10, 0]]}}})
    first, second = p.vehicles
    # a break without windows may start from 0 until 1000 - 60 = 940, so it ends inside the day
    assert first.breaks[0].time_windows == [(0, 940)]
    assert (second.capacity, second.time_window, second.fixed_cost, second.per_hour_cost, second.profile) == (
        None, (0, MAX_TIME), 0, 3600, "car")
    assert (p.dimensions, p.jobs[0].delivery, p.distances["car"]) == (0, [], [[0, 0], [0, 0]])


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("matrices"), "matrices: missing"),
    (lambda d: d["matrices"]["car"].pop("durations"), "matrices.car: missing 'durations'"),
    (lambda d: d["matrices"]["car"]["durations"].append([0, 1]), "matrices.car.durations[0]: has 2 values, expected 3 (matrix not square)"),
    (lambda d: d["matrices"]["car"]["durations"][1].append(5), "matrices.car.durations[1]: has 3 values"),
    (lambda d: d["matrices"]["car"]["distances"].pop(), "matrices.car.distances: has 1 rows, expected 2"),
    (lambda d: d["jobs"][1].update(location_index=5), "jobs[1].location_index: location index 5 out of range"),
    (lambda d: d["jobs"][0].update(time_windows=[[50, 10]]), "jobs[0].time_windows[0]: start after end"),
    (lambda d: d["jobs"][0].update(time_windows=[[60, 90], [0, 50]]), "jobs[0].time_windows[1]: is before"),
    (lambda d: d["jobs"][0].update(time_windows=[[0, 60], [50, 90]]), "jobs[0].time_windows[1]: overlaps"),
    (lambda d: d["jobs"][0].update(delivery=[1, 2]), "jobs[0].delivery: has 2 values but capacity has 1"),
    (lambda d: d["shipments"][0].update(amount=[]), "shipments[0].amount: has 0 values"),
    (lambda d: d["vehicles"][0].update(capacity=[1, 1]), "jobs[0].delivery: has 1 values but capacity has 2"),
    (lambda d: d["jobs"][1].update(id=1), "jobs[1].id: duplicate job id 1"),
    (lambda d: d["shipments"].append(copy.deepcopy(d["shipments"][0])), "shipments[1].pickup.id: duplicate pickup id 1"),
    (lambda d: d["vehicles"].append(copy.deepcopy(d["vehicles"][0])), "vehicles[1].id: duplicate vehicle id 1"),
    (lambda d: d["shipments"].append({"pickup": {"id": 2, "location_index": 0},
                                      "delivery": {"id": 1, "location_index": 1}}),
     "shipments[1].delivery.id: duplicate delivery id 1"),
    (lambda d: d["vehicles"][0]["breaks"].append({"id": 1, "service": 10}),
     "vehicles[0].breaks[1].id: duplicate break id 1"),
    (lambda d: d["vehicles"][0].pop("id"), "vehicles[0]: missing 'id'"),
    (lambda d: d["shipments"][0]["pickup"].pop("id"), "shipments[0].pickup: missing 'id'"),
    (lambda d: d["vehicles"][0]["breaks"][0].pop("id"), "vehicles[0].breaks[0]: missing 'id'"),
    (lambda d: d["jobs"][0].update(service=-5), "jobs[0].service: must be >= 0"),
    (lambda d: d["jobs"][0].update(setup="5"), "jobs[0].setup: expected an integer"),
    (lambda d: d["jobs"][0].update(priority=101), "jobs[0].priority: must be <= 100"),
    (lambda d: d["jobs"][0].update(time_window=[0, 5]),
     "jobs[0]: unknown key 'time_window' (did you mean 'time_windows'?)"),
    (lambda d: d["vehicles"][0].update(time_windows=[[0, 5]]),
     "vehicles[0]: unknown key 'time_windows' (did you mean 'time_window'?)"),
    (lambda d: d.update(job=[]), "problem: unknown key 'job' (did you mean 'jobs'?)"),
    (lambda d: d["vehicles"][0]["breaks"][0].update(time_windows=[[5000, 6000]]),
     "vehicles[0].breaks[0].time_windows: no window lets the break fit"),
    (lambda d: d["shipments"][0].pop("delivery"), "shipments[0]: missing 'delivery'"),
    (lambda d: d["jobs"][0].pop("id"), "jobs[0]: missing 'id'"),
    (lambda d: d.update(jobs={}), "jobs: expected a list"),
    (lambda d: d["vehicles"][0].update(profile="bike"), "vehicles[0].profile: no matrices for profile 'bike'"),
    (lambda d: d["matrices"]["car"]["durations"][0].__setitem__(1, -3), "matrices.car.durations[0][1]"),
    (lambda d: d.update(options={"time_limit": 0}), "options.time_limit: expected a positive number"),
])
def test_bad_input_names_the_field(change, message):
    """Each kind of bad input raises ProblemError whose one-line message starts with the field path."""
    with pytest.raises(ProblemError) as info:
        parse_problem(broken(change))
    text = str(info.value)
    assert text.startswith(message), text
    assert "\n" not in text
    assert isinstance(info.value, InputError)


def test_load_problem_bad_json_names_file_and_line(tmp_path):
    """Broken JSON is reported with the file name and the line number."""
    path = tmp_path / "p.json"
    path.write_text('{\n "jobs": [\n  {"id": 1,}\n ]\n}\n')
    with pytest.raises(ProblemError, match=r"p\.json: line 3 column"):
        load_problem(path)


def test_load_problem_missing_file(tmp_path):
    """A missing file is an input error naming the path, not an OSError."""
    with pytest.raises(ProblemError, match="cannot read problem file"):
        load_problem(tmp_path / "nope.json")


def test_load_problem_reads_file(tmp_path):
    """A valid file parses like the dict it contains."""
    path = tmp_path / "p.json"
    path.write_text(json.dumps(BASE))
    assert load_problem(path).jobs[0].id == 1


def test_solve_params_from_dict_and_file(tmp_path):
    """SolveParams loads from a dict or JSON file and rejects unknown keys and bad values."""
    assert SolveParams.from_dict({"time_limit_s": 2, "seed": 3}).seed == 3
    path = tmp_path / "params.json"
    path.write_text('{"solution_limit": 5, "metaheuristic": "TABU_SEARCH"}')
    params = SolveParams.from_file(path)
    assert (params.solution_limit, params.metaheuristic, params.time_limit_s) == (5, "TABU_SEARCH", 10.0)
    with pytest.raises(ParamsError, match="unknown key 'time_limit'"):
        SolveParams.from_dict({"time_limit": 3})
    with pytest.raises(ParamsError, match="time_limit_s"):
        SolveParams(time_limit_s=0)
    with pytest.raises(ParamsError, match="first_solution"):
        SolveParams(first_solution="FASTEST")


# ----------------------------------------------------------------------------- re-planning (issue 26)


def test_steps_and_told_times_are_read():
    """A vehicle's steps keep their order and kind; told times and the margin land in the dataclasses."""
    def change(d):
        d["vehicles"][0]["steps"] = [{"type": "pickup", "id": 1, "fixed": True}, {"type": "job", "id": 2, "locked": True}]
        d["jobs"][1].update(told_start=100, told_end=160)
        d["shipments"][0]["delivery"].update(told_start=200, told_end=200)
        d["told_margin"] = 60
    p = parse_problem(broken(change))
    assert [(s.kind, s.id, s.fixed) for s in p.vehicles[0].steps] == [("pickup", 1, True), ("job", 2, False)]
    assert p.jobs[1].told == (100, 160) and p.jobs[0].told is None
    assert p.shipments[0].delivery.told == (200, 200)
    assert p.told_margin == 60 and parse_problem(copy.deepcopy(BASE)).told_margin == 900


def _second_vehicle(d):
    d["vehicles"].append({"id": 2, "start_index": 0})


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["vehicles"][0].update(steps=[{"type": "job", "id": 7, "fixed": True}]), "vehicles[0].steps[0].id"),
    (lambda d: d["vehicles"][0].update(steps=[{"type": "break", "id": 1, "fixed": True}]), "vehicles[0].steps[0].type"),
    (lambda d: d["vehicles"][0].update(steps=[{"type": "job", "id": 1}]), "vehicles[0].steps[0]"),
    (lambda d: d["vehicles"][0].update(steps=[{"type": "job", "id": 1, "fixed": True, "locked": True}]),
     "vehicles[0].steps[0]"),
    (lambda d: d["vehicles"][0].update(steps=[{"type": "job", "id": 1, "fixed": 1}]), "vehicles[0].steps[0].fixed"),
    (lambda d: d["vehicles"][0].update(steps=[{"type": "job", "id": "1", "fixed": True}]), "vehicles[0].steps[0].id"),
    (lambda d: d["vehicles"][0].update(steps=[{"type": "job", "id": 1, "fixed": True},
                                              {"type": "job", "id": 1, "locked": True}]), "vehicles[0].steps[1].id"),
    (lambda d: (_second_vehicle(d), d["vehicles"][0].update(steps=[{"type": "job", "id": 1, "fixed": True}]),
                d["vehicles"][1].update(steps=[{"type": "job", "id": 1, "fixed": True}])), "vehicles[1].steps[0].id"),
    (lambda d: (_second_vehicle(d), d["vehicles"][0].update(steps=[{"type": "pickup", "id": 1, "locked": True}]),
                d["vehicles"][1].update(steps=[{"type": "delivery", "id": 1, "locked": True}])),
     "vehicles[1].steps[0].id"),
    (lambda d: d["vehicles"][0].update(steps=[{"type": "delivery", "id": 1, "fixed": True}]), "vehicles[0].steps[0]"),
    (lambda d: d["vehicles"][0].update(steps={"type": "job"}), "vehicles[0].steps"),
    (lambda d: d["vehicles"][0].update(steps=[{"type": "job", "id": 1, "fixed": True, "at": 3}]),
     "vehicles[0].steps[0]"),
    (lambda d: d["jobs"][0].update(told_start=500, told_end=400), "jobs[0].told_end"),
    (lambda d: d["jobs"][0].update(told_start=500), "jobs[0]"),
    (lambda d: d["jobs"][0].update(told_start=1.5, told_end=3), "jobs[0].told_start"),
    (lambda d: d["shipments"][0]["pickup"].update(told_start=5, told_end="9"), "shipments[0].pickup.told_end"),
    (lambda d: d.update(told_margin=-1), "told_margin"),
])
def test_bad_steps_and_told_times_name_the_field(change, field):
    """Steps naming unknown tasks, a task held twice or on two vehicles, bad flags and bad told times are refused."""
    with pytest.raises(ProblemError) as err:
        parse_problem(broken(change))
    assert str(err.value).startswith(f"{field}: "), str(err.value)

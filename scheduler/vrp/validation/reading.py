"""The validator's own reading of a problem, taken from ``docs/PROBLEM_FORMAT.md``.

The validator must not share the solver's parser (`scheduler.vrp.problem`): a
misread field or a wrong default there would then be invisible to both. This
module reads only what the validator checks and applies the format's defaults
itself:

- absent amounts (``delivery``, ``pickup``, ``amount``) are zeros, and every
  amount and ``capacity`` list has the same length;
- an absent ``capacity`` is unlimited;
- an absent vehicle ``time_window`` is any time, ``[0, MAX_TIME]``;
- a break without ``time_windows`` may start whenever it still ends inside the
  vehicle's time window;
- ``costs`` default to ``fixed`` 0 and ``per_hour`` 3600, ``profile`` to
  ``car``, absent ``distances`` to zeros.

It rejects only what it cannot read (a wrong type, a missing id or location,
an index outside the matrices, an unknown profile, a duplicate id), with
`UnreadableProblem` naming the field. It is not a second format checker:
unknown keys or unsorted windows are the parser's business.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scheduler.vrp.format import MAX_TIME

__all__ = ["Break", "Model", "Shipment", "Task", "UnreadableProblem", "Vehicle", "read_problem"]

TASK_KINDS = ("job", "pickup", "delivery")

Window = tuple[int, int]


class UnreadableProblem(ValueError):
    """The problem cannot be read; the message starts with the field's path."""


@dataclass(frozen=True)
class Task:
    """One stop to serve: a job, or the pickup or the delivery half of a shipment."""

    kind: str
    id: int
    location_index: int
    setup: int
    service: int
    time_windows: list[Window]
    skills: frozenset[int]
    #: counted in the route's priority when served (a shipment's only on its pickup)
    priority: int
    #: loaded at the route's start (a job's delivery)
    start_load: list[int]
    #: added to the load when served
    load_change: list[int]
    #: index in `Model.shipments`, None for a job
    shipment: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        """Return ``(kind, id)``, unique among all tasks."""
        return self.kind, self.id


@dataclass(frozen=True)
class Shipment:
    """A pickup and a delivery served by one vehicle, pickup first."""

    pickup: Task
    delivery: Task
    max_ride_time: int | None
    #: shipments of one group: all served or none, one vehicle, deliveries in a row (extension)
    delivery_group: str | None = None


@dataclass(frozen=True)
class Break:
    """A break that must start inside one of its windows."""

    id: int
    time_windows: list[Window]
    service: int


@dataclass(frozen=True)
class Vehicle:
    """A vehicle shift with its profile's matrices."""

    id: int
    start_index: int | None
    end_index: int | None
    #: None means unlimited
    capacity: list[int] | None
    skills: frozenset[int]
    time_window: Window
    breaks: dict[int, Break]
    max_tasks: int | None
    max_travel_time: int | None
    fixed_cost: int
    per_hour_cost: int
    durations: list[list[int]]
    distances: list[list[int]]


@dataclass(frozen=True)
class Model:
    """What the validator knows of a problem."""

    #: (kind, id) -> task; jobs first, then pickups, then deliveries
    tasks: dict[tuple[str, int], Task]
    shipments: list[Shipment]
    vehicles: dict[int, Vehicle]
    dimensions: int


def read_problem(data: Any) -> Model:
    """Read a problem dict the way ``PROBLEM_FORMAT.md`` defines it.

    Parameters
    ----------
    data
        The decoded problem JSON.

    Raises
    ------
    UnreadableProblem
        On the first field the validator cannot read.
    """
    problem = _object(data, "problem")
    durations, distances = _read_matrices(problem)
    size = len(next(iter(durations.values())))
    raw_jobs = _objects(problem, "jobs", "")
    raw_shipments = _objects(problem, "shipments", "")
    raw_vehicles = _objects(problem, "vehicles", "")
    dims = _dimensions(raw_jobs, raw_shipments, raw_vehicles)
    jobs = [_read_job(raw, f"jobs[{i}]", size, dims) for i, raw in enumerate(raw_jobs)]
    shipments = [_read_shipment(raw, f"shipments[{i}]", i, size, dims) for i, raw in enumerate(raw_shipments)]
    tasks: dict[tuple[str, int], Task] = {}
    paths = ([f"jobs[{i}]" for i in range(len(jobs))]
             + [f"shipments[{i}].pickup" for i in range(len(shipments))]
             + [f"shipments[{i}].delivery" for i in range(len(shipments))])
    ordered = jobs + [s.pickup for s in shipments] + [s.delivery for s in shipments]
    for path, task in zip(paths, ordered):
        _add_unique(tasks, task.key, task, f"{path}.id", task.kind)
    vehicles: dict[int, Vehicle] = {}
    for i, raw in enumerate(raw_vehicles):
        vehicle = _read_vehicle(raw, f"vehicles[{i}]", durations, distances, size, dims)
        _add_unique(vehicles, vehicle.id, vehicle, f"vehicles[{i}].id", "vehicle")
    return Model(tasks=tasks, shipments=shipments, vehicles=vehicles, dimensions=dims)


# ---------------------------------------------------------------- objects of the format


def _read_matrices(problem: dict) -> tuple[dict[str, list[list[int]]], dict[str, list[list[int]]]]:
    """Return durations and distances per profile, all square and of one size."""
    if "matrices" not in problem:
        _fail("matrices", "missing (need matrices.car.durations)")
    matrices = _object(problem["matrices"], "matrices")
    if not matrices:
        _fail("matrices", "no profile given (need matrices.car.durations)")
    durations, distances = {}, {}
    size = None
    for profile, raw in matrices.items():
        path = f"matrices.{profile}"
        mats = _object(raw, path)
        if "durations" not in mats:
            _fail(path, "missing 'durations'")
        durations[profile] = _matrix(mats["durations"], f"{path}.durations", size)
        size = len(durations[profile])
        distances[profile] = (_matrix(mats["distances"], f"{path}.distances", size) if "distances" in mats
                              else [[0] * size for _ in range(size)])
    return durations, distances


def _read_job(raw: dict, path: str, size: int, dims: int) -> Task:
    """Read one job; ``amount`` is VROOM's older name for ``delivery``."""
    delivery = _amount(raw, "delivery" if "delivery" in raw else "amount", path, dims)
    pickup = _amount(raw, "pickup", path, dims)
    return Task(
        kind="job", id=_id(raw, path), **_stop(raw, path, size),
        skills=_skills(raw, path), priority=_count(raw, "priority", path),
        start_load=delivery, load_change=[p - d for p, d in zip(pickup, delivery)],
    )


def _read_shipment(raw: dict, path: str, index: int, size: int, dims: int) -> Shipment:
    """Read one shipment as its two halves; its priority counts once, on the pickup."""
    amount = _amount(raw, "amount", path, dims)
    skills = _skills(raw, path)
    halves = {}
    for kind, sign, priority in (("pickup", 1, _count(raw, "priority", path)), ("delivery", -1, 0)):
        if kind not in raw:
            _fail(path, f"missing {kind!r}")
        half_path = f"{path}.{kind}"
        half = _object(raw[kind], half_path)
        halves[kind] = Task(
            kind=kind, id=_id(half, half_path), **_stop(half, half_path, size),
            skills=skills, priority=priority, start_load=[0] * dims,
            load_change=[sign * a for a in amount], shipment=index,
        )
    group = raw.get("delivery_group")
    if group is not None and not isinstance(group, str):
        _fail(f"{path}.delivery_group", "expected a string")
    return Shipment(pickup=halves["pickup"], delivery=halves["delivery"],
                    max_ride_time=_optional_count(raw, "max_ride_time", path), delivery_group=group)


def _read_vehicle(vehicle: dict, path: str, durations: dict, distances: dict, size: int, dims: int) -> Vehicle:
    """Read one vehicle with the matrices of its profile."""
    profile = vehicle.get("profile", "car")
    if not isinstance(profile, str) or profile not in durations:
        _fail(f"{path}.profile", f"no matrices for profile {profile!r}")
    window = _window(vehicle["time_window"], f"{path}.time_window") if "time_window" in vehicle else (0, MAX_TIME)
    breaks: dict[int, Break] = {}
    for b, raw_break in enumerate(_objects(vehicle, "breaks", f"{path}.")):
        brk = _read_break(raw_break, f"{path}.breaks[{b}]", window)
        _add_unique(breaks, brk.id, brk, f"{path}.breaks[{b}].id", "break")
    costs = _object(vehicle.get("costs", {}), f"{path}.costs")
    capacity = _amount(vehicle, "capacity", path, dims) if "capacity" in vehicle else None
    return Vehicle(
        id=_id(vehicle, path),
        start_index=_index(vehicle, "start_index", path, size) if "start_index" in vehicle else None,
        end_index=_index(vehicle, "end_index", path, size) if "end_index" in vehicle else None,
        capacity=capacity, skills=_skills(vehicle, path), time_window=window, breaks=breaks,
        max_tasks=_optional_count(vehicle, "max_tasks", path),
        max_travel_time=_optional_count(vehicle, "max_travel_time", path),
        fixed_cost=_count(costs, "fixed", f"{path}.costs"),
        per_hour_cost=_count(costs, "per_hour", f"{path}.costs", default=3600),
        durations=durations[profile], distances=distances[profile],
    )


def _read_break(brk: dict, path: str, vehicle_window: Window) -> Break:
    """Read one break; without windows it may start whenever it ends inside the vehicle's hours."""
    service = _count(brk, "service", path)
    windows = _windows(brk, path)
    if not windows:
        start, end = vehicle_window
        windows = [(start, max(start, end - service))]
    return Break(id=_id(brk, path), time_windows=windows, service=service)


def _dimensions(jobs: list[dict], shipments: list[dict], vehicles: list[dict]) -> int:
    """Return the common length of every amount and capacity list (0 if none is given)."""
    lists = ([(f"vehicles[{i}].capacity", v.get("capacity")) for i, v in enumerate(vehicles)]
             + [(f"jobs[{i}].{key}", j.get(key)) for i, j in enumerate(jobs) for key in ("delivery", "pickup", "amount")]
             + [(f"shipments[{i}].amount", s.get("amount")) for i, s in enumerate(shipments)])
    given = [(path, len(value)) for path, value in lists if isinstance(value, list)]
    for path, length in given[1:]:
        if length != given[0][1]:
            _fail(path, f"has {length} values but {given[0][0]} has {given[0][1]}")
    return given[0][1] if given else 0


# ---------------------------------------------------------------- fields


def _fail(path: str, message: str) -> None:
    raise UnreadableProblem(f"{path}: {message}")


def _object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        _fail(path, f"expected an object, got {type(value).__name__}")
    return value


def _objects(obj: dict, key: str, prefix: str) -> list[dict]:
    """Return the list ``obj[key]`` (empty when absent), each item an object."""
    value = obj.get(key, [])
    if not isinstance(value, list):
        _fail(f"{prefix}{key}", f"expected a list, got {type(value).__name__}")
    return [_object(item, f"{prefix}{key}[{i}]") for i, item in enumerate(value)]


def _integer(value: Any, path: str, *, minimum: int | None = None) -> int:
    # bool is an int in Python, and JSON writers may give 60.0 for 60
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and not value.is_integer())):
        _fail(path, f"expected an integer, got {json.dumps(value)[:40]}")
    if minimum is not None and value < minimum:
        _fail(path, f"must be >= {minimum}, got {value}")
    return int(value)


def _integers(value: Any, path: str, *, minimum: int | None = None) -> list[int]:
    if not isinstance(value, list):
        _fail(path, f"expected a list, got {type(value).__name__}")
    return [_integer(v, f"{path}[{i}]", minimum=minimum) for i, v in enumerate(value)]


def _count(obj: dict, key: str, path: str, *, default: int = 0) -> int:
    """Return a non-negative integer field, `default` when absent."""
    return _integer(obj.get(key, default), f"{path}.{key}", minimum=0)


def _optional_count(obj: dict, key: str, path: str) -> int | None:
    """Return a non-negative integer field, None (no limit) when absent or null."""
    return None if obj.get(key) is None else _count(obj, key, path)


def _id(obj: dict, path: str) -> int:
    if "id" not in obj:
        _fail(path, "missing 'id'")
    return _integer(obj["id"], f"{path}.id")


def _add_unique(table: dict, key: Any, item: Any, path: str, what: str) -> None:
    if key in table:
        _fail(path, f"duplicate {what} id {item.id}")
    table[key] = item


def _index(obj: dict, key: str, path: str, size: int) -> int:
    """Return a location index that is a row of the matrices."""
    if key not in obj:
        _fail(path, f"missing {key!r}")
    index = _integer(obj[key], f"{path}.{key}", minimum=0)
    if index >= size:
        _fail(f"{path}.{key}", f"location index {index} out of range (matrices have {size} rows)")
    return index


def _stop(obj: dict, path: str, size: int) -> dict[str, Any]:
    """Return the fields every task has: location, setup, service and windows."""
    return {"location_index": _index(obj, "location_index", path, size),
            "setup": _count(obj, "setup", path), "service": _count(obj, "service", path),
            "time_windows": _windows(obj, path)}


def _amount(obj: dict, key: str, path: str, dims: int) -> list[int]:
    """Return an amount or capacity list, zeros when absent."""
    return _integers(obj[key], f"{path}.{key}", minimum=0) if key in obj else [0] * dims


def _skills(obj: dict, path: str) -> frozenset[int]:
    return frozenset(_integers(obj.get("skills", []), f"{path}.skills"))


def _window(value: Any, path: str) -> Window:
    if not isinstance(value, list) or len(value) != 2:
        _fail(path, "expected [start, end]")
    return _integer(value[0], f"{path}[0]"), _integer(value[1], f"{path}[1]")


def _windows(obj: dict, path: str) -> list[Window]:
    value = obj.get("time_windows", [])
    if not isinstance(value, list):
        _fail(f"{path}.time_windows", "expected a list of [start, end]")
    return [_window(w, f"{path}.time_windows[{i}]") for i, w in enumerate(value)]


def _matrix(value: Any, path: str, size: int | None) -> list[list[int]]:
    """Return a square matrix of non-negative numbers rounded to integers, as the solver reads them."""
    if not isinstance(value, list) or not value:
        _fail(path, "expected a non-empty square list of rows")
    n = len(value) if size is None else size
    if len(value) != n:
        _fail(path, f"has {len(value)} rows, expected {n}")
    for r, row in enumerate(value):
        if not isinstance(row, list) or len(row) != n:
            _fail(f"{path}[{r}]", f"expected a list of {n} values")
        for c, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < float("inf"):
                _fail(f"{path}[{r}][{c}]", f"expected a non-negative number, got {json.dumps(v)[:40]}")
    return [[round(v) for v in row] for row in value]

"""Read and check a routing problem in the odekake problem format.

The format (``shared/docs/PROBLEM_FORMAT.md``) follows VROOM's field names:
``jobs``, ``shipments``, ``vehicles``, ``matrices`` and the ``options``
extension. `parse_problem` turns the JSON-like dict into plain dataclasses and
rejects anything the solver could not honour, with a one-line message that
starts with the path of the offending field, e.g.
``jobs[3].time_windows[0]: start after end``.

Conventions fixed here (the solver relies on them; the validator reads the same
ones from the format itself, in `scheduler.vrp.validation.reading`):

- every amount list (``delivery``, ``pickup``, ``amount``) and every vehicle
  ``capacity`` has the same length, the number of capacity dimensions; an
  absent amount means zeros, an absent ``capacity`` means unlimited;
- a vehicle may name a matrix ``profile`` (default ``"car"``);
  ``distances`` may be absent (distances are then reported as 0);
- a missing vehicle ``time_window`` means "any time".

This module is long because it is the one place where every field of the
input is checked and named in its error: split, the rules of one object
(a vehicle and its steps, a task and its told time) would be read in two places.
"""

from __future__ import annotations

import difflib
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

from routing.errors import InputError
from scheduler.vrp.format import MAX_TIME, TOLD_MARGIN

__all__ = [
    "Break",
    "Job",
    "Problem",
    "ProblemError",
    "Shipment",
    "ShipmentStep",
    "Vehicle",
    "VehicleStep",
    "load_problem",
    "parse_problem",
]


class ProblemError(InputError):
    """Invalid problem input; the message starts with the offending field path."""


@dataclass
class Job:
    """One single-stop task."""

    id: int
    location_index: int
    setup: int = 0
    service: int = 0
    delivery: list[int] = field(default_factory=list)
    pickup: list[int] = field(default_factory=list)
    skills: list[int] = field(default_factory=list)
    priority: int = 0
    time_windows: list[tuple[int, int]] = field(default_factory=list)
    description: str = ""
    #: (told_start, told_end): when the resident was told the service starts (extension)
    told: tuple[int, int] | None = None


@dataclass
class ShipmentStep:
    """The pickup or the delivery half of a shipment."""

    id: int
    location_index: int
    setup: int = 0
    service: int = 0
    time_windows: list[tuple[int, int]] = field(default_factory=list)
    description: str = ""
    #: (told_start, told_end): when the resident was told the service starts (extension)
    told: tuple[int, int] | None = None


@dataclass
class Shipment:
    """A pickup-and-delivery pair served by one vehicle, pickup first."""

    pickup: ShipmentStep
    delivery: ShipmentStep
    amount: list[int] = field(default_factory=list)
    skills: list[int] = field(default_factory=list)
    priority: int = 0
    max_ride_time: int | None = None
    #: shipments of one group are served together or not at all, on one
    #: vehicle, their deliveries one after another at one door (extension)
    delivery_group: str | None = None


@dataclass
class Break:
    """A vehicle break that must start inside one of its windows."""

    id: int
    time_windows: list[tuple[int, int]] = field(default_factory=list)
    service: int = 0
    description: str = ""


@dataclass(frozen=True)
class VehicleStep:
    """A task held to a vehicle (``vehicles[].steps``): fixed at the route's start in order, or locked to it."""

    kind: str  # "job", "pickup", "delivery"
    id: int
    #: True: one of the steps that start the route in this order; False: locked to the vehicle, order free
    fixed: bool


@dataclass
class Vehicle:
    """One vehicle shift: depots, capacity, skills, hours, breaks, limits and costs."""

    id: int
    start_index: int | None = None
    end_index: int | None = None
    capacity: list[int] | None = None
    skills: list[int] = field(default_factory=list)
    time_window: tuple[int, int] = (0, MAX_TIME)
    breaks: list[Break] = field(default_factory=list)
    max_tasks: int | None = None
    max_travel_time: int | None = None
    fixed_cost: int = 0
    per_hour_cost: int = 3600
    profile: str = "car"
    description: str = ""
    #: tasks held to this vehicle (extension, after VROOM's ``steps``)
    steps: list[VehicleStep] = field(default_factory=list)


@dataclass
class Problem:
    """A whole routing problem: tasks, vehicles and travel matrices."""

    jobs: list[Job]
    shipments: list[Shipment]
    vehicles: list[Vehicle]
    #: profile -> square matrix of driving seconds
    durations: dict[str, list[list[int]]]
    #: profile -> square matrix of metres (zeros when not given)
    distances: dict[str, list[list[int]]]
    dimensions: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    #: seconds a service may start outside its told time before the resident counts as moved
    told_margin: int = TOLD_MARGIN

    @property
    def size(self) -> int:
        """Return the number of locations in the matrices."""
        return len(next(iter(self.durations.values()))) if self.durations else 0

    def capacity_of(self, vehicle: Vehicle) -> list[int]:
        """Return the vehicle's capacity with "unlimited" spelled out."""
        if vehicle.capacity is None:
            return [MAX_TIME] * self.dimensions
        return list(vehicle.capacity)


_JOB_KEYS = {
    "id", "description", "location_index", "location", "setup", "service", "delivery",
    "pickup", "amount", "skills", "priority", "time_windows", "told_start", "told_end",
}
_STEP_KEYS = {"id", "description", "location_index", "location", "setup", "service", "time_windows",
              "told_start", "told_end"}
_SHIPMENT_KEYS = {"pickup", "delivery", "amount", "skills", "priority", "max_ride_time", "delivery_group"}
_VEHICLE_KEYS = {
    "id", "description", "start_index", "end_index", "start", "end", "capacity", "skills",
    "time_window", "breaks", "max_tasks", "max_travel_time", "costs", "profile", "speed_factor",
    "steps",
}
_VEHICLE_STEP_KEYS = {"type", "id", "fixed", "locked"}
_HELD_KINDS = ("job", "pickup", "delivery")
_BREAK_KEYS = {"id", "description", "time_windows", "service", "max_load"}
_TOP_KEYS = {"vehicles", "jobs", "shipments", "matrices", "options", "told_margin"}
_COST_KEYS = {"fixed", "per_hour", "per_km"}
_OPTION_KEYS = {"time_limit", "seed", "solution_limit"}


def _fail(path: str, message: str) -> None:
    raise ProblemError(f"{path}: {message}")


def _check_keys(obj: dict, allowed: set[str], path: str) -> None:
    for key in obj:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            _fail(path, f"unknown key {key!r}{extra}")


def _obj(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        _fail(path, f"expected an object, got {type(value).__name__}")
    return value


def _int(value: Any, path: str, *, minimum: int | None = 0, maximum: int | None = None) -> int:
    # bool is an int subclass in Python; reject it explicitly
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(path, f"expected an integer, got {json.dumps(value)[:40]}")
    if isinstance(value, float):
        if not value.is_integer():
            _fail(path, f"expected an integer, got {value}")
        value = int(value)
    if minimum is not None and value < minimum:
        _fail(path, f"must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        _fail(path, f"must be <= {maximum}, got {value}")
    return value


def _int_list(value: Any, path: str, *, minimum: int | None = 0) -> list[int]:
    if not isinstance(value, list):
        _fail(path, f"expected a list, got {type(value).__name__}")
    return [_int(v, f"{path}[{i}]", minimum=minimum) for i, v in enumerate(value)]


def _window(value: Any, path: str) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2:
        _fail(path, "expected [start, end]")
    start = _int(value[0], f"{path}[0]")
    end = _int(value[1], f"{path}[1]")
    if start > end:
        _fail(path, "start after end")
    return start, end


def _windows(value: Any, path: str) -> list[tuple[int, int]]:
    if not isinstance(value, list):
        _fail(path, f"expected a list of [start, end], got {type(value).__name__}")
    windows = [_window(w, f"{path}[{i}]") for i, w in enumerate(value)]
    for i in range(1, len(windows)):
        if windows[i][0] <= windows[i - 1][1]:
            what = "overlaps" if windows[i][0] >= windows[i - 1][0] else "is before"
            _fail(f"{path}[{i}]", f"{what} the previous window (windows must be sorted and disjoint)")
    return windows


def _location(obj: dict, key: str, path: str, size: int, *, required: bool = True) -> int | None:
    if key not in obj:
        if "location" in obj and key == "location_index":
            _fail(f"{path}.location", "coordinates are not supported; give location_index")
        if required:
            _fail(path, f"missing {key!r}")
        return None
    index = _int(obj[key], f"{path}.{key}")
    if index >= size:
        _fail(f"{path}.{key}", f"location index {index} out of range (matrices have {size} rows)")
    return index


def _amount(obj: dict, key: str, path: str, dims: int) -> list[int]:
    if key not in obj:
        return [0] * dims
    values = _int_list(obj[key], f"{path}.{key}")
    if len(values) != dims:
        _fail(f"{path}.{key}", f"has {len(values)} values but capacity has {dims} dimensions")
    return values


def _text(obj: dict, path: str) -> str:
    value = obj.get("description", "")
    if not isinstance(value, str):
        _fail(f"{path}.description", "expected a string")
    return value


def _matrix(value: Any, path: str, size: int | None) -> list[list[int]]:
    if not isinstance(value, list) or not value:
        _fail(path, "expected a non-empty square list of rows")
    n = len(value) if size is None else size
    if len(value) != n:
        _fail(path, f"has {len(value)} rows, expected {n} (matrix not square)")
    rows = []
    for r, row in enumerate(value):
        if not isinstance(row, list):
            _fail(f"{path}[{r}]", "expected a list")
        if len(row) != n:
            _fail(f"{path}[{r}]", f"has {len(row)} values, expected {n} (matrix not square)")
        out = []
        for c, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or math.isnan(v):
                _fail(f"{path}[{r}][{c}]", f"expected a non-negative number, got {json.dumps(v)[:40]}")
            out.append(round(v))
        rows.append(out)
    return rows


def _dimensions(data: dict) -> int:
    """Return the number of capacity dimensions (first one that is given wins)."""
    def items(key):
        value = data.get(key)
        return value if isinstance(value, list) else []

    for v in items("vehicles"):
        if isinstance(v, dict) and isinstance(v.get("capacity"), list):
            return len(v["capacity"])
    for j in items("jobs"):
        if isinstance(j, dict):
            for key in ("delivery", "pickup", "amount"):
                if isinstance(j.get(key), list):
                    return len(j[key])
    for s in items("shipments"):
        if isinstance(s, dict) and isinstance(s.get("amount"), list):
            return len(s["amount"])
    return 0


def _list(data: dict, key: str, path: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        _fail(path, f"expected a list, got {type(value).__name__}")
    return value


def parse_problem(data: dict) -> Problem:
    """Check a problem dict and turn it into a `Problem`.

    Parameters
    ----------
    data
        The decoded problem JSON (see ``PROBLEM_FORMAT.md``).

    Returns
    -------
    Problem
        Plain dataclasses; amounts padded to the number of dimensions.

    Raises
    ------
    ProblemError
        On the first invalid field, with a message starting with its path.
    """
    if not isinstance(data, dict):
        _fail("problem", f"expected a JSON object, got {type(data).__name__}")
    _check_keys(data, _TOP_KEYS, "problem")
    durations, distances = _parse_matrices(data)
    size = len(next(iter(durations.values())))
    dims = _dimensions(data)
    job_ids: set[int] = set()
    jobs = [_parse_job(raw, f"jobs[{i}]", job_ids, size, dims)
            for i, raw in enumerate(_list(data, "jobs", "jobs"))]
    pickup_ids: set[int] = set()
    delivery_ids: set[int] = set()
    shipments = [_parse_shipment(raw, f"shipments[{i}]", (pickup_ids, delivery_ids), size, dims)
                 for i, raw in enumerate(_list(data, "shipments", "shipments"))]
    _check_delivery_groups(shipments)
    vehicle_ids: set[int] = set()
    vehicles = [_parse_vehicle(raw, f"vehicles[{i}]", vehicle_ids, durations, size, dims)
                for i, raw in enumerate(_list(data, "vehicles", "vehicles"))]
    options = _parse_options(data)
    _check_steps(jobs, shipments, vehicles)
    margin = _int(data["told_margin"], "told_margin") if "told_margin" in data else TOLD_MARGIN
    return Problem(jobs=jobs, shipments=shipments, vehicles=vehicles, durations=durations,
                   distances=distances, dimensions=dims, options=options, told_margin=margin)


def _unique_id(obj: dict, path: str, seen: set[int], what: str) -> int:
    """Return the object's ``id``, failing when it is missing or already in `seen`."""
    if "id" not in obj:
        _fail(path, "missing 'id'")
    value = _int(obj["id"], f"{path}.id", minimum=None)
    if value in seen:
        _fail(f"{path}.id", f"duplicate {what} id {value}")
    seen.add(value)
    return value


def _parse_matrices(data: dict) -> tuple[dict[str, list[list[int]]], dict[str, list[list[int]]]]:
    """Return durations and distances per profile (distances zero when not given)."""
    matrices = data.get("matrices")
    if matrices is None:
        _fail("matrices", "missing (need matrices.car.durations)")
    _obj(matrices, "matrices")
    if not matrices:
        _fail("matrices", "no profile given (need matrices.car.durations)")
    durations: dict[str, list[list[int]]] = {}
    distances: dict[str, list[list[int]]] = {}
    size: int | None = None
    for profile, mats in matrices.items():
        path = f"matrices.{profile}"
        _obj(mats, path)
        _check_keys(mats, {"durations", "distances", "costs"}, path)
        if "durations" not in mats:
            _fail(path, "missing 'durations'")
        durations[profile] = _matrix(mats["durations"], f"{path}.durations", size)
        size = len(durations[profile])
        if "distances" in mats:
            distances[profile] = _matrix(mats["distances"], f"{path}.distances", size)
        else:
            distances[profile] = [[0] * size for _ in range(size)]
    return durations, distances


def _parse_job(raw: Any, path: str, seen: set[int], size: int, dims: int) -> Job:
    """Return one job; a job's ``amount`` stands for its ``delivery`` when that is absent."""
    _obj(raw, path)
    _check_keys(raw, _JOB_KEYS, path)
    job_id = _unique_id(raw, path, seen, "job")
    delivery = _amount(raw, "delivery", path, dims)
    if "amount" in raw and "delivery" not in raw:
        delivery = _amount(raw, "amount", path, dims)
    return Job(
        id=job_id,
        location_index=_location(raw, "location_index", path, size),
        setup=_int(raw.get("setup", 0), f"{path}.setup"),
        service=_int(raw.get("service", 0), f"{path}.service"),
        delivery=delivery,
        pickup=_amount(raw, "pickup", path, dims),
        skills=_int_list(raw.get("skills", []), f"{path}.skills", minimum=None),
        priority=_int(raw.get("priority", 0), f"{path}.priority", minimum=0, maximum=100),
        time_windows=_windows(raw.get("time_windows", []), f"{path}.time_windows"),
        description=_text(raw, path),
        told=_told(raw, path),
    )


def _parse_shipment(raw: Any, path: str, seen: tuple[set[int], set[int]], size: int, dims: int) -> Shipment:
    """Return one shipment; `seen` holds the pickup ids and the delivery ids read so far."""
    _obj(raw, path)
    _check_keys(raw, _SHIPMENT_KEYS, path)
    pickup = _parse_shipment_step(raw, "pickup", path, seen[0], size)
    delivery = _parse_shipment_step(raw, "delivery", path, seen[1], size)
    max_ride = raw.get("max_ride_time")
    return Shipment(
        pickup=pickup,
        delivery=delivery,
        amount=_amount(raw, "amount", path, dims),
        skills=_int_list(raw.get("skills", []), f"{path}.skills", minimum=None),
        priority=_int(raw.get("priority", 0), f"{path}.priority", minimum=0, maximum=100),
        max_ride_time=None if max_ride is None else _int(max_ride, f"{path}.max_ride_time"),
        delivery_group=_group_name(raw, path),
    )


def _group_name(raw: dict, path: str) -> str | None:
    """Return a shipment's ``delivery_group`` (None when absent), a non-empty string."""
    value = raw.get("delivery_group")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        _fail(f"{path}.delivery_group", f"expected a non-empty string, got {json.dumps(value)[:40]}")
    return value


def _check_delivery_groups(shipments: list[Shipment]) -> None:
    """Require the shipments of one ``delivery_group`` to deliver at one location (one door)."""
    first: dict[str, int] = {}
    for i, ship in enumerate(shipments):
        if ship.delivery_group is None:
            continue
        j = first.setdefault(ship.delivery_group, i)
        door = shipments[j].delivery.location_index
        if ship.delivery.location_index != door:
            _fail(f"shipments[{i}].delivery_group",
                  f"group {ship.delivery_group!r} delivers at location_index {door} (shipments[{j}]),"
                  f" this shipment at {ship.delivery.location_index}: a group's deliveries must share one door")


def _parse_shipment_step(shipment: dict, kind: str, path: str, seen: set[int], size: int) -> ShipmentStep:
    """Return the pickup or the delivery half of a shipment."""
    if kind not in shipment:
        _fail(path, f"missing {kind!r}")
    spath = f"{path}.{kind}"
    step = _obj(shipment[kind], spath)
    _check_keys(step, _STEP_KEYS, spath)
    return ShipmentStep(
        id=_unique_id(step, spath, seen, kind),
        location_index=_location(step, "location_index", spath, size),
        setup=_int(step.get("setup", 0), f"{spath}.setup"),
        service=_int(step.get("service", 0), f"{spath}.service"),
        time_windows=_windows(step.get("time_windows", []), f"{spath}.time_windows"),
        description=_text(step, spath),
        told=_told(step, spath),
    )


def _parse_vehicle(raw: Any, path: str, seen: set[int], durations: dict, size: int, dims: int) -> Vehicle:
    """Return one vehicle; an absent capacity is unlimited, an absent time_window any time."""
    _obj(raw, path)
    _check_keys(raw, _VEHICLE_KEYS, path)
    vehicle_id = _unique_id(raw, path, seen, "vehicle")
    profile = raw.get("profile", "car")
    if profile not in durations:
        _fail(f"{path}.profile", f"no matrices for profile {profile!r}")
    capacity = None
    if "capacity" in raw:
        capacity = _int_list(raw["capacity"], f"{path}.capacity")
        if len(capacity) != dims:
            _fail(f"{path}.capacity", f"has {len(capacity)} values but other amounts have {dims}")
    window = _window(raw["time_window"], f"{path}.time_window") if "time_window" in raw else (0, MAX_TIME)
    break_ids: set[int] = set()
    breaks = [_parse_break(braw, f"{path}.breaks[{b}]", break_ids, window)
              for b, braw in enumerate(_list(raw, "breaks", f"{path}.breaks"))]
    costs = _obj(raw.get("costs", {}), f"{path}.costs")
    _check_keys(costs, _COST_KEYS, f"{path}.costs")
    if costs.get("per_km"):
        _fail(f"{path}.costs.per_km", "not supported; use per_hour")
    max_tasks = raw.get("max_tasks")
    max_travel = raw.get("max_travel_time")
    vehicle = Vehicle(
        id=vehicle_id,
        start_index=_location(raw, "start_index", path, size, required=False),
        end_index=_location(raw, "end_index", path, size, required=False),
        capacity=capacity,
        skills=_int_list(raw.get("skills", []), f"{path}.skills", minimum=None),
        time_window=window,
        breaks=breaks,
        max_tasks=None if max_tasks is None else _int(max_tasks, f"{path}.max_tasks"),
        max_travel_time=None if max_travel is None else _int(max_travel, f"{path}.max_travel_time"),
        fixed_cost=_int(costs.get("fixed", 0), f"{path}.costs.fixed"),
        per_hour_cost=_int(costs.get("per_hour", 3600), f"{path}.costs.per_hour"),
        profile=profile,
        description=_text(raw, path),
        steps=[_parse_vehicle_step(sraw, f"{path}.steps[{s}]")
               for s, sraw in enumerate(_list(raw, "steps", f"{path}.steps"))],
    )
    if "start" in raw or "end" in raw:
        _fail(path, "coordinates 'start'/'end' are not supported; give start_index/end_index")
    if "speed_factor" in raw and raw["speed_factor"] != 1:
        _fail(f"{path}.speed_factor", "not supported")
    return vehicle


def _told(raw: dict, path: str) -> tuple[int, int] | None:
    """Return a task's told time (``told_start``, ``told_end``): both or neither, start not after end."""
    if "told_start" not in raw and "told_end" not in raw:
        return None
    for key in ("told_start", "told_end"):
        if key not in raw:
            _fail(path, f"missing {key!r} (told_start and told_end go together)")
    start = _int(raw["told_start"], f"{path}.told_start")
    end = _int(raw["told_end"], f"{path}.told_end")
    if end < start:
        _fail(f"{path}.told_end", f"before told_start ({end} < {start})")
    return start, end


def _parse_vehicle_step(raw: Any, path: str) -> VehicleStep:
    """Return one of a vehicle's ``steps``: a task fixed at the route's start, or locked to the vehicle."""
    _obj(raw, path)
    _check_keys(raw, _VEHICLE_STEP_KEYS, path)
    kind = raw.get("type")
    if kind not in _HELD_KINDS:
        _fail(f"{path}.type", f"expected one of {', '.join(_HELD_KINDS)}, got {json.dumps(kind)[:40]}")
    if "id" not in raw:
        _fail(path, "missing 'id'")
    flags = [key for key in ("fixed", "locked") if key in raw]
    for key in flags:
        if raw[key] is not True:
            _fail(f"{path}.{key}", f"expected true, got {json.dumps(raw[key])[:40]}")
    if len(flags) != 1:
        _fail(path, "give exactly one of \"fixed\": true or \"locked\": true")
    return VehicleStep(kind=kind, id=_int(raw["id"], f"{path}.id", minimum=None), fixed=flags[0] == "fixed")


def _check_steps(jobs: list[Job], shipments: list[Shipment], vehicles: list[Vehicle]) -> None:
    """Require every held step to name a task once in the whole problem, a fixed delivery after its pickup."""
    known = {("job", j.id): None for j in jobs}
    for s in shipments:
        known[("pickup", s.pickup.id)] = s
        known[("delivery", s.delivery.id)] = s
    held: dict[tuple[str, int], str] = {}
    owner: dict[int, int] = {}  # id() of a shipment -> the vehicle holding one of its halves
    for i, vehicle in enumerate(vehicles):
        fixed_pickups: set[int] = set()
        for j, step in enumerate(vehicle.steps):
            path, key = f"vehicles[{i}].steps[{j}]", (step.kind, step.id)
            if key not in known:
                _fail(f"{path}.id", f"no {step.kind} with id {step.id}")
            if key in held:
                _fail(f"{path}.id", f"{step.kind} {step.id} is already held in {held[key]}")
            held[key] = path
            shipment = known[key]
            if shipment is not None and shipment.delivery_group is not None:
                _fail(path, "a shipment of a delivery_group cannot be held to a vehicle (not supported)")
            if shipment is not None and owner.setdefault(id(shipment), i) != i:
                _fail(f"{path}.id", f"the other half of this shipment is held to vehicles[{owner[id(shipment)]}]")
            if step.fixed and step.kind == "pickup":
                fixed_pickups.add(shipment.pickup.id)
            if step.fixed and step.kind == "delivery" and shipment.pickup.id not in fixed_pickups:
                _fail(path, f"a fixed delivery needs its pickup {shipment.pickup.id} fixed before it"
                            " (a rider already on board: give the drop-off as a job with a delivery amount)")


def _parse_break(raw: Any, path: str, seen: set[int], window: tuple[int, int]) -> Break:
    """Return one break; without windows it may start whenever it still ends inside `window`."""
    _obj(raw, path)
    _check_keys(raw, _BREAK_KEYS, path)
    break_id = _unique_id(raw, path, seen, "break")
    windows = _windows(raw.get("time_windows", []), f"{path}.time_windows")
    service = _int(raw.get("service", 0), f"{path}.service")
    if not windows:
        windows = [(window[0], max(window[0], window[1] - service))]
    if not any(s <= window[1] - service and e >= window[0] for s, e in windows):
        _fail(f"{path}.time_windows", "no window lets the break fit inside the vehicle's time_window")
    return Break(id=break_id, time_windows=windows, service=service, description=_text(raw, path))


def _parse_options(data: dict) -> dict[str, Any]:
    """Return the ``options`` extension after checking its values."""
    options = _obj(data.get("options", {}), "options")
    _check_keys(options, _OPTION_KEYS, "options")
    if "time_limit" in options:
        tl = options["time_limit"]
        if isinstance(tl, bool) or not isinstance(tl, (int, float)) or tl <= 0:
            _fail("options.time_limit", f"expected a positive number of seconds, got {json.dumps(tl)[:40]}")
    if "seed" in options:
        _int(options["seed"], "options.seed")
    if "solution_limit" in options and options["solution_limit"] is not None:
        _int(options["solution_limit"], "options.solution_limit", minimum=1)
    return dict(options)


def read_json(path: str | os.PathLike, *, what: str = "problem") -> Any:
    """Read a JSON file, turning unreadable files and bad JSON into `ProblemError`.

    Parameters
    ----------
    path
        The file to read.
    what
        Word used in messages (``problem`` or ``solution``).
    """
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ProblemError(f"{path}: cannot read {what} file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ProblemError(f"{path}: {what} file is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError(f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})") from None


def load_problem(path: str | os.PathLike) -> Problem:
    """Read a problem JSON file and parse it with `parse_problem`.

    Parameters
    ----------
    path
        Problem file in the odekake problem format.

    Raises
    ------
    ProblemError
        If the file cannot be read, is not JSON (message names the line), or
        the problem is invalid.
    """
    return parse_problem(read_json(path))

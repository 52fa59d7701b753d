"""The shape of a solution's routes, each step matched to its task or break.

`read_routes` turns ``solution["routes"]`` into `Route` objects whose steps
know their task (or break) of the problem, reporting what keeps a route from
being checked at all: a route that is not an object with steps, an unknown or
repeated vehicle, a step without a known type or without its integer figures.
A step whose id the problem does not know stays in its route unmatched
(`Step.known` is False); the checks then skip it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scheduler.vrp.format import format_week_time
from scheduler.vrp.validation.reading import TASK_KINDS, Break, Model, Task, Vehicle

__all__ = ["Route", "Step", "at", "read_routes"]

STEP_KINDS = {"start", *TASK_KINDS, "break", "end"}
#: every step reports these; all but the arrival are non-negative
_STEP_FIGURES = ("arrival", "waiting_time", "setup", "service", "duration", "distance")


def at(t_s: int) -> str:
    """Return a time for a message: week time to the second, then raw seconds."""
    return f"{format_week_time(t_s, seconds=True)} ({t_s})"


def is_int(value: Any) -> bool:
    """Return whether a JSON value is an integer (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class Step:
    """One step of a route with its task or break of the problem."""

    index: int
    raw: dict
    label: str
    #: the task of a job, pickup or delivery step, when its id is known
    task: Task | None = None
    #: the break of a break step, when the vehicle has it
    brk: Break | None = None
    #: where the step is by the problem: the task's location or the vehicle's depot
    location: int | None = None

    @property
    def kind(self) -> str:
        """Return the step's type."""
        return self.raw["type"]

    @property
    def known(self) -> bool:
        """Return whether the problem knows the step's task or break."""
        return self.kind not in (*TASK_KINDS, "break") or self.task is not None or self.brk is not None

    @property
    def arrival(self) -> int:
        """Return the reported arrival."""
        return self.raw["arrival"]

    @property
    def begin(self) -> int:
        """Return when service (or the break) starts: arrival plus waiting."""
        return self.raw["arrival"] + self.raw["waiting_time"]

    @property
    def departure(self) -> int:
        """Return when the vehicle leaves, with the on-site time of the input."""
        on_site = self.task.setup + self.task.service if self.task is not None else 0
        return self.begin + on_site


@dataclass
class Route:
    """One route of a solution, for one vehicle of the problem."""

    vehicle: Vehicle
    raw: dict
    #: number of capacity dimensions of the problem
    dimensions: int
    steps: list[Step] = field(default_factory=list)

    @property
    def where(self) -> str:
        """Return the route's name in messages."""
        return f"route vehicle {self.vehicle.id}"

    @property
    def complete(self) -> bool:
        """Return whether every step is matched to the problem."""
        return all(step.known for step in self.steps)

    def task_steps(self) -> list[Step]:
        """Return the steps that serve a known task."""
        return [step for step in self.steps if step.task is not None]

    def break_steps(self) -> list[Step]:
        """Return the steps that take a known break."""
        return [step for step in self.steps if step.brk is not None]


def read_routes(model: Model, routes: list) -> tuple[list[Route], list[str]]:
    """Return the routes that can be checked, and why the others cannot.

    Parameters
    ----------
    model
        The problem as the validator reads it.
    routes
        ``solution["routes"]``.
    """
    read: list[Route] = []
    errors: list[str] = []
    used: set[int] = set()
    for r, raw in enumerate(routes):
        if not isinstance(raw, dict) or not isinstance(raw.get("steps"), list):
            errors.append(f"routes[{r}]: expected an object with a list of steps")
            continue
        vehicle_id = raw.get("vehicle")
        if not is_int(vehicle_id) or vehicle_id not in model.vehicles:
            errors.append(f"routes[{r}]: unknown vehicle {vehicle_id!r}")
            continue
        if vehicle_id in used:
            errors.append(f"routes[{r}]: vehicle {vehicle_id} has more than one route")
            continue
        used.add(vehicle_id)
        route = Route(vehicle=model.vehicles[vehicle_id], raw=raw, dimensions=model.dimensions)
        shape_errors = _step_shape_errors(route.where, raw["steps"])
        if shape_errors:
            errors += shape_errors
            continue
        route.steps = [_match(s, step, route, model) for s, step in enumerate(raw["steps"])]
        read.append(route)
    return read, errors


def _step_shape_errors(where: str, steps: list) -> list[str]:
    """List the steps without a known type or without their integer figures."""
    errors = []
    for s, step in enumerate(steps):
        if not isinstance(step, dict) or step.get("type") not in STEP_KINDS:
            errors.append(f"{where} step {s}: missing or unknown type")
            continue
        for key in _STEP_FIGURES:
            if not is_int(step.get(key)) or (key != "arrival" and step[key] < 0):
                errors.append(f"{where} step {s}: {key} missing or not a non-negative integer")
    return errors


def _match(s: int, raw: dict, route: Route, model: Model) -> Step:
    """Return step `s` matched to its task, break or depot."""
    kind, step_id = raw["type"], raw.get("id")
    label = f"{route.where} step {s} ({kind}{'' if step_id is None else ' ' + str(step_id)})"
    step = Step(index=s, raw=raw, label=label)
    vehicle = route.vehicle
    if is_int(step_id) and kind in TASK_KINDS:
        step.task = model.tasks.get((kind, step_id))
    elif is_int(step_id) and kind == "break":
        step.brk = vehicle.breaks.get(step_id)
    if step.task is not None:
        step.location = step.task.location_index
    elif kind in ("start", "end"):
        step.location = vehicle.start_index if kind == "start" else vehicle.end_index
    return step

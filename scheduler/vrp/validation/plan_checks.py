"""The rules across routes: the solution's shape, shipments, coverage and summary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scheduler.vrp.validation.reading import TASK_KINDS, Model, Shipment
from scheduler.vrp.validation.routes import Route, Step, is_int

__all__ = ["check_coverage", "check_delivery_groups", "check_shipments", "check_solution_shape", "check_summary"]

#: route figures that the summary adds up
_ROUTE_SUMS = ("cost", "setup", "service", "duration", "waiting_time", "priority", "distance")


def check_solution_shape(solution: Any) -> str | None:
    """Return why the solution cannot be checked at all, or None.

    Parameters
    ----------
    solution
        The decoded solution JSON.
    """
    if not isinstance(solution, dict):
        return "solution: expected a JSON object"
    if not isinstance(solution.get("routes"), list):
        return "solution.routes: missing or not a list"
    if not isinstance(solution.get("unassigned"), list):
        return "solution.unassigned: missing or not a list"
    return None


def check_shipments(model: Model, routes: list[Route]) -> Iterator[str]:
    """Serve both halves of each routed shipment on one route, pickup first, within max_ride_time.

    Parameters
    ----------
    model
        The problem as the validator reads it.
    routes
        The routes that have the right shape.
    """
    halves: dict[int, dict[str, tuple[Route, Step]]] = {}  # shipment index -> kind -> where served
    for route in routes:
        for step in route.task_steps():
            if step.task.shipment is not None:
                halves.setdefault(step.task.shipment, {})[step.kind] = (route, step)
    for index, served in halves.items():
        yield from _check_shipment(model.shipments[index], served)


def _check_shipment(shipment: Shipment, served: dict[str, tuple[Route, Step]]) -> Iterator[str]:
    """Check one shipment of which at least one half is routed."""
    label = f"shipment {shipment.pickup.id}/{shipment.delivery.id}"
    if set(served) != {"pickup", "delivery"}:
        yield f"{label}: only the {next(iter(served))} is routed"
        return
    (pickup_route, pickup), (delivery_route, delivery) = served["pickup"], served["delivery"]
    if pickup_route is not delivery_route:
        yield (f"{label}: pickup on vehicle {pickup_route.vehicle.id} but delivery on vehicle"
               f" {delivery_route.vehicle.id}")
        return
    if pickup.index > delivery.index:
        yield f"{delivery.label}: before its pickup (step {pickup.index})"
    if shipment.max_ride_time is not None:
        ride = delivery.begin - pickup.departure
        if ride > shipment.max_ride_time:
            yield f"{delivery.label}: ride {ride} s exceeds max_ride_time {shipment.max_ride_time}"


def check_delivery_groups(model: Model, routes: list[Route]) -> Iterator[str]:
    """Serve each delivery group all or none, on one route, its deliveries in a row at one door.

    In a row means no other step between them, a break step included; their
    order is free.

    Parameters
    ----------
    model
        The problem as the validator reads it.
    routes
        The routes that have the right shape.
    """
    where: dict[tuple[str, int], tuple[Route, Step]] = {}
    for route in routes:
        for step in route.task_steps():
            where[step.task.key] = (route, step)
    groups: dict[str, list[Shipment]] = {}
    for shipment in model.shipments:
        if shipment.delivery_group is not None:
            groups.setdefault(shipment.delivery_group, []).append(shipment)
    for name, members in groups.items():
        served = [where[s.delivery.key] for s in members if s.delivery.key in where]
        label = f"delivery group {name!r}"
        if served and len(served) < len(members):
            missing = [s.delivery.id for s in members if s.delivery.key not in where]
            yield f"{label}: deliveries {missing} are not routed but the rest of the group is"
            continue
        if not served:
            continue
        if len({id(route) for route, _ in served}) > 1:
            vehicles = sorted({route.vehicle.id for route, _ in served})
            yield f"{label}: deliveries on several vehicles {vehicles}, not in one visit"
            continue
        indices = sorted(step.index for _, step in served)
        if indices[-1] - indices[0] != len(indices) - 1:
            route = served[0][0]
            between = [route.steps[i].label for i in range(indices[0], indices[-1]) if i not in indices]
            yield f"{label}: other steps between its deliveries ({'; '.join(between)}), not one visit"
        if len({step.task.location_index for _, step in served}) > 1:
            yield f"{label}: deliveries at different locations, not one door"


def check_coverage(model: Model, routes: list[Route], unassigned: list) -> list[str]:
    """Serve every task once or list it in ``unassigned`` once, naming only known tasks.

    Parameters
    ----------
    model
        The problem as the validator reads it.
    routes
        The routes that have the right shape.
    unassigned
        ``solution["unassigned"]``.
    """
    errors: list[str] = []
    served: dict[tuple[str, int], str] = {}  # task key -> route that serves it
    for route in routes:
        for step in route.task_steps():
            if step.task.key in served:
                errors.append(f"{step.label}: already served in {served[step.task.key]}")
            served[step.task.key] = route.where
    listed: set[tuple[str, int]] = set()
    for u, item in enumerate(unassigned):
        error = _unassigned_error(model, item, served, listed)
        if error:
            errors.append(f"unassigned[{u}]: {error}")
    accounted = served.keys() | listed
    errors += [f"{kind} {task_id}: neither routed nor listed as unassigned"
               for kind, task_id in model.tasks if (kind, task_id) not in accounted]
    return errors


def _unassigned_error(model: Model, item: Any, served: dict, listed: set) -> str | None:
    """Return what is wrong with one entry of ``unassigned`` (and note it as listed)."""
    if not isinstance(item, dict) or item.get("type") not in TASK_KINDS:
        return "expected an object with type job, pickup or delivery"
    kind, task_id = item["type"], item.get("id")
    key = (kind, task_id)
    if not is_int(task_id) or key not in model.tasks:
        return f"unknown {kind} id {task_id!r}"
    error = None
    if key in served:
        error = f"{kind} {task_id} is also routed in {served[key]}"
    elif key in listed:
        error = f"{kind} {task_id} listed twice"
    listed.add(key)
    return error


def check_summary(solution: dict) -> Iterator[str]:
    """Give in the summary the sums of the routes' figures and the counts of routes and unassigned.

    Parameters
    ----------
    solution
        A solution whose ``routes`` and ``unassigned`` are lists.
    """
    summary = solution.get("summary")
    if not isinstance(summary, dict):
        yield "summary: missing"
        return
    routes = [route for route in solution["routes"] if isinstance(route, dict)]
    sums = {key: sum(route.get(key, 0) if is_int(route.get(key, 0)) else 0 for route in routes)
            for key in _ROUTE_SUMS}
    sums["routes"] = len(solution["routes"])
    sums["unassigned"] = len(solution["unassigned"])
    for key, value in sums.items():
        if summary.get(key) != value:
            yield f"summary.{key} is {summary.get(key)!r} but the routes sum to {value}"

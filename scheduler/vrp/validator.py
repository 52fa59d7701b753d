"""Check a solution against its problem, independently of the solver.

`validate` recomputes every figure from the problem's input and matrices
alone and lists each broken rule of ``PROBLEM_FORMAT.md`` as one readable line
naming the route and the step, e.g.
``route vehicle 2 step 3 (job 7): service starts Tue 8:50 outside its time windows``.
An empty list means the solution is valid.

Independence: the validator neither imports OR-Tools nor shares the solver's
parser (`scheduler.vrp.problem`); it reads the problem itself
(`scheduler.vrp.validation.reading`), so a misread field or a wrong default in
the parser shows up as a violation instead of hiding in both. They share only
the format's own rules (`scheduler.vrp.format`: MAX_TIME, the route cost). A
problem the validator cannot read gives a single line ``problem: <field>: ...``.

The parts live in `scheduler.vrp.validation`: `routes` (the shape of the
routes), `route_checks` (one check per rule of a route), `plan_checks`
(shipments, delivery groups, coverage, summary) and `held_checks` (steps held
to a vehicle, residents moved from their told time).
"""

from __future__ import annotations

from scheduler.vrp.validation.held_checks import check_held
from scheduler.vrp.validation.plan_checks import (
    check_coverage,
    check_delivery_groups,
    check_shipments,
    check_solution_shape,
    check_summary,
)
from scheduler.vrp.validation.reading import UnreadableProblem, read_problem
from scheduler.vrp.validation.route_checks import check_route
from scheduler.vrp.validation.routes import read_routes

__all__ = ["validate"]


def validate(problem: dict, solution: dict) -> list[str]:
    """List every rule of the problem format that the solution breaks.

    Parameters
    ----------
    problem
        The problem dict the solution claims to solve.
    solution
        A solution dict (``code``, ``summary``, ``unassigned``, ``routes``).

    Returns
    -------
    list of str
        One line per violation; empty when the solution is valid.
    """
    try:
        model = read_problem(problem)
    except UnreadableProblem as exc:
        return [f"problem: {exc}"]
    shape_error = check_solution_shape(solution)
    if shape_error:
        return [shape_error]
    routes, errors = read_routes(model, solution["routes"])
    for route in routes:
        errors += check_route(route)
    errors += check_shipments(model, routes)
    errors += check_delivery_groups(model, routes)
    errors += check_coverage(model, routes, solution["unassigned"])
    errors += check_summary(solution)
    errors += check_held(problem, routes, solution)
    return errors

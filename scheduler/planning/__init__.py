"""Plan a week from stored requests: compile, solve, validate, store a plan version.

`plan_week` is the dispatcher's "plan the week" button:

1. read the open requests, residents, sites, vehicles, services and shift
   exceptions from the `Store`, and the week's service days and shifts from
   `scheduler.service_calendar`;
2. compile them into the problem format (`scheduler.compiler.compile_week`;
   one matrix computation for all locations);
3. solve (`scheduler.vrp.solver.solve`) and check the answer with the independent
   validator (`scheduler.vrp.validator.validate`): an invalid plan is refused
   (`PlanningError`) and nothing is stored;
4. store the routes as a new **plan version** of the week (earlier versions
   stay as history), with every unassigned request and its reason in words for
   staff, and set the served requests to ``planned`` (requests of this week
   that were planned before but no longer fit go back to ``booked`` or
   ``received``) — all in one transaction. A hall session whose rule day is
   a holiday or has no service was moved or cancelled by the compiler; that
   transaction also records it on the request and moves its seats
   (`holiday_sessions`), and the plan's summary lists it for the board.

A request counts as served only when all its tasks are routed (an errand from
two shops needs both). A request with a promised window that the plan cannot
serve is a *broken promise*: it is listed first, with "call the resident back".
Logging carries ids and counts only, never personal data.

The package has one module per concern:

``run``
    the steps: `compile_from_store`, `plan_week`, `publish`, `PlanningError`
    and the `PlanResult`.
``plan_building``
    a solution → an unsaved `Plan` (`build_plan`), and the request statuses a
    stored plan changes.
``holiday_sessions``
    sessions on a day off: their events, their seats, the summary's ``session_moves``.
``wording``
    reasons in words for staff (`reason_in_words`, `BROKEN_PROMISE`).
``diff``
    what changed between two plan versions (`diff_plans`, `PlanDiff`).
``report``
    the text summary of a planning run for the command line (`format_result`).
"""

from scheduler.planning.diff import PlanDiff, diff_plans
from scheduler.planning.plan_building import build_plan
from scheduler.planning.report import format_result
from scheduler.planning.run import (
    PlanningError,
    PlanResult,
    compile_from_store,
    plan_week,
    publish,
)
from scheduler.planning.wording import BROKEN_PROMISE, reason_in_words

__all__ = [
    "BROKEN_PROMISE",
    "PlanDiff",
    "PlanResult",
    "PlanningError",
    "build_plan",
    "compile_from_store",
    "diff_plans",
    "format_result",
    "plan_week",
    "publish",
    "reason_in_words",
]

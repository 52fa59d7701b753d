"""`odekake plan-week`, `odekake plan diff` and `odekake plan publish`: plan a week, compare and publish versions.

Tables printed for staff may show residents' names; nothing personal goes
to `logging` (the solver's progress is logged as counts only, ``odekake -v``).
"""

from __future__ import annotations

import json
import logging

import click

from scheduler.cli.common import open_network, open_store, os_user, stored_plan
from scheduler.service_calendar import parse_monday

__all__ = ["COMMANDS"]

log = logging.getLogger(__name__)


def _progress_logger():
    """Return a progress callback logging the solver's best plan so far when its counts change (``odekake -v``).

    Counts only: no resident's data reaches the log.
    """
    last = None

    def log_progress(found) -> None:
        nonlocal last
        counts = (found.served, found.unassigned, found.promises_kept, found.promised)
        if counts != last:
            last = counts
            promises = f", promises kept {found.promises_kept}/{found.promised}" if found.promised else ""
            log.info("best plan so far: %d planned, %d not planned%s", found.served, found.unassigned, promises)
    return log_progress


@click.command("plan-week")
@click.argument("week_text", metavar="YYYY-MM-DD")
@click.option("--time-limit", "time_limit_s", default=20.0, type=float, show_default=True,
              help="Seconds the solver may search.")
@click.option("--seed", default=0, type=int, show_default=True, help="Solver seed.")
@click.option("--solution-limit", default=None, type=click.IntRange(min=1),
              help="Stop after N improving solutions: the same plan on any machine (within the time limit).")
@click.option("--export-problem", "problem_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the compiled problem JSON here.")
@click.option("--export-solution", "solution_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the solver's solution JSON here.")
@click.pass_context
def plan_week_command(ctx: click.Context, week_text: str, time_limit_s: float, seed: int,
                      solution_limit: int | None, problem_path: str | None, solution_path: str | None) -> None:
    """Plan the week starting on Monday YYYY-MM-DD and store it as a new plan version."""
    from routing.files import write_atomic
    from scheduler.io.exports import dumps
    from scheduler.planning import format_result, plan_week
    from scheduler.vrp.params import SolveParams

    week = parse_monday(week_text)
    params = SolveParams(time_limit_s=time_limit_s, seed=seed, solution_limit=solution_limit)
    network = open_network(ctx)
    def export_problem(compiled) -> None:
        write_atomic(problem_path, json.dumps(compiled.problem) + "\n")

    with open_store(ctx) as store:
        # the problem is written before solving, so it is there when planning fails
        result = plan_week(store, network, week, params=params, user=os_user(),
                           on_compiled=export_problem if problem_path else None, on_progress=_progress_logger())
        if solution_path:
            write_atomic(solution_path, dumps(result.solution))
        for line in format_result(result, store):
            click.echo(line)


@click.group("plan")
def plan() -> None:
    """Compare and publish plan versions."""


@plan.command("diff")
@click.option("--week", "week_text", required=True, help="Monday of the week.")
@click.argument("old", type=int)
@click.argument("new", type=int)
@click.pass_context
def plan_diff(ctx: click.Context, week_text: str, old: int, new: int) -> None:
    """Show what changed from version OLD to version NEW of a week's plan."""
    from scheduler.planning import diff_plans

    week = parse_monday(week_text)
    with open_store(ctx) as store:
        diff = diff_plans(stored_plan(store, week, old), stored_plan(store, week, new))
        labels = store.id_labels()
    for line in diff.lines(labels):
        click.echo(line)


@plan.command("publish")
@click.option("--week", "week_text", required=True, help="Monday of the week.")
@click.option("--version", type=int, default=None, help="Version to publish (default: the latest).")
@click.pass_context
def plan_publish(ctx: click.Context, week_text: str, version: int | None) -> None:
    """Publish a plan version to the drivers."""
    from scheduler.planning import publish

    week = parse_monday(week_text)
    with open_store(ctx) as store:
        published = publish(store, stored_plan(store, week, version).id, user=os_user())
    click.echo(f"published week {week.isoformat()} plan v{published.version}")


#: The commands this module adds to `odekake`.
COMMANDS: list[click.Command] = [plan_week_command, plan]

"""`odekake closure add|list|remove`: closed roads (通行止め), stored for planning (`scheduler.closures`).

``add`` takes the road as OSM way ids (``--way ID``, repeatable) or two points
(``--from-point LAT,LON --to-point LAT,LON``: the fastest road between them),
and the period (``--from``, ``--until``: ISO, the city's time). It prints how
many place pairs of the published plan of the first week the closure touches
have a fastest path along it, and the sites and residents (city ids) no depot
can reach any more. Then, as ``POST /api/closures`` does in a job, it re-plans
the published days from now on with a leg still to drive that the closure
changes or cuts (`scheduler.closures.affected_days`), here and now: it prints
those days, the legs, the stops cut off, and per day the new draft version and
whom to call (as ``odekake replan``). ``--no-replan`` only stores the closure.
"""

from __future__ import annotations

import click

from routing.errors import InputError
from scheduler.cli.common import DB_ID, city_moment, open_network, open_store, os_user

__all__ = ["COMMANDS"]


def _point(text: str | None, field: str) -> tuple[float, float]:
    try:
        lat, lon = (float(x) for x in (text or "").split(","))
    except ValueError:
        raise InputError.of(field, "{text!r} is not LAT,LON such as 32.80,130.71", text=text) from None
    return lat, lon


@click.group("closure")
def closure() -> None:
    """Closed roads: add, list, remove (planning leaves them out on the days they are closed)."""


@closure.command("add")
@click.option("--way", "ways", type=DB_ID, multiple=True, help="OSM way id of a closed road (repeatable).")
@click.option("--from-point", help="LAT,LON at one end of the closed road.")
@click.option("--to-point", help="LAT,LON at the other end.")
@click.option("--from", "start", required=True, help="Closed from (ISO, the city's time: 2026-12-01T08:00).")
@click.option("--until", "end", required=True, help="Closed until (ISO).")
@click.option("--note", default="", help="Why (snow, landslide, works).")
@click.option("--replan/--no-replan", default=True, show_default=True,
              help="Re-plan the published days the closure touches (else only store it).")
@click.option("--time-limit", type=float, default=10.0, show_default=True, help="Seconds per day re-planned.")
@click.option("--solution-limit", type=click.IntRange(1), default=None,
              help="Stop each day's search after this many solutions (a repeatable result: tests, training copies).")
@click.pass_context
def add(ctx: click.Context, ways: tuple[int, ...], from_point: str | None, to_point: str | None, start: str,
        end: str, note: str, replan: bool, time_limit: float, solution_limit: int | None) -> None:
    """Close a road, say what it cuts off in the published plan, and re-plan the days it touches."""
    from scheduler.clock import city_today, stamp_now
    from scheduler.closures import RoadClosure, record_closure
    from scheduler.vrp.params import SolveParams

    points = ()
    if from_point is not None or to_point is not None:
        points = (_point(from_point, "from-point"), _point(to_point, "to-point"))
    closure_ = RoadClosure(start=city_moment(start, "from"), end=city_moment(end, "until"), way_ids=tuple(ways),
                           points=points, note=note)
    network = open_network(ctx)
    with open_store(ctx, existing=True) as store:
        report = record_closure(store, network, closure_, today=city_today(), user=os_user(), now=stamp_now())
        _echo_report(report)
        if replan:
            _replan_affected(store, network, report.closure, SolveParams(time_limit_s=time_limit,
                                                                        solution_limit=solution_limit))
        else:
            click.echo("not re-planned (--no-replan): the days it touches keep their published plan")


def _echo_report(report) -> None:
    closure_ = report.closure
    click.echo(f"closure {closure_.id}: {report.roads} road edges closed "
               f"from {closure_.start.isoformat(timespec='minutes')} until {closure_.end.isoformat(timespec='minutes')}")
    if not report.published:
        click.echo(f"week {report.week.isoformat()}: no published plan to check")
        return
    click.echo(f"week {report.week.isoformat()}: {report.pairs} of {report.places * report.places} place pairs "
               "had their fastest road through it")
    if report.unreachable:
        click.echo("unreachable: " + ", ".join(f"{kind} {cid}" for kind, cid in report.unreachable))
    else:
        click.echo("every place is still reachable")


def _replan_affected(store, network, closure_, params) -> None:
    """Re-plan the published days the closure touches (as the API's closure job) and print each re-plan."""
    from scheduler.cli.replan import MARGIN_MINUTES, echo_replan
    from scheduler.clock import city_now
    from scheduler.closures import affected_days
    from scheduler.planning.replan_jobs import replan_days

    now = city_now()
    affected = affected_days(store, network, closure_, now=now)
    if not affected.days:
        click.echo("no published day from now on has a leg it changes: nothing to re-plan")
        return
    click.echo(f"days touched: {', '.join(d.isoformat() for d in affected.days)} "
               f"({affected.legs} legs still to drive changed or cut)")
    labels = store.id_labels()
    for stop in affected.unreachable:
        click.echo(f"cut off: request {labels.request(stop['request_id'])} "
                   f"(vehicle {labels.vehicle(stop['vehicle_id'])}, {stop['day']})")
    for result in replan_days(store, network, affected.days, now=now, user=os_user(),
                              params=params, margin_s=MARGIN_MINUTES * 60):
        echo_replan(store, result)


@closure.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List every closure: id, from, until, the road, note."""
    with open_store(ctx, existing=True) as store:
        closures = store.road_closures.all()
    for c in closures:
        road = (f"ways {','.join(map(str, c.way_ids))}" if c.way_ids else
                f"between {c.points[0]} and {c.points[1]}" if c.points else f"{len(c.edges)} edges")
        click.echo(f"{c.id}\t{c.start.isoformat(timespec='minutes')}\t{c.end.isoformat(timespec='minutes')}\t"
                   f"{road}\t{c.note}")
    if not closures:
        click.echo("no road closures")


@closure.command("remove")
@click.argument("closure_id", type=DB_ID)
@click.pass_context
def remove(ctx: click.Context, closure_id: int) -> None:
    """Remove a closure (the road is open again)."""
    with open_store(ctx, existing=True) as store:
        store.road_closures.delete(closure_id)
    click.echo(f"closure {closure_id} removed")


COMMANDS = [closure]

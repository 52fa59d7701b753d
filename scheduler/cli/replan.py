"""`odekake replan DAY [--from HH:MM]` and `odekake outage VEHICLE --from ISO --until ISO --reason TEXT`.

``replan`` re-plans the rest of a day from the live state (`scheduler.planning.replan_day`) and
``outage`` stores a vehicle out of service and re-plans the days it touches
(`scheduler.planning.outages`). Each stores derived **draft** versions and prints, per day,
the version, the residents moved beyond the margin, the changes (`plan diff`'s lines) and
whom to phone; ``odekake plan publish`` sends a version to the drivers.
"""

from __future__ import annotations

import datetime as dt

import click

from routing.errors import InputError
from scheduler.cli.common import DB_ID, city_moment, open_network, open_store, os_user

__all__ = ["COMMANDS", "MARGIN_MINUTES", "echo_replan"]

#: The margin a told time may be left by (the web app's ODEKAKE_CALL_MARGIN_MINUTES default).
MARGIN_MINUTES = 15


def echo_replan(store, result) -> None:
    """Print a day's re-plan: its version, the residents moved, the diff's lines and whom to call."""
    from scheduler.domain import hhmm

    plan = result.plan
    click.echo(f"{plan.summary['change']['day']}: week {plan.week_start} v{plan.version} (draft, from "
               f"v{result.base.version}): {result.moved} residents moved beyond the margin, "
               f"{plan.summary['served']} served, {plan.summary['unassigned']} unassigned")
    for line in result.diff.lines(store.id_labels())[1:]:
        click.echo(line)
    labels = store.id_labels()
    for call in result.calls:
        new = hhmm(call.expected_s) if call.expected_s is not None else "-"
        click.echo(f"  call {labels.request(call.request_id)}: {call.reason}, told "
                   f"{hhmm(call.told.start_s)}-{hhmm(call.told.end_s)}, now {new} {call.detail}".rstrip())


@click.command("replan")
@click.argument("day")
@click.option("--from", "start", default=None, help="Re-plan from this time of the day (HH:MM; default now).")
@click.option("--time-limit", type=float, default=10.0, show_default=True, help="Seconds the solver may search.")
@click.pass_context
def replan(ctx: click.Context, day: str, start: str | None, time_limit: float) -> None:
    """Re-plan the rest of DAY (2026-12-01) from where every van is: a draft version."""
    from scheduler.clock import city_now
    from scheduler.planning.replan_day import replan_day
    from scheduler.vrp.params import SolveParams

    when = _day(day)
    now = city_now()
    if start is not None:
        try:
            hour, minute = (int(p) for p in start.split(":"))
            now = max(now, dt.datetime.combine(when, dt.time(hour, minute)))
        except ValueError:
            raise InputError.of("from", "{text!r} is not a time like 8:30", text=start) from None
    with open_store(ctx, existing=True) as store:
        result = replan_day(store, open_network(ctx), when, now=now, user=os_user(),
                            params=SolveParams(time_limit_s=time_limit), margin_s=MARGIN_MINUTES * 60)
        echo_replan(store, result)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError.of("day", "{text!r} is not a date like 2026-12-01", text=text) from None


@click.command("outage")
@click.argument("vehicle", type=DB_ID)
@click.option("--from", "start", required=True, help="Out of service from (ISO, the city's time: 2026-12-01T11:00).")
@click.option("--until", "end", required=True, help="Until (ISO).")
@click.option("--reason", default="other", show_default=True,
              help="maintenance, absence, other, or any text (kept as the note).")
@click.option("--time-limit", type=float, default=10.0, show_default=True, help="Seconds per day re-planned.")
@click.pass_context
def outage(ctx: click.Context, vehicle: int, start: str, end: str, reason: str, time_limit: float) -> None:
    """Take VEHICLE (its database id) out of service and re-plan the days it touches."""
    from scheduler.clock import city_now
    from scheduler.planning.outages import record_outage
    from scheduler.vrp.params import SolveParams

    with open_store(ctx, existing=True) as store:
        out = record_outage(store, open_network(ctx), vehicle, city_moment(start, "from"), city_moment(end, "until"),
                            reason, now=city_now(), user=os_user(), params=SolveParams(time_limit_s=time_limit),
                            margin_s=MARGIN_MINUTES * 60)
        for exc in out.exceptions:
            click.echo(f"shift exception {exc.id}: vehicle {vehicle} on {exc.day} ({exc.reason})")
        for result in out.replans:
            echo_replan(store, result)
        for day in out.skipped_days:
            click.echo(f"{day}: not re-planned (over, no published week, or no route of the vehicle)")


COMMANDS = [replan, outage]

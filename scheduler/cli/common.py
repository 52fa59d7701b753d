"""What the scheduler's commands share: the instance's store and road network, the user, a stored plan.

Every command works on the instance folder in ``ctx.obj["instance"]``. Bad
input raises an `InputError`, which the top-level group (`webapp.cli`) prints
as one ``error: ...`` line with exit status 2.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from pathlib import Path

import click

from routing.errors import InputError
from routing.instance import database_path
from scheduler.clock import time_zone

__all__ = ["DB_ID", "existing_database", "open_network", "open_store", "os_user", "stored_plan"]


def os_user() -> str:
    """Return the operating-system login running the command, recorded as who did it (``cli`` when there is none)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "cli"


def existing_database(ctx: click.Context) -> Path:
    """Return the instance's database file; its absence is an `InputError` (nothing is created)."""
    path = database_path(ctx.obj["instance"])
    if not path.is_file():
        msg = f"{path}: no database (run `odekake init`, or give the right --instance)"
        raise InputError(msg)
    return path


def open_store(ctx: click.Context, *, existing: bool = False):
    """Open the instance's store (created and migrated when missing, unless `existing`: then an `InputError`)."""
    from scheduler.store import Store

    return Store.open(existing_database(ctx)) if existing else Store.for_instance(ctx.obj["instance"])


def open_network(ctx: click.Context):
    """Return the instance's road network."""
    from routing.network import RoadNetwork

    return RoadNetwork.from_instance(ctx.obj["instance"])


def stored_plan(store, week: dt.date, version: int | None):
    """Return the week's plan `version` (default: the latest); none is an `InputError` saying how to make one."""
    plan = store.plans.get(week, version)
    if plan is None:
        which = f"plan version {version}" if version is not None else "plan"
        msg = f"week {week.isoformat()}: no {which}; run `odekake plan-week {week.isoformat()}` first"
        raise InputError(msg)
    return plan


#: A database id typed on the command line: SQLite's INTEGER holds no more (a larger one was an OverflowError).
DB_ID = click.IntRange(1, 2**63 - 1)


def city_moment(text: str, field: str) -> dt.datetime:
    """Return a time typed on the command line in the city's clock: ``2026-12-01T11:00`` as it is, a time
    with an offset (``...+00:00``) converted to the city's time zone (``ODEKAKE_TIME_ZONE``)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError.of(field, "{text!r} is not a time like 2026-12-01T08:00", text=text) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(time_zone(os.environ.get("ODEKAKE_TIME_ZONE")))
    return moment.replace(tzinfo=None, microsecond=0)

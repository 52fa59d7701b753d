"""Planning commands of `odekake` (init, sample, plan-week, plan, export, import).

Every command works on the instance folder in ``ctx.obj["instance"]``. Bad
input (a date that is not a Monday, an unknown plan version, a bad CSV, no
road graph) raises an `InputError`, which the top-level group prints as one
``error: ...`` line with exit status 2. Tables printed for staff may show
residents' names; nothing personal goes to `logging`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
from pathlib import Path

import click

from routing.errors import InputError
from routing.instance import database_path
from scheduler.service_calendar import next_monday, parse_monday

log = logging.getLogger(__name__)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "cli"


def _store(ctx: click.Context):
    from scheduler.store import Store

    return Store.open(database_path(ctx.obj["instance"]))


def _network(ctx: click.Context):
    from routing.network import RoadNetwork

    return RoadNetwork.from_instance(ctx.obj["instance"])


def _plan(store, week: dt.date, version: int | None):
    plan = store.get_plan(week, version)
    if plan is None:
        which = f"plan version {version}" if version is not None else "plan"
        msg = f"week {week.isoformat()}: no {which}; run `odekake plan-week {week.isoformat()}` first"
        raise InputError(msg)
    return plan


# ----------------------------------------------------------------------------- init


@click.command("init")
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the instance database and bring its schema up to date (safe to re-run)."""
    _store(ctx).close()  # opening creates the database and migrates it
    click.echo(f"database ready: {database_path(ctx.obj['instance'])}")


# ----------------------------------------------------------------------------- sample


@click.group("sample")
def sample() -> None:
    """The FICTIONAL sample district and week."""


@sample.command("load")
@click.option("--week", "week_text", default=None, help="Monday of the sample week (default: next Monday).")
@click.option("--seed", default=None, type=int, help="Seed of the generated data (default: the sample's).")
@click.option("--scale", default=1.0, type=float, show_default=True,
              help="Fraction of the full week's requests to create (e.g. 0.1 for a quick trial).")
@click.pass_context
def sample_load(ctx: click.Context, week_text: str | None, seed: int | None, scale: float) -> None:
    """Build the sample road graph if needed and load the sample sites, fleet, residents and requests."""
    from routing.graph import read_instance_info
    from routing.sample_district import build_sample_graph
    from scheduler.io.sample import SAMPLE_SEED, load_sample

    week = parse_monday(week_text) if week_text else next_monday()
    instance = ctx.obj["instance"]
    if read_instance_info(instance) is None:
        info = build_sample_graph(instance)
        click.echo(f"built the sample road graph: {info['nodes']} nodes, {info['edges']} edges")
    with _store(ctx) as store:
        report = load_sample(store, _network(ctx), week, seed=SAMPLE_SEED if seed is None else seed,
                             scale=scale)
    click.echo(report.format())


# ----------------------------------------------------------------------------- plan-week


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
    network = _network(ctx)
    def export_problem(compiled) -> None:
        write_atomic(problem_path, json.dumps(compiled.problem) + "\n")

    with _store(ctx) as store:
        # the problem is written before solving, so it is there when planning fails
        result = plan_week(store, network, week, params=params, user=_user(),
                           on_compiled=export_problem if problem_path else None, on_progress=_progress_logger())
        if solution_path:
            write_atomic(solution_path, dumps(result.solution))
        for line in format_result(result, store):
            click.echo(line)


# ----------------------------------------------------------------------------- plan diff / publish


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
    with _store(ctx) as store:
        diff = diff_plans(_plan(store, week, old), _plan(store, week, new))
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
    with _store(ctx) as store:
        published = publish(store, _plan(store, week, version).id, user=_user())
    click.echo(f"published week {week.isoformat()} plan v{published.version}")


# ----------------------------------------------------------------------------- export


@click.group("export")
def export() -> None:
    """Export data for staff."""


@export.command("plan")
@click.option("--week", "week_text", required=True, help="Monday of the week.")
@click.option("--version", type=int, default=None, help="Plan version (default: the latest).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: standard output).")
@click.pass_context
def export_plan(ctx: click.Context, week_text: str, version: int | None, fmt: str, output: str | None) -> None:
    """Export a plan version: CSV with one row per stop (a file: UTF-8 with BOM, as Excel opens it), or JSON."""
    from routing.files import write_atomic
    from scheduler.io.exports import dumps, plan_csv, plan_json

    week = parse_monday(week_text)
    with _store(ctx) as store:
        p = _plan(store, week, version)
        text = plan_csv(p, store) if fmt == "csv" else dumps(plan_json(p, store))
    if output:
        # a file is for Excel, which reads UTF-8 only with a byte-order mark (else it guesses Shift_JIS)
        write_atomic(output, "\ufeff" + text if fmt == "csv" else text)
        click.echo(f"wrote {output} (week {week.isoformat()} v{p.version}, {len(p.stops)} stops)", err=True)
    else:
        click.echo(text, nl=False)


# ----------------------------------------------------------------------------- import


def _import_checks(instance: Path, table: str, addresses: str | None) -> dict:
    """Return the position checks of an import of residents or sites: road network and address data.

    The road network is the instance's graph when one is built (a row too far
    from any road is refused); the address data is ``--addresses FILE``, else
    the OSM file the graph was built from when it is still there.
    """
    from routing.addresses import AddressIndex
    from routing.graph import read_instance_info
    from routing.network import RoadNetwork

    if table not in ("residents", "sites"):
        return {}
    info = read_instance_info(instance)
    checks: dict = {"network": RoadNetwork.from_instance(instance) if info is not None else None}
    source = addresses or (info or {}).get("source")
    if addresses and not Path(addresses).is_file():
        msg = f"--addresses {addresses}: no such file"
        raise InputError(msg)
    if source and Path(source).is_file() and ".osm" in Path(source).name.lower():
        checks["addresses"] = AddressIndex(Path(source))
    return checks


@click.command("import")
@click.argument("table", type=click.Choice(["residents", "sites", "vehicles", "requests", "session_bookings"]))
@click.argument("path", metavar="FILE.csv")
@click.option("--skip-bad", is_flag=True, help="Skip bad rows (listed) instead of refusing the whole file.")
@click.option("--addresses", "addresses", type=click.Path(dir_okay=False), default=None,
              help="OSM file (.osm, .osm.bz2, .osm.pbf) with addr:* tags, to place residents and sites "
                   "that have an address but no lat/lon.")
@click.pass_context
def import_command(ctx: click.Context, table: str, path: str, skip_bad: bool, addresses: str | None) -> None:
    """Import residents, sites, vehicles, requests or session_bookings from a CSV file (all rows or none).

    With bad rows and no ``--skip-bad`` nothing is written: every bad row is
    listed on standard error and the exit status is 2. When the instance has
    a road graph, every resident and site is checked against it: one farther
    from any road than the snap limit is a bad row.
    """
    if not Path(path).is_file():
        msg = f"{path}: no such file"
        raise InputError(msg)
    from scheduler.io.csv_import import import_csv

    checks = _import_checks(ctx.obj["instance"], table, addresses)
    with _store(ctx) as store:
        report = import_csv(store, table, path, skip_bad=skip_bad, user=_user(), **checks)
    if report.failed:
        click.echo(report.format(), err=True)
        ctx.exit(2)
    click.echo(report.format())


# Commands registered on the top-level `odekake` group by webapp.cli.
# ----------------------------------------------------------------------------- booking


def _read_draft(store, path: str):
    import json

    from scheduler.booking import parse_draft

    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        msg = f"{path}: cannot read the draft as JSON ({exc})"
        raise InputError(msg) from None
    return parse_draft(store, data)


@click.command("offer")
@click.argument("path", metavar="DRAFT.json", type=click.Path(dir_okay=False))
@click.pass_context
def offer_command(ctx: click.Context, path: str) -> None:
    """Print the offers the current plans can keep for a draft request, as JSON (docs/BOOKING.md)."""
    import json

    from scheduler.booking import find_offers

    with _store(ctx) as store:
        result = find_offers(store, _network(ctx), _read_draft(store, path))
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))


@click.command("book")
@click.argument("path", metavar="DRAFT.json", type=click.Path(dir_okay=False))
@click.option("--offer", "k", type=click.IntRange(min=1), required=True, help="Number of the offer to confirm.")
@click.pass_context
def book_command(ctx: click.Context, path: str, k: int) -> None:
    """Confirm offer K of a draft request: book it and insert it into the week's plan (a new version)."""
    from scheduler.booking import SlotTaken, book, find_offers, read_back

    with _store(ctx) as store:
        network = _network(ctx)
        draft = _read_draft(store, path)
        offers = find_offers(store, network, draft).offers
        if k > len(offers):
            msg = f"--offer: {k} is not one of the {len(offers)} offers; run `odekake offer {path}`"
            raise InputError(msg)
        try:
            booking = book(store, network, draft, offers[k - 1], user=_user())
        except SlotTaken as exc:
            msg = f"{exc}; run `odekake offer {path}` again"
            raise InputError(msg) from None
        where = (f"plan v{booking.plan.version}, {booking.plan.status.value}" if booking.plan
                 else "no plan yet for that week")
        click.echo(f"booked request {booking.request.id} for {booking.request.promised.label()} ({where})")
        click.echo(read_back(store, booking.request))


COMMANDS: list[click.Command] = [init, sample, plan_week_command, plan, export, import_command, offer_command,
                                 book_command]


def _safety_commands() -> list[click.Command]:
    from scheduler.safety_cli import COMMANDS as safety

    return safety


COMMANDS += _safety_commands()  # backup, restore, check, resident (scheduler/safety_cli.py)

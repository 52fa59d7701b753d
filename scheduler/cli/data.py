"""`odekake init`, `odekake sample load` / `simulate`, `odekake import` and `odekake export plan`: data in and out.

Bad input (a date that is not a Monday, an unknown plan version, a bad CSV,
no road graph) raises an `InputError`, printed as one ``error: ...`` line.
"""

from __future__ import annotations

from pathlib import Path

import click

from routing.errors import InputError
from routing.instance import database_path
from scheduler.cli.common import open_network, open_store, os_user, stored_plan
from scheduler.service_calendar import next_monday, parse_monday

__all__ = ["COMMANDS"]


@click.command("init")
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the instance database and bring its schema up to date (safe to re-run)."""
    open_store(ctx).close()  # opening creates the database and migrates it
    click.echo(f"database ready: {database_path(ctx.obj['instance'])}")


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
    with open_store(ctx) as store:
        report = load_sample(store, open_network(ctx), week, seed=SAMPLE_SEED if seed is None else seed,
                             scale=scale)
    click.echo(report.format())


@sample.command("simulate")
@click.option("--weeks", default=13, type=click.IntRange(1, 260), show_default=True, help="How many weeks to play.")
@click.option("--start", "start_text", default=None,
              help="Monday of the first week (default: after the last week planned, else next Monday).")
@click.option("--seed", default=None, type=int, help="Seed of the drawn outcomes (default: the sample's).")
@click.option("--scale", default=1.0, type=float, show_default=True,
              help="Fraction of the sample's weekly requests (e.g. 0.3 for a quick history).")
@click.pass_context
def sample_simulate(ctx: click.Context, weeks: int, start_text: str | None, seed: int | None, scale: float) -> None:
    """Play weeks of the sample district day by day (plan, publish, reports at every stop), a line per week.

    Loads the sample first into an empty instance. Plans with a solution limit: a few seconds a week.
    """
    from routing.graph import read_instance_info
    from routing.sample_district import build_sample_graph
    from scheduler.evidence.simulate import simulate_weeks
    from scheduler.io.sample import SAMPLE_SEED

    instance = ctx.obj["instance"]
    if read_instance_info(instance) is None:
        info = build_sample_graph(instance)
        click.echo(f"built the sample road graph: {info['nodes']} nodes, {info['edges']} edges")
    with open_store(ctx) as store:
        played = simulate_weeks(store, open_network(ctx), weeks, start=parse_monday(start_text) if start_text else None,
                                seed=SAMPLE_SEED if seed is None else seed, scale=scale,
                                on_week=lambda week: click.echo(week.line()))
    click.echo(f"simulated {len(played)} weeks (FICTIONAL sample district)")


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
    with open_store(ctx) as store:
        p = stored_plan(store, week, version)
        text = plan_csv(p, store) if fmt == "csv" else dumps(plan_json(p, store))
    if output:
        # a file is for Excel, which reads UTF-8 only with a byte-order mark (else it guesses Shift_JIS)
        write_atomic(output, "\ufeff" + text if fmt == "csv" else text)
        click.echo(f"wrote {output} (week {week.isoformat()} v{p.version}, {len(p.stops)} stops)", err=True)
    else:
        click.echo(text, nl=False)


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
    with open_store(ctx) as store:
        report = import_csv(store, table, path, skip_bad=skip_bad, user=os_user(), **checks)
    if report.failed:
        click.echo(report.format(), err=True)
        ctx.exit(2)
    click.echo(report.format())


#: The commands this module adds to `odekake`.
COMMANDS: list[click.Command] = [init, sample, import_command, export]

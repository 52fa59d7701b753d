"""`odekake evidence rebuild` and `odekake population import` (issue 27).

``evidence rebuild``: the figures' daily summary summed again from the raw rows.
The summary (`scheduler.evidence.summary`) follows the crew's reports, cancellations and published
plans by itself, and a day never summed is summed when a question first reads it; ``rebuild`` is for
the rest: rows written around the store (an import, a repair by hand), a seat or a request changed
after its stop was reported. ``--from`` / ``--to`` (ISO dates) bound it; by default every day with data.

``population import FILE``: the population per district (`scheduler.evidence.population`), for the
share of each district reached. A file with bad rows imports nothing: every bad row is listed on
standard error (its row number and field) and the exit status is 2, as ``odekake import`` does; a
good file replaces the whole table.
"""

from __future__ import annotations

import datetime as dt
import time

import click

from routing.errors import InputError
from scheduler.cli.common import open_store

__all__ = ["COMMANDS"]


def _day(text: str | None, field: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError.of(field, "{text!r} is not a date like 2026-04-01", text=text) from None


@click.group("evidence")
def evidence() -> None:
    """The figures of the yearly evaluation (実績)."""


@evidence.command("rebuild")
@click.option("--from", "first_text", default=None, help="First day (default: the first day with data).")
@click.option("--to", "last_text", default=None, help="Last day (default: the last day with data).")
@click.pass_context
def rebuild(ctx: click.Context, first_text: str | None, last_text: str | None) -> None:
    """Sum the figures' daily summary again from the reports, routes and cancellations."""
    from scheduler.evidence.summary import rebuild as rebuild_days

    first, last = _day(first_text, "from"), _day(last_text, "to")
    if first and last and last < first:
        raise InputError.of("to", "the period ends on {last} before it starts on {first}", last=last, first=first)
    start = time.perf_counter()
    with open_store(ctx, existing=True) as store:
        days = rebuild_days(store, first, last)
    click.echo(f"summed {days} days again in {time.perf_counter() - start:.1f} s")


@click.group("population")
def population() -> None:
    """The population per district (e.g. residents aged 65+ from the census), for the share reached."""


@population.command("import")
@click.argument("path", metavar="FILE.csv")
@click.pass_context
def import_population_command(ctx: click.Context, path: str) -> None:
    """Replace the population table with FILE.csv (columns district, population, optional label): all rows or none."""
    from pathlib import Path

    from scheduler.evidence.population import import_population

    if not Path(path).is_file():
        msg = f"{path}: no such file"
        raise InputError(msg)
    with open_store(ctx) as store:
        try:
            districts = import_population(store, path)
        except InputError as exc:
            problems = exc.params.get("problems") if exc.params else None
            if not problems:
                raise
            click.echo(f"{len(problems)} bad rows, nothing imported:", err=True)
            for problem in problems:
                click.echo(f"  {problem}", err=True)
            ctx.exit(2)
    click.echo(f"imported the population of {districts} districts (the table replaced)")


COMMANDS = [evidence, population]

"""`odekake evidence rebuild`: the figures' daily summary summed again from the raw rows (issue 27).

The summary (`scheduler.evidence.summary`) follows the crew's reports, cancellations and published
plans by itself, and a day never summed is summed when a question first reads it; ``rebuild`` is for
the rest: rows written around the store (an import, a repair by hand), a seat or a request changed
after its stop was reported. ``--from`` / ``--to`` (ISO dates) bound it; by default every day with data.
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


COMMANDS = [evidence]

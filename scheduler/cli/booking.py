"""`odekake offer` and `odekake book`: a phone booking from the command line (docs/BOOKING.md)."""

from __future__ import annotations

import json

import click

from routing.errors import InputError
from scheduler.cli.common import open_network, open_store, os_user

__all__ = ["COMMANDS"]


def _read_draft(store, path: str):
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
    from scheduler.booking import find_offers

    with open_store(ctx) as store:
        result = find_offers(store, open_network(ctx), _read_draft(store, path))
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))


@click.command("book")
@click.argument("path", metavar="DRAFT.json", type=click.Path(dir_okay=False))
@click.option("--offer", "k", type=click.IntRange(min=1), required=True, help="Number of the offer to confirm.")
@click.pass_context
def book_command(ctx: click.Context, path: str, k: int) -> None:
    """Confirm offer K of a draft request: book it and insert it into the week's plan (a new version)."""
    from scheduler.booking import SlotTaken, book, find_offers, read_back

    with open_store(ctx) as store:
        network = open_network(ctx)
        draft = _read_draft(store, path)
        offers = find_offers(store, network, draft).offers
        if k > len(offers):
            msg = f"--offer: {k} is not one of the {len(offers)} offers; run `odekake offer {path}`"
            raise InputError(msg)
        try:
            booking = book(store, network, draft, offers[k - 1], user=os_user())
        except SlotTaken as exc:
            msg = f"{exc}; run `odekake offer {path}` again"
            raise InputError(msg) from None
        where = (f"plan v{booking.plan.version}, {booking.plan.status.value}" if booking.plan
                 else "no plan yet for that week")
        click.echo(f"booked request {booking.request.id} for {booking.request.promised.label()} ({where})")
        click.echo(read_back(store, booking.request))


#: The commands this module adds to `odekake`.
COMMANDS: list[click.Command] = [offer_command, book_command]

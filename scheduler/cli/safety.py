"""`odekake backup|restore|check|resident export|resident forget|audit export`: data safety.

Storage work only (`scheduler.store.backup`, `scheduler.store.check`,
`scheduler.store.personal`); see docs/RELIABILITY.md. Messages name files
and ids, never a resident's name.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from routing.errors import InputError
from routing.instance import database_path
from scheduler.cli.common import existing_database, open_store, os_user

__all__ = ["COMMANDS"]


@click.command("backup")
@click.argument("target", metavar="FILE", type=click.Path())
@click.option("--keep", type=int, default=None,
              help="FILE is a folder: write a dated copy there and keep only the newest N.")
@click.pass_context
def backup(ctx: click.Context, target: str, keep: int | None) -> None:
    """Copy the database to FILE while it is in use, and check the copy before saying it is done."""
    from scheduler.store.backup import backup_database, inspect_database

    written = backup_database(existing_database(ctx), Path(target), keep=keep)
    info = inspect_database(written)
    click.echo(f"backup written and checked: {written} (schema {info.schema_version}, "
               f"{info.rows.get('residents', 0)} residents, {info.rows.get('requests', 0)} requests, "
               f"plan versions {info.rows.get('plans', 0)})")


@click.command("restore")
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False))
@click.pass_context
def restore(ctx: click.Context, source: str) -> None:
    """Replace the database with the backup FILE (checked first; the current one is kept aside)."""
    from scheduler.store.backup import restore_database

    info, kept = restore_database(database_path(ctx.obj["instance"]), Path(source))
    if kept is not None:
        click.echo(f"kept the database as it was before: {kept}")
    click.echo(f"restored {source} (schema {info.schema_version}, migrated to the current one)")


@click.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the database: SQLite integrity, foreign keys and odekake's own invariants (exit 1 on any problem)."""
    from scheduler.store.backup import inspect_database
    from scheduler.store.check import CHECKS, check_database

    path = existing_database(ctx)
    inspect_database(path)  # a damaged file is reported, never migrated
    with open_store(ctx, existing=True) as store:
        problems = check_database(store.db)
    for line in problems:
        click.echo(line)
    if problems:
        click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found", err=True)
        ctx.exit(1)
    click.echo(f"database ok: {len(CHECKS)} checks passed ({path})")


@click.group("resident")
def resident() -> None:
    """A resident's data on request: export everything stored, or forget it."""


def _resident_id(store, ident: str) -> int:
    """Find a resident by the city's id, else by database id (``15`` or ``#15``)."""
    found = store.residents.by_external_id(ident)
    if found is not None:
        return found.id
    digits = ident.removeprefix("#")
    if digits.isdigit():
        return store.residents.get(int(digits)).id
    msg = f"resident {ident!r}: no resident has this id"
    raise InputError(msg)


@resident.command("export")
@click.argument("ident", metavar="ID")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: standard output).")
@click.pass_context
def resident_export(ctx: click.Context, ident: str, output: str | None) -> None:
    """Write everything stored about resident ID (the city's id, or #N) as JSON."""
    from routing.files import write_atomic
    from scheduler.store.personal import export_resident

    with open_store(ctx, existing=True) as store:
        data = export_resident(store, _resident_id(store, ident), user=os_user())
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    if output:
        write_atomic(output, text)
        counts = ", ".join(f"{t} {len(rows)}" for t, rows in data["tables"].items())
        click.echo(f"wrote {output} ({counts})", err=True)
    else:
        click.echo(text, nl=False)


@resident.command("forget")
@click.argument("ident", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def resident_forget(ctx: click.Context, ident: str, yes: bool) -> None:
    """Remove resident ID's personal data; keep anonymous statistics; record who and when."""
    from scheduler.store.personal import forget_resident

    with open_store(ctx, existing=True) as store:
        rid = _resident_id(store, ident)
        if not yes:
            click.confirm(f"Remove the personal data of resident {ident}? This cannot be undone", abort=True)
        report = forget_resident(store, rid, user=os_user())
    click.echo(report.format())


@click.group("audit")
def audit() -> None:
    """The audit log: who viewed or changed which resident's data."""


def _date(field: str):
    def parse(ctx: click.Context, param: click.Parameter, value: str) -> dt.date:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            msg = f"{field}: {value!r} is not a date like 2026-11-01"
            raise click.BadParameter(msg) from None

    return parse


@audit.command("export")
@click.option("--from", "first", required=True, callback=_date("--from"), help="First day (YYYY-MM-DD), included.")
@click.option("--to", "last", required=True, callback=_date("--to"), help="Last day (YYYY-MM-DD), included.")
@click.argument("output", metavar="FILE", type=click.Path(dir_okay=False))
@click.pass_context
def audit_export_command(ctx: click.Context, first: dt.date, last: dt.date, output: str) -> None:
    """Write the audit log from --from to --to as CSV (UTF-8 with BOM) for the data-protection officer.

    One row per record an entry names (columns in docs/CSV_FORMATS.md); the export is audited itself.
    """
    from routing.files import write_atomic
    from scheduler.io.audit_export import audit_entry, audit_export

    with open_store(ctx, existing=True) as store:
        export = audit_export(store, first, last)
        write_atomic(output, export.text)
        store.audit_log.add(audit_entry(export, user=os_user(), where="cli"))
    click.echo(f"wrote {output}: {len(export.entries)} audit entries, {export.rows} rows "
               f"({first.isoformat()} to {last.isoformat()})", err=True)


#: The commands this module adds to `odekake`.
COMMANDS: list[click.Command] = [backup, restore, check, resident, audit]

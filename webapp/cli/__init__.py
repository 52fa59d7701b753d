"""The `odekake` command: one group, sub-commands contributed by each layer.

Each layer owns its commands, one module per group of commands (the map of
command -> module is in docs/ARCHITECTURE.md, "Commands"):

- ``routing.cli``: ``odekake graph build|info|matrix``;
- ``scheduler.cli``: data, planning, booking and data-safety commands (its docstring lists them);
- ``webapp.cli.serve``: ``odekake serve``, ``odekake worker``;
- ``webapp.cli.user``: ``odekake user add|list|token|tokens|revoke|logout|unlock|remove``;
- ``webapp.cli.demo``: ``odekake demo``.

This module only assembles them (`_register`), resolves ``--instance`` and
turns the errors a user can cause into one clear line instead of a traceback.
``python -m webapp.cli`` runs it (``__main__.py``), as the console script does.
"""

from __future__ import annotations

import errno
import logging
import sqlite3

import click

from routing.errors import InputError, OdekakeError, OfflineError
from routing.instance import instance_dir


class _Group(click.Group):
    """Click group that reports odekake errors as a single line."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except OfflineError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(3)
        except OdekakeError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except (sqlite3.OperationalError, OSError) as exc:
            message = _storage_failure(exc, ctx.obj.get("instance") if ctx.obj else None)
            if message is None:
                raise
            click.echo(f"error: {message}", err=True)
            ctx.exit(1)


#: errno values of a full or read-only disk, and SQLite's words for the same.
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


def _storage_failure(exc: BaseException, instance: object) -> str | None:
    """Return one line for a full disk, a read-only folder or a locked database, else None.

    SQLite rolls the transaction back in each case, so the message can say
    that nothing was written.
    """
    where = f" ({instance})" if instance else ""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError):
        if "full" in text:
            return f"the disk of the instance folder is full{where}: {text}; nothing was written"
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return f"cannot write to the instance folder{where}: {text}; nothing was written"
        if "locked" in text or "busy" in text:
            return f"the database is busy with another writer{where}: {text}; nothing was written, try again"
        return f"database{where}: {text}"
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
        return f"the disk is full: {exc.filename or where.strip(' ()')}: {exc.strerror}; nothing was written"
    if isinstance(exc, OSError) and exc.errno in _READ_ONLY:
        return f"cannot write {exc.filename or 'to the instance folder'}: {exc.strerror}; nothing was written"
    return None


@click.group(cls=_Group)
@click.option(
    "--instance",
    "instance",
    type=click.Path(file_okay=False),
    default=None,
    help="Instance folder (database, graph, caches). Default: $ODEKAKE_INSTANCE, else ./instance.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log progress to standard error.")
@click.pass_context
def cli(ctx: click.Context, instance: str | None, verbose: bool) -> None:
    """odekake: plan outreach mobile-office visits and errand deliveries."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.ensure_object(dict)
    # Resolved, not created: a command creates the folder only when it writes
    # there (`--help` or `graph info` on a wrong path must leave no folder behind).
    ctx.obj["instance"] = instance_dir(instance, create=False)


def _register() -> None:
    from routing.cli import graph

    cli.add_command(graph)
    from scheduler.cli import COMMANDS as scheduler_commands

    for command in scheduler_commands:
        cli.add_command(command)
    from webapp.cli import demo, serve, user

    for command in (*serve.COMMANDS, *user.COMMANDS, demo.demo):
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `odekake` console script."""
    try:
        cli.main(args=argv, prog_name="odekake", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0

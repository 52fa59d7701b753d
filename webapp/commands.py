"""The web app's commands: ``odekake serve``, ``odekake worker`` and ``odekake user add|list|token``.

Passwords are read from standard input (``--password-stdin``) or generated
and printed once; only their werkzeug hashes are stored. API tokens are
printed once; only their SHA-256 is stored.
"""

from __future__ import annotations

import ipaddress
import secrets
import signal
import sys
import threading
from pathlib import Path

import click

from routing.errors import InputError
from scheduler.accounts import Role, User

__all__ = ["COMMANDS", "serve", "user", "worker"]


def _store(ctx: click.Context):
    from scheduler.store import Store

    return Store.for_instance(ctx.obj["instance"])


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _stop_on_sigterm(_signum, _frame) -> None:
    raise SystemExit(0)  # waitress stops serving on it as on Ctrl+C


def run_server(instance: Path, *, host: str, port: int) -> None:
    """Serve the instance's web app with waitress until interrupted.

    On a loopback address the browser talks plain HTTP, so the session cookie
    may not be HTTPS-only there; anywhere else it stays ``Secure`` unless the
    instance's ``webapp.py`` says otherwise (serve behind HTTPS).

    Ctrl+C (SIGINT) and SIGTERM (a service manager) stop it the same way:
    waitress lets the requests being answered finish, the job consumer
    stops, and the process exits normally, so what runs at exit runs (the
    audit entries still queued are written, `webapp.audit`).
    """
    from waitress import serve as waitress_serve

    from webapp import create_app
    from webapp.jobs import start_embedded_consumer

    app = create_app(instance)
    if _is_loopback(host):
        app.config["SESSION_COOKIE_SECURE"] = False
    # one command serves everything: planning jobs run in this process unless `odekake worker` runs them
    consumer = start_embedded_consumer(app) if app.config["ODEKAKE_JOBS_EMBEDDED"] else None
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
    click.echo(f"serving {app.config['ODEKAKE_AREA_NAME']} on http://{host}:{port}/ (Ctrl+C stops)")
    try:
        waitress_serve(app, host=host, port=port, threads=8, ident="odekake")
    finally:
        if consumer is not None:
            consumer.stop()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web app (waitress) for the instance."""
    run_server(ctx.obj["instance"], host=host, port=port)


@click.command("worker")
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run the planning jobs of the instance (the huey consumer) without serving pages.

    For a larger deployment: set ``ODEKAKE_JOBS_EMBEDDED = False`` (and, on
    several machines, ``ODEKAKE_JOBS_QUEUE = "redis"``) in ``<instance>/webapp.py``
    and run this beside ``odekake serve``.
    """
    from webapp import create_app
    from webapp.jobs import create_consumer

    click.echo("running planning jobs (Ctrl+C stops)")
    create_consumer(create_app(ctx.obj["instance"])).run()


@click.group("user")
def user() -> None:
    """Staff accounts: add, list, API tokens."""


def add_user(store, login: str, role: str, *, vehicle_id: int | None, password: str, name: str = "") -> User:
    """Store a new account with the hash of `password`; bad input names the field."""
    from webapp.security import hash_password

    if len(password) < 8:
        msg = "password: use at least 8 characters"
        raise InputError(msg)
    return store.add_user(User(login=login, role=role, vehicle_id=vehicle_id, name=name,
                               password_hash=hash_password(password)))


@user.command("add")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the account may do.")
@click.option("--vehicle", "vehicle_id", type=int, default=None, help="Drivers: the vehicle id they drive.")
@click.option("--name", default="", help="Staff name shown on the screens.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (else one is generated).")
@click.pass_context
def user_add(ctx: click.Context, login: str, role: str, vehicle_id: int | None, name: str,
             password_stdin: bool) -> None:
    """Add a staff account (LOGIN) with a role; drivers need --vehicle."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(12)
    with _store(ctx) as store:
        account = add_user(store, login, role, vehicle_id=vehicle_id, password=password, name=name)
    click.echo(f"added {account.login} ({account.role.value})")
    if not password_stdin:
        click.echo(f"password: {password}")


@user.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """List the staff accounts."""
    with _store(ctx) as store:
        for u in store.users():
            vehicle = f" vehicle {u.vehicle_id}" if u.vehicle_id is not None else ""
            state = "" if u.active else " (inactive)"
            click.echo(f"{u.login}\t{u.role.value}{vehicle}{state}")


@user.command("token")
@click.argument("login")
@click.pass_context
def user_token(ctx: click.Context, login: str) -> None:
    """Print a new personal API token for LOGIN (use as ``Authorization: Bearer TOKEN``)."""
    from webapp.security import new_api_token

    with _store(ctx) as store:
        account = store.user_by_login(login)
        if account is None:
            msg = f"login: no account {login!r} (see `odekake user list`)"
            raise InputError(msg)
        click.echo(new_api_token(store, account))


#: The commands this module adds to `odekake`.
COMMANDS = (serve, worker, user)

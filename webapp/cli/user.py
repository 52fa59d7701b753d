"""`odekake user add|list|token|tokens|revoke|logout|unlock|remove`: staff accounts.

Passwords are read from standard input (``--password-stdin``) or generated
and printed once; only their werkzeug hashes are stored. API tokens are
printed once (the token alone, for scripts); only their SHA-256 is stored,
and each has an end (``--expires``, default ``ODEKAKE_TOKEN_DAYS``) that
``odekake user tokens`` lists. What they change on an account is in the
audit log (``where`` = ``cli``). Times are the city's clock, with the instance's settings.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import sys

import click

from routing.errors import InputError
from scheduler.accounts import AuditEntry, Role, User, account_key, address_key
from scheduler.cli.common import open_store, os_user
from scheduler.clock import city_now

__all__ = ["COMMANDS", "add_user", "parse_expiry", "user"]


@click.group("user")
def user() -> None:
    """Staff accounts: add, list, API tokens, log-ins, locks, removal."""


def add_user(store, login: str, role: str, *, vehicle_id: int | None, password: str, name: str = "") -> User:
    """Store a new account with the hash of `password`; bad input names the field."""
    from webapp.security import hash_password

    if len(password) < 8:
        msg = "password: use at least 8 characters"
        raise InputError(msg)
    return store.users.add(User(login=login, role=role, vehicle_id=vehicle_id, name=name,
                               password_hash=hash_password(password)))


def _account(store, login: str) -> User:
    account = store.users.by_login(login)
    if account is None:
        msg = f"login: no account {login!r} (see `odekake user list`)"
        raise InputError(msg)
    return account


def _settings(ctx: click.Context) -> dict:
    from webapp.settings import for_instance

    return for_instance(ctx.obj["instance"])


def _city_now(ctx: click.Context) -> dt.datetime:
    """Return the city's time now by the instance's settings (its time zone, a fixed ``ODEKAKE_NOW``)."""
    config = _settings(ctx)
    return city_now(config["ODEKAKE_TIME_ZONE"], fixed=config["ODEKAKE_NOW"])


def _audit(store, action: str, subject: str, subject_id: int | None, *, address: str = "") -> None:
    store.audit_log.add(AuditEntry(user=os_user(), action=action, subject=subject, where="cli", address=address,
                           subject_ids=() if subject_id is None else (subject_id,)))


def _minute(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M")


def parse_expiry(text: str, now: dt.datetime) -> dt.datetime:
    """Return when a token asked to end at `text` ends: ``90d`` (days from `now`) or a date (the end of that day)."""
    text = text.strip()
    days = re.fullmatch(r"(\d{1,4})d", text)
    if days:
        ends = now + dt.timedelta(days=int(days.group(1)))
    else:
        try:
            ends = dt.datetime.combine(dt.date.fromisoformat(text) + dt.timedelta(days=1), dt.time())
        except ValueError:
            msg = f"expires: {text!r} is neither a number of days such as 90d nor a date such as 2027-03-31"
            raise InputError(msg) from None
    if ends <= now:
        msg = f"expires: {text!r} is not in the future"
        raise InputError(msg)
    return ends


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
    with open_store(ctx) as store:
        account = add_user(store, login, role, vehicle_id=vehicle_id, password=password, name=name)
    click.echo(f"added {account.login} ({account.role.value})")
    if not password_stdin:
        click.echo(f"password: {password}")


@user.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """List the staff accounts, with their open log-ins, working API tokens and locks."""
    now = _city_now(ctx)
    with open_store(ctx) as store:
        sessions = store.login_sessions.open_counts(now)
        locked = store.login_throttles.locked(now)
        tokens: dict[int, int] = {}
        for t in store.api_tokens.all():
            tokens[t.user_id] = tokens.get(t.user_id, 0) + (t.state(now) == "active")
        for u in store.users.all():
            vehicle = f" vehicle {u.vehicle_id}" if u.vehicle_id is not None else ""
            state = "" if u.active else " (inactive)"
            until = locked.get(account_key(u.id))
            lock = f" (locked until {_minute(until)})" if until else ""
            counts = ", ".join(f"{what}: {n}" for what, n in (("log-ins", sessions.get(u.id, 0)),
                                                                ("API tokens", tokens.get(u.id, 0))) if n)
            click.echo(f"{u.login}\t{u.role.value}{vehicle}{state}{lock}" + (f"\t{counts}" if counts else ""))


@user.command("token")
@click.argument("login")
@click.option("--expires", default=None, metavar="90d|DATE",
              help="When it stops working: days from now (90d) or the last day (2027-03-31); "
                   "default ODEKAKE_TOKEN_DAYS of the instance.")
@click.option("--label", default="", help="What the token is for (shown by `odekake user tokens`).")
@click.pass_context
def user_token(ctx: click.Context, login: str, expires: str | None, label: str) -> None:
    """Print a new personal API token for LOGIN (use as ``Authorization: Bearer TOKEN``); its end: ``tokens``."""
    from webapp.security import new_api_token

    now = _city_now(ctx)
    ends = parse_expiry(expires or f"{_settings(ctx)['ODEKAKE_TOKEN_DAYS']}d", now)
    with open_store(ctx) as store:
        account = _account(store, login)
        click.echo(new_api_token(store, account, expires_at=ends, label=label, now=now))
        _audit(store, "token_add", "user", account.id)


@user.command("tokens")
@click.argument("login")
@click.pass_context
def user_tokens(ctx: click.Context, login: str) -> None:
    """List LOGIN's API tokens: id, state, end, when made, label (never the token)."""
    now = _city_now(ctx)
    with open_store(ctx) as store:
        tokens = store.api_tokens.of_user(_account(store, login).id)
    for t in tokens:
        state = t.state(now) + (f" ({t.revoke_reason})" if t.revoke_reason else "")
        click.echo(f"{t.id}\t{state}\tuntil {_minute(t.expires_at)}\tmade {_minute(t.created_at)}\t{t.label}".rstrip())
    if not tokens:
        click.echo(f"{login} has no API tokens")


@user.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def user_revoke(ctx: click.Context, token_id: int) -> None:
    """Stop the API token TOKEN_ID (see `odekake user tokens LOGIN`) at once."""
    with open_store(ctx) as store:
        token = store.api_tokens.revoke(token_id, "admin", at=_city_now(ctx))
        _audit(store, "token_revoke", "api_token", token.id)
        owner = store.users.get(token.user_id).login
    click.echo(f"token {token.id} of {owner} revoked")


@user.command("logout")
@click.argument("login")
@click.pass_context
def user_logout(ctx: click.Context, login: str) -> None:
    """End every browser log-in of LOGIN (API tokens stay: `odekake user revoke`)."""
    with open_store(ctx) as store:
        account = _account(store, login)
        ended = store.login_sessions.end_all_of(account.id, "admin", at=_city_now(ctx))
        _audit(store, "end_sessions", "user", account.id)
    click.echo(f"ended {ended} log-ins of {login}")


@user.command("unlock")
@click.argument("login", required=False)
@click.option("--address", default=None, help="Unlock a client address instead (an office behind one router).")
@click.pass_context
def user_unlock(ctx: click.Context, login: str | None, address: str | None) -> None:
    """Forget the failed log-ins of LOGIN (or of --address), ending a lock before its time."""
    if (login is None) == (address is None):
        msg = "login: give a LOGIN or --address, one of them"
        raise InputError(msg)
    with open_store(ctx) as store:
        if address is not None:
            found = store.login_throttles.unlock(address_key(address))
            _audit(store, "unlock", "address", None, address=address)
            what = address
        else:
            account = _account(store, login)
            found = store.login_throttles.unlock(account_key(account.id))
            _audit(store, "unlock", "user", account.id)
            what = login
    click.echo(f"unlocked {what}" if found else f"{what} had no failed log-ins")


@user.command("remove")
@click.argument("login")
@click.option("--yes", is_flag=True, help="Do not ask first.")
@click.pass_context
def user_remove(ctx: click.Context, login: str, yes: bool) -> None:
    """Remove the account LOGIN with its log-ins and API tokens (never the last active admin).

    The audit log keeps what the account did, under its login.
    """
    with open_store(ctx) as store:
        account = _account(store, login)
        if not yes:
            click.confirm(f"remove {login} ({account.role.value}) for good?", abort=True)
        store.remove_user(account.id)
        _audit(store, "remove", "user", account.id)
    click.echo(f"removed {login}")


#: The commands this module adds to `odekake`.
COMMANDS = (user,)

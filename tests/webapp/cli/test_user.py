"""`odekake user add|list|token`: accounts with hashed passwords; bad input names the field."""

from __future__ import annotations

from click.testing import CliRunner

from scheduler.store import Store
from webapp.cli import cli
from webapp.security import check_password


def run(instance, *args, stdin=None):
    """Invoke the odekake command on an instance folder."""
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], input=stdin)


def test_user_add_list_and_password_hash(tmp_path):
    """An account is stored with a werkzeug hash of the password read from stdin, never the password."""
    instance = tmp_path / "inst"
    added = run(instance, "user", "add", "sato", "--role", "dispatcher", "--password-stdin", stdin="kantan-desu-1\n")
    assert added.exit_code == 0, added.output
    assert "kantan-desu-1" not in added.output
    with Store.for_instance(instance) as store:
        account = store.users.by_login("sato")
        assert account.password_hash != "kantan-desu-1" and check_password(account, "kantan-desu-1")
        assert not check_password(account, "wrong")
    generated = run(instance, "user", "add", "suzuki", "--role", "operator")
    assert generated.exit_code == 0 and "password: " in generated.output
    listed = run(instance, "user", "list")
    assert listed.output.splitlines() == ["sato\tdispatcher", "suzuki\toperator"]


def test_user_add_refuses_bad_input_naming_the_field(tmp_path):
    """A driver needs a vehicle that exists; logins are unique; short passwords are refused; nothing half-stored."""
    instance = tmp_path / "inst"
    no_vehicle = run(instance, "user", "add", "tanaka", "--role", "driver")
    assert no_vehicle.exit_code == 2 and "vehicle_id" in no_vehicle.output
    missing = run(instance, "user", "add", "tanaka", "--role", "driver", "--vehicle", "7")
    assert missing.exit_code == 2 and "vehicle_id: vehicle 7 not found" in missing.output
    short = run(instance, "user", "add", "kato", "--role", "admin", "--password-stdin", stdin="abc\n")
    assert short.exit_code == 2 and "password" in short.output
    assert run(instance, "user", "add", "kato", "--role", "admin").exit_code == 0
    again = run(instance, "user", "add", "kato", "--role", "admin")
    assert again.exit_code == 2 and "login" in again.output
    assert run(instance, "user", "list").output.splitlines() == ["kato\tadmin"]
    unknown = run(instance, "user", "token", "nobody")
    assert unknown.exit_code == 2 and "login" in unknown.output

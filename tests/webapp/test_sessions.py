"""Issue 22, finding 3: log-ins kept on the server (revocable), timeouts by the city's clock, API tokens with an end.

Every time here is the app's fixed clock (``ODEKAKE_NOW``), moved forward by
the test; nothing sleeps.
"""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from tests.webapp.conftest import NOW, csrf_token, login
from webapp.cli import cli

COOKIE = "odekake_session"
START = dt.datetime.fromisoformat(NOW)


def at(app, **later) -> None:
    """Move the app's clock to `later` (minutes=..., hours=...) after NOW."""
    app.config["ODEKAKE_NOW"] = (START + dt.timedelta(**later)).isoformat()


def logged_in(app, name: str):
    """A new browser logged in as `name`."""
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def is_in(client) -> bool:
    """Whether the browser's cookie still opens the API (200) rather than 401."""
    status = client.get("/api/me").status_code
    assert status in (200, 401)
    return status == 200


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def odekake(instance, *args, input=None):
    return CliRunner().invoke(cli, ["--instance", str(instance), "user", *args], input=input)


@pytest.fixture
def cli_clock(monkeypatch):
    """The command line's clock is the app's fixed one."""
    monkeypatch.setenv("ODEKAKE_NOW", NOW)


def test_a_cookie_replayed_after_log_out_opens_nothing(app, store):
    """Log-out ends the session in the database: the old cookie gets the log-in page and 401, not a fresh session."""
    client = logged_in(app, "dispatcher")
    kept = client.get_cookie(COOKIE).value
    assert is_in(client)
    assert client.post("/logout", data={"csrf_token": csrf_token(client)}).status_code == 302
    replay = app.test_client()
    replay.set_cookie(COOKIE, kept)
    page = replay.get("/dispatch/")
    assert page.status_code == 302 and page.location.startswith("/login?next=")
    assert replay.get("/api/me").status_code == 401
    (ended,) = store.login_sessions.all()
    assert (ended.end_reason, ended.ended_at) == ("logout", START)


def test_the_cookie_carries_a_random_secret_and_the_database_only_its_hash(app, store):
    """Flask-Login's user id in the cookie is the session secret; the table keeps its SHA-256, not the secret."""
    import hashlib

    client = logged_in(app, "operator")
    secret = app.session_interface.get_signing_serializer(app).loads(client.get_cookie(COOKIE).value)["_user_id"]
    assert len(secret) >= 40 and secret != str(store.users.by_login("operator").id)
    (row,) = store.db.execute("SELECT secret_sha256 FROM login_sessions").fetchall()
    assert row[0] == hashlib.sha256(secret.encode()).hexdigest()


def test_a_new_password_ends_the_other_sessions_and_the_tokens(app, store):
    """An admin resetting a password ends that account's sessions and tokens; their own change keeps only theirs."""
    from webapp.security import new_api_token

    first, second = logged_in(app, "dispatcher"), logged_in(app, "dispatcher")
    token = new_api_token(store, store.users.by_login("dispatcher"))
    admin, admin_elsewhere = logged_in(app, "admin"), logged_in(app, "admin")
    dispatcher_id, admin_id = store.users.by_login("dispatcher").id, store.users.by_login("admin").id
    form = {"login": "dispatcher", "role": "dispatcher", "vehicle_id": "None", "active": "y",
            "password": "a-new-password-2", "csrf_token": csrf_token(admin)}
    assert admin.post(f"/masters/users/{dispatcher_id}", data=form).status_code == 302
    assert not is_in(first) and not is_in(second)
    assert app.test_client().get("/api/me", headers=bearer(token)).status_code == 401
    assert login(app.test_client(), "dispatcher", "a-new-password-2").status_code == 302

    own = {"login": "admin", "role": "admin", "vehicle_id": "None", "active": "y",
           "password": "another-password-3", "csrf_token": csrf_token(admin)}
    assert admin.post(f"/masters/users/{admin_id}", data=own).status_code == 302
    assert is_in(admin) and not is_in(admin_elsewhere)
    assert {s.end_reason for s in store.login_sessions.of_user(dispatcher_id)} == {"password", None}


def test_disabling_ends_sessions_and_tokens_and_enabling_brings_none_back(app, store):
    """A disabled account's sessions and tokens end for good: enabling it again revives neither."""
    from webapp.security import new_api_token

    operator = logged_in(app, "operator")
    account = store.users.by_login("operator")
    token = new_api_token(store, account)
    admin = logged_in(app, "admin")
    form = {"login": "operator", "role": "operator", "vehicle_id": "None", "password": "", "csrf_token": csrf_token(admin)}
    assert admin.post(f"/masters/users/{account.id}", data=form).status_code == 302  # no "active": disabled
    assert not is_in(operator)
    assert admin.post(f"/masters/users/{account.id}", data={**form, "active": "y"}).status_code == 302
    assert store.users.get(account.id).active
    assert not is_in(operator)
    assert app.test_client().get("/api/me", headers=bearer(token)).status_code == 401
    assert is_in(logged_in(app, "operator"))  # a new log-in works
    assert [t.revoke_reason for t in store.api_tokens.of_user(account.id)] == ["disabled"]


def test_an_admin_ends_every_log_in_of_an_account_from_the_users_screen(app, store):
    """The users screen counts open log-ins; its button ends them all (the admin's own: all but this one)."""
    first, second = logged_in(app, "driver1"), logged_in(app, "driver1")
    admin = logged_in(app, "admin")
    driver = store.users.by_login("driver1")
    page = admin.get("/masters/users").text
    assert "すべてのログインを終了" in page and f'/masters/users/{driver.id}/logout"' in page
    done = admin.post(f"/masters/users/{driver.id}/logout", data={"csrf_token": csrf_token(admin)},
                      follow_redirects=True)
    assert "driver1 のログインを2件終了しました" in done.text
    assert not is_in(first) and not is_in(second) and is_in(admin)
    entry = store.audit_log.latest(limit=1)[0]
    assert (entry.user, entry.action, entry.subject, entry.subject_ids) == ("admin", "end_sessions", "user",
                                                                           (driver.id,))


def test_odekake_user_logout_ends_every_log_in(app, instance, cli_clock):
    """`odekake user logout NAME` ends the account's sessions from the command line."""
    browser = logged_in(app, "operator")
    result = odekake(instance, "logout", "operator")
    assert result.exit_code == 0 and result.output == "ended 1 log-ins of operator\n"
    assert not is_in(browser)


def test_idle_timeout_by_the_citys_clock_and_longer_for_drivers(app):
    """30 idle minutes end an office log-in, 120 a driver's (the settings); each request restarts the count."""
    office, driver = logged_in(app, "dispatcher"), logged_in(app, "driver1")
    at(app, minutes=29)
    assert is_in(office)
    at(app, minutes=58)  # 29 minutes after the last request
    assert is_in(office)
    at(app, minutes=88)  # 30 minutes idle: over
    assert not is_in(office)
    at(app, minutes=88 + 30)  # the driver's last request was at 09:00: 118 minutes idle
    assert is_in(driver)
    at(app, minutes=118 + 120)
    assert not is_in(driver)


def test_idle_limits_are_instance_settings(instance):
    """An instance may give a role a longer idle limit (ODEKAKE_SESSION_IDLE_MINUTES_BY_ROLE)."""
    from tests.webapp.conftest import TEST_CONFIG
    from webapp import create_app

    app = create_app(instance, test_config={**TEST_CONFIG, "ODEKAKE_SESSION_IDLE_MINUTES": 10,
                                            "ODEKAKE_SESSION_IDLE_MINUTES_BY_ROLE": {"operator": 45}})
    office, operator = logged_in(app, "dispatcher"), logged_in(app, "operator")
    at(app, minutes=10)
    assert not is_in(office) and is_in(operator)


def test_absolute_timeout_ends_even_a_busy_log_in(app, store):
    """A log-in ends 10 hours after it began (PERMANENT_SESSION_LIFETIME), however often it is used."""
    client = logged_in(app, "dispatcher")
    for minutes in range(20, 10 * 60, 20):
        at(app, minutes=minutes)
        assert is_in(client), minutes
    at(app, hours=10)
    assert not is_in(client)
    (row,) = store.login_sessions.all()
    assert row.end_reason == "expired"


def test_an_expired_token_is_refused(app, store):
    """A token works until its end and not a second after."""
    from webapp.security import new_api_token

    token = new_api_token(store, store.users.by_login("driver1"), expires_at=START + dt.timedelta(days=1), now=START)
    assert app.test_client().get("/api/me", headers=bearer(token)).status_code == 200
    at(app, hours=23, minutes=59)
    assert app.test_client().get("/api/me", headers=bearer(token)).status_code == 200
    at(app, days=1)
    assert app.test_client().get("/api/me", headers=bearer(token)).status_code == 401


def test_tokens_get_an_end_are_listed_and_can_be_revoked(app, instance, store, cli_clock):
    """`odekake user token` gives an end (default 90 days, --expires 30d or a last day), `tokens` lists, `revoke` stops."""
    made = odekake(instance, "token", "driver1", "--expires", "30d", "--label", "車載端末")
    assert made.exit_code == 0, made.output
    token = made.output.strip()  # the token alone, for scripts
    assert odekake(instance, "token", "driver1").exit_code == 0  # ODEKAKE_TOKEN_DAYS: 90
    assert odekake(instance, "token", "driver1", "--expires", "2026-12-31").exit_code == 0  # through that day
    assert app.test_client().get("/api/me", headers=bearer(token)).status_code == 200
    listed = odekake(instance, "tokens", "driver1").output.splitlines()
    assert listed == ["1\tactive\tuntil 2026-12-27 09:00\tmade 2026-11-27 09:00\t車載端末",
                      "2\tactive\tuntil 2027-02-25 09:00\tmade 2026-11-27 09:00",
                      "3\tactive\tuntil 2027-01-01 00:00\tmade 2026-11-27 09:00"]
    assert token not in "".join(listed)
    assert "driver1\tdriver vehicle 1\tAPI tokens: 3" in odekake(instance, "list").output

    revoked = odekake(instance, "revoke", "1")
    assert revoked.exit_code == 0 and revoked.output == "token 1 of driver1 revoked\n"
    assert app.test_client().get("/api/me", headers=bearer(token)).status_code == 401
    assert odekake(instance, "tokens", "driver1").output.splitlines()[0].startswith("1\trevoked (admin)\t")
    for bad in ("0d", "2026-11-26", "soon"):
        refused = odekake(instance, "token", "driver1", "--expires", bad)
        assert refused.exit_code == 2 and refused.output.startswith("error: expires:"), bad
    assert odekake(instance, "revoke", "99").output.startswith("error: API token 99 not found")


def test_removing_an_account_ends_everything_but_never_the_last_admin(app, instance, store, cli_clock):
    """`odekake user remove` deletes the account, its sessions and tokens; the last active admin stays."""
    from webapp.security import new_api_token

    browser = logged_in(app, "operator")
    token = new_api_token(store, store.users.by_login("operator"))
    browser.get("/api/residents?q=佐藤")  # an audited search
    removed = odekake(instance, "remove", "operator", "--yes")
    assert removed.exit_code == 0 and removed.output == "removed operator\n"
    assert store.users.by_login("operator") is None
    assert not is_in(browser)
    assert app.test_client().get("/api/me", headers=bearer(token)).status_code == 401
    assert login(app.test_client(), "operator").status_code == 401
    assert any(e.user == "operator" and e.action == "search" for e in store.audit_log.latest())  # the log keeps its login

    last = odekake(instance, "remove", "admin", "--yes")
    assert last.exit_code == 2 and "last active admin" in last.output
    assert odekake(instance, "remove", "dispatcher", input="n\n").exit_code == 1  # asked, and refused
    assert store.users.by_login("dispatcher") is not None
    assert odekake(instance, "remove", "nobody", "--yes").output.startswith("error: login: no account 'nobody'")

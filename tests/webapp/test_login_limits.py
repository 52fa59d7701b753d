"""Issue 22, finding 4: failed log-ins wait, then lock (per login and per client address); unknown logins look known.

The waits are read from the answers and the app's fixed clock (``ODEKAKE_NOW``)
is moved past them: nothing sleeps, and no verdict depends on the machine's speed.
With the default settings: after 5 failures in a row the next try waits 5 s,
then 10 s, 15 s ... (5 s more each time, at most 300 s); 20 failures within
60 minutes lock the login for 60 minutes; one client address may fail 20
times in a row across logins before it waits, 100 times in an hour before it
is locked.
"""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from tests.webapp.conftest import NOW, PASSWORD, TEST_CONFIG, csrf_token, login
from webapp.cli import cli

START = dt.datetime.fromisoformat(NOW)
WAIT_JA = "ログインに続けて失敗したため、しばらくお待ちください"


class Clock:
    """The app's clock, moved forward by the test."""

    def __init__(self, *apps) -> None:
        self.apps, self.now = apps, START

    def forward(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)
        for app in self.apps:
            app.config["ODEKAKE_NOW"] = self.now.isoformat()


def browser(app, address: str = "127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def api_login(client, name: str, password: str):
    return client.post("/api/session", json={"login": name, "password": password})


def fail(client, clock: Clock, name: str, times: int) -> None:
    """Fail `times` log-ins of `name`, each after waiting what the app asks (429 Retry-After) on the clock."""
    for _ in range(times):
        answer = api_login(client, name, "wrong-password")
        if answer.status_code == 429:
            clock.forward(int(answer.headers["Retry-After"]))
            answer = api_login(client, name, "wrong-password")
        assert answer.status_code == 401, answer.json


def test_five_failures_make_the_next_try_wait_and_the_wait_grows(app):
    """5 wrong passwords answer 401; the 6th try waits 5 s, even with the right password; the next wait is 10 s."""
    clock, client = Clock(app), browser(app)
    for _ in range(5):
        assert login(client, "dispatcher", "wrong-password").status_code == 401
    refused = login(client, "dispatcher")  # the right password, too early
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "5"
    assert f"{WAIT_JA}（あと5秒）" in refused.text and "ログイン名かパスワードが違います" not in refused.text
    clock.forward(4)
    assert login(client, "dispatcher").headers["Retry-After"] == "1"
    clock.forward(1)
    assert login(client, "dispatcher", "wrong-password").status_code == 401  # the 6th failure
    assert login(client, "dispatcher").headers["Retry-After"] == "10"
    clock.forward(10)
    assert login(client, "dispatcher").status_code == 302  # the right one, after the wait
    other = browser(app)
    for _ in range(5):  # the failures in a row started again
        assert login(other, "dispatcher", "wrong-password").status_code == 401


def test_the_api_log_in_waits_the_same_way_in_json(app):
    """``POST /api/session`` counts with the form: 429 JSON with the words and Retry-After."""
    client = browser(app)
    for _ in range(3):
        assert login(client, "operator", "wrong-password").status_code == 401
    for _ in range(2):
        assert api_login(client, "operator", "wrong-password").status_code == 401
    refused = api_login(client, "operator", PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "5"
    assert refused.json == {"error": f"{WAIT_JA}（あと5秒）", "retry_after_s": 5}
    client.get("/lang/en")
    assert api_login(client, "operator", PASSWORD).json["error"].startswith("Too many failed log-ins")


def test_twenty_failures_in_an_hour_lock_the_login_until_an_admin_unlocks_it(app, store):
    """The 20th failure within the hour locks the login for 60 minutes; the admin's unlock button ends it."""
    clock = Clock(app)
    admin = browser(app, "10.0.0.2")
    assert login(admin, "admin").status_code == 302
    attacker = browser(app, "10.9.9.9")
    fail(attacker, clock, "dispatcher", 20)
    assert (clock.now - START).total_seconds() == 5 * sum(range(1, 16))  # the waits after failures 5..19: 10 min
    clock.forward(300)  # longer than any wait: the lock remains
    refused = login(browser(app, "10.0.0.3"), "dispatcher")  # the owner, from another desk
    assert refused.status_code == 429 and refused.headers["Retry-After"] == str(55 * 60)
    assert "（あと55分）" in refused.text and "管理者" in refused.text
    page = admin.get("/masters/users").text
    dispatcher = store.users.by_login("dispatcher")
    assert "ロック中" in page and f"/masters/users/{dispatcher.id}/unlock" in page
    unlocked = admin.post(f"/masters/users/{dispatcher.id}/unlock", data={"csrf_token": csrf_token(admin)},
                          follow_redirects=True)
    assert "dispatcher のロックを解除しました" in unlocked.text
    assert login(browser(app, "10.0.0.3"), "dispatcher").status_code == 302


def test_a_lock_ends_by_itself_and_the_command_unlocks_too(app, instance, monkeypatch):
    """No one locks a colleague out for good: the lock ends after 60 minutes; `odekake user unlock` ends it sooner."""
    clock = Clock(app)
    fail(browser(app, "10.9.9.9"), clock, "driver1", 20)
    assert login(browser(app, "10.0.0.3"), "driver1").status_code == 429
    clock.forward(3600 - 1)
    assert login(browser(app, "10.0.0.3"), "driver1").headers["Retry-After"] == "1"
    clock.forward(1)
    assert login(browser(app, "10.0.0.3"), "driver1").status_code == 302

    fail(browser(app, "10.9.9.8"), clock, "driver2", 20)
    assert login(browser(app, "10.0.0.4"), "driver2").status_code == 429
    monkeypatch.setenv("ODEKAKE_NOW", clock.now.isoformat())
    listed = CliRunner().invoke(cli, ["--instance", str(instance), "user", "list"]).output
    assert f"driver2\tdriver vehicle 2 (locked until {(clock.now + dt.timedelta(hours=1)):%Y-%m-%d %H:%M})" in listed
    result = CliRunner().invoke(cli, ["--instance", str(instance), "user", "unlock", "driver2"])
    assert result.exit_code == 0 and result.output == "unlocked driver2\n"
    assert login(browser(app, "10.0.0.4"), "driver2").status_code == 302


def test_one_address_trying_many_logins_is_stopped_but_the_accounts_are_not(app, instance):
    """20 failures in a row from one address over 20 logins (one each) make that address wait, not the accounts.

    `odekake user unlock --address` frees an office's address at once.
    """
    client = browser(app, "10.6.6.6")
    for i in range(20):
        assert api_login(client, f"guess{i:02d}", "wrong-password").status_code == 401
    refused = api_login(client, "dispatcher", PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "5"
    assert api_login(browser(app, "10.0.0.7"), "dispatcher", PASSWORD).status_code == 200
    result = CliRunner().invoke(cli, ["--instance", str(instance), "user", "unlock", "--address", "10.6.6.6"])
    assert result.exit_code == 0 and result.output == "unlocked 10.6.6.6\n"
    assert api_login(client, "dispatcher", PASSWORD).status_code == 200


def test_the_counts_are_in_the_database_shared_by_every_process(instance, app):
    """Two apps on one instance (two worker processes) see the same failures."""
    from webapp import create_app

    other = create_app(instance, test_config=dict(TEST_CONFIG))
    for worker in (app, other, app, other, app):
        assert api_login(browser(worker), "operator", "wrong-password").status_code == 401
    assert api_login(browser(other), "operator", PASSWORD).status_code == 429


def test_unknown_and_known_logins_run_one_hash_check_of_the_same_cost(app, store, monkeypatch):
    """An unknown login, a wrong password, a disabled account: each one hash check, against a hash of the same method."""
    import dataclasses

    from webapp import security

    checked = []

    def counting(stored, password):
        checked.append(stored.split("$", 1)[0])
        return real(stored, password)

    real = security.check_password_hash
    monkeypatch.setattr(security, "check_password_hash", counting)
    account = store.users.by_login("driver2")
    store.update_user(dataclasses.replace(account, active=False))
    answers = {}
    for name, password in (("nobody", "wrong-password"), ("dispatcher", "wrong-password"), ("driver2", PASSWORD),
                           ("operator", PASSWORD)):
        before = len(checked)
        answer = api_login(browser(app, f"10.1.0.{len(answers) + 1}"), name, password)
        answers[name] = (answer.status_code, answer.json)
        assert len(checked) == before + 1, name
    assert answers["nobody"] == answers["dispatcher"] == answers["driver2"] == (401, {"error": "wrong login or password"})
    assert answers["operator"][0] == 200
    stored_method = store.users.by_login("dispatcher").password_hash.split("$", 1)[0]
    assert set(checked) == {stored_method}  # the dummy hash costs what a stored one does (scrypt:32768:8:1)


def test_an_unknown_login_is_limited_like_a_known_one_and_never_stored(app, store):
    """5 failures of a login nobody has wait like a known one's; neither the typed login nor password is kept."""
    client = browser(app, "10.2.0.1")
    for name in ("nobody.here", "dispatcher"):
        for _ in range(5):
            assert login(client, name, "typed-secret-9").status_code == 401
        assert login(client, name, "typed-secret-9").headers["Retry-After"] == "5"
        client = browser(app, "10.2.0.2")
    cells = [str(v) for table in ("login_throttles", "audit_log", "login_sessions")
             for row in store.db.execute(f"SELECT * FROM {table}") for v in row]
    assert not any("nobody" in c or "typed-secret" in c for c in cells)


def test_every_try_and_refusal_is_in_the_audit_log_with_ids_only(app, store):
    """login_failed / login_refused / login with the account's id (none for an unknown login) and the address."""
    client = browser(app, "10.3.0.1")
    operator = store.users.by_login("operator").id
    login(client, "somebody", "wrong-password")
    for _ in range(5):
        login(client, "operator", "wrong-password")
    login(client, "operator")
    Clock(app).forward(5)
    login(client, "operator")
    entries = [(e.user, e.action, e.subject, e.subject_ids, e.where, e.address)
               for e in reversed(store.audit_log.latest(limit=8))]
    assert entries == [("", "login_failed", "user", (), "auth.login", "10.3.0.1"),
                       *[("", "login_failed", "user", (operator,), "auth.login", "10.3.0.1")] * 5,
                       ("", "login_refused", "user", (operator,), "auth.login", "10.3.0.1"),
                       ("operator", "login", "user", (operator,), "auth.login", "10.3.0.1")]
    assert not [e for e in store.audit_log.latest() if "somebody" in str(e) or "wrong-password" in str(e)]

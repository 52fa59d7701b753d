"""Tests of the staff log-in storage: sessions that end, tokens with an end, failed log-ins counted once per try."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest

from scheduler.accounts import (
    ApiToken,
    LoginLimits,
    LoginSession,
    Role,
    User,
    account_key,
)
from scheduler.store import StorageError, Store

T0 = dt.datetime(2026, 11, 27, 9, 0)
HOUR = dt.timedelta(hours=1)


def _sha(n: int) -> str:
    return f"{n:064x}"


@pytest.fixture
def people(store):
    """Two admins and an operator, each with a session and a token from T0."""
    accounts = {}
    for i, (login, role) in enumerate((("kato", Role.ADMIN), ("sato", Role.ADMIN), ("ito", Role.OPERATOR))):
        u = store.users.add(User(login=login, role=role, password_hash="old"))
        store.login_sessions.add(LoginSession(user_id=u.id, secret_sha256=_sha(i), created_at=T0, expires_at=T0 + 10 * HOUR))
        store.api_tokens.add(ApiToken(user_id=u.id, token_sha256=_sha(100 + i), created_at=T0,
                                     expires_at=T0 + 90 * 24 * HOUR))
        accounts[login] = u
    return accounts


def _open(store, user_id):
    return [s.id for s in store.login_sessions.of_user(user_id) if s.ended_at is None]


def test_a_new_password_ends_sessions_but_the_one_kept_and_every_token(store, people):
    """update_user with a new hash: the other sessions end 'password', tokens are revoked; the kept one stays."""
    ito = people["ito"]
    second = store.login_sessions.add(LoginSession(user_id=ito.id, secret_sha256=_sha(9), created_at=T0,
                                              expires_at=T0 + HOUR))
    store.update_user(dataclasses.replace(ito, password_hash="new"), at=T0 + HOUR / 2, keep_session=second.id)
    assert _open(store, ito.id) == [second.id]
    ended = [s for s in store.login_sessions.of_user(ito.id) if s.ended_at]
    assert [(s.end_reason, s.ended_at) for s in ended] == [("password", T0 + HOUR / 2)]
    assert store.user_by_token(_sha(102), now=T0) is None
    assert store.user_by_token(_sha(100), now=T0).login == "kato"  # others' tokens untouched
    store.update_user(dataclasses.replace(store.users.get(ito.id), name="伊藤"), at=T0)  # no new hash: nothing ends
    assert _open(store, ito.id) == [second.id]


def test_disabling_ends_everything_and_enabling_revives_nothing(store, people):
    """Disabled: sessions end 'disabled', tokens revoked; enabled again, they stay ended."""
    ito = people["ito"]
    store.update_user(dataclasses.replace(ito, active=False), at=T0)
    store.update_user(dataclasses.replace(ito, active=True), at=T0)
    assert _open(store, ito.id) == []
    assert [t.state(T0) for t in store.api_tokens.of_user(ito.id)] == ["revoked"]
    assert store.user_by_token(_sha(102), now=T0) is None


def test_a_token_works_until_its_end_unless_revoked(store, people):
    """user_by_token at `now`: before the end yes, at the end no, revoked no (and revoking twice keeps the first)."""
    end = T0 + 90 * 24 * HOUR
    assert store.user_by_token(_sha(101), now=end - dt.timedelta(seconds=1)).login == "sato"
    assert store.user_by_token(_sha(101), now=end) is None
    first = store.api_tokens.revoke(2, at=T0 + HOUR)
    again = store.api_tokens.revoke(2, "password", at=T0 + 2 * HOUR)
    assert (again.revoked_at, again.revoke_reason) == (first.revoked_at, "admin") == (T0 + HOUR, "admin")
    assert store.user_by_token(_sha(101), now=T0) is None


def test_remove_deletes_the_account_with_its_rows_but_never_the_last_active_admin(store, people):
    """remove_user: sessions, tokens and the lock go with the account; the last active admin stays."""
    limits = {account_key(people["ito"].id): LoginLimits()}
    assert store.login_throttles.claim(limits, T0) == 0
    store.remove_user(people["ito"].id)
    assert store.users.by_login("ito") is None and store.login_sessions.of_user(people["ito"].id) == []
    assert store.api_tokens.of_user(people["ito"].id) == [] and store.login_throttles.of(account_key(people["ito"].id)).clean
    store.update_user(dataclasses.replace(people["sato"], active=False))
    with pytest.raises(StorageError, match="login: 'kato' is the last active admin"):
        store.remove_user(people["kato"].id)
    store.remove_user(people["sato"].id)  # an inactive admin may go


def test_a_try_is_counted_before_its_check_and_a_right_one_is_forgiven(store):
    """claim counts at once; forgive takes the try back and the failures in a row start again."""
    limits = {"user:1": LoginLimits(delay_after=2), "address:a": LoginLimits(delay_after=5)}
    assert [store.login_throttles.claim(limits, T0) for _ in range(3)] == [0, 0, 5]  # 2 failures: wait 5 s
    assert store.login_throttles.of("address:a").failures == 2  # the refused try was not counted
    assert store.login_throttles.claim(limits, T0 + dt.timedelta(seconds=5)) == 0
    store.login_throttles.forgive(limits)
    assert (store.login_throttles.of("user:1").failures, store.login_throttles.of("user:1").window_failures) == (0, 2)
    assert store.login_throttles.unlock("user:1") and store.login_throttles.of("user:1").clean
    assert not store.login_throttles.unlock("user:1")


def test_keys_quiet_longer_than_their_window_are_forgotten(store):
    """A key with failures older than the window (and no lock running) is deleted at the next claim."""
    limits = {"address:a": LoginLimits(window_s=600)}
    store.login_throttles.claim(limits, T0)
    store.login_throttles.claim({"address:b": LoginLimits(window_s=600)}, T0 + dt.timedelta(seconds=601))
    assert [r[0] for r in store.db.execute("SELECT key FROM login_throttles")] == ["address:b"]


def test_tries_at_the_same_moment_from_many_connections_are_each_counted(tmp_path):
    """Ten tries at once (threads, own connections): exactly `delay_after` go ahead, the rest are told to wait."""
    path = tmp_path / "odekake.db"
    Store.open(path).close()
    limits = {"user:1": LoginLimits(delay_after=3)}
    start, results = threading.Barrier(10), []

    def one_try():
        with Store.open(path) as s:
            start.wait()
            results.append(s.login_throttles.claim(limits, T0))

    threads = [threading.Thread(target=one_try) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 0, 0] + [5] * 7

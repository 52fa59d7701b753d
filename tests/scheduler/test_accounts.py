"""Tests of scheduler.accounts: when a session is over, a token's state, the arithmetic of failed log-ins."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.accounts import ApiToken, LoginLimits, LoginSession, LoginThrottle
from scheduler.domain import DomainError

T0 = dt.datetime(2026, 11, 27, 9, 0)
S = dt.timedelta(seconds=1)
MIN = dt.timedelta(minutes=1)


def test_a_session_is_over_when_ended_past_its_end_or_idle():
    """over(): the end reason first, then the absolute end, then the idle limit (both reached at the limit)."""
    s = LoginSession(user_id=1, secret_sha256="0" * 64, created_at=T0, expires_at=T0 + 600 * MIN)
    assert s.last_seen_at == T0
    assert s.over(T0 + 29 * MIN, idle=30 * MIN) is None
    assert s.over(T0 + 30 * MIN, idle=30 * MIN) == "idle"
    s.last_seen_at = T0 + 590 * MIN
    assert s.over(T0 + 600 * MIN, idle=30 * MIN) == "expired"
    s.ended_at, s.end_reason = T0, "logout"
    assert s.over(T0, idle=30 * MIN) == "logout"


def test_a_token_must_have_an_end_after_it_is_made_and_a_known_reason():
    """ApiToken refuses no end, an end before it is made, a revocation without its reason or with an unknown one."""
    with pytest.raises(DomainError, match="expires_at: a token must have an end"):
        ApiToken(user_id=1, token_sha256="0" * 64, created_at=T0)
    with pytest.raises(DomainError, match="expires_at: must be after"):
        ApiToken(user_id=1, token_sha256="0" * 64, created_at=T0, expires_at=T0)
    with pytest.raises(DomainError, match="both or neither"):
        ApiToken(user_id=1, token_sha256="0" * 64, created_at=T0, expires_at=T0 + S, revoked_at=T0)
    with pytest.raises(DomainError, match="unknown end 'lost'"):
        ApiToken(user_id=1, token_sha256="0" * 64, created_at=T0, expires_at=T0 + S, revoked_at=T0,
                 revoke_reason="lost")
    token = ApiToken(user_id=1, token_sha256="0" * 64, created_at=T0, expires_at=T0 + S)
    assert (token.state(T0), token.state(T0 + S)) == ("active", "expired")


def test_the_wait_grows_after_delay_after_failures_and_the_lock_comes_at_lock_after():
    """delay_after=2, step 10 s, at most 25 s, lock after 4 within 100 s for 50 s (worked by hand below)."""
    limits = LoginLimits(delay_after=2, delay_step_s=10, delay_max_s=25, lock_after=4, window_s=100, lock_s=50)
    t = LoginThrottle("user:1")
    t.failed(T0, limits)
    assert t.wait_s(T0, limits) == 0  # 1 failure: no wait
    t.failed(T0, limits)
    assert t.wait_s(T0, limits) == 10  # 2 failures: (2 - 2 + 1) × 10 s
    assert t.wait_s(T0 + 4 * S, limits) == 6
    t.failed(T0 + 10 * S, limits)
    assert t.wait_s(T0 + 10 * S, limits) == 20  # 3 failures: 2 × 10 s
    t.failed(T0 + 30 * S, limits)  # the 4th within 100 s: locked until T0 + 80 s
    assert t.locked_until == T0 + 80 * S
    assert t.wait_s(T0 + 30 * S, limits) == 50  # the lock (50 s) beats the delay (min(30, 25) s)
    assert t.wait_s(T0 + 80 * S, limits) == 0
    t.forgive(limits)  # a right password at T0 + 80 s: failures in a row start again, 3 left in the window
    assert (t.failures, t.window_failures, t.locked_until) == (0, 3, None)
    t.failed(T0 + 130 * S, limits)  # 130 s after the window began: a new window
    assert (t.window_start, t.window_failures, t.failures) == (T0 + 130 * S, 1, 1)


def test_limits_refuse_nonsense():
    """A limit below 1 (or not a whole number) names its field."""
    with pytest.raises(DomainError, match="lock_after: must be a whole number of at least 1"):
        LoginLimits(lock_after=0)

"""Every setting of the web app, documented; an instance may override them in ``webapp.py``.

The defaults below are read when the app is created (`webapp.create_app`);
an instance folder may hold a ``webapp.py`` (Flask's ``from_pyfile``) with
upper-case names that replace them, e.g. ``SESSION_COOKIE_SECURE = False``
for a town-hall network without TLS. Tests pass ``test_config`` instead.
The secret key is generated once per instance folder (``secret_key``, mode
0600) and never kept in the repository.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from routing.files import write_atomic

#: File in the instance folder that may override the defaults.
INSTANCE_CONFIG = "webapp.py"
#: File in the instance folder holding the generated secret key.
SECRET_KEY_FILE = "secret_key"

#: The settings with what each is for (a test checks every default is documented here).
DOCUMENTED: dict[str, str] = {
    "SECRET_KEY": "signs the session cookie and CSRF tokens; default: generated into <instance>/secret_key",
    "PERMANENT_SESSION_LIFETIME": "a log-in ends this long after it began, whatever the user does (one working day; "
                                  "checked on the server, webapp.security)",
    "ODEKAKE_SESSION_IDLE_MINUTES": "a log-in ends after this many minutes without a request (checked on the server)",
    "ODEKAKE_SESSION_IDLE_MINUTES_BY_ROLE": "the idle limit of some roles instead, in minutes (a driver's tablet lies "
                                            "in the van between stops): {'driver': 120}",
    "ODEKAKE_TOKEN_DAYS": "an API token made without --expires (odekake user token) ends after this many days",
    "ODEKAKE_LOGIN_DELAY_AFTER": "failed log-ins in a row on one login before each further try waits (429, Retry-After)",
    "ODEKAKE_LOGIN_DELAY_STEP_S": "that wait, in seconds, grows by this much with each further failure",
    "ODEKAKE_LOGIN_DELAY_MAX_S": "the longest such wait, in seconds",
    "ODEKAKE_LOGIN_LOCK_AFTER": "failed log-ins on one login within the window that lock it (an admin may unlock it)",
    "ODEKAKE_LOGIN_WINDOW_MINUTES": "the window of that count, in minutes; quiet this long, failures are forgotten",
    "ODEKAKE_LOGIN_LOCK_MINUTES": "a lock ends by itself after this many minutes (no one can lock a colleague out for good)",
    "ODEKAKE_LOGIN_ADDRESS_DELAY_AFTER": "as ODEKAKE_LOGIN_DELAY_AFTER for all logins tried from one client address "
                                         "(higher: an office shares one address behind its router)",
    "ODEKAKE_LOGIN_ADDRESS_LOCK_AFTER": "as ODEKAKE_LOGIN_LOCK_AFTER for one client address",
    "SESSION_COOKIE_NAME": "name of the session cookie",
    "SESSION_COOKIE_HTTPONLY": "scripts cannot read the session cookie",
    "SESSION_COOKIE_SAMESITE": "the cookie is not sent with cross-site posts",
    "SESSION_COOKIE_SECURE": "the cookie only travels over HTTPS (odekake serve turns it off on 127.0.0.1)",
    "WTF_CSRF_CHECK_DEFAULT": "off: the guard (webapp.security) checks CSRF itself, skipping bearer-token calls",
    "WTF_CSRF_TIME_LIMIT": "None: a form's token lives as long as the log-in (tablets stay open all day)",
    "WTF_CSRF_ENABLED": "CSRF tokens on every form and browser API write",
    "MAX_CONTENT_LENGTH": "largest request body accepted, in bytes",
    "ODEKAKE_LANGUAGE": "language of the screens until a user switches (ja or en)",
    "ODEKAKE_AREA_NAME": "municipality / district shown on every page; default: the road graph's name",
    "ODEKAKE_MAP_MARGIN_DEG": "roads drawn around a route's bounding box, in degrees",
    "ODEKAKE_JOBS_QUEUE": "task queue of planning jobs: 'sqlite' (<instance>/jobs.db, no server) or 'redis'",
    "ODEKAKE_JOBS_REDIS_URL": "the Redis server when ODEKAKE_JOBS_QUEUE = 'redis' (needs the redis package)",
    "ODEKAKE_JOBS_IMMEDIATE": "run each job inside the request that queues it (tests only)",
    "ODEKAKE_JOBS_EMBEDDED": "odekake serve also runs the jobs (threads); False when odekake worker runs them",
    "ODEKAKE_JOBS_WORKERS": "planning jobs run at once by one consumer (each solve uses up to SolveParams.workers cores)",
    "ODEKAKE_PLAN_TIME_LIMIT_S": "the planning form's default solver time limit, in seconds",
    "ODEKAKE_PLAN_TIME_LIMITS": "the time limits (seconds) the planning form offers",
    "ODEKAKE_PLAN_SOLUTION_LIMIT": "stop each solve after this many improving solutions (tests, demos); None: time only",
    "ODEKAKE_PLAN_STALL_S": "early stop: seconds without a real gain before the solver stops (None: by problem size; 0: off)",
    "ODEKAKE_TIME_ZONE": "the city's time zone (IANA name): every 'today' and 'now' of the app, whatever the server's clock",
    "ODEKAKE_NOW": "a fixed 'now' in the city's time, ISO text such as '2026-12-07T09:00' (tests, training copies); None: the clock",
    "ODEKAKE_BOOKING_HORIZON_DAYS": "offers and bookings reach this many days ahead of today",
    "ODEKAKE_ERRAND_MAX_YEN": "the most an errand may ask the driver to collect, in yen",
    "ODEKAKE_OFFICE_PHONE": "the office's number residents call back, said at the end of every read-back (empty: not said)",
    "ODEKAKE_CALL_MARGIN_MINUTES": "the day's call list (連絡リスト) names a resident whose expected time leaves the "
                                   "window they were told by more than this (a phone promise: by any lateness)",
    "ODEKAKE_LIVE_REFRESH_S": "the live day screen (今日の運行) reloads its figures this often, in seconds",
}


def defaults() -> dict[str, Any]:
    """Return the default settings (see `DOCUMENTED`)."""
    return {
        "SECRET_KEY": None,
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=10),
        "ODEKAKE_SESSION_IDLE_MINUTES": 30,
        "ODEKAKE_SESSION_IDLE_MINUTES_BY_ROLE": {"driver": 120},
        "ODEKAKE_TOKEN_DAYS": 90,
        "ODEKAKE_LOGIN_DELAY_AFTER": 5,
        "ODEKAKE_LOGIN_DELAY_STEP_S": 5,
        "ODEKAKE_LOGIN_DELAY_MAX_S": 300,
        "ODEKAKE_LOGIN_LOCK_AFTER": 20,
        "ODEKAKE_LOGIN_WINDOW_MINUTES": 60,
        "ODEKAKE_LOGIN_LOCK_MINUTES": 60,
        "ODEKAKE_LOGIN_ADDRESS_DELAY_AFTER": 20,
        "ODEKAKE_LOGIN_ADDRESS_LOCK_AFTER": 100,
        "SESSION_COOKIE_NAME": "odekake_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": True,
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_ENABLED": True,
        "MAX_CONTENT_LENGTH": 1_000_000,
        "ODEKAKE_LANGUAGE": "ja",
        "ODEKAKE_AREA_NAME": None,
        "ODEKAKE_MAP_MARGIN_DEG": 0.01,
        "ODEKAKE_JOBS_QUEUE": "sqlite",
        "ODEKAKE_JOBS_REDIS_URL": "redis://localhost:6379/0",
        "ODEKAKE_JOBS_IMMEDIATE": False,
        "ODEKAKE_JOBS_EMBEDDED": True,
        "ODEKAKE_JOBS_WORKERS": 1,
        "ODEKAKE_PLAN_TIME_LIMIT_S": 30,
        "ODEKAKE_PLAN_TIME_LIMITS": (10, 30, 60, 120, 300),
        "ODEKAKE_PLAN_SOLUTION_LIMIT": None,
        "ODEKAKE_PLAN_STALL_S": None,
        "ODEKAKE_TIME_ZONE": "Asia/Tokyo",
        "ODEKAKE_NOW": None,
        "ODEKAKE_BOOKING_HORIZON_DAYS": 56,
        "ODEKAKE_ERRAND_MAX_YEN": 100_000,
        "ODEKAKE_OFFICE_PHONE": "",
        "ODEKAKE_CALL_MARGIN_MINUTES": 15,
        "ODEKAKE_LIVE_REFRESH_S": 20,
    }


def for_instance(instance: Path) -> dict[str, Any]:
    """Return an instance's settings without making the app (the ``odekake user`` commands): defaults, then ``webapp.py``."""
    from flask import Config

    config = Config(str(instance), defaults())
    config.from_pyfile(INSTANCE_CONFIG, silent=True)
    return config


def instance_secret_key(instance: Path) -> str:
    """Return the instance's secret key, generating ``secret_key`` (mode 0600) on first use."""
    path = Path(instance) / SECRET_KEY_FILE
    if not path.exists():
        write_atomic(path, secrets.token_hex(32) + "\n")  # owner-only by default
    return path.read_text(encoding="utf-8").strip()


def area_name(instance: Path) -> str:
    """Return the name of the area an instance serves: its road graph's name, else the folder's."""
    from routing.graph import read_instance_info

    info = read_instance_info(instance) or {}
    return str(info.get("name") or Path(instance).name)

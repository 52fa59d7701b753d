"""Numbered schema migrations of the odekake database.

Built on sqlite-utils' own `Migrations` helper: each migration is a function
registered under a numbered name (``0001_core``, ``0002_plans``, ...) and
recorded in the ``_sqlite_migrations`` table when applied, inside the same
transaction as its changes. `migrate` applies whatever is pending, so running
it again on an up-to-date database changes nothing.

Never edit a migration that has shipped: add a new numbered one. The module is long because every
migration since the first stays here, in order: it reads as the schema's history.

Schema conventions (mapped to dataclasses by `scheduler.store` only):
enums are stored as their values, dates and datetimes as ISO text, booleans as
0/1, and nested values (request details, time windows, opening hours,
capacities, skills) as JSON text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import sqlite_utils
from sqlite_utils.migrations import Migrations

from scheduler.domain import DEFAULT_SERVICES
from scheduler.store.text import phone_digits

logger = logging.getLogger(__name__)

#: The migration set of odekake; migrations apply in registration order.
MIGRATIONS = Migrations("odekake")


def _run(db: sqlite_utils.Database, *statements: str) -> None:
    # Statement by statement: executescript() would commit the migration's
    # transaction half-way.
    for sql in statements:
        db.execute(sql)


@MIGRATIONS(name="0001_core")
def _core(db: sqlite_utils.Database) -> None:
    """Create people, places, fleet, services, requests and their events; seed services."""
    _run(
        db,
        """CREATE TABLE residents (
            id INTEGER PRIMARY KEY,
            external_id TEXT UNIQUE,
            name TEXT NOT NULL,
            kana TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            district TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            contact_name TEXT NOT NULL DEFAULT '',
            contact_phone TEXT NOT NULL DEFAULT '',
            consent INTEGER NOT NULL DEFAULT 1
        )""",
        """CREATE TABLE sites (
            id INTEGER PRIMARY KEY,
            external_id TEXT UNIQUE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            lat REAL NOT NULL,
            lon REAL NOT NULL,
            address TEXT NOT NULL DEFAULT '',
            opening_hours TEXT NOT NULL DEFAULT '{}'
        )""",
        """CREATE TABLE vehicles (
            id INTEGER PRIMARY KEY,
            external_id TEXT UNIQUE,
            name TEXT NOT NULL,
            depot_site_id INTEGER NOT NULL REFERENCES sites(id),
            capacity TEXT NOT NULL,
            skills TEXT NOT NULL DEFAULT '[]',
            cost_per_hour INTEGER NOT NULL,
            fixed_cost INTEGER NOT NULL,
            work_start_s INTEGER NOT NULL,
            work_end_s INTEGER NOT NULL,
            lunch_earliest_s INTEGER NOT NULL,
            lunch_latest_end_s INTEGER NOT NULL,
            lunch_s INTEGER NOT NULL,
            workdays TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1
        )""",
        """CREATE TABLE shift_exceptions (
            id INTEGER PRIMARY KEY,
            vehicle_id INTEGER NOT NULL REFERENCES vehicles(id),
            day TEXT NOT NULL,
            reason TEXT NOT NULL,
            start_s INTEGER,
            end_s INTEGER,
            note TEXT NOT NULL DEFAULT ''
        )""",
        """CREATE TABLE services (
            code TEXT PRIMARY KEY,
            name_ja TEXT NOT NULL,
            name_en TEXT NOT NULL,
            duration_s INTEGER NOT NULL,
            skill TEXT,
            active INTEGER NOT NULL DEFAULT 1
        )""",
        """CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            external_id TEXT UNIQUE,
            kind TEXT NOT NULL,
            resident_id INTEGER REFERENCES residents(id),
            status TEXT NOT NULL,
            details TEXT NOT NULL,
            windows TEXT NOT NULL DEFAULT '[]',
            promised TEXT,
            received_at TEXT NOT NULL,
            base_priority INTEGER NOT NULL DEFAULT 0,
            notes TEXT NOT NULL DEFAULT ''
        )""",
        """CREATE TABLE request_events (
            id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests(id),
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX idx_shift_exceptions_day ON shift_exceptions(day)",
        "CREATE INDEX idx_requests_status ON requests(status)",
        "CREATE INDEX idx_request_events_request ON request_events(request_id)",
    )
    db["services"].insert_all(
        {
            "code": s.code,
            "name_ja": s.name_ja,
            "name_en": s.name_en,
            "duration_s": s.duration_s,
            "skill": s.skill.value if s.skill else None,
            "active": int(s.active),
        }
        for s in DEFAULT_SERVICES
    )


@MIGRATIONS(name="0002_plans_bookings_search")
def _plans(db: sqlite_utils.Database) -> None:
    """Add plan versions with stops, session bookings, and phone digits for search."""
    _run(
        db,
        """CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            week_start TEXT NOT NULL,
            version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            status TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '{}',
            published_at TEXT,
            published_by TEXT,
            UNIQUE (week_start, version)
        )""",
        """CREATE TABLE plan_stops (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            vehicle_id INTEGER NOT NULL REFERENCES vehicles(id),
            day TEXT NOT NULL,
            seq INTEGER NOT NULL,
            step_type TEXT NOT NULL,
            arrival_s INTEGER NOT NULL,
            start_s INTEGER NOT NULL,
            departure_s INTEGER NOT NULL,
            request_id INTEGER REFERENCES requests(id),
            site_id INTEGER REFERENCES sites(id),
            resident_id INTEGER REFERENCES residents(id),
            lat REAL,
            lon REAL,
            load TEXT NOT NULL DEFAULT '[]',
            driving_s INTEGER NOT NULL DEFAULT 0,
            distance_m INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE plan_unassigned (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            request_id INTEGER NOT NULL REFERENCES requests(id),
            reason TEXT NOT NULL,
            day TEXT
        )""",
        """CREATE TABLE session_bookings (
            id INTEGER PRIMARY KEY,
            session_request_id INTEGER NOT NULL REFERENCES requests(id),
            resident_id INTEGER NOT NULL REFERENCES residents(id),
            day TEXT NOT NULL,
            services TEXT NOT NULL DEFAULT '[]'
        )""",
        "CREATE INDEX idx_plan_stops_plan ON plan_stops(plan_id, vehicle_id, day, seq)",
        "CREATE INDEX idx_plan_unassigned_plan ON plan_unassigned(plan_id)",
        "CREATE INDEX idx_session_bookings_request ON session_bookings(session_request_id, day)",
        # Operators search by phone number however it was typed (0246-22-1111,
        # 0246 22 1111): keep the digits alone, filled for existing rows.
        "ALTER TABLE residents ADD COLUMN phone_digits TEXT NOT NULL DEFAULT ''",
    )
    for row in list(db.query("SELECT id, phone FROM residents")):
        db.execute(
            "UPDATE residents SET phone_digits = ? WHERE id = ?",
            [phone_digits(row["phone"]), row["id"]],
        )


@MIGRATIONS(name="0003_opening_hours_intervals")
def _opening_hours_intervals(db: sqlite_utils.Database) -> None:
    """Store each weekday's opening hours as a list of intervals (lunch closures).

    ``{"0": [32400, 64800]}`` becomes ``{"0": [[32400, 64800]]}``; rows
    already in the new shape are left as they are.
    """
    for row in list(db.query("SELECT id, opening_hours FROM sites")):
        hours = json.loads(row["opening_hours"] or "{}")
        converted = {wd: [value] if value and isinstance(value[0], int) else value
                     for wd, value in hours.items()}
        if converted != hours:
            db.execute("UPDATE sites SET opening_hours = ? WHERE id = ?",
                       [json.dumps(converted, sort_keys=True), row["id"]])


@MIGRATIONS(name="0004_plan_stop_errand_part")
def _plan_stop_part(db: sqlite_utils.Database) -> None:
    """Record which shop of an errand a plan stop is for, so the stop sheet shows that shop's boxes.

    Stops of earlier plans keep NULL: their sheets fall back to the whole order.
    """
    _run(db, "ALTER TABLE plan_stops ADD COLUMN part INTEGER")


@MIGRATIONS(name="0005_staff_accounts_audit_stop_reports")
def _staff_accounts(db: sqlite_utils.Database) -> None:
    """Add staff accounts, API token hashes, the audit log, and stop reports on request events."""
    _run(
        db,
        """CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            login TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL,
            vehicle_id INTEGER REFERENCES vehicles(id),
            password_hash TEXT NOT NULL DEFAULT '',
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            token_sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        )""",
        # Who looked at or changed residents' data: ids only, never names.
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            subject_ids TEXT NOT NULL DEFAULT '[]',
            where_ TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX idx_audit_log_at ON audit_log(at)",
        # The crew's reports at a stop (到着 / 完了 / 不在 / 対応不可) are request events
        # that name the stop; history, so no foreign key to a plan version's stops.
        "ALTER TABLE request_events ADD COLUMN stop_id INTEGER",
        "ALTER TABLE request_events ADD COLUMN action TEXT",
        "CREATE INDEX idx_request_events_stop ON request_events(stop_id)",
    )



@MIGRATIONS(name="0006_plan_jobs")
def _plan_jobs(db: sqlite_utils.Database) -> None:
    """Add background planning jobs: state, phase and result, at most one active job per week."""
    _run(
        db,
        """CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            week_start TEXT NOT NULL,
            created_by TEXT NOT NULL,
            time_limit_s REAL NOT NULL,
            params TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL,
            phase TEXT,
            created_at TEXT NOT NULL,
            started_at TEXT,
            phase_started_at TEXT,
            finished_at TEXT,
            plan_id INTEGER REFERENCES plans(id),
            plan_version INTEGER,
            served INTEGER,
            unassigned INTEGER,
            error_code TEXT,
            error_detail TEXT NOT NULL DEFAULT ''
        )""",
        # One planning job per week at a time, kept by the database itself (two clicks, two processes).
        "CREATE UNIQUE INDEX idx_jobs_one_active_per_week ON jobs(week_start) WHERE state IN ('queued', 'running')",
    )


@MIGRATIONS(name="0007_seat_cancellation")
def _seat_cancellation(db: sqlite_utils.Database) -> None:
    """Let a hall-session seat be cancelled and kept on record: when (NULL: active), why and by whom.

    Existing seats stay active.
    """
    _run(
        db,
        "ALTER TABLE session_bookings ADD COLUMN cancelled_at TEXT",
        "ALTER TABLE session_bookings ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE session_bookings ADD COLUMN cancelled_by TEXT NOT NULL DEFAULT ''",
    )


@MIGRATIONS(name="0008_event_causes")
def _event_causes(db: sqlite_utils.Database) -> None:
    """Say why the system changed a request as a code with arguments, not as English free text.

    Events stored before keep their note as it was written (and no cause).
    """
    _run(
        db,
        "ALTER TABLE request_events ADD COLUMN cause TEXT",
        "ALTER TABLE request_events ADD COLUMN cause_args TEXT NOT NULL DEFAULT '{}'",
    )


@MIGRATIONS(name="0009_job_progress")
def _job_progress(db: sqlite_utils.Database) -> None:
    """Keep a running planning job's best plan so far (counts only) and when its search is expected to end.

    Jobs stored before have none (their progress is counted by time, as before).
    """
    _run(
        db,
        "ALTER TABLE jobs ADD COLUMN found_served INTEGER",
        "ALTER TABLE jobs ADD COLUMN found_unassigned INTEGER",
        "ALTER TABLE jobs ADD COLUMN found_promises_kept INTEGER",
        "ALTER TABLE jobs ADD COLUMN found_promised INTEGER",
        "ALTER TABLE jobs ADD COLUMN expected_solve_s REAL",
    )


#: Days an API token made before tokens had an end keeps working after migration 0010.
TOKEN_DAYS_AT_UPGRADE = 90


@MIGRATIONS(name="0010_login_sessions_token_ends_login_limits")
def _login_sessions(db: sqlite_utils.Database) -> None:
    """Keep browser log-ins on the server, give API tokens an end and a revocation, count failed log-ins.

    - ``login_sessions``: one row per log-in (the cookie holds only its secret;
      the row its SHA-256), ended by log-out, a new password, disabling, an admin.
    - ``api_tokens``: ``expires_at``, ``label``, ``revoked_at``/``revoke_reason``.
      Tokens made before never ended: they end `TOKEN_DAYS_AT_UPGRADE` days
      after this migration (the city's clock), so an integration keeps working
      while its owner makes a new one.
    - ``login_throttles``: failed log-ins per key (an account, a client address,
      an unknown login as a keyed hash), shared by every process.
    - ``audit_log.address``: the client's address of log-ins and refusals.

    Browser sessions made before are not in the table: everyone logs in again.
    """
    from scheduler.clock import city_now

    _run(
        db,
        """CREATE TABLE login_sessions (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            secret_sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            ended_at TEXT,
            end_reason TEXT
        )""",
        "CREATE INDEX idx_login_sessions_user ON login_sessions(user_id)",
        "ALTER TABLE api_tokens ADD COLUMN expires_at TEXT",
        "ALTER TABLE api_tokens ADD COLUMN label TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT",
        "ALTER TABLE api_tokens ADD COLUMN revoke_reason TEXT",
        "CREATE INDEX idx_api_tokens_user ON api_tokens(user_id)",
        """CREATE TABLE login_throttles (
            key TEXT PRIMARY KEY,
            failures INTEGER NOT NULL DEFAULT 0,
            last_failure_at TEXT,
            window_start TEXT,
            window_failures INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT
        )""",
        "CREATE INDEX idx_login_throttles_last_failure ON login_throttles(last_failure_at)",
        "ALTER TABLE audit_log ADD COLUMN address TEXT NOT NULL DEFAULT ''",
    )
    ends = city_now() + dt.timedelta(days=TOKEN_DAYS_AT_UPGRADE)
    db.execute("UPDATE api_tokens SET expires_at = ? WHERE expires_at IS NULL", [ends.isoformat()])


@MIGRATIONS(name="0011_live_day")
def _live_day(db: sqlite_utils.Database) -> None:
    """The live day (scheduler.live): what a stop was planned against, when a report was received, calls.

    - ``plan_stops.windows``: the intervals (week seconds, JSON ``[[open, close], ...]``) the
      stop's service could start in when it was planned, so that its ETA is re-timed by the same
      rules; stops stored before have none (re-timed without waiting for a window).
    - ``request_events.received_at``: when the server stored a crew's report; its ``at`` is when it
      happened (a tablet that was offline sends its presses later). Events stored before have none.
    - ``call_outcomes``: what an operator noted on a call of the day's call list (連絡リスト).
    """
    _run(
        db,
        "ALTER TABLE plan_stops ADD COLUMN windows TEXT",
        "ALTER TABLE request_events ADD COLUMN received_at TEXT",
        """CREATE TABLE call_outcomes (
            id INTEGER PRIMARY KEY,
            day TEXT NOT NULL,
            request_id INTEGER NOT NULL REFERENCES requests(id),
            stop_id INTEGER REFERENCES plan_stops(id),
            outcome TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            user TEXT NOT NULL,
            at TEXT NOT NULL,
            told TEXT NOT NULL DEFAULT '',
            expected TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX idx_call_outcomes_day ON call_outcomes(day, request_id)",
    )


@MIGRATIONS(name="0012_road_closures")
def _road_closures(db: sqlite_utils.Database) -> None:
    """Closed roads (scheduler.closures): which road (way ids, two points or graph edges, JSON), from, until, note."""
    _run(
        db,
        """CREATE TABLE road_closures (
            id INTEGER PRIMARY KEY,
            way_ids TEXT NOT NULL DEFAULT '[]',
            points TEXT NOT NULL DEFAULT '[]',
            edges TEXT NOT NULL DEFAULT '[]',
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            created_by TEXT NOT NULL DEFAULT '',
            created_at TEXT
        )""",
        "CREATE INDEX idx_road_closures_period ON road_closures(ends_at, starts_at)",
    )


@MIGRATIONS(name="0013_stop_handled_district_population")
def _stop_handled(db: sqlite_utils.Database) -> None:
    """What a 完了 at a stop handled (scheduler.evidence.records), and a population per district (issue 27).

    - ``stop_handled``: one row per stop reported done: services handled with their counts and the
      walk-ins at a hall session (JSON ``{"code": n}``), an errand's boxes delivered and amount
      collected, a ride's passengers; history, so no foreign key to a plan version's stops.
      Stops reported done before have none (the figures count the requested services once).
    - ``district_population``: an optional population per district (e.g. residents aged 65+ from
      the census), for the share of the district reached.
    """
    _run(
        db,
        """CREATE TABLE stop_handled (
            stop_id INTEGER PRIMARY KEY,
            request_id INTEGER NOT NULL REFERENCES requests(id),
            day TEXT NOT NULL,
            services TEXT NOT NULL DEFAULT '{}',
            walk_ins TEXT NOT NULL DEFAULT '{}',
            boxes INTEGER NOT NULL DEFAULT 0,
            collected_yen INTEGER NOT NULL DEFAULT 0,
            passengers INTEGER NOT NULL DEFAULT 0,
            at TEXT NOT NULL,
            user TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX idx_stop_handled_day ON stop_handled(day)",
        """CREATE TABLE district_population (
            district TEXT PRIMARY KEY,
            population INTEGER NOT NULL,
            label TEXT NOT NULL DEFAULT ''
        )""",
        # the figures read the crew's reports by their action
        "CREATE INDEX idx_request_events_action ON request_events(action, stop_id)",
        "CREATE INDEX idx_plan_stops_day ON plan_stops(day)",
    )


@MIGRATIONS(name="0014_locks")
def _locks(db: sqlite_utils.Database) -> None:
    """Locks (鍵, scheduler.locks): a stop (its request on its vehicle and day), a shift or a whole day kept; who, when.

    History beside the plan versions, so no foreign key to a version's stops; one lock per (day, vehicle, request).
    """
    _run(
        db,
        """CREATE TABLE locks (
            id INTEGER PRIMARY KEY,
            day TEXT NOT NULL,
            vehicle_id INTEGER REFERENCES vehicles(id),
            stop_id INTEGER,
            request_id INTEGER REFERENCES requests(id),
            created_by TEXT NOT NULL DEFAULT '',
            created_at TEXT
        )""",
        "CREATE UNIQUE INDEX idx_locks_key ON locks(day, IFNULL(vehicle_id, 0), IFNULL(request_id, 0))",
    )


#: A table of figures_counts' shape (0015), by day or by month.
_COUNTS_TABLE = """CREATE TABLE {name} (
            {when} TEXT NOT NULL,
            legs INTEGER NOT NULL DEFAULT 0,
            vehicle_id INTEGER,
            site_id INTEGER,
            district TEXT NOT NULL DEFAULT '',
            service TEXT NOT NULL DEFAULT '',
            sessions_held INTEGER NOT NULL DEFAULT 0,
            visits_done INTEGER NOT NULL DEFAULT 0,
            errands_delivered INTEGER NOT NULL DEFAULT 0,
            rides_done INTEGER NOT NULL DEFAULT 0,
            passengers INTEGER NOT NULL DEFAULT 0,
            boxes_delivered INTEGER NOT NULL DEFAULT 0,
            collected_yen INTEGER NOT NULL DEFAULT 0,
            services_total INTEGER NOT NULL DEFAULT 0,
            walk_ins INTEGER NOT NULL DEFAULT 0,
            resident_stops_reported INTEGER NOT NULL DEFAULT 0,
            unserved_not_home INTEGER NOT NULL DEFAULT 0,
            unserved_cannot_serve INTEGER NOT NULL DEFAULT 0,
            unserved_cancelled INTEGER NOT NULL DEFAULT 0,
            unserved_not_planned INTEGER NOT NULL DEFAULT 0,
            distance_m INTEGER NOT NULL DEFAULT 0,
            driving_s INTEGER NOT NULL DEFAULT 0,
            staff_s INTEGER NOT NULL DEFAULT 0
        )"""


@MIGRATIONS(name="0015_figures_summary")
def _figures_summary(db: sqlite_utils.Database) -> None:
    """The figures summed day by day (scheduler.evidence.summary), so a question over a year reads few rows.

    Derived from the raw rows, never the record (the month tables from the day tables): a day without a
    ``figures_days`` row is summed when a question first reads it (so nothing is filled here), and
    ``odekake evidence rebuild`` sums again.
    """
    _run(
        db,
        "CREATE TABLE figures_days (day TEXT PRIMARY KEY)",
        _COUNTS_TABLE.format(name="figures_counts", when="day"),
        "CREATE INDEX idx_figures_counts_day ON figures_counts(day)",
        """CREATE TABLE figures_served (
            day TEXT NOT NULL, vehicle_id INTEGER, site_id INTEGER, district TEXT NOT NULL, resident_id INTEGER NOT NULL
        )""",
        "CREATE INDEX idx_figures_served_day ON figures_served(day)",
        """CREATE TABLE figures_leads (
            day TEXT NOT NULL, vehicle_id INTEGER, site_id INTEGER, district TEXT NOT NULL, lead_days REAL NOT NULL
        )""",
        "CREATE INDEX idx_figures_leads_day ON figures_leads(day)",
        "CREATE TABLE figures_places (day TEXT NOT NULL, resident_id INTEGER, site_id INTEGER, district TEXT NOT NULL)",
        "CREATE INDEX idx_figures_places_day ON figures_places(day)",
        # the same summed by month (``month`` as 2026-04), for the whole months of a question
        _COUNTS_TABLE.format(name="figures_month_counts", when="month"),
        "CREATE INDEX idx_figures_month_counts_month ON figures_month_counts(month)",
        """CREATE TABLE figures_month_served (
            month TEXT NOT NULL, vehicle_id INTEGER, site_id INTEGER, district TEXT NOT NULL, resident_id INTEGER NOT NULL
        )""",
        "CREATE INDEX idx_figures_month_served_month ON figures_month_served(month)",
    )


@MIGRATIONS(name="0016_job_kinds")
def _job_kinds(db: sqlite_utils.Database) -> None:
    """Jobs of other kinds than planning a week (issue 26): re-planning a day, an outage, a closed road.

    ``kind`` (``week_plan`` | ``day_replan`` | ``outage`` | ``closure``), the ``days`` a day job
    holds (JSON list of ISO dates), its ``args`` and its ``result`` (JSON). Jobs stored before
    are week plans with no days. One active week plan per week as before (the index now names
    the kind); day jobs on overlapping days are refused by `Store.add_job` inside its write lock.
    """
    _run(
        db,
        "ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'week_plan'",
        "ALTER TABLE jobs ADD COLUMN days TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE jobs ADD COLUMN args TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE jobs ADD COLUMN result TEXT NOT NULL DEFAULT '{}'",
        "DROP INDEX idx_jobs_one_active_per_week",
        "CREATE UNIQUE INDEX idx_jobs_one_active_per_week ON jobs(week_start) "
        "WHERE kind = 'week_plan' AND state IN ('queued', 'running')",
        "CREATE INDEX idx_jobs_active_kind ON jobs(state, kind)",
    )


def _all_names() -> tuple[str, ...]:
    empty = sqlite_utils.Database(memory=True)
    try:
        return tuple(m.name for m in MIGRATIONS.pending(empty))
    finally:
        empty.close()


#: Names of all migrations, oldest first.
MIGRATION_NAMES: tuple[str, ...] = _all_names()


def migrate(db: sqlite_utils.Database, *, stop_before: str | None = None) -> list[str]:
    """Apply pending migrations and return the names of those applied.

    Parameters
    ----------
    db
        The database; must not be inside an open transaction.
    stop_before
        Name of a migration to stop before (used to build older-version
        databases in tests).
    """
    pending = [m.name for m in MIGRATIONS.pending(db)]
    if stop_before in pending:
        pending = pending[: pending.index(stop_before)]
    MIGRATIONS.apply(db, stop_before=stop_before)
    for name in pending:
        logger.info("applied migration %s", name)
    return pending


def applied(db: sqlite_utils.Database) -> list[str]:
    """Return the names of the migrations applied to `db`, oldest first."""
    return [m.name for m in MIGRATIONS.applied(db)]


def schema_version(db: sqlite_utils.Database) -> int:
    """Return how many of odekake's migrations `db` has (0 for an empty database)."""
    return len(applied(db))

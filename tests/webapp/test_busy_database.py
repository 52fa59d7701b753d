"""A busy database (another connection holding the write lock) never fails nor stalls a read, and never reaches
a user as a 500: audit entries wait in a queue with their own time, a write that cannot get the lock is a 503."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import time

from routing.instance import database_path
from scheduler.accounts import AuditEntry
from scheduler.clock import stamp_now
from scheduler.store import Store
from tests.webapp.conftest import TEST_CONFIG, WEEK, clock_on, csrf_token, login
from webapp import audit

BUSY_JA = "混み合っています。もう一度お試しください"
BUSY_EN = "The system is busy; please try again"


@contextlib.contextmanager
def write_lock(instance):
    """Hold the instance database's write lock from another connection (a plan being stored, a booking)."""
    conn = sqlite3.connect(database_path(instance), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("COMMIT")
        conn.close()


def _bearer(store, login_name: str) -> dict:
    from webapp.security import new_api_token

    return {"Authorization": f"Bearer {new_api_token(store, store.users.by_login(login_name))}"}


def test_a_read_answers_at_once_and_its_audit_entry_lands_later_with_its_time(client, store, instance):
    """The week board through the API answers 200 fast while the lock is held; its entry is written after."""
    login(client, "dispatcher")
    last_id = max([e.id for e in store.audit_log.latest(limit=1)], default=0)
    with write_lock(instance):
        asked = stamp_now()
        started = time.perf_counter()
        response = client.get(f"/api/weeks/{WEEK}/plan")
        took = time.perf_counter() - started
        assert response.status_code == 200
        assert took < audit.WRITE_WAIT_S + 1.5  # not the store's 10 s busy timeout
        assert audit.pending() >= 1
        assert [e for e in store.audit_log.latest(limit=5) if e.id > last_id] == []  # not written yet
        time.sleep(1.1)  # the entry is written at least a second after it happened
        released = stamp_now()
    assert audit.flush(15) == 0
    written = [e for e in store.audit_log.latest(limit=5) if e.id > last_id]
    assert [(e.user, e.action, e.where) for e in written] == [("dispatcher", "view", "api.week_plan")]
    assert asked <= written[0].at < released.replace(microsecond=0)  # the time it happened, not when written
    assert written[0].subject_ids  # ids only, as ever


def test_offers_answer_while_the_database_is_busy(client, store, instance):
    """An offer (a read that audits) is answered, not failed, while another connection holds the lock."""
    headers = _bearer(store, "operator")
    resident = store.residents.all()[0].id
    draft = {"resident": resident, "kind": "visit", "services": [store.services.all()[0].code],
             "earliest": WEEK.isoformat(), "latest": (WEEK + dt.timedelta(days=4)).isoformat()}
    client.post("/api/offers", json=draft, headers=headers)  # the app loads its road graph once
    with write_lock(instance):
        started = time.perf_counter()
        response = client.post("/api/offers", json=draft, headers=headers)
        assert response.status_code == 200, response.json
        assert time.perf_counter() - started < 5
    assert audit.flush(15) == 0


def test_a_write_that_finds_the_database_locked_is_a_503_json_in_the_users_language(app, client, store, instance,
                                                                                    monkeypatch, route):
    """A crew report through the API while another writer holds the lock past the busy timeout: 503, not 500."""
    monkeypatch.setattr("scheduler.store.store.BUSY_TIMEOUT_MS", 100)
    clock_on(app, route[0])  # a stop is reported on its day
    headers = _bearer(store, "driver1")
    _day, stops = route
    with write_lock(instance):
        response = client.post(f"/api/stops/{stops[0].id}/status", json={"action": "arrived"}, headers=headers)
    assert response.status_code == 503
    assert response.json == {"error": BUSY_JA}
    assert response.headers["Retry-After"].isdigit()
    again = client.post(f"/api/stops/{stops[0].id}/status", json={"action": "arrived"}, headers=headers)
    assert again.status_code == 200  # nothing was written the first time; trying again works


def test_a_busy_form_post_is_a_503_page_in_english_for_an_english_user(client, instance, monkeypatch):
    """The dispatcher's 計画を作成 while the database stays locked: a 503 page saying so, in the chosen language."""
    monkeypatch.setattr("scheduler.store.store.BUSY_TIMEOUT_MS", 100)
    login(client, "dispatcher")
    client.get("/lang/en")
    token = csrf_token(client)
    with write_lock(instance):
        page = client.post(f"/dispatch/weeks/{WEEK}/plan", data={"csrf_token": token, "time_limit_s": "30"})
    assert page.status_code == 503
    assert BUSY_EN in page.text and "Traceback" not in page.text


def test_entries_the_database_never_took_are_kept_aside_and_written_at_the_next_start(instance, monkeypatch):
    """At exit, entries still refused are appended to a file (ids only) and written when the app starts again."""
    from webapp import create_app

    monkeypatch.setattr("scheduler.store.store.BUSY_TIMEOUT_MS", 100)
    queue = audit.AuditQueue()
    entry = AuditEntry(user="operator", action="view", subject="resident", subject_ids=(3, 5), where="api.offers",
                       at=dt.datetime(2026, 12, 1, 9, 0, 0))
    with write_lock(instance):
        queue.put(database_path(instance), entry)
        assert queue.close(timeout=10) == 1
    kept = list(instance.glob(audit.PENDING_GLOB))
    assert len(kept) == 1 and '"subject_ids": [3, 5]' in kept[0].read_text(encoding="utf-8")
    create_app(instance, test_config=dict(TEST_CONFIG))
    assert not list(instance.glob("audit-pending-*"))
    with Store.for_instance(instance) as store:
        found = [e for e in store.audit_log.latest() if e.where == "api.offers" and e.at == entry.at]
    assert [(e.user, e.subject_ids) for e in found] == [("operator", (3, 5))]


def test_serve_stops_cleanly_on_sigterm(tmp_path):
    """``odekake serve`` ends by itself on SIGTERM (a service manager), so its exit work (the audit queue) runs."""
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "webapp.cli", "--instance", str(tmp_path), "serve", "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.2)
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

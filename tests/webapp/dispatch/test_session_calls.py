"""連絡リスト: a hall session the van will be late for lists each resident booked into it that day."""

from __future__ import annotations

import datetime as dt
import re

from scheduler.domain import DAY_S, SessionBooking
from tests.webapp.conftest import WEEK, csrf_token, login

LATE = dt.timedelta(hours=2)


def _at(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds % DAY_S)


def _late_session(app, store):
    """A hall session with two residents booked, the van two hours late at the stop before it; the clock after."""
    plan = store.plans.published(WEEK)
    for session in sorted((s for s in plan.stops if s.step_type == "session"), key=lambda s: (s.day, s.seq)):
        before = [s for s in plan.stops if (s.vehicle_id, s.day) == (session.vehicle_id, session.day)
                  and s.seq < session.seq and s.request_id is not None and s.step_type != "session"]
        if before:
            break
    else:
        raise AssertionError("no hall session follows another stop in the sample week")
    prev = max(before, key=lambda s: s.seq)
    residents = store.residents.all()[:2]
    for resident in residents:
        store.session_bookings.add(SessionBooking(session.request_id, resident.id, session.day))
    now = _at(session.day, prev.departure_s) + LATE
    store.mark_stop(prev.id, "arrived", user="driver1", at=_at(session.day, prev.arrival_s) + LATE, now=now)
    store.mark_stop(prev.id, "done", user="driver1", at=now, now=now)
    app.config["ODEKAKE_NOW"] = now.isoformat()
    return session, residents


def test_a_late_hall_session_lists_each_booked_resident_to_phone(app, store):
    session, residents = _late_session(app, store)
    office = app.test_client()
    assert login(office, "operator").status_code == 302
    day = session.day.isoformat()
    calls = office.get(f"/api/days/{day}/calls").json["calls"]
    call = next(c for c in calls if c["stop_id"] == session.id)
    assert [(p["resident_id"], p["name"], p["phone"]) for p in call["residents"]] == [
        (r.id, r.name, r.phone) for r in residents]
    assert (call["resident_id"], call["name"]) == (residents[0].id, residents[0].name)
    page = office.get(f"/dispatch/days/{day}/calls").text
    rows = [re.search(rf'<tr id="{anchor}".*?</tr>', page, re.DOTALL)
            for anchor in (f"call-{session.id}", f"call-{session.id}-{residents[1].id}")]
    assert all(rows), "a row per booked resident"
    for row, resident in zip(rows, residents, strict=True):
        html = row.group(0)
        assert resident.name in html and resident.phone in html and call["told"]["text"] in html
        assert call["expected"] in html and f"{resident.name}様" in html
        assert "変更了承" in html and "取消希望" not in html  # a session is not cancelled from here
    viewed = store.audit_log.latest(limit=1)[0]
    assert {r.id for r in residents} <= set(viewed.subject_ids)
    refused = office.post(f"/api/calls/{session.id}", json={"outcome": "cancel", "note": ""},
                          headers={"X-CSRFToken": csrf_token(office)})
    assert refused.status_code == 400 and "hall session" in refused.json["error"]
    assert store.requests.get(session.request_id).status.value != "cancelled"

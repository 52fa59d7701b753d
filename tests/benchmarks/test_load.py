"""The load benchmark (`benchmarks.bench_load`): its modules import, and its post-run check finds what it must."""

from __future__ import annotations

import datetime as dt
import importlib.util
import subprocess
import sys

import pytest

from benchmarks import bench_load
from benchmarks.__main__ import BENCHMARKS
from scheduler.domain import (
    Request,
    RequestKind,
    RequestStatus,
    TimeWindow,
    VisitDetails,
)
from tests.conftest import planned_sample_copy

WEEK = dt.date(2026, 11, 30)


def test_the_benchmark_is_registered_and_the_locustfile_imports():
    """``python -m benchmarks load`` exists; the locustfile imports (in its own process: locust patches gevent)."""
    assert BENCHMARKS["load"] == "benchmarks.bench_load"
    assert callable(bench_load.main)
    if importlib.util.find_spec("locust") is None:
        pytest.skip("locust is not installed (make install-bench)")
    done = subprocess.run([sys.executable, "-c", ("import benchmarks.locustfile as f; "
                           "assert f.Dispatcher.fixed_count == 1 and f.Operator.phone_call")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def _booked(req: Request, t: float = 1.0) -> dict:
    w = req.promised
    return {"type": "booked", "status": 201, "request_id": req.id, "resident": req.resident_id,
            "kind": req.kind.value, "promised": {"day": w.day.isoformat(), "start_s": w.start_s, "end_s": w.end_s},
            "t": t}


def test_the_check_finds_a_planted_lost_booking_and_a_planted_double_booking(sample_instance, tmp_path):
    """A booking told to a client but in no plan version is lost; two live overlapping ones of a resident are double."""
    store, result = planned_sample_copy(sample_instance, tmp_path / "instance", WEEK, scale=0.1)
    with store:
        plan = result.plan
        on_route = {s.request_id for s in plan.stops if s.request_id is not None}
        kept = next(r for r in store.requests.all() if r.id in on_route and r.promised is not None)
        first_new = 1 + max(r.id for r in store.requests.all())
        resident = store.residents.all()[-1].id
        code = store.services.all()[0].code
        day = WEEK + dt.timedelta(days=1)

        def planted(start_h: float) -> Request:
            return store.add_request(Request(kind=RequestKind.VISIT, details=VisitDetails((code,)),
                                             resident_id=resident, status=RequestStatus.BOOKED,
                                             promised=TimeWindow(day, int(start_h * 3600),
                                                                 int((start_h + 1) * 3600))), user="operator0")

        clean = bench_load.check_run(store, [_booked(kept)], first_new_request_id=first_new)
        assert (clean.live, clean.lost, clean.double) == (1, [], [])

        lost, twin = planted(9), planted(9.5)
        records = [_booked(kept), _booked(lost), _booked(twin),
                   {"type": "cancelled", "status": 200, "request_id": twin.id}]

        found = bench_load.check_run(store, records, first_new_request_id=first_new)
        assert found.booked == 3 and found.cancelled == 1 and found.live == 2
        assert len(found.lost) == 1 and f"request {lost.id}:" in found.lost[0]
        # the client cancelled the twin, the database did not: both still live and overlapping
        assert len(found.double) == 1 and f"{lost.id} and {twin.id}" in found.double[0]
        assert found.failed == 2


def test_answers_are_counted_as_errors_slot_taken_and_refused():
    """5xx and calls without an answer are errors; 409 (taken, already booked) apart; idle records have no answer."""
    records = [{"type": "offer", "status": 200}, {"type": "booked", "status": 201},
               {"type": "book_refused", "status": 409, "taken": True}, {"type": "book_refused", "status": 400},
               {"type": "book_refused", "status": 409, "taken": False},
               {"type": "book_error", "status": 503}, {"type": "offer", "status": 0}, {"type": "idle"}]
    assert bench_load.answer_counts(records) == {"calls": 7, "errors": 2, "slot_taken": 1, "already_booked": 1,
                                                 "other_4xx": 1}


def test_long_writes_are_summarised_by_where_they_began():
    log = ("WARNING scheduler.store.entities: write lock held 2.5 s by booking/confirm.py:book\n"
           "INFO x: something else\n"
           "WARNING scheduler.store.entities: write lock held 7.0 s by planning/run.py:plan_week\n"
           "WARNING scheduler.store.entities: write lock held 1.2 s by booking/confirm.py:book\n")
    assert bench_load.long_writes(log) == ("planning/run.py:plan_week 1× (longest 7.0 s); "
                                           "booking/confirm.py:book 2× (longest 2.5 s)")
    assert bench_load.long_writes("") == "none"

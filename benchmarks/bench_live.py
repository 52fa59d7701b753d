"""Benchmark: the live day — re-timing a route after a report, the live view, the call list.

``python -m benchmarks live [--repeat N] [--requests N] [--time-limit S] [--no-write]``

1. **Re-timing one route** (`scheduler.live.eta.retime`, pure): routes of 10, 40
   and 100 stops with a lunch break and windows, a report at the middle stop 35
   minutes late; p50/p95 over N runs. Target: ≤ 50 ms for 40 stops.
2. **A 60-shift day re-timed**: 60 such routes of 33 stops (a scale-week day:
   2,000 stops a week make 60 shifts, benchmarks/rich_week.py), every route
   with a report, all re-timed once: what the live view's computation costs
   on the busiest day odekake plans (without the store reads).
3. **The sample day through the app** (Flask test client, server time): the
   FICTIONAL sample week planned (solution limit 50) and published, driver 1
   reports the first four stops of the day (the fourth 35 minutes late);
   p50/p95 of ``GET /api/days/<day>/live`` and of ``GET /api/days/<day>/calls``
   (the call list: live view plus outcomes and residents), and of building the
   call list alone (`scheduler.live.calls.call_list` on a built live day).

Writes the "live" section of docs/BENCHMARKS.md. No assertion on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from benchmarks.report import machine_line, markdown_table, write_section

H, M = 3600, 60


def _route(n: int):
    """A route of `n` visits 12 minutes apart with 20-minute service, a lunch break in the middle, the end."""
    from scheduler.live.eta import Leg

    legs = [Leg(0, "start", 8 * H + 30 * M, 8 * H + 30 * M, 8 * H + 30 * M, stop_id=0)]
    t = 8 * H + 30 * M
    for k in range(1, n + 1):
        if k == n // 2 + 1:
            legs.append(Leg(10_000 + k, "break", t, t, t + H, service_s=H, windows=((11 * H + 30 * M, 13 * H + 30 * M),)))
            t += H
        arrival = t + 12 * M
        legs.append(Leg(k, "visit", arrival, arrival, arrival + 20 * M, travel_s=12 * M, service_s=20 * M,
                        windows=((arrival - 30 * M, arrival + 60 * M),), told=(arrival - 15 * M, arrival + 45 * M),
                        stop_id=k))
        t = arrival + 20 * M
    legs.append(Leg(n + 1, "end", t + 12 * M, t + 12 * M, t + 12 * M, travel_s=12 * M, stop_id=n + 1))
    return legs


def _reports(legs):
    from scheduler.live.eta import Report

    visits = [leg for leg in legs if leg.kind == "visit"]
    middle = visits[len(visits) // 2]
    done = [Report(leg.stop_id, "done", leg.planned_departure_s) for leg in visits[: len(visits) // 2]]
    return [*done, Report(middle.stop_id, "done", middle.planned_departure_s + 35 * M)], middle.planned_departure_s + 35 * M


def _timed_ms(fn, n: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def _retime_rows(repeat: int) -> list[list]:
    from scheduler.live.eta import retime

    rows = []
    for n in (10, 40, 100):
        legs = _route(n)
        reports, now = _reports(legs)
        times = _timed_ms(lambda legs=legs, reports=reports, now=now: retime(legs, reports, now), repeat)
        rows.append([f"re-time one route of {n} stops", repeat, _p(times, 0.5), _p(times, 0.95),
                     "≤ 50 ms (40 stops)" if n == 40 else ""])
    routes = [_route(33) for _ in range(60)]
    reported = [_reports(legs) for legs in routes]
    times = _timed_ms(lambda: [retime(legs, r, now) for legs, (r, now) in zip(routes, reported, strict=True)],
                      max(5, repeat // 20))
    rows.append(["re-time a 60-shift day (60 × 33 stops)", max(5, repeat // 20), _p(times, 0.5), _p(times, 0.95), ""])
    return rows


def _sample_rows(requests: int, time_limit_s: float) -> tuple[list[list], dt.date]:
    from benchmarks.bench_web import _client, _instance, _times_ms
    from scheduler.live.calls import call_list
    from scheduler.live.day import live_day
    from scheduler.store import Store
    from webapp import create_app

    week = dt.date(2026, 11, 30)
    with tempfile.TemporaryDirectory(prefix="odekake-bench-live-") as tmp:
        folder = Path(tmp)
        day = _instance(folder, week, time_limit_s)
        with Store.for_instance(folder) as store:
            plan = store.plans.published(week)
            stops = sorted((s for s in plan.stops if s.vehicle_id == 1 and s.day == day and s.request_id),
                           key=lambda s: s.seq)
            start = dt.datetime.combine(day, dt.time())
            for k, stop in enumerate(stops[:4]):
                late = 35 * M if k == 3 else 0
                at = start + dt.timedelta(seconds=stop.departure_s % 86400 + late)
                store.mark_stop(stop.id, "done", user="bench", at=at, now=at)
            now = at + dt.timedelta(minutes=5)
            live = live_day(store, day, now)
            build = _timed_ms(lambda: call_list(live), requests)
            day_ms = _timed_ms(lambda: live_day(store, day, now), max(5, requests // 5))
        app = create_app(folder, test_config={"TESTING": True, "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": False,
                                              "ODEKAKE_NOW": now.isoformat()})
        dispatcher = _client(app, "dispatcher")
        view = _times_ms(dispatcher, f"/api/days/{day}/live", requests)
        calls = _times_ms(dispatcher, f"/api/days/{day}/calls", requests)
    rows = [["live_day from the store (sample day, 3 vehicles)", max(5, requests // 5), _p(day_ms, 0.5),
             _p(day_ms, 0.95), ""],
            ["GET /api/days/<day>/live (sample day)", requests, _p(view, 0.5), _p(view, 0.95), ""],
            ["call list built (sample day, live day in hand)", requests, _p(build, 0.5), _p(build, 0.95), ""],
            ["GET /api/days/<day>/calls (sample day)", requests, _p(calls, 0.5), _p(calls, 0.95), ""]]
    return rows, day


def main(argv: list[str]) -> int:
    """Run the live-day benchmark and write its section of docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks live", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1000, help="re-timings per route length (default 1000)")
    parser.add_argument("--requests", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solver seconds for the sample plan")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch docs/BENCHMARKS.md")
    args = parser.parse_args(argv)

    rows = _retime_rows(args.repeat)
    sample, day = _sample_rows(args.requests, args.time_limit)
    rows = [[r[0], r[1], f"{r[2]:.2f}", f"{r[3]:.2f}", r[4]] for r in [*rows, *sample]]
    table = markdown_table(["what", "runs", "p50 ms", "p95 ms", "target"], rows)
    body = (
        "Re-timing a vehicle's day from the crew's reports (`scheduler.live.eta.retime`, pure Python, the "
        "validator's timing rules) on synthetic routes with a lunch break and windows, the middle stop reported "
        "35 minutes late; a 60-shift day is 60 such routes of 33 stops (the scale week's busiest day). Then the "
        f"FICTIONAL sample week planned and published, driver 1's first four stops of {day} reported (the fourth "
        "35 minutes late), through the Flask test client (server time; no network, no browser).\n\n"
        f"{table}\n\nTarget: re-timing one route after an event ≤ 50 ms for 40 stops. The shared machine "
        f"(2 cores, other jobs running) makes these upper bounds.\n\nMeasured on {machine_line()}. "
        f"Run: `python -m benchmarks live --repeat {args.repeat} --requests {args.requests}`."
    )
    print(table)
    if not args.no_write:
        write_section("live", "The live day: re-timing, live view, call list", body)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))

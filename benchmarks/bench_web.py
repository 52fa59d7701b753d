"""Benchmark: server time of the web app's busiest pages on the planned sample week.

``python -m benchmarks web [--requests N] [--pdfs N] [--time-limit S] [--week YYYY-MM-DD]``

Builds the sample district's road graph in a temporary instance, loads and
plans the FICTIONAL sample week (solution limit 50, like ``odekake demo``),
publishes it and adds a dispatcher and a driver. Then, through the Flask test
client (server time only: no network, no browser), measures p50/p95 over N
requests of the dispatcher's week board and of a driver's day, and the p50
time of a day's stop sheet as PDF (WeasyPrint). The first request of each
page is a warm-up and not counted. Writes the "web" section of
docs/BENCHMARKS.md. Targets: board p95 ≤ 300 ms, driver page p95 ≤ 100 ms,
PDF ≤ 3 s. No assertion on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.report import machine_line, markdown_table, write_section

_PASSWORD = "bench-password-1"


def _instance(folder: Path, week: dt.date, time_limit_s: float) -> dt.date:
    """Plan and publish the sample week in `folder`; return driver 1's first day."""
    from routing.graph import build_graph
    from routing.network import RoadNetwork
    from routing.sample_district import DEFAULT_PATH
    from scheduler.io.sample import load_sample
    from scheduler.planning import plan_week, publish
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams
    from webapp.cli.user import add_user

    build_graph(DEFAULT_PATH, folder)
    network = RoadNetwork.from_instance(folder)
    with Store.for_instance(folder) as store:
        report = load_sample(store, network, week)
        result = plan_week(store, network, week, params=SolveParams(time_limit_s=time_limit_s, solution_limit=50),
                           user="benchmark", now=report.now)
        publish(store, result.plan.id, user="benchmark")
        add_user(store, "dispatcher", "dispatcher", vehicle_id=None, password=_PASSWORD)
        add_user(store, "driver1", "driver", vehicle_id=1, password=_PASSWORD)
        return min(s.day for s in result.plan.stops if s.vehicle_id == 1)


def _client(app, login: str):
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"login": login, "password": _PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        msg = f"benchmark log-in as {login} failed ({response.status_code})"
        raise RuntimeError(msg)
    return client


def _times_ms(client, url: str, n: int) -> list[float]:
    """Return the server time of `n` GETs of `url` in ms, after one uncounted warm-up."""
    times = []
    for i in range(n + 1):
        t0 = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            msg = f"{url}: HTTP {response.status_code}"
            raise RuntimeError(msg)
        if i:
            times.append(elapsed)
    return times


def _p(values: list[float], q: float) -> float:
    """Return the q-quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def main(argv: list[str]) -> int:
    """Run the web benchmark and write its section of docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks web", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--pdfs", type=int, default=5, help="stop sheet PDFs to render (default 5)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solver seconds for the sample plan")
    parser.add_argument("--week", default="2026-11-30", help="Monday of the sample week (default 2026-11-30)")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch docs/BENCHMARKS.md")
    args = parser.parse_args(argv)

    from webapp import create_app

    week = dt.date.fromisoformat(args.week)
    with tempfile.TemporaryDirectory(prefix="odekake-bench-web-") as tmp:
        folder = Path(tmp)
        day = _instance(folder, week, args.time_limit)
        app = create_app(folder, test_config={"TESTING": True, "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": False})
        dispatcher, driver = _client(app, "dispatcher"), _client(app, "driver1")
        board = _times_ms(dispatcher, f"/dispatch/weeks/{week}", args.requests)
        today = _times_ms(driver, f"/driver/?day={day}", args.requests)
        pdf = _times_ms(driver, f"/api/routes/{day}/1/sheet.pdf", args.pdfs)
        stops = dispatcher.get(f"/dispatch/weeks/{week}/sheet/{day}/1").text.count('class="box"')

    rows = [["week board (dispatcher)", args.requests, _p(board, 0.5), _p(board, 0.95), "p95 ≤ 300 ms"],
            ["driver's day", args.requests, _p(today, 0.5), _p(today, 0.95), "p95 ≤ 100 ms"],
            ["stop sheet PDF (a day)", args.pdfs, statistics.median(pdf), max(pdf), "p50 ≤ 3,000 ms"]]
    rows = [[*r[:2], f"{r[2]:.0f}", f"{r[3]:.0f}", r[4]] for r in rows]
    table = markdown_table(["page", "requests", "p50 ms", "p95 ms (PDF: max)", "target"], rows)
    body = (
        f"Server time through the Flask test client (no network, no browser) on the fictional sample week {week}, "
        f"planned with a solution limit of 50 and published: the dispatcher's week board (3 vehicles × 5 days), "
        f"driver 1's day on {day} (its sheet has {stops} stops to tick), and that day's stop sheet as an A4 PDF "
        f"(WeasyPrint, with the SVG route map). The first request of each page is not counted.\n\n{table}\n\n"
        f"Targets: board p95 ≤ 300 ms, driver page p95 ≤ 100 ms, PDF ≤ 3 s. The machine is shared (2 cores, "
        f"several other jobs running), so the figures are upper bounds.\n\n"
        f"Measured on {machine_line()}. Run: `python -m benchmarks web --requests {args.requests} "
        f"--pdfs {args.pdfs}`."
    )
    print(table)
    if not args.no_write:
        write_section("web", "Web app: week board, driver's day, stop sheet PDF", body)
    return 0

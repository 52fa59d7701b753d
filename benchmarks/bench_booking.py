"""Benchmark: offer latency of phone booking, in-process and through the API.

``python -m benchmarks booking [--drafts 50] [--big 500] [--week YYYY-MM-DD]``

Builds the sample district in a temporary instance, loads the sample week
(about 150 requests), plans and publishes it; a second instance gets a week
of about `--big` requests (the sample plus waiting visits, errands and rides
of more residents), planned the same way. Then 50 random drafts (a random
resident, kind and preference, acceptable days Monday to Friday of that week)
are offered:

- **before**: `find_offers` on the road network as the app had it (a disk
  matrix cache keyed by the point set: every draft's new home is a miss and a
  whole new matrix);
- **after**: on `scheduler.booking.matrices.OfferMatrices` (recent matrices
  kept in the process, grown by the draft's one new point);
- **API**: ``POST /api/offers`` with a bearer token through the Flask app
  (which uses `OfferMatrices`).

p50 and p95 of the wall time per offer. Target: p95 ≤ 300 ms in-process on the
sample week, ≤ 1 s on the 500-request week. No assertion on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.report import machine_line, markdown_table, write_section

PREFS = [{}, {"mornings": True}, {"afternoons": True}, {"not": ["wed"]}, {"after": "10:00"}]


def _grow_week(store, week: dt.date, target: int, rng: random.Random) -> None:
    """Add waiting (unpromised) copies of the week's visits, errands and rides for other residents."""
    import dataclasses

    from scheduler.domain import RequestKind

    residents = store.residents.all()
    base = [r for r in store.requests.all() if r.kind != RequestKind.SESSION]
    with store.transaction():
        for i in range(max(0, target - len(store.requests.all()))):
            r = rng.choice(base)
            copy = dataclasses.replace(r, id=None, external_id=f"BENCH-{i}", promised=None,
                                       resident_id=rng.choice(residents).id, windows=list(r.windows),
                                       status=r.status.RECEIVED)
            store.add_request(copy, user="benchmark")


def _instance(tmp: Path, name: str, week: dt.date, target: int | None) -> tuple[Path, int]:
    """Build a planned, published instance; return it and its number of requests."""
    import shutil

    from routing.network import RoadNetwork
    from scheduler.io.sample import load_sample
    from scheduler.planning import plan_week, publish
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams
    from webapp.cli.user import add_user

    folder = tmp / name
    shutil.copytree(tmp / "base" / "graph", folder / "graph")
    network = RoadNetwork.from_instance(folder)
    with Store.for_instance(folder) as store:
        report = load_sample(store, network, week, n_residents=220 if target else 70)
        if target:
            _grow_week(store, week, target, random.Random(5))
        result = plan_week(store, network, week, params=SolveParams(time_limit_s=30, solution_limit=20),
                           user="benchmark", now=report.now)
        publish(store, result.plan.id, user="benchmark")
        add_user(store, "bench", "operator", vehicle_id=None, password="bench-password-1")
        return folder, len(store.requests.all())


def _drafts(store, week: dt.date, n: int) -> list[dict]:
    rng = random.Random(11)
    residents = store.residents.all()
    shops = [s.id for s in store.sites.all() if s.kind.value in ("shop", "pharmacy")]
    places = [s.id for s in store.sites.all() if s.kind.value in ("clinic", "branch_office", "community_hall")]
    services = [s.code for s in store.services.all()]
    out = []
    for _ in range(n):
        kind = rng.choice(["visit", "visit", "errand", "ride"])
        d = {"resident": rng.choice(residents).id, "kind": kind, "earliest": week.isoformat(),
             "latest": (week + dt.timedelta(days=4)).isoformat(), "preferences": rng.choice(PREFS)}
        if kind == "visit":
            d["services"] = rng.sample(services, 1)
        elif kind == "errand":
            d.update(shops=[{"site": rng.choice(shops), "boxes": 1}], amount_yen=1200)
        else:
            d["ride"] = {"from": "home", "to": rng.choice(places)}
        out.append(d)
    return out


def _timed(fn, draft: dict) -> float:
    t0 = time.perf_counter()
    fn(draft)
    return time.perf_counter() - t0


def _measure(folder: Path, week: dt.date, n: int) -> dict[str, list[float]]:
    """Offer each draft three ways, one after the other (so a busy machine slows all three alike)."""
    from routing.network import RoadNetwork
    from scheduler.booking import find_offers, parse_draft
    from scheduler.booking.matrices import OfferMatrices
    from scheduler.store import Store
    from webapp import create_app
    from webapp.security import new_api_token

    now = dt.datetime.combine(week - dt.timedelta(days=3), dt.time(9))
    client = create_app(folder, test_config={"TESTING": True, "SECRET_KEY": "bench"}).test_client()
    with Store.for_instance(folder) as store:
        drafts = _drafts(store, week, n)
        plain = RoadNetwork.from_instance(folder)
        cached = OfferMatrices(RoadNetwork.from_instance(folder))
        headers = {"Authorization": f"Bearer {new_api_token(store, store.users.by_login('bench'))}"}
        client.post("/api/offers", json=drafts[0], headers=headers)  # the app loads its road graph once
        ways = {"before": lambda d: find_offers(store, plain, parse_draft(store, d, today=now.date()), now=now),
                "after": lambda d: find_offers(store, cached, parse_draft(store, d, today=now.date()), now=now),
                "API": lambda d: client.post("/api/offers", json=d, headers=headers)}
        out: dict[str, list[float]] = {k: [] for k in ways}
        for d in drafts:
            for name, fn in ways.items():
                out[name].append(_timed(fn, d))
    return out


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


def main(argv: list[str]) -> int:
    """Run the booking benchmark and write its section of docs/BENCHMARKS.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks booking", description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=50, help="random drafts per week (default 50)")
    parser.add_argument("--big", type=int, default=500, help="requests of the large week (default 500)")
    parser.add_argument("--week", default="2026-11-30", help="Monday of the sample week (default 2026-11-30)")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch docs/BENCHMARKS.md")
    args = parser.parse_args(argv)

    from routing.graph import build_graph
    from routing.sample_district import DEFAULT_PATH

    week = dt.date.fromisoformat(args.week)
    rows = []
    with tempfile.TemporaryDirectory(prefix="odekake-bench-booking-") as tmp:
        build_graph(DEFAULT_PATH, Path(tmp) / "base")
        for name, target in (("sample", None), ("big", args.big)):
            folder, n_requests = _instance(Path(tmp), name, week, target)
            for mode, values in _measure(folder, week, args.drafts).items():
                rows.append([f"{name} ({n_requests} requests)", mode, len(values), _p(values, 50), _p(values, 95),
                             max(values) * 1000])
    table = markdown_table(["week", "offers", "drafts", "p50 ms", "p95 ms", "max ms"], rows)
    body = (
        f"Offer latency (`scheduler.booking.find_offers`) on the planned, published sample week {week} and on "
        f"the same week grown to about {args.big} requests (waiting copies of its visits, errands and rides for "
        f"220 residents), over {args.drafts} random drafts each (random resident, kind and preference; Monday "
        "to Friday). *before*: the road network with its disk matrix cache (each new home is a whole new "
        "matrix); *after*: `OfferMatrices` (matrices kept in the process, grown by the draft's one point with "
        "`RoadNetwork.extend`); *API*: `POST /api/offers` with a bearer token through the Flask app (after).\n\n"
        f"{table}\n\nTarget: p95 ≤ 300 ms in-process on the sample week, ≤ 1 s on the 500-request week.\n\n"
        f"Measured on {machine_line()}. Run: `python -m benchmarks booking --drafts {args.drafts} --big {args.big}`."
    )
    print(table)
    if not args.no_write:
        write_section("booking", "Phone booking: offer latency", body)
    return 0

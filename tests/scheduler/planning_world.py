"""Shared builders for the compile / planning / CLI tests (imported by those test modules).

The tiny world lies on one north-south line: a location at latitude
``37.0 + k * 0.001`` is "kilometre post" k, and `LineMatrix` makes driving
between posts i and j take ``|i - j| * 60`` seconds and ``|i - j| * 500`` metres,
so every figure in a test can be worked out by hand.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np

from scheduler.domain import (
    DEFAULT_SERVICES,
    Request,
    RequestKind,
    Resident,
    Shift,
    Site,
    SiteKind,
    Skill,
    Vehicle,
)
from scheduler.vrp.params import SolveParams

#: A Monday with no holiday in its week.
WEEK = dt.date(2026, 11, 30)
TUE = WEEK + dt.timedelta(days=1)
NOW = dt.datetime(2026, 11, 27, 15, 0)

H = 3600

#: Solve parameters of the planning tests: 30 solutions end the search (the same plan on any
#: machine, well under a second here); the time limit is only a safety net.
PARAMS = SolveParams(time_limit_s=10, solution_limit=30)


def post(k: float) -> float:
    """Latitude of kilometre post `k`."""
    return round(37.0 + k * 0.001, 6)


class LineMatrix:
    """Matrix provider for the line world; counts its calls."""

    def __init__(self) -> None:
        self.calls: list[list] = []

    def matrix(self, points):
        """Return durations ``60 s × |Δpost|`` and distances ``500 m × |Δpost|``."""
        pts = list(points)
        self.calls.append(pts)
        ks = np.array([round((lat - 37.0) / 0.001) for _, lat, _ in pts], dtype=np.int64)
        diff = np.abs(ks[:, None] - ks[None, :])
        return SimpleNamespace(ids=[p[0] for p in pts], nodes=list(ks),
                               durations=diff * 60, distances=diff * 500)


WEEKDAYS_9_17 = {wd: (9 * H, 17 * H) for wd in range(5)}


def tiny_world() -> dict:
    """Return sites, residents, vehicles and services of the line world (ids set by hand).

    Posts: depot 0, hall 10, shop 5, clinic 20, resident 1 at post 3, resident 2 at post 12.
    """
    sites = {
        1: Site("Branch office (fictional)", SiteKind.BRANCH_OFFICE, post(0), 140.0,
                opening_hours={wd: (8 * H + 30 * 60, 17 * H + 15 * 60) for wd in range(5)}, id=1),
        2: Site("Kami hall (fictional)", SiteKind.COMMUNITY_HALL, post(10), 140.0,
                opening_hours=WEEKDAYS_9_17, id=2),
        3: Site("Shop (fictional)", SiteKind.SHOP, post(5), 140.0,
                opening_hours={wd: (10 * H, 19 * H) for wd in range(6)}, id=3),
        4: Site("Clinic (fictional)", SiteKind.CLINIC, post(20), 140.0,
                opening_hours={wd: (9 * H, 12 * H) for wd in range(5)}, id=4),
    }
    residents = {
        1: Resident("架空 一郎", "カクウ イチロウ", "0246-00-0001", "Line 3 (fictional)", post(3), 140.0, id=1),
        2: Resident("架空 花子", "カクウ ハナコ", "0246-00-0002", "Line 12 (fictional)", post(12), 140.0, id=2),
    }
    vehicles = {
        1: Vehicle("Office van (fictional)", depot_site_id=1, capacity={"seats": 2, "boxes": 0},
                   skills=(Skill.OFFICE_TERMINAL,), id=1),
        2: Vehicle("Kei-van (fictional)", depot_site_id=1, capacity={"seats": 3, "boxes": 8},
                   skills=(Skill.COOL_BOX, Skill.WHEELCHAIR), cost_per_hour=2000, fixed_cost=500, id=2),
    }
    services = {s.code: s for s in DEFAULT_SERVICES}
    return {"sites": sites, "residents": residents, "vehicles": vehicles, "services": services}


def shifts_for(vehicles: dict, days: list[dt.date]) -> list[Shift]:
    """Return a default 8:30–17:15 shift for every vehicle on every day."""
    return [Shift(v.id, d, v.work_start_s, v.work_end_s) for d in days for v in vehicles.values()]


def request(rid: int, kind: RequestKind, details, **kw) -> Request:
    """Build a request with an id, received three days before NOW unless given."""
    kw.setdefault("received_at", NOW - dt.timedelta(days=3))
    return Request(kind=kind, details=details, id=rid, **kw)


def store_world(store, *, vehicles: tuple[int, ...] = (1, 2)) -> dict:
    """Store the tiny world (chosen vehicles only) and return it with the stored ids.

    Returns the `tiny_world` dict whose tables are keyed by the *stored* ids
    (equal to the hand-set ids on an empty database, checked here).
    """
    import dataclasses

    w = tiny_world()
    for table, add in (("sites", store.sites.add), ("residents", store.residents.add)):
        for key, obj in sorted(w[table].items()):
            saved = add(dataclasses.replace(obj, id=None))
            assert saved.id == key, f"{table}: expected id {key} on an empty database, got {saved.id}"
    kept = {}
    for key in vehicles:
        saved = store.vehicles.add(dataclasses.replace(w["vehicles"][key], id=None))
        kept[saved.id] = saved
    w["vehicles"] = kept
    return w

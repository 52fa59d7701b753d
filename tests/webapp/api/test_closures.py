"""Road closures through the API: add (what it cuts off, the days it re-plans), list, remove or cut short, bad input
named."""

from __future__ import annotations

import datetime as dt

import networkx as nx
import pytest

from routing.network import RoadNetwork
from scheduler.domain import city_id
from tests.webapp.conftest import TEST_CONFIG, WEEK, csrf_token, login


def _post(client, body):
    return client.post("/api/closures", json=body, headers={"X-CSRFToken": csrf_token(client)})


def _delete(client, closure_id, body=None):
    return client.delete(f"/api/closures/{closure_id}", json=body, headers={"X-CSRFToken": csrf_token(client)})


def _expected_cut_off(network, store, ways):
    """City ids of the published plan's places no depot reaches and comes back from without the ways (networkx)."""
    G = network.G
    H = G.copy()
    H.remove_edges_from([(u, v, k) for u, v, k, o in G.edges(keys=True, data="osmid")
                         if set(o if isinstance(o, list) else [o]) & set(ways)])
    plan = store.plans.published(WEEK)
    depots = {s.site_id for s in plan.stops if s.step_type == "start"}
    node = {}
    for s in plan.stops:
        site = store.sites.get(s.site_id) if s.site_id is not None else None
        if s.lat is None:
            continue
        if site is not None and (site.lat, site.lon) == (s.lat, s.lon):
            node[("site", city_id(site))] = network.snap([("x", s.lat, s.lon)])[0].node
        elif s.resident_id is not None:
            node[("resident", city_id(store.residents.get(s.resident_id)))] = network.snap([("x", s.lat, s.lon)])[0].node
    depot_nodes = [node[("site", city_id(store.sites.get(d)))] for d in depots]
    return sorted(key for key, n in node.items()
                  if not any(nx.has_path(H, d, n) and nx.has_path(H, n, d) for d in depot_nodes))


def test_a_closure_cuts_off_a_home_and_is_listed_and_removed(client, store, instance):
    """Closing every way at a resident's home: 201, the resident named unreachable (as networkx finds), listed."""
    network = RoadNetwork.from_instance(instance)
    plan = store.plans.published(WEEK)
    stop = next(s for s in plan.stops if s.resident_id is not None and s.lat is not None and s.step_type == "visit")
    home = network.snap([("h", stop.lat, stop.lon)])[0].node
    G = network.G
    ways = sorted({w for _, _, o in [*G.in_edges(home, data="osmid"), *G.out_edges(home, data="osmid")]
                   for w in (o if isinstance(o, list) else [o])})
    login(client, "dispatcher")
    answer = _post(client, {"way_ids": ways, "from": "2026-12-01T08:00", "until": "2026-12-02T17:00",
                            "note": "土砂崩れ"})
    assert answer.status_code == 201, answer.json
    affects = answer.json["affects"]
    assert affects["week"] == WEEK.isoformat() and affects["published"] and affects["roads"] > 0
    expected = _expected_cut_off(network, store, ways)
    resident = city_id(store.residents.get(stop.resident_id))
    assert ("resident", resident) in expected
    assert affects["unreachable"] == {"sites": [i for k, i in expected if k == "site"],
                                      "residents": [i for k, i in expected if k == "resident"]}
    assert affects["pairs"] > 0
    closure = answer.json["closure"]
    assert closure["way_ids"] == ways and closure["note"] == "土砂崩れ" and closure["created_by"] == "dispatcher"
    listed = client.get("/api/closures").json["closures"]
    assert [c["id"] for c in listed] == [closure["id"]]
    short = _delete(client, closure["id"], {"until": "2026-12-01T12:00"})
    assert short.status_code == 200 and short.json["closure"]["until"] == "2026-12-01T12:00:00"
    assert _delete(client, closure["id"]).json == {"id": closure["id"], "removed": True}
    assert client.get("/api/closures").json["closures"] == []
    assert _delete(client, closure["id"]).status_code == 404


def test_two_points_close_the_road_between_them(client, store, instance):
    """Two points on the map: the fastest road between them; overlapping periods are fine."""
    network = RoadNetwork.from_instance(instance)
    nodes = sorted(network.G.nodes)
    a, b = network.G.nodes[nodes[0]], network.G.nodes[nodes[30]]
    login(client, "admin")
    body = {"points": [[a["y"], a["x"]], [b["y"], b["x"]]], "from": "2026-12-01T08:00+09:00",
            "until": "2026-12-01T10:00+09:00"}
    assert _post(client, body).status_code == 201
    second = _post(client, {**body, "until": "2026-12-01T12:00+09:00"})
    assert second.status_code == 201 and second.json["affects"]["roads"] > 0
    assert len(client.get("/api/closures").json["closures"]) == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"from": "2026-12-01T08:00", "until": "2026-12-01T09:00"}, "way_ids"),
    ({"way_ids": [1], "points": [[35, 135], [35, 135]], "from": "2026-12-01T08:00", "until": "2026-12-01T09:00"},
     "way_ids"),
    ({"way_ids": "12", "from": "2026-12-01T08:00", "until": "2026-12-01T09:00"}, "way_ids"),
    ({"way_ids": [999999999999], "from": "2026-12-01T08:00", "until": "2026-12-01T09:00"}, "way_ids"),
    ({"points": [[35, 135]], "from": "2026-12-01T08:00", "until": "2026-12-01T09:00"}, "points"),
    ({"points": [[0, 0], [0.1, 0.1]], "from": "2026-12-01T08:00", "until": "2026-12-01T09:00"}, "points"),
    ({"way_ids": [5], "from": "tomorrow", "until": "2026-12-01T09:00"}, "from"),
    ({"way_ids": [5], "from": "2026-12-01T08:00", "until": "2026-12-01T08:00"}, "until"),
    ({"way_ids": [5], "from": "2026-12-01T08:00", "until": "2026-12-01T09:00", "note": 3}, "note"),
])
def test_bad_input_is_a_400_naming_the_field(client, body, field):
    """Each bad field is named (in the screen's language: Japanese by default); nothing is stored."""
    login(client, "dispatcher")
    answer = _post(client, body)
    assert answer.status_code == 400, answer.json
    assert answer.json["field"] == field, answer.json
    label = {"way_ids": "通行止めの道路", "points": "通行止めの道路", "from": "開始日", "until": "終了", "note": "メモ"}
    assert answer.json["message"].startswith(f"{label[field]}: "), answer.json  # no English field name
    assert client.get("/api/closures").json["closures"] == []


@pytest.mark.parametrize("name", ["operator", "driver1"])
def test_only_dispatchers_and_admins(client, name):
    login(client, name)
    assert client.get("/api/closures").status_code == 403


def test_a_closure_on_a_published_day_re_plans_it_as_a_job_and_lists_the_stops_cut_off(instance, store):
    """A Tuesday resident's home closed on the Tuesday: the answer names the day, the stop and the job (kind
    closure); the job's version leaves the resident out of the Tuesday and keeps the other days as they were."""
    from webapp import create_app

    app = create_app(instance, test_config={**TEST_CONFIG, "ODEKAKE_JOBS_IMMEDIATE": True})
    client = app.test_client()
    network = RoadNetwork.from_instance(instance)
    published = store.plans.published(WEEK)
    tuesday = WEEK + dt.timedelta(days=1)
    stop = next(s for s in sorted(published.stops, key=lambda s: (s.vehicle_id, s.seq))
                if s.day == tuesday and s.step_type == "visit")
    home = network.snap([("h", stop.lat, stop.lon)])[0].node
    G = network.G
    ways = sorted({w for _, _, o in [*G.in_edges(home, data="osmid"), *G.out_edges(home, data="osmid")]
                   for w in (o if isinstance(o, list) else [o])})
    login(client, "dispatcher")
    answer = _post(client, {"way_ids": ways, "from": "2026-12-01T06:00", "until": "2026-12-01T20:00"})
    assert answer.status_code == 201, answer.json
    replan = answer.json["replan"]
    assert replan["days"] == [tuesday.isoformat()] and replan["legs"] >= 2 and replan["queued"]
    assert {"stop_id": stop.id, "request_id": stop.request_id, "vehicle_id": stop.vehicle_id,
            "day": tuesday.isoformat()} in replan["unreachable_stops"]
    job = client.get(f"/api/jobs/{replan['job']['id']}").json
    assert (job["kind"], job["days"], job["state"]) == ("closure", [tuesday.isoformat()], "done")
    [result] = job["result"]["replans"]
    assert result["day"] == tuesday.isoformat() and job["result"]["closure_id"] == answer.json["closure"]["id"]
    plan = store.plans.get(WEEK)
    assert plan.version == result["version"] and plan.status.value == "draft"
    assert stop.request_id not in {s.request_id for s in plan.stops if s.day == tuesday}
    assert stop.request_id in {u["request_id"] for u in result["diff"]["newly_unassigned"]}
    others = sorted((s.vehicle_id, s.day, s.seq, s.request_id) for s in published.stops if s.day != tuesday)
    assert sorted((s.vehicle_id, s.day, s.seq, s.request_id) for s in plan.stops if s.day != tuesday) == others
    # a closure next week (nothing published there) touches no day: no job
    later = _post(client, {"way_ids": ways, "from": "2026-12-08T06:00", "until": "2026-12-08T20:00"})
    assert later.json["replan"] == {"days": [], "legs": 0, "unreachable_stops": [], "job": None, "queued": False}

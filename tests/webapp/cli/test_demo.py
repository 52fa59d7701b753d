"""Tests of `odekake demo`: the main job on the embedded fictional sample, end to end."""

from __future__ import annotations

import datetime as dt
import json
import shutil

from click.testing import CliRunner

from scheduler.store import Store
from tests.routing.osmxml import line_network, write
from webapp.cli import cli
from webapp.cli.demo import ensure_sample_graph


def run(instance, *args):
    """Invoke the odekake command on an instance folder."""
    return CliRunner().invoke(cli, ["--instance", str(instance), *args])


#: Stop on the first solution (the same plan on any machine, about 2 s); the time limit is only a safety net.
QUICK = ("--time-limit", "60", "--solution-limit", "1", "--no-serve")


def test_demo_plans_the_sample_week_and_reruns_without_reloading(sample_instance, tmp_path):
    """The demo shows the graph, loads the sample once, plans the week; a re-run adds plan v2 only."""
    instance = tmp_path / "demo"
    shutil.copytree(sample_instance / "graph", instance / "graph")
    result = run(instance, "demo", "--week", "2026-11-30", "--history", "1", *QUICK)
    assert result.exit_code == 0, result.output
    assert "playing 1 weeks before it" in result.output and "week 2026-11-16:" in result.output
    assert "building" not in result.output  # the copied graph is current
    assert "fictional" in result.output and "山里支所" in result.output
    assert "driving time in minutes" in result.output
    assert "loaded FICTIONAL sample for week 2026-11-30" in result.output
    assert "solution limit 1" in result.output and "week 2026-11-30 plan v1" in result.output
    assert "published plan v1" in result.output and "web app: http://127.0.0.1:8000/" in result.output
    logins = json.loads((instance / "demo-logins.json").read_text(encoding="utf-8"))
    assert {"admin", "dispatcher", "operator", "driver1"} <= set(logins)
    assert logins["driver1"]["password"] in result.output  # printed for the person running the demo
    assert (instance / "demo-logins.json").stat().st_mode & 0o077 == 0  # owner-only
    with Store.for_instance(instance) as store:
        plan = store.plans.get(json_week(instance))
        n_requests = len(store.requests.all())
        history = store.plans.published(dt.date(2026, 11, 16))
        assert history is not None and store.db.execute("SELECT COUNT(*) FROM stop_handled").fetchone()[0] > 0
    assert plan is not None and plan.version == 1 and plan.summary["served"] > 0
    # a promise the plan breaks would be listed; the demo week keeps them all
    assert plan.summary["broken_promises"] == []

    again = run(instance, "demo", *QUICK)
    assert again.exit_code == 0, again.output
    assert "loaded FICTIONAL sample" not in again.output and "playing" not in again.output  # the history once
    assert "week 2026-11-30 plan v2" in again.output
    assert logins["driver1"]["password"] in again.output  # the same log-ins, not new ones
    with Store.for_instance(instance) as store:
        assert len(store.requests.all()) == n_requests  # nothing loaded twice


def json_week(instance):
    """The Monday the demo remembered in its marker file."""
    import datetime as dt

    return dt.date.fromisoformat(json.loads((instance / "demo.json").read_text(encoding="utf-8"))["week"])


def test_demo_refuses_other_graph(tmp_path):
    """`odekake demo` does not overwrite an instance holding another area's graph."""
    instance = tmp_path / "inst"
    assert run(instance, "graph", "build", "--osm", str(write(tmp_path / "a.osm", line_network()))).exit_code == 0
    result = run(instance, "demo")
    assert result.exit_code == 2 and "not the sample district" in result.output


def test_demo_rebuilds_stale_graph(sample_instance, tmp_path):
    """A sample graph built from another version of the sample file is rebuilt by the demo's first step."""
    instance = tmp_path / "demo"
    shutil.copytree(sample_instance / "graph", instance / "graph")
    info_path = instance / "graph" / "info.json"
    info = json.loads(info_path.read_text(encoding="utf-8"))
    info["source_sha256"] = "0" * 64
    info_path.write_text(json.dumps(info), encoding="utf-8")
    rebuilt = ensure_sample_graph(instance)
    assert rebuilt["source_sha256"] != "0" * 64
    assert json.loads(info_path.read_text(encoding="utf-8"))["source_sha256"] == rebuilt["source_sha256"]

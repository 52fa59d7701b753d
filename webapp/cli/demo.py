"""The `odekake demo` command: a walk through odekake on the fictional sample district.

Each step is one function call, so later issues can add steps (plan a week,
serve the app) without touching the earlier ones.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from routing.network import RoadNetwork

DEMO_PLACES = 6  # the branch office and five community halls / hamlets
DEMO_MARKER = "demo.json"  # remembers the week the sample was loaded for
DEMO_LOGINS = "demo-logins.json"  # generated demo passwords, in the instance folder only (mode 0600)


def ensure_sample_graph(instance: Path) -> dict:
    """Build the sample district's graph into `instance` when missing or stale; return its info.

    See `routing.sample_district.ensure_sample_graph`; says so before building.
    """
    from routing.sample_district import ensure_sample_graph as ensure

    return ensure(instance, on_build=lambda: click.echo("building the road graph of the sample district ..."))


def demo_places(*, count: int = DEMO_PLACES) -> list[tuple[str, float, float]]:
    """Return the branch office (depot) and community halls / hamlets as ``(name, lat, lon)``."""
    from routing.pois import read_pois
    from routing.sample_district import DEFAULT_PATH

    pois = read_pois(DEFAULT_PATH)
    depot = [p for p in pois if p.kind == "townhall"]
    halls = [p for p in pois if p.kind == "community_centre"]
    hamlets = [p for p in pois if p.tags.get("place") == "hamlet"]
    n_halls = (count - 1) - (count - 1) // 2
    spread = hamlets[:: max(1, len(hamlets) // max(1, count - 1 - n_halls))]
    chosen = depot[:1] + halls[:n_halls] + spread
    return [(p.name, p.lat, p.lon) for p in chosen[:count]]


def print_matrix_minutes(instance: Path, places: list[tuple[str, float, float]]) -> None:
    """Print the driving-time matrix between `places` in minutes (row = from)."""
    network = RoadNetwork.from_instance(instance)
    matrix = network.matrix(places)
    width = max(len(name) for name, _, _ in places)

    def pad(text: str) -> str:  # Japanese characters take two columns
        return text + " " * max(0, 2 * width - sum(2 if ord(c) > 0x2E80 else 1 for c in text))

    click.echo("driving time in minutes (row = from, column = to):")
    click.echo(pad("") + " " + " ".join(f"{i + 1:>4}" for i in range(len(places))))
    for i, (name, _, _) in enumerate(places):
        cells = " ".join(f"{matrix.durations[i, j] / 60:>4.0f}" for j in range(len(places)))
        click.echo(f"{pad(name)} {cells}   ({i + 1})")


def ensure_sample_week(instance: Path, *, week: dt.date | None = None) -> dt.date:
    """Load the sample sites, fleet, residents and week of requests once; return the week's Monday.

    The week is remembered in ``demo.json`` in the instance folder, so running
    the demo again plans the same week instead of loading the sample twice.
    """
    from scheduler.io.sample import load_sample
    from scheduler.service_calendar import next_monday
    from scheduler.store import Store

    marker = instance / DEMO_MARKER
    if marker.exists():
        return dt.date.fromisoformat(json.loads(marker.read_text(encoding="utf-8"))["week"])
    week = week or next_monday()
    with Store.for_instance(instance) as store:
        report = load_sample(store, RoadNetwork.from_instance(instance), week)
    click.echo(report.format())
    marker.write_text(json.dumps({"week": week.isoformat()}) + "\n", encoding="utf-8")
    return week


def plan_sample_week(instance: Path, week: dt.date, *, time_limit_s: float,
                     solution_limit: int | None = None) -> None:
    """Plan the sample week as a new plan version and print the summary for dispatchers.

    Parameters
    ----------
    instance
        The instance folder with the sample loaded.
    week
        The sample week's Monday.
    time_limit_s
        Seconds the solver may search.
    solution_limit
        Stop after this many improving solutions (the same plan on any
        machine); default: search until the time limit.
    """
    from scheduler.planning import format_result, plan_week
    from scheduler.store import Store
    from scheduler.vrp.params import SolveParams

    with Store.for_instance(instance) as store:
        result = plan_week(store, RoadNetwork.from_instance(instance), week,
                           params=SolveParams(time_limit_s=time_limit_s, solution_limit=solution_limit),
                           user="demo")
        for line in format_result(result, store):
            click.echo(line)


def publish_latest(instance: Path, week: dt.date) -> int:
    """Publish the week's latest plan version to the drivers; return its version."""
    from scheduler.planning import publish
    from scheduler.store import Store

    with Store.for_instance(instance) as store:
        plan = store.plans.get(week)
        return publish(store, plan.id, user="demo").version


#: Weeks played before the sample week on the first run, so 実績 (results) has a history to show.
HISTORY_WEEKS = 3


def ensure_history(instance: Path, week: dt.date, *, weeks: int = HISTORY_WEEKS) -> None:
    """Play `weeks` weeks before the sample week once (`scheduler.evidence.simulate`: plan with a
    solution limit, publish, the crews' reports), a progress line per week; remembered in ``demo.json``.

    The weeks end a week before the sample week (the sample week is next week: the one before it
    is this week, not over yet), so every day played lies in the past.
    """
    from scheduler.evidence.simulate import simulate_weeks
    from scheduler.store import Store

    marker = instance / DEMO_MARKER
    kept = json.loads(marker.read_text(encoding="utf-8"))
    if kept.get("history") or weeks <= 0:
        return
    click.echo(f"playing {weeks} weeks before it for the results screen (実績) ...")
    with Store.for_instance(instance) as store:
        simulate_weeks(store, RoadNetwork.from_instance(instance), weeks, start=week - dt.timedelta(weeks=weeks + 1),
                       on_week=lambda played: click.echo(f"  {played.line()}"))
    marker.write_text(json.dumps({**kept, "history": weeks}) + "\n", encoding="utf-8")


def ensure_demo_logins(instance: Path) -> dict[str, dict]:
    """Create one account per role (a driver per vehicle) once; return ``{login: {role, password, ...}}``.

    The generated passwords are kept in ``demo-logins.json`` in the instance
    folder (owner-only), never in the repository.
    """
    import secrets

    from routing.files import write_atomic
    from scheduler.store import Store
    from webapp.cli.user import add_user

    path = instance / DEMO_LOGINS
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    logins: dict[str, dict] = {}
    with Store.for_instance(instance) as store:
        wanted = [("admin", "admin", None), ("dispatcher", "dispatcher", None), ("operator", "operator", None)]
        wanted += [(f"driver{v.id}", "driver", v.id) for v in store.vehicles.active()]
        for login, role, vehicle_id in wanted:
            password = secrets.token_urlsafe(9)
            if store.users.by_login(login) is None:
                add_user(store, login, role, vehicle_id=vehicle_id, password=password)
                logins[login] = {"role": role, "vehicle_id": vehicle_id, "password": password}
    write_atomic(path, json.dumps(logins, ensure_ascii=False, indent=2) + "\n")
    return logins


@click.command("demo")
@click.option("--week", "week_text", default=None,
              help="Monday of the sample week on the first run (default: next Monday).")
@click.option("--time-limit", "time_limit_s", default=20.0, type=float, show_default=True,
              help="Seconds the solver may search for the week's plan.")
@click.option("--solution-limit", default=None, type=click.IntRange(min=1),
              help="Stop after N improving solutions: the same plan on any machine (within the time limit).")
@click.option("--history", "history_weeks", default=HISTORY_WEEKS, show_default=True, type=click.IntRange(0, 52),
              help="Weeks played before the sample week on the first run (a history for 実績).")
@click.option("--serve/--no-serve", default=True, show_default=True, help="End by serving the web app.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the web app listens on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port of the web app.")
@click.pass_context
def demo(ctx: click.Context, week_text: str | None, time_limit_s: float, solution_limit: int | None,
         history_weeks: int, serve: bool, host: str, port: int) -> None:
    """Show odekake on the fictional sample district 架空・山里地区: graph, sample week, plan, history, web app."""
    from routing.cli import echo_info
    from scheduler.service_calendar import parse_monday

    instance: Path = ctx.obj["instance"]
    info = ensure_sample_graph(instance)
    click.echo("road graph:")
    echo_info(info)
    click.echo()
    print_matrix_minutes(instance, demo_places())
    click.echo()
    week = ensure_sample_week(instance, week=parse_monday(week_text) if week_text else None)
    limits = f"solver time limit {time_limit_s:g} s"
    if solution_limit is not None:
        limits += f", solution limit {solution_limit}"
    click.echo(f"planning the week of {week.isoformat()} ({limits}) ...")
    plan_sample_week(instance, week, time_limit_s=time_limit_s, solution_limit=solution_limit)
    click.echo(f"published plan v{publish_latest(instance, week)} to the drivers")
    ensure_history(instance, week, weeks=history_weeks)
    click.echo()
    logins = ensure_demo_logins(instance)
    click.echo(f"web app: http://{host}:{port}/  (demo log-ins, kept in {instance / DEMO_LOGINS}):")
    for login, account in logins.items():
        vehicle = f" vehicle {account['vehicle_id']}" if account.get("vehicle_id") else ""
        click.echo(f"  {login:<12} {account['password']:<14} {account['role']}{vehicle}")
    click.echo(f"the drivers' routes are on the days of the week of {week.isoformat()} (/driver/?day=YYYY-MM-DD)")
    if serve:
        from webapp.cli.serve import run_server

        run_server(instance, host=host, port=port)
    else:
        click.echo(f"serve it with: odekake --instance {instance} serve --port {port}")

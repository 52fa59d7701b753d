"""`odekake serve` (the web app under waitress, with the embedded job consumer) and `odekake worker` (jobs alone)."""

from __future__ import annotations

import ipaddress
import signal
import threading
from pathlib import Path

import click

__all__ = ["COMMANDS", "run_server", "serve", "worker"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _stop_on_sigterm(_signum, _frame) -> None:
    raise SystemExit(0)  # waitress stops serving on it as on Ctrl+C


def run_server(instance: Path, *, host: str, port: int) -> None:
    """Serve the instance's web app with waitress until interrupted.

    On a loopback address the browser talks plain HTTP, so the session cookie
    may not be HTTPS-only there; anywhere else it stays ``Secure`` unless the
    instance's ``webapp.py`` says otherwise (serve behind HTTPS).

    Ctrl+C (SIGINT) and SIGTERM (a service manager) stop it the same way:
    waitress lets the requests being answered finish, the job consumer
    stops, and the process exits normally, so what runs at exit runs (the
    audit entries still queued are written, `webapp.audit`).
    """
    from waitress import serve as waitress_serve

    from webapp import create_app
    from webapp.job_queue import start_embedded_consumer

    app = create_app(instance)
    if _is_loopback(host):
        app.config["SESSION_COOKIE_SECURE"] = False
    # one command serves everything: planning jobs run in this process unless `odekake worker` runs them
    consumer = start_embedded_consumer(app) if app.config["ODEKAKE_JOBS_EMBEDDED"] else None
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
    click.echo(f"serving {app.config['ODEKAKE_AREA_NAME']} on http://{host}:{port}/ (Ctrl+C stops)")
    try:
        waitress_serve(app, host=host, port=port, threads=8, ident="odekake")
    finally:
        if consumer is not None:
            consumer.stop()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web app (waitress) for the instance."""
    run_server(ctx.obj["instance"], host=host, port=port)


@click.command("worker")
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run the planning jobs of the instance (the huey consumer) without serving pages.

    For a larger deployment: set ``ODEKAKE_JOBS_EMBEDDED = False`` (and, on
    several machines, ``ODEKAKE_JOBS_QUEUE = "redis"``) in ``<instance>/webapp.py``
    and run this beside ``odekake serve``.
    """
    from webapp import create_app
    from webapp.job_queue import create_consumer

    click.echo("running planning jobs (Ctrl+C stops)")
    create_consumer(create_app(ctx.obj["instance"])).run()


#: The commands this module adds to `odekake`.
COMMANDS = (serve, worker)

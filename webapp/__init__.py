"""The web app (Flask) and the `odekake` command: the outermost layer.

`create_app` is the flaskr-shaped factory: one app per instance folder, a
blueprint per audience (``auth``, ``dispatch``, ``driver``, ``booking``,
``api``, ``masters``, ``results``), each with its own ``templates/`` and ``static/`` folders.
Every request goes through one guard (`webapp.security.guard`) that checks
the permission table (`webapp.permissions.PERMISSIONS`); see
docs/ARCHITECTURE.md, "The web app", for how to add a screen.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from routing.errors import InputError

__all__ = ["create_app"]


def create_app(instance: str | os.PathLike | None = None, test_config: dict[str, Any] | None = None):
    """Create the odekake web app for an instance folder.

    Parameters
    ----------
    instance
        The instance folder (database, road graph, secrets); default
        `routing.instance.instance_dir` (``$ODEKAKE_INSTANCE`` or ``./instance``).
    test_config
        Settings that replace the defaults and the instance's ``webapp.py``
        (tests pass e.g. ``{"TESTING": True}``).

    Returns
    -------
    flask.Flask
        The app; serve it with ``odekake serve`` (waitress).
    """
    from flask import Flask

    from routing.instance import instance_dir
    from webapp import args, audit, errors, headers, i18n, job_queue, security, settings
    from webapp.api import bp as api_bp
    from webapp.auth import bp as auth_bp
    from webapp.booking import bp as booking_bp
    from webapp.db import init_app as init_db
    from webapp.dispatch import bp as dispatch_bp
    from webapp.driver import bp as driver_bp
    from webapp.masters import bp as masters_bp
    from webapp.results import bp as results_bp
    from webapp.vendor import bp as vendor_bp

    folder = Path(instance_dir(instance)).resolve()
    app = Flask(__name__, instance_path=str(folder), instance_relative_config=True)
    app.config.from_mapping(settings.defaults())
    if test_config is None:
        app.config.from_pyfile(settings.INSTANCE_CONFIG, silent=True)
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.instance_secret_key(folder)
    if not app.config.get("ODEKAKE_AREA_NAME"):
        app.config["ODEKAKE_AREA_NAME"] = settings.area_name(folder)
    app.context_processor(lambda: {"area_name": app.config["ODEKAKE_AREA_NAME"]})
    _check_clock(app.config)

    init_db(app)
    audit.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    args.init_app(app)  # after the guard, before the blueprints (their <int:...> rules)
    job_queue.init_app(app)
    for bp in (auth_bp, dispatch_bp, driver_bp, booking_bp, api_bp, vendor_bp, masters_bp, results_bp):
        app.register_blueprint(bp)
    security.check_permission_table(app)
    return app


def _check_clock(config) -> None:
    """Refuse to start with a time zone or fixed time that cannot be read (every page needs "today")."""
    from scheduler.clock import city_now

    try:
        city_now(config["ODEKAKE_TIME_ZONE"], fixed=config["ODEKAKE_NOW"])
    except ValueError as exc:
        msg = f"ODEKAKE_TIME_ZONE / ODEKAKE_NOW: {exc}"
        raise InputError(msg) from None

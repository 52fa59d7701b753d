"""The permission table: which roles may use which endpoint. Every request is checked here.

`webapp.security.guard` runs before every request: an endpoint in `PUBLIC`
is open to anyone; any other endpoint needs a log-in and a role listed for it
in `PERMISSIONS`; an endpoint missing from both is refused to everyone (403),
and the app refuses to start with an endpoint missing (`check_table`).
`tests/webapp/test_permissions.py` checks every endpoint × every role ×
no log-in against this table.

Rules finer than a role (a driver sees only their own vehicle's published
routes) are data checks inside the views (`webapp.routes.driver_route`).

To add a screen: add its view to a blueprint and one line here.
"""

from __future__ import annotations

from scheduler.accounts import Role

__all__ = ["OFFICE", "PERMISSIONS", "PUBLIC", "STAFF", "allowed", "check_table"]

#: Every role that logs in.
STAFF = frozenset(Role)
#: The office: people who plan and book (not the vans).
OFFICE = frozenset({Role.ADMIN, Role.DISPATCHER, Role.OPERATOR})
_PLANNERS = frozenset({Role.ADMIN, Role.DISPATCHER})
_ADMIN = frozenset({Role.ADMIN})
#: Who takes bookings on the phone.
_BOOKERS = frozenset({Role.ADMIN, Role.OPERATOR})

#: Endpoints anyone may reach without logging in (assets, the log-in itself, the language switch).
PUBLIC: frozenset[str] = frozenset({
    "static", "dispatch.static", "driver.static", "booking.static", "vendor.leaflet",  # styles, scripts, Leaflet: no data
    "masters.static", "results.static",
    "driver.service_worker",  # the tablet's service worker script (no data; scope /driver/)
    "auth.login", "auth.language", "api.session",
})

#: endpoint -> the roles allowed; everything else is 403.
PERMISSIONS: dict[str, frozenset[Role]] = {
    # auth
    "auth.home": STAFF,
    "auth.logout": STAFF,
    # dispatcher (配車担当): the week board and the route map; operators read them to book
    "dispatch.index": OFFICE,
    "dispatch.week": OFFICE,
    "dispatch.shift_map": OFFICE,
    "dispatch.sheet": _PLANNERS,  # the stop sheet (運行表) of any shift, to print for the crew
    # planning in the background, comparing and publishing versions (operators may watch, not start)
    "dispatch.plan": _PLANNERS,
    "dispatch.job": OFFICE,
    "dispatch.compare": OFFICE,
    "dispatch.publish": _PLANNERS,
    # the day as it happens (今日の運行) and its call list (連絡リスト): the office; drivers have their tablet
    "dispatch.today": OFFICE,
    "dispatch.day": OFFICE,
    "dispatch.calls": OFFICE,
    "dispatch.call_note": OFFICE,
    # when the day changes: locks, 残りを再計画, 運休, 移動 (draft versions), and a re-plan's result
    "dispatch.lock": _PLANNERS,
    "dispatch.unlock": _PLANNERS,
    "dispatch.replan": _PLANNERS,
    # 完了 recorded from 今日の運行 with what was handled (issue 27)
    "dispatch.stop_done": _PLANNERS,
    "dispatch.outage": _PLANNERS,
    "dispatch.replanned": _PLANNERS,
    "dispatch.move": _PLANNERS,
    "dispatch.move_save": _PLANNERS,
    # operator (電話予約): find, register, request, offers, confirm, read back, cancel, hall seats
    "booking.index": _BOOKERS,
    "booking.resident": _BOOKERS,
    "booking.new_resident": _BOOKERS,
    "booking.map_data": _BOOKERS,
    "booking.new_request": _BOOKERS,
    "booking.confirm": _BOOKERS,
    "booking.readback": _BOOKERS,
    "booking.cancel": _BOOKERS,
    "booking.sessions": _BOOKERS,
    "booking.seat_readback": _BOOKERS,
    "booking.cancel_seat": _BOOKERS,
    # driver (運転手・職員): their own vehicle's day
    "driver.today": frozenset({Role.DRIVER}),
    "driver.report": frozenset({Role.DRIVER}),
    "driver.sheet": frozenset({Role.DRIVER}),
    # JSON API
    "api.me": STAFF,
    "api.week_plan": OFFICE,
    "api.routes": STAFF,
    "api.shift_map": OFFICE,
    "api.sheet_pdf": frozenset({Role.DRIVER, *_PLANNERS}),
    "api.stop_status": frozenset({Role.DRIVER, *_PLANNERS}),
    # the day as it happens: drivers their own vehicle (checked in the view); the call list for the office
    "api.day_live": STAFF,
    "api.day_timeline": OFFICE,
    "api.day_calls": OFFICE,
    "api.call_outcome": OFFICE,
    # road closures (通行止め): dispatchers and admins enter, list and remove them
    "api.closure_add": _PLANNERS,
    "api.closures": _PLANNERS,
    "api.closure_remove": _PLANNERS,
    # re-planning the rest of a day and a van out of service (draft versions): dispatchers and admins
    "api.replan_day": _PLANNERS,
    "api.outage_add": _PLANNERS,
    # locks (鍵): a stop, a shift or a day kept where it is when re-planning; dispatchers and admins
    "api.lock_add": _PLANNERS,
    "api.locks": _PLANNERS,
    "api.lock_remove": _PLANNERS,
    "api.move_request": _PLANNERS,  # a dispatcher moves a request (a preview, or a draft version)
    "api.requests": OFFICE,
    "api.residents": OFFICE,
    "api.roads": _PLANNERS,  # the road map under the site form
    "api.openapi": STAFF,
    # master data (マスタ管理): the dispatcher's and admin's; staff accounts: admin only
    "masters.index": _PLANNERS,
    "masters.sites": _PLANNERS,
    "masters.site_new": _PLANNERS,
    "masters.site_edit": _PLANNERS,
    "masters.vehicles": _PLANNERS,
    "masters.vehicle_new": _PLANNERS,
    "masters.vehicle_edit": _PLANNERS,
    "masters.exceptions": _PLANNERS,
    "masters.exception_delete": _PLANNERS,
    "masters.services": _PLANNERS,
    "masters.service_new": _PLANNERS,
    "masters.service_edit": _PLANNERS,
    "masters.import_csv": _PLANNERS,
    "masters.users": _ADMIN,
    "masters.user_new": _ADMIN,
    "masters.user_edit": _ADMIN,
    "masters.user_logout": _ADMIN,  # end an account's log-ins
    "masters.user_unlock": _ADMIN,  # unlock it after failed log-ins
    "api.plan_week_job": _PLANNERS,
    "api.job": OFFICE,
    "api.publish_plan": _PLANNERS,
    "api.offers": _BOOKERS,
    "api.bookings": _BOOKERS,
    "api.cancel_booking": _BOOKERS,
    "api.add_resident": _BOOKERS,
    "api.resident_sessions": _BOOKERS,
    "api.seats": _BOOKERS,
    "api.cancel_seat": _BOOKERS,
    # the audit log for the data-protection officer (who viewed or changed which resident's data): admin only
    "api.audit_csv": _ADMIN,
    # the figures of a period for the yearly evaluation (実績): the dispatchers' and admins'
    "api.stats": _PLANNERS,
    "masters.audit": _ADMIN,
    # 実績 (results): the figures of a period with charts, and the yearly evaluation report (PDF)
    "results.index": _PLANNERS,
    "results.report": _PLANNERS,
    # the population per district (for the share reached) uploaded on 実績: admins
    "results.population": _ADMIN,
}


def allowed(endpoint: str | None, role: Role | None) -> bool:
    """Return whether `role` (None: not logged in) may use `endpoint`."""
    if endpoint in PUBLIC:
        return True
    return role is not None and role in PERMISSIONS.get(endpoint or "", frozenset())


def check_table(endpoints: set[str]) -> None:
    """Refuse an app whose endpoints and table disagree (a forgotten line, a stale line).

    Raises
    ------
    RuntimeError
        Naming the endpoints missing from the table or listed without a route.
    """
    listed = PUBLIC | set(PERMISSIONS)
    missing, stale = endpoints - listed, listed - endpoints
    if missing or stale:
        msg = (f"permission table out of date: missing {sorted(missing)}, "
               f"listed without a route {sorted(stale)} (webapp/permissions.py)")
        raise RuntimeError(msg)

"""Phone booking in the JSON API: offers, bookings, cancelling, residents, hall-session seats.

The same actions as the operator's screens (`webapp.booking`), for scripts and
other systems. Bodies are JSON; a wrong field is ``{"error": "..."}`` naming
it (400), a slot just taken is 409 with fresh offers. Browser calls send the
``X-CSRFToken`` header; bearer-token calls need none.

- ``POST /api/offers``: a draft request (docs/BOOKING.md) -> offers.
- ``POST /api/bookings``: ``{"draft": {...}, "offer": {"day", "start", "end"}}`` (or ``"offer": K``,
  the K-th of the offers found now) -> the booked request and its read-back text; 409 with
  ``code: already_booked`` and the ``existing`` request when the resident already has a booking of
  that kind at an overlapping time (send ``"second_need": true`` when it really is a second need).
- ``DELETE /api/bookings/<id>``: ``{"reason": "..."}`` -> cancelled; the plan frees the time; 409 when the
  request was cancelled before or is already served.
- ``POST /api/residents``: a new resident (``name``, ``kana``, ``phone``, ``address``, ``lat``/``lon`` or
  ``site`` ...); a home off the road is refused with the distance.
- ``GET /api/residents/<id>/sessions?earliest=&latest=&services=``: planned hall sessions nearby with room.
- ``POST /api/seats``: ``{"resident", "session", "day", "services"}`` -> a seat in a hall session.
- ``POST /api/seats/<id>/cancel``: ``{"reason": "..."}`` -> the seat, cancelled (kept on record); 409 if it
  was cancelled before.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, jsonify, request
from flask_login import current_user

from routing.errors import InputError
from scheduler.booking import (
    AlreadyBooked,
    LikelyDuplicate,
    SeatAlreadyCancelled,
    SlotTaken,
    book,
    book_seat,
    cancel_booking,
    cancel_seat,
    find_offers,
    nearby_sessions,
    parse_draft,
    read_back,
    read_back_seat,
    register_resident,
)
from scheduler.booking.offers import Offer
from scheduler.domain import RequestStatus, city_id, parse_hhmm
from webapp import audit, clock
from webapp.api.blueprint import bp, json_body, window_json
from webapp.args import parse_day
from webapp.db import get_store, offer_matrices, road_network
from webapp.errors import input_error_json


@bp.route("/offers", methods=["POST"])
def offers():
    """Offers the current plans can keep for a draft request (docs/BOOKING.md)."""
    store = get_store()
    draft = parse_draft(store, json_body(), **clock.draft_limits())
    audit.record("view", "resident", [draft.resident.id])
    return jsonify(find_offers(store, offer_matrices(), draft, now=clock.now()).to_dict())


def _offer(store, draft, value) -> Offer:
    """Read the chosen offer: ``{"day", "start", "end"}``, or K (1-based) of the offers found now."""
    if isinstance(value, int) and not isinstance(value, bool):
        found = find_offers(store, offer_matrices(), draft, now=clock.now()).offers
        if not 1 <= value <= len(found):
            raise InputError.of("offer", "{value} is not one of the {count} offers; ask POST /api/offers again",
                                value=value, count=len(found))
        return found[value - 1]
    if not isinstance(value, dict):
        raise InputError.of("offer", "give {{\"day\": \"2026-12-08\", \"start\": \"9:00\", \"end\": \"10:00\"}} "
                                     "or the offer's number")
    day = parse_day(str(value.get("day")), field="offer.day")
    try:
        start_s, end_s = parse_hhmm(str(value.get("start"))), parse_hhmm(str(value.get("end")))
    except InputError as exc:
        raise InputError.of("offer.start/end", "{cause}", cause=exc) from None
    if end_s <= start_s:
        raise InputError.of("offer.end", "must be after offer.start")
    return Offer.chosen(day, start_s, end_s)


@bp.route("/bookings", methods=["POST"])
def bookings():
    """Confirm an offer: the booked request, the plan version it went into, the read-back text."""
    data = json_body()
    store = get_store()
    if not isinstance(data.get("draft"), dict):
        raise InputError.of("draft", "the draft request, a JSON object (docs/BOOKING.md)")
    draft = parse_draft(store, data["draft"], **clock.draft_limits())
    offer = _offer(store, draft, data.get("offer"))
    second_need = data.get("second_need", False)
    if not isinstance(second_need, bool):
        raise InputError.of("second_need", "true or false (true: the resident needs a second booking at an "
                                           "overlapping time)")
    try:
        booking = book(store, offer_matrices(), draft, offer, user=current_user.login, second_need=second_need,
                       now=clock.now(), horizon_days=current_app.config["ODEKAKE_BOOKING_HORIZON_DAYS"])
    except SlotTaken as exc:
        return jsonify(input_error_json(exc, fresh=exc.fresh.to_dict())), 409
    except AlreadyBooked as exc:
        old = exc.existing
        return jsonify(input_error_json(exc, code="already_booked",
                                        existing={"request_id": old.id, "id": city_id(old), "status": old.status.value,
                                                  "promised": window_json(old.promised)})), 409
    req = booking.request
    audit.record("change", "request", [req.id])
    return jsonify(request_id=req.id, status=req.status.value, promised=window_json(req.promised),
                   plan_version=booking.plan.version if booking.plan else None,
                   read_back=read_back(store, req, office_phone=current_app.config["ODEKAKE_OFFICE_PHONE"])), 201


@bp.route("/bookings/<int:request_id>", methods=["DELETE"], endpoint="cancel_booking")
def cancel_booking_(request_id: int):
    """Cancel a request with ``{"reason": "..."}``; the latest plan of its week frees the time.

    400 without a reason, 404 for an unknown request, 409 when it was cancelled before or is already served.
    """
    data = request.get_json(silent=True) or {}
    reason = data.get("reason") if isinstance(data, dict) else None
    store = get_store()
    req = store.requests.get(request_id)
    if not req.can_move_to(RequestStatus.CANCELLED):  # cancelled before, or served: nothing left to cancel
        return jsonify(error=f"request {city_id(req)}: it is {req.status.value}; it cannot be cancelled",
                       status=req.status.value), 409
    result = cancel_booking(store, offer_matrices(), request_id, reason=str(reason or ""), user=current_user.login,
                            now=clock.now())
    audit.record("change", "request", [request_id])
    return jsonify(request_id=request_id, status=result.request.status.value,
                   plan_version=result.plan.version if result.plan else None)


@bp.route("/residents", methods=["POST"])
def add_resident():
    """Register a resident; a home too far from any road is refused with the distance."""
    try:
        person = register_resident(get_store(), road_network(), json_body())
    except LikelyDuplicate as exc:
        return jsonify(input_error_json(exc, code="likely_duplicate",
                                        existing={"id": exc.existing.id, "city_id": city_id(exc.existing)})), 409
    audit.record("change", "resident", [person.id])
    return jsonify(id=person.id, name=person.name, kana=person.kana, lat=person.lat, lon=person.lon), 201


@bp.route("/residents/<int:resident_id>/sessions")
def resident_sessions(resident_id: int):
    """Hall sessions planned at halls near the resident's home with room left (by driving time)."""
    store = get_store()
    person = store.residents.get(resident_id)
    earliest = parse_day(request.args.get("earliest") or clock.today().isoformat(), field="earliest")
    latest = parse_day(request.args.get("latest") or (earliest + dt.timedelta(days=13)).isoformat(), field="latest")
    slots = nearby_sessions(store, road_network(), person, earliest=earliest, latest=latest,
                            services=tuple(request.args.getlist("services")))
    audit.record("view", "resident", [resident_id])
    return jsonify(sessions=[s.to_dict() for s in slots])


@bp.route("/seats", methods=["POST"])
def seats():
    """Book a resident into a planned hall session: ``{"resident", "session", "day", "services"}``."""
    data = json_body()
    store = get_store()
    services = data.get("services", [])
    if not isinstance(services, list) or not all(isinstance(c, str) for c in services):
        raise InputError.of("services", "a list of service codes")
    for name in ("resident", "session"):
        if not isinstance(data.get(name), int) or isinstance(data.get(name), bool):
            raise InputError.of(name, "the database id (a number)")
    store.residents.get(data["resident"])
    seat = book_seat(store, data["resident"], data["session"], parse_day(str(data.get("day")), field="day"),
                     services=tuple(services), today=clock.today())
    audit.record("change", "resident", [seat.resident_id])
    return jsonify(id=seat.id, session=seat.session_request_id, day=seat.day.isoformat(),
                   read_back=read_back_seat(store, seat)), 201


def _seat_json(store, seat) -> dict:
    return {"id": seat.id, "resident": seat.resident_id, "session": seat.session_request_id,
            "day": seat.day.isoformat(), "services": list(seat.services), "cancelled": seat.cancelled,
            "cancelled_at": seat.cancelled_at.isoformat() if seat.cancelled_at else None,
            "cancel_reason": seat.cancel_reason, "cancelled_by": seat.cancelled_by,
            "read_back": read_back_seat(store, seat)}


@bp.route("/seats/<int:booking_id>/cancel", methods=["POST"], endpoint="cancel_seat")
def cancel_seat_(booking_id: int):
    """Cancel a hall-session seat with ``{"reason": "..."}``: it no longer counts but stays on record.

    400 without a reason, 404 for an unknown seat, 409 when it was cancelled before.
    """
    data = request.get_json(silent=True) or {}
    reason = data.get("reason") if isinstance(data, dict) else None
    store = get_store()
    try:
        seat = cancel_seat(store, booking_id, reason=str(reason or ""), user=current_user.login)
    except SeatAlreadyCancelled as exc:
        return jsonify(input_error_json(exc)), 409
    audit.record("change", "resident", [seat.resident_id])
    return jsonify(_seat_json(store, seat))

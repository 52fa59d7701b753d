"""The operator's screens (電話予約): find the resident, register one, request, offers, confirm, read back.

One call, one path through these pages: 住民検索 (live search) → the
resident's page (history, cancel or change with a reason) → a request form
per kind → 候補日時 (offers by insertion into the current plan) → 予約を確定
→ 読み上げ文 (the read-back text, big, to say on the phone). Hall-session
seats have their own list (sessions already planned at halls near the home);
a seat is cancelled (取り消す, as a request is) with the reason from the resident's page.
The views are thin: the work is in `scheduler.booking`.
"""

from __future__ import annotations

import datetime as dt
import json

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from routing.errors import InputError
from scheduler.booking import (
    AlreadyBooked,
    LikelyDuplicate,
    SeatAlreadyCancelled,
    SeatError,
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
    resident_history,
)
from scheduler.booking.offers import Offer
from scheduler.booking.readback import tellable_window
from scheduler.domain import RequestStatus, SiteKind, city_id, parse_hhmm
from webapp import audit, clock
from webapp.args import parse_day, parse_int
from webapp.booking.forms import KINDS, SHOP_ROWS, WEEKDAYS, draft_from_form, field_of
from webapp.db import get_store, offer_matrices, road_network
from webapp.i18n import word
from webapp.maps import Bbox, roads_geojson
from webapp.messages import message
from webapp.vendor import LEAFLET_VERSION

bp = Blueprint("booking", __name__, url_prefix="/booking", template_folder="templates",
               static_folder="static", static_url_path="/static")

@bp.context_processor
def _today() -> dict:
    """The city's today on every booking page: today's offers come from the vans as they run (marked)."""
    return {"today": clock.today()}


#: Fields of the register form, in order.
RESIDENT_FIELDS = ("name", "kana", "phone", "address", "district", "notes", "contact_name", "contact_phone")


def _resident_or_404(resident_id: int):
    try:
        return get_store().residents.get(resident_id)
    except InputError:
        abort(404)


@bp.route("/")
def index():
    """住民検索: find the resident on the phone (live search; the form works without script too)."""
    q = request.args.get("q", "")
    found = get_store().residents.find(q) if q.strip() else []
    audit.record("search", "resident", [r.id for r in found])
    return render_template("booking/find.html", q=q, found=found)


@bp.route("/residents/<int:resident_id>")
def resident(resident_id: int):
    """The resident: details, what they asked for and what became of it, seats; cancel or change."""
    person = _resident_or_404(resident_id)
    history, seats = resident_history(get_store(), resident_id)
    audit.record("view", "resident", [resident_id])
    store = get_store()
    sessions = {b.session_request_id: store.sites.get(store.requests.get(b.session_request_id).details.site_id).name
                for b in seats}
    told = {e.request.id: tellable_window(store, e.request) for e in history
            if e.request.status in (RequestStatus.BOOKED, RequestStatus.PLANNED, RequestStatus.DISPATCHED)}
    return render_template("booking/resident.html", person=person, history=history, seats=seats,
                           sessions=sessions, kinds=KINDS, told=told)


@bp.route("/residents/new", methods=["GET", "POST"])
def new_resident():
    """Register a new resident: place the home on the map (or at a landmark); off the road is refused."""
    store = get_store()
    errors, values, duplicate = {}, {}, None
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            person = register_resident(store, road_network(), values)
        except LikelyDuplicate as exc:
            duplicate = exc.existing
            audit.record("view", "resident", [duplicate.id])
            errors["not_duplicate"] = _("同じ電話番号、または同じ読みと住所の方がすでに登録されています")
        except InputError as exc:
            errors[exc.field or str(exc).split(":", 1)[0]] = message(exc)
        else:
            audit.record("change", "resident", [person.id])
            flash(_("住民を登録しました"))
            return redirect(url_for("booking.resident", resident_id=person.id))
    landmarks = [s for s in store.sites.all() if s.kind != SiteKind.DEPOT]
    return render_template("booking/new_resident.html", errors=errors, values=values, landmarks=landmarks,
                           fields=RESIDENT_FIELDS, leaflet_version=LEAFLET_VERSION,
                           duplicate=duplicate), (409 if duplicate else 400 if errors else 200)


@bp.route("/map.json")
def map_data():
    """The district's roads (no tiles) and its landmarks, for the register form's map."""
    store = get_store()
    sites = [s for s in store.sites.all() if s.kind != SiteKind.DEPOT] or store.sites.all()
    if not sites:
        abort(404, description="no sites: import sites first")
    box = Bbox(min(s.lat for s in sites), min(s.lon for s in sites), max(s.lat for s in sites),
               max(s.lon for s in sites)).grown(current_app.config["ODEKAKE_MAP_MARGIN_DEG"])
    return jsonify(roads=roads_geojson(road_network(), box),
                   sites=[{"id": s.id, "name": s.name, "kind": s.kind.value, "lat": s.lat, "lon": s.lon}
                          for s in sites])


def _form_context(kind: str, values) -> dict:
    store = get_store()
    shops = [s for s in store.sites.all() if s.kind in (SiteKind.SHOP, SiteKind.PHARMACY)]
    places = [s for s in store.sites.all() if s.kind != SiteKind.DEPOT]
    today = clock.today()
    return {"kind": kind, "values": values, "services": [s for s in store.services.all() if s.active],
            "shops": shops, "places": places, "shop_rows": SHOP_ROWS, "weekdays": WEEKDAYS,
            "today": today, "two_weeks": today + dt.timedelta(days=13)}


@bp.route("/residents/<int:resident_id>/requests/<kind>", methods=["GET", "POST"])
def new_request(resident_id: int, kind: str):
    """A request of one kind → 候補日時 (the offers the current plan can keep)."""
    if kind not in KINDS:
        abort(404)
    person = _resident_or_404(resident_id)
    audit.record("view", "resident", [resident_id])
    if request.method == "GET":
        return render_template("booking/request.html", person=person, errors={}, **_form_context(kind, MultiDict()))
    data = draft_from_form(resident_id, kind, request.form)
    store = get_store()
    try:
        draft = parse_draft(store, data, **clock.draft_limits())
    except InputError as exc:
        return render_template("booking/request.html", person=person, errors={field_of(str(exc)): message(exc)},
                               **_form_context(kind, request.form)), 400
    result = find_offers(store, offer_matrices(), draft, now=clock.now())
    return render_template("booking/offers.html", person=person, draft=data, result=result, kind=kind)


def _offer_from_form(value: str) -> Offer:
    """Read an offer ``day|start|end`` chosen on the offers page."""
    try:
        day_text, start, end = value.split("|")
        day = dt.date.fromisoformat(day_text)
        start_s, end_s = parse_hhmm(start), parse_hhmm(end)
    except (ValueError, InputError):
        raise InputError.of("offer", "choose one of the offered slots") from None
    return Offer.chosen(day, start_s, end_s)


@bp.route("/confirm", methods=["POST"])
def confirm():
    """予約を確定: book the chosen offer (one transaction); if just taken, show fresh offers."""
    store = get_store()
    try:
        data = json.loads(request.form.get("draft", ""))
    except ValueError:
        abort(400, description="draft: the form was damaged; start the request again")
    draft = parse_draft(store, data, **clock.draft_limits())
    person = draft.resident
    try:
        offer = _offer_from_form(request.form.get("offer", ""))
        booking = book(store, offer_matrices(), draft, offer, user=current_user.login,
                       second_need=request.form.get("second_need") == "1", now=clock.now(),
                       horizon_days=current_app.config["ODEKAKE_BOOKING_HORIZON_DAYS"])
    except SlotTaken as exc:
        return render_template("booking/offers.html", person=person, draft=data, result=exc.fresh,
                               kind=data.get("kind"), taken=True), 409
    except AlreadyBooked as exc:
        result = find_offers(store, offer_matrices(), draft, now=clock.now())
        return render_template("booking/offers.html", person=person, draft=data, result=result,
                               kind=data.get("kind"), existing=exc.existing, existing_id=city_id(exc.existing),
                               chosen=request.form.get("offer", "")), 409
    except InputError as exc:
        result = find_offers(store, offer_matrices(), draft, now=clock.now())
        return render_template("booking/offers.html", person=person, draft=data, result=result,
                               kind=data.get("kind"), error=message(exc)), 400
    audit.record("change", "request", [booking.request.id])
    return redirect(url_for("booking.readback", request_id=booking.request.id))


@bp.route("/requests/<int:request_id>/readback")
def readback(request_id: int):
    """読み上げ文: what to say back on the phone, in big text."""
    store = get_store()
    req = store.requests.get(request_id)
    if req.promised is None or req.resident_id is None:
        abort(404)
    audit.record("view", "resident", [req.resident_id])
    return render_template("booking/readback.html", person=store.residents.get(req.resident_id), req=req,
                           text=read_back(store, req, office_phone=current_app.config["ODEKAKE_OFFICE_PHONE"]))


@bp.route("/requests/<int:request_id>/cancel", methods=["POST"])
def cancel(request_id: int):
    """Cancel (or change: cancel, then a new request) with the reason; the plan frees the time."""
    store = get_store()
    req = store.requests.get(request_id)
    reason = request.form.get("reason", "")
    # the refusals staff meet are told in their words, decided from the state, not the core's text
    refused = None
    if not req.can_move_to(RequestStatus.CANCELLED):
        refused = _("この依頼は「%(status)s」です", status=word(req.status.value))
    elif not reason.strip():
        refused = _("理由を入力してください")
    else:
        try:
            cancel_booking(store, offer_matrices(), request_id, reason=reason, user=current_user.login,
                           now=clock.now())
        except InputError as exc:  # e.g. the freed route fails validation: nothing was stored
            refused = message(exc)
    if refused is not None:
        flash(_("取り消せません") + f": {refused}", "error")
        return redirect(url_for("booking.resident", resident_id=req.resident_id))
    audit.record("change", "request", [request_id])
    flash(_("取り消しました"))
    if request.form.get("then") == "change":
        return redirect(url_for("booking.new_request", resident_id=req.resident_id, kind=req.kind.value))
    return redirect(url_for("booking.resident", resident_id=req.resident_id))


def _dates() -> tuple[dt.date, dt.date]:
    today = clock.today()
    earliest = parse_day(request.values["earliest"], field="earliest") if request.values.get("earliest") else today
    latest = (parse_day(request.values["latest"], field="latest") if request.values.get("latest")
              else earliest + dt.timedelta(days=13))
    return earliest, latest


@bp.route("/residents/<int:resident_id>/sessions", methods=["GET", "POST"])
def sessions(resident_id: int):
    """巡回 (hall session) seats: planned sessions at nearby halls with room left; book one."""
    person = _resident_or_404(resident_id)
    store = get_store()
    services = tuple(request.values.getlist("services"))
    error = None
    if request.method == "POST":
        try:
            seat = book_seat(store, resident_id, parse_int(request.form.get("session", ""), "session"),
                             parse_day(request.form.get("day", ""), field="day"), services=services,
                             today=clock.today())
        except (SeatError, InputError, ValueError) as exc:
            error = message(exc) if isinstance(exc, InputError) else str(exc)
        else:
            audit.record("change", "resident", [resident_id])
            return redirect(url_for("booking.seat_readback", booking_id=seat.id))
    earliest, latest = _dates()
    slots = nearby_sessions(store, road_network(), person, earliest=earliest, latest=latest, services=services)
    audit.record("view", "resident", [resident_id])
    return render_template("booking/sessions.html", person=person, slots=slots, error=error,
                           services=store.services.all(), chosen=services, earliest=earliest, latest=latest
                           ), (400 if error else 200)


@bp.route("/seats/<int:booking_id>/cancel", methods=["POST"], endpoint="cancel_seat")
def cancel_seat_(booking_id: int):
    """取り消す (cancel) a hall-session seat with the reason: it stops counting, stays on the resident's page."""
    store = get_store()
    try:
        seat = store.session_bookings.get(booking_id)
    except InputError:
        abort(404)
    reason = request.form.get("reason", "")
    refused = _("理由を入力してください") if not reason.strip() else None
    if refused is None:
        try:
            cancel_seat(store, booking_id, reason=reason, user=current_user.login)
        except SeatAlreadyCancelled:
            refused = _("この予約はすでに取り消されています")
    if refused is not None:
        flash(_("取り消せません") + f": {refused}", "error")
        return redirect(url_for("booking.resident", resident_id=seat.resident_id))
    audit.record("change", "resident", [seat.resident_id])
    flash(_("巡回の予約を取り消しました"))
    return redirect(url_for("booking.resident", resident_id=seat.resident_id))


@bp.route("/seats/<int:booking_id>/readback")
def seat_readback(booking_id: int):
    """読み上げ文 of a hall-session seat."""
    store = get_store()
    seat = store.session_bookings.get(booking_id)
    audit.record("view", "resident", [seat.resident_id])
    return render_template("booking/readback.html", person=store.residents.get(seat.resident_id), req=None,
                           seat=seat, text=read_back_seat(store, seat))

"""A dispatcher moves a request: ``POST /api/requests/<id>/move`` (`scheduler.planning.moves`).

Body ``{"vehicle": 2, "day": "2026-12-01"}``: the move is stored as a derived
draft version (validated) and the answer gives its version, the request's new
times and the residents on the two changed routes whose start now leaves
their told window by more than the margin (``ODEKAKE_CALL_MARGIN_MINUTES``).
With ``"preview": true`` it answers the same without saving (what the form
shows before the dispatcher saves). A move
that cannot be made answers 409 with ``codes`` (`scheduler.planning.moves.MOVE_CODES`)
and a ``message`` in the user's language; nothing is saved.
"""

from __future__ import annotations

from flask import current_app, jsonify
from flask_babel import gettext
from flask_login import current_user

from routing.errors import InputError
from scheduler.domain import hhmm
from scheduler.planning.moves import move_request
from webapp import audit, clock
from webapp.api.blueprint import bp, json_body
from webapp.args import check_int, parse_day
from webapp.db import get_store, road_network
from webapp.i18n import N_

__all__ = ["MOVE_WORDS"]

#: Staff words of each refusal code of a move.
MOVE_WORDS = {
    "no_shift": N_("その日にその車両の運行はありません"),
    "not_in_week": N_("その週の計画にこの依頼がありません"),
    "locked": N_("鍵がかかった依頼は動かせません（鍵を外してから移動してください）"),
    "already_reported": N_("乗務員がすでに報告した停車は動かせません"),
    "day_begun": N_("始まった日の運行は動かせません（当日の再計画を使ってください）"),
    "outside_windows": N_("その日は依頼の希望日・約束の日ではありません"),
    "vehicle_cannot": N_("その車両では対応できません（装備・定員）"),
    "no_time": N_("その運行に入る時間がありません"),
    "invalid": N_("計画の検証に通りませんでした"),
}


@bp.route("/requests/<int:request_id>/move", methods=["POST"], endpoint="move_request")
def move(request_id: int):
    """Move a request to another vehicle or day: a preview, or with ``save`` a draft version; 409 with codes."""
    data = json_body()
    vehicle = check_int(data.get("vehicle"), "vehicle")
    day = parse_day(str(data.get("day")), field="day")
    preview = data.get("preview", False)
    if not isinstance(preview, bool):
        raise InputError.of("preview", "true or false")
    save = not preview
    store = get_store()
    store.requests.get(request_id)  # 404 when unknown
    margin = int(current_app.config["ODEKAKE_CALL_MARGIN_MINUTES"]) * 60
    result = move_request(store, road_network(), request_id, vehicle, day, user=current_user.login,
                          now=clock.now(), save=save, margin_s=margin)
    if not result.ok:
        words = "; ".join(gettext(MOVE_WORDS.get(c, c)) for c in result.codes)
        return jsonify(error=f"move: {', '.join(result.codes)}" + (f" ({result.detail})" if result.detail else ""),
                       codes=result.codes, message=words), 409
    if save:
        audit.record("change", "request", [request_id])
    return jsonify(
        request_id=request_id, vehicle=vehicle, day=day.isoformat(), saved=save,
        version=result.plan.version if save else None,
        times=[{"kind": kind, "start_s": s, "start": hhmm(s)} for kind, s in result.times],
        breaks=[{"request_id": rid, "told": f"{hhmm(lo)}–{hhmm(hi)}", "new_start": hhmm(start),
                 "day": when.isoformat()} for rid, lo, hi, start, when in result.breaks])

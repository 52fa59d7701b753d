"""The read-back text an operator says on the phone once a booking is confirmed (Japanese)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from scheduler.domain import (
    DAY_S,
    ErrandDetails,
    PlanStop,
    Request,
    RequestKind,
    RideDetails,
    TimeWindow,
    VisitDetails,
    city_id,
    hhmm,
    week_monday,
)

if TYPE_CHECKING:
    from scheduler.store import Store

__all__ = ["PREPARE", "read_back", "read_back_seat", "tellable_window", "told_from_stops", "waited_stop"]

#: A window told from a plan starts on the half hour.
_TELL_GRID_S = 1800
#: How long a window told from a plan is, per kind (as the promise windows of phone booking).
_TELL_LENGTH_S = {RequestKind.VISIT: 3600, RequestKind.ERRAND: 7200, RequestKind.RIDE: 1800,
                  RequestKind.SESSION: 3600}

#: What to have ready per service (said on the phone).
PREPARE = {
    "seal_certificate": "ご本人の印鑑（実印）と印鑑登録証（カード）",
    "residence_certificate": "本人確認書類（運転免許証・保険証など）",
    "tax_certificate": "本人確認書類",
    "mynumber_application": "本人確認書類（運転免許証・保険証など）と通知カード・申請書",
    "insurance_link": "マイナンバーカードと暗証番号（4桁）",
    "consultation": "ご相談の書類",
}
_WEEKDAYS_JA = "月火水木金土日"


def _when(req: Request) -> str:
    p = req.promised
    return (f"{p.day.month}月{p.day.day}日（{_WEEKDAYS_JA[p.day.weekday()]}）"
            f"{hhmm(p.start_s)}から{hhmm(p.end_s)}の間")


def tellable_window(store: Store, req: Request) -> TimeWindow | None:
    """Return the window a resident can be told for a planned request: its promise, else from the published plan.

    A request planned without a phone booking has no promise; once its week's
    plan is published, the window to tell is the planned start rounded down
    to the half hour, as long as a booked window of its kind (a visit: 60
    minutes; a ride's pick-up: 30). None when no published plan serves it.
    """
    if req.promised is not None:
        return req.promised
    weeks = {week_monday(w.day) for w in req.windows} or {p.week_start for p in store.plans.versions()}
    for week in sorted(weeks):
        plan = store.plans.published(week)
        told = told_from_stops(req, [s for s in plan.stops if s.request_id == req.id] if plan is not None else [])
        if told is not None:
            return told
    return None


def waited_stop(req: Request, stops: Sequence[PlanStop]) -> PlanStop | None:
    """Return the stop of `req` its resident waits for: a ride's pick-up, an errand's delivery, else the first."""
    ordered = sorted(stops, key=lambda s: (s.day, s.start_s))
    waits_for = {RequestKind.RIDE: "pickup", RequestKind.ERRAND: "delivery"}.get(req.kind)
    found = next((s for s in ordered if s.step_type == waits_for), None) if waits_for else None
    return found or (ordered[0] if ordered else None)


def told_from_stops(req: Request, stops: Sequence[PlanStop]) -> TimeWindow | None:
    """Return the window to tell from a published plan's stops of `req` (its promise when it has one).

    The stop the resident waits for: a ride's pick-up, an errand's delivery,
    else the first; its planned start rounded down to the half hour, as long as
    a booked window of the request's kind.
    """
    if req.promised is not None:
        return req.promised
    first = waited_stop(req, stops)
    if first is None:
        return None
    start = (first.start_s % DAY_S) // _TELL_GRID_S * _TELL_GRID_S
    return TimeWindow(first.day, start, min(DAY_S, start + _TELL_LENGTH_S[req.kind]))


def read_back(store: Store, req: Request, *, office_phone: str = "") -> str:
    """Return what to say back to the resident: day, window, what to prepare, the amount to pay, the number.

    Parameters
    ----------
    store
        Where services and sites are looked up.
    req
        A request with a promised window.
    office_phone
        The office's number the resident calls back (said at the end when given).
    """
    resident = store.residents.get(req.resident_id)
    lines = [f"{resident.name}様、ご予約を承りました。"]
    d = req.details
    if req.kind == RequestKind.VISIT and isinstance(d, VisitDetails):
        names = {s.code: s.name_ja for s in store.services.all()}
        lines.append(f"{_when(req)}に、職員がご自宅へ伺います。")
        lines.append("ご用件：" + "、".join(names.get(c, c) for c in d.services) + "。")
        ready = [PREPARE[c] for c in d.services if c in PREPARE]
        if ready:
            lines.append("ご用意いただくもの：" + "、".join(dict.fromkeys(ready)) + "。")
    elif req.kind == RequestKind.ERRAND and isinstance(d, ErrandDetails):
        shops = "、".join(store.sites.get(p.site_id).name for p in d.pickups)
        lines.append(f"{_when(req)}に、{shops}のお品物をご自宅へお届けします。")
        if d.order:
            lines.append(f"お品物：{d.order}。")
        if d.amount_to_collect_yen:
            lines.append(f"お届けの際に代金{d.amount_to_collect_yen:,}円をお支払いください。")
    elif req.kind == RequestKind.RIDE and isinstance(d, RideDetails):
        src = "ご自宅" if d.from_site_id is None else store.sites.get(d.from_site_id).name
        dst = "ご自宅" if d.to_site_id is None else store.sites.get(d.to_site_id).name
        lines.append(f"{_when(req)}に、{src}へお迎えに伺い、{dst}までお送りします。")
        if d.wheelchair:
            lines.append("車椅子のまま乗れる車で伺います。")
    lines.append(f"受付番号は{city_id(req)}です。")
    call = f"{office_phone}まで" if office_phone else ""
    lines.append(f"時間が変わる場合や、ご都合が悪くなった場合は{call}お電話ください。")
    return "\n".join(lines)


def read_back_seat(store: Store, booking) -> str:
    """Return what to say back for a hall-session seat: day, hall, from when (the planned start), what to bring.

    A cancelled seat reads back as cancelled (day, hall), nothing to bring.
    """
    from scheduler.booking.sessions import seat_start_s

    start_s = seat_start_s(store, booking)
    at = f"{hhmm(start_s)}から" if start_s is not None else ""
    resident = store.residents.get(booking.resident_id)
    session = store.requests.get(booking.session_request_id)
    hall = store.sites.get(session.details.site_id).name
    day = booking.day
    if booking.cancelled_at is not None:
        return "\n".join([(f"{resident.name}様、{day.month}月{day.day}日（{_WEEKDAYS_JA[day.weekday()]}）{at}、"
                           f"{hall}の巡回窓口のご予約は取り消しました。"),
                          "またのご利用をお待ちしております。"])
    lines = [f"{resident.name}様、ご予約を承りました。",
             (f"{day.month}月{day.day}日（{_WEEKDAYS_JA[day.weekday()]}）{at}、"
              f"{hall}の巡回窓口でお待ちしております。")]
    if booking.services:
        names = {s.code: s.name_ja for s in store.services.all()}
        lines.append("ご用件：" + "、".join(names.get(c, c) for c in booking.services) + "。")
        ready = [PREPARE[c] for c in booking.services if c in PREPARE]
        if ready:
            lines.append("ご用意いただくもの：" + "、".join(dict.fromkeys(ready)) + "。")
    lines.append("ご都合が悪くなった場合はお電話ください。")
    return "\n".join(lines)

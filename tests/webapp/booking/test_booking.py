"""The operator's phone booking: search however typed, registering (off the road refused), the whole call, the API."""

from __future__ import annotations

import re
import unicodedata

import pytest

from scheduler.booking import fold_reading, suggest_reading
from scheduler.booking.residents import stored_reading
from scheduler.domain import city_id
from tests.webapp.conftest import WEEK, csrf_token, login

#: A week no other test uses: nothing planned there, so any slot of a service day fits.
FREE_DAY = "2027-01-12"
VISIT = {"kind": "visit", "services": ["seal_certificate"], "earliest": FREE_DAY, "latest": FREE_DAY}


@pytest.fixture
def operator(client):
    """The test client logged in as the operator."""
    assert login(client, "operator").status_code == 302
    return client


def _post_json(client, url, body, method="POST"):
    return client.open(url, method=method, json=body, headers={"X-CSRFToken": csrf_token(client)})


def _half_width(kana: str) -> str:
    """Katakana as an old keyboard types it: half-width (ﾋﾙﾀ ﾌﾐｺ)."""
    import jaconv

    return jaconv.z2h(kana, kana=True, ascii=False, digit=False)


def test_search_finds_a_resident_however_the_operator_types(operator, store):
    """Kana in hiragana, katakana or half-width, with or without spaces; the phone in any format; the address."""
    person = store.residents.get(1)
    kata = person.kana  # stored as katakana with a space, e.g. ヒルタ フミコ
    hira = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in kata)
    digits = re.sub(r"\D", "", person.phone)
    wide = unicodedata.normalize("NFKC", person.phone).translate(
        {ord(str(d)): chr(0xFF10 + d) for d in range(10)}).replace("-", "ー")
    queries = [kata, hira.replace(" ", ""), _half_width(kata), hira.replace(" ", "　"), digits, person.phone,
               wide, f"({digits[:4]}) {digits[4:6]} {digits[6:]}", digits[-4:], person.address[-8:],
               person.name.split()[0]]
    for q in queries:
        found = operator.get("/api/residents", query_string={"q": q}).json["residents"]
        assert person.id in [r["id"] for r in found], q
    page = operator.get("/booking/", query_string={"q": _half_width(kata)})
    assert page.status_code == 200 and person.name in page.text


def test_a_reading_is_suggested_and_any_kana_folds_to_hiragana():
    """pykakasi suggests a reading of a kanji name; ﾔﾏﾀﾞ ﾊﾅｺ, ヤマダ　ハナコ and やまだはなこ fold alike."""
    assert suggest_reading("山田花子") == "やまだはなこ"
    assert stored_reading("やまだ　はなこ") == stored_reading("ﾔﾏﾀﾞ ﾊﾅｺ") == "ヤマダ ハナコ"
    assert fold_reading("ﾔﾏﾀﾞ ﾊﾅｺ") == fold_reading("ヤマダ　ハナコ") == "やまだはなこ"


def test_a_home_off_the_road_graph_is_refused_with_the_distance(operator, store):
    """A point far from every road: the API answers 400 naming the position and the distance; nothing is stored."""
    before = len(store.residents.all())
    site = store.sites.all()[0]
    far = {"name": "遠野 一郎", "lat": site.lat + 0.2, "lon": site.lon + 0.2}
    answer = _post_json(operator, "/api/residents", far)
    assert answer.status_code == 400
    assert answer.json["error"].startswith("position: the point is ")
    assert "m from the nearest road" in answer.json["error"]
    assert answer.json["field"] == "position"
    assert re.fullmatch(r"位置: その地点は最寄りの道路から\d+ m離れています（上限\d+ m）。自宅を道路上か道路のそばに置いてください",
                        answer.json["message"]), answer.json["message"]
    page = operator.post("/booking/residents/new", data={**far, "csrf_token": csrf_token(operator)})
    assert page.status_code == 400 and "最寄りの道路から" in page.text and "nearest road" not in page.text
    operator.get("/lang/en")
    assert _post_json(operator, "/api/residents", far).json["message"].startswith("Position: the point is ")
    page = operator.post("/booking/residents/new", data={**far, "csrf_token": csrf_token(operator)})
    assert page.status_code == 400 and "m from the nearest road" in page.text
    assert len(store.residents.all()) == before


def test_an_empty_name_is_refused_in_the_screens_language(operator, store):
    """The register form without a name says 氏名: 入力してください on a Japanese screen, Name: must not be empty in English."""
    site = store.sites.all()[0]
    form = {"name": " ", "site": str(site.id), "csrf_token": csrf_token(operator)}
    page = operator.post("/booking/residents/new", data=form)
    assert page.status_code == 400
    shown = re.search(r'<span class="field-error" id="name-error">([^<]*)</span>', page.text)[1]
    assert shown == "氏名: 入力してください"
    operator.get("/lang/en")
    page = operator.post("/booking/residents/new", data={**form, "csrf_token": csrf_token(operator)})
    assert re.search(r'<span class="field-error" id="name-error">([^<]*)</span>', page.text)[1] == \
        "Name: must not be empty"


def test_a_bad_draft_is_answered_with_a_message_in_the_sessions_language(operator):
    """The API keeps the English ``error`` and adds ``field`` and ``message`` in the session's language."""
    answer = _post_json(operator, "/api/offers", {**VISIT, "resident": 1, "services": ["nope"]})
    assert answer.status_code == 400
    assert answer.json["error"].startswith("draft: services[0]: unknown service 'nope'; known: ")
    assert answer.json["field"] == "services[0]"
    assert answer.json["message"].startswith("用件: 'nope' という用件はありません。あるのは ")
    operator.get("/lang/en")
    english = _post_json(operator, "/api/offers", {**VISIT, "resident": 1, "services": ["nope"]}).json
    assert english["message"].startswith("Services: unknown service 'nope'; known: ")


def test_register_at_a_landmark_suggests_the_reading(operator, store):
    """A resident placed at a landmark is stored there, with the kana reading suggested from the name."""
    site = store.sites.all()[0]
    form = {"name": "山田 花子", "phone": "0246-00-1234", "site": str(site.id), "notes": "耳が遠い",
            "contact_name": "山田 一郎（長男）", "csrf_token": csrf_token(operator)}
    answer = operator.post("/booking/residents/new", data=form)
    assert answer.status_code == 302
    person = store.residents.find("0246001234")[0]
    assert (person.kana, person.lat, person.lon, person.contact_name) == ("ヤマダ ハナコ", site.lat, site.lon,
                                                                          "山田 一郎（長男）")


def test_the_whole_call_find_request_offers_confirm_read_back(operator, store):
    """Visit form -> offers page -> confirm -> the read-back names the day, the window and the seal to bring."""
    form = {"services": "seal_certificate", "earliest": FREE_DAY, "latest": FREE_DAY, "when": "mornings",
            "csrf_token": csrf_token(operator)}
    offers = operator.post("/booking/residents/1/requests/visit", data=form)
    assert offers.status_code == 200 and "候補日時" in offers.text
    draft = re.search(r'name="draft" value="([^"]+)"', offers.text).group(1)
    choice = re.search(r'name="offer" value="([^"]+)"', offers.text).group(1)
    assert choice.startswith(FREE_DAY)
    import html

    confirmed = operator.post("/booking/confirm", data={"draft": html.unescape(draft), "offer": choice,
                                                         "csrf_token": csrf_token(operator)})
    assert confirmed.status_code == 302
    readback = operator.get(confirmed.location)
    assert "1月12日（火）" in readback.text and "印鑑" in readback.text
    req = store.requests.get(int(confirmed.location.split("/")[-2]))
    assert req.status.value == "booked" and req.promised.day.isoformat() == FREE_DAY


def test_why_no_offer_fits_is_said_in_japanese_only(operator):
    """A Sunday (no service day): the offers page says why in Japanese, without the reason's English half."""
    from scheduler.booking import NO_OFFER_CODES

    sunday = "2027-01-17"
    form = {"services": "seal_certificate", "earliest": sunday, "latest": sunday, "csrf_token": csrf_token(operator)}
    page = operator.post("/booking/residents/1/requests/visit", data=form)
    assert "希望の日時では予約できません: 希望の日に運行日がありません" in page.text
    assert not [both for both in NO_OFFER_CODES.values() if both.split(" / ", 1)[1] in page.text]


def test_a_wrong_field_is_shown_beside_it(operator):
    """A visit with no service: the form comes back (400) with the message naming services."""
    form = {"earliest": FREE_DAY, "latest": FREE_DAY, "csrf_token": csrf_token(operator)}
    page = operator.post("/booking/residents/1/requests/visit", data=form)
    assert page.status_code == 400
    beside = re.search(r'name="services".*?field-error[^>]*>([^<]+)<', page.text, re.DOTALL)
    assert beside and beside.group(1) == "用件: 訪問には用件が1つ以上必要です"  # the screen's words, no English detail


def test_api_offer_book_cancel(operator, store):
    """POST /api/offers, POST /api/bookings (201, read-back), DELETE needs a reason, then cancels."""
    bad = _post_json(operator, "/api/offers", {**VISIT, "resident": 1, "services": ["nope"]})
    assert bad.status_code == 400 and bad.json["error"].startswith("draft: services[0]: unknown service")
    offers = _post_json(operator, "/api/offers", {**VISIT, "resident": 1}).json["offers"]
    assert offers and offers[0]["day"] == FREE_DAY
    booked = _post_json(operator, "/api/bookings", {"draft": {**VISIT, "resident": 1}, "offer": 1})
    assert booked.status_code == 201 and "印鑑" in booked.json["read_back"]
    rid = booked.json["request_id"]
    no_reason = _post_json(operator, f"/api/bookings/{rid}", {}, method="DELETE")
    assert no_reason.status_code == 400 and no_reason.json["error"].startswith("reason:")
    done = _post_json(operator, f"/api/bookings/{rid}", {"reason": "入院のため"}, method="DELETE")
    assert done.status_code == 200 and done.json["status"] == "cancelled"
    assert store.request_events.of_request(rid)[-1].note == "入院のため"


def test_cancel_form_refusals_are_in_staff_words(operator, store):
    """The 取り消す form: a blank reason and a request already cancelled are refused in the screen's words."""
    rid = _post_json(operator, "/api/bookings", {"draft": {**VISIT, "resident": 1}, "offer": 1}).json["request_id"]
    url = f"/booking/requests/{rid}/cancel"
    blank = operator.post(url, data={"reason": "  ", "csrf_token": csrf_token(operator)}, follow_redirects=True)
    assert "取り消せません: 理由を入力してください" in blank.text and "reason:" not in blank.text
    assert store.requests.get(rid).status.value == "booked"
    done = operator.post(url, data={"reason": "入院のため", "csrf_token": csrf_token(operator)}, follow_redirects=True)
    assert "取り消しました" in done.text and store.requests.get(rid).status.value == "cancelled"
    again = operator.post(url, data={"reason": "重複", "csrf_token": csrf_token(operator)}, follow_redirects=True)
    assert "取り消せません: この依頼は「取消」です" in again.text and "cannot change status" not in again.text
    assert '<p class="flash flash-error" role="alert">取り消せません' in again.text  # a refusal, not a done action
    assert '<p class="flash" role="status">取り消しました' in done.text
    assert store.request_events.of_request(rid)[-1].note == "入院のため"
    operator.get("/lang/en")
    english = operator.post(url, data={"reason": "x", "csrf_token": csrf_token(operator)}, follow_redirects=True)
    assert "Cannot cancel: this request is “" in english.text


def test_bearer_token_books_without_csrf(app, instance):
    """A script with a bearer token asks for offers with no cookie and no CSRF token."""
    from click.testing import CliRunner

    from webapp.cli import cli

    token = CliRunner().invoke(cli, ["--instance", str(instance), "user", "token", "operator"]).output.strip()
    answer = app.test_client().post("/api/offers", json={**VISIT, "resident": 1},
                                    headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json["offers"]


def test_hall_seats_nearby_with_room_and_booking_one(operator, store):
    """Sessions planned in the sample week are listed by driving time; a seat is booked once, not twice."""
    listed = operator.get(f"/api/residents/1/sessions?earliest={WEEK}").json["sessions"]
    assert listed and [s["drive_min"] for s in listed] == sorted(s["drive_min"] for s in listed)
    first = listed[0]
    body = {"resident": 1, "session": first["session_request_id"], "day": first["day"],
            "services": ["residence_certificate"]}
    seat = _post_json(operator, "/api/seats", body)
    assert seat.status_code == 201 and "巡回窓口" in seat.json["read_back"]
    again = _post_json(operator, "/api/seats", body)
    assert again.status_code == 400 and "already has a seat" in again.json["error"]
    page = operator.get("/booking/residents/1")
    assert first["site"] in page.text


@pytest.fixture
def seat(store):
    """Resident 1's seat in the first hall session planned in the sample week."""
    from scheduler.domain import SessionBooking

    stop = next(s for s in store.plans.get(WEEK).stops if s.step_type == "session")
    return store.session_bookings.add(SessionBooking(stop.request_id, 1, stop.day, ("residence_certificate",)))


def test_operator_cancels_a_seat_from_the_resident_page(operator, store, seat):
    """取り消す with the reason: flashed, then the page shows the seat cancelled (取消) with the reason, no form."""
    page = operator.get("/booking/residents/1")
    form = re.search(rf'<tr id="seat-{seat.id}".*?</tr>', page.text, re.DOTALL).group(0)
    assert f'action="/booking/seats/{seat.id}/cancel"' in form and 'name="reason" required' in form
    blank = operator.post(f"/booking/seats/{seat.id}/cancel", data={"reason": " ", "csrf_token": csrf_token(operator)},
                          follow_redirects=True)
    assert "取り消せません: 理由を入力してください" in blank.text and "reason:" not in blank.text
    assert not store.session_bookings.get(seat.id).cancelled
    done = operator.post(f"/booking/seats/{seat.id}/cancel",
                         data={"reason": "入院のため", "csrf_token": csrf_token(operator)})
    assert done.status_code == 302 and done.location == "/booking/residents/1"
    entry = store.audit_log.latest(limit=1)[0]  # ids only
    assert (entry.user, entry.action, entry.subject, entry.subject_ids) == ("operator", "change", "resident", (1,))
    page = operator.get(done.location)
    assert "巡回の予約を取り消しました" in page.text
    row = re.search(rf'<tr id="seat-{seat.id}".*?</tr>', page.text, re.DOTALL).group(0)
    assert "取消" in row and "入院のため" in row and "<form" not in row
    cancelled = store.session_bookings.get(seat.id)
    assert (cancelled.cancel_reason, cancelled.cancelled_by) == ("入院のため", "operator")
    readback = operator.get(f"/booking/seats/{seat.id}/readback")
    assert "取り消し済みです" in readback.text and "取り消しました" in readback.text
    again = operator.post(f"/booking/seats/{seat.id}/cancel",
                          data={"reason": "重複", "csrf_token": csrf_token(operator)}, follow_redirects=True)
    assert "取り消せません: この予約はすでに取り消されています" in again.text and "already" not in again.text
    assert store.session_bookings.get(seat.id).cancel_reason == "入院のため"


def test_seat_cancel_needs_the_csrf_token_and_an_office_role(app, operator, store, seat):
    """Without the token: refused; a driver: 403; an unknown seat: 404. The seat stays active."""
    assert operator.post(f"/booking/seats/{seat.id}/cancel", data={"reason": "x"}).status_code == 400
    assert operator.post("/booking/seats/999/cancel",
                         data={"reason": "x", "csrf_token": csrf_token(operator)}).status_code == 404
    driver = app.test_client()
    assert login(driver, "driver1").status_code == 302
    refused = driver.post(f"/booking/seats/{seat.id}/cancel", data={"reason": "x", "csrf_token": csrf_token(driver)})
    assert refused.status_code == 403
    assert not store.session_bookings.get(seat.id).cancelled


def test_api_cancels_a_seat_once_with_a_reason(operator, store, seat):
    """POST /api/seats/<id>/cancel: 400 naming reason, 200 with the seat, 409 the second time, 404 unknown."""
    url = f"/api/seats/{seat.id}/cancel"
    no_reason = _post_json(operator, url, {})
    assert no_reason.status_code == 400 and no_reason.json["error"].startswith("reason:")
    done = _post_json(operator, url, {"reason": "入院のため"})
    assert done.status_code == 200
    assert (done.json["id"], done.json["cancelled"], done.json["cancel_reason"], done.json["cancelled_by"]) == (
        seat.id, True, "入院のため", "operator")
    assert "取り消しました" in done.json["read_back"]
    again = _post_json(operator, url, {"reason": "again"})
    assert again.status_code == 409 and "already cancelled" in again.json["error"]
    assert _post_json(operator, "/api/seats/999/cancel", {"reason": "x"}).status_code == 404
    assert store.session_bookings.get(seat.id).cancel_reason == "入院のため"


def test_the_history_says_why_the_planner_changed_a_request_in_staff_words(operator, store):
    """A request the week's plan took in reads 「…の週 第1版の計画に入りました」 (English when chosen), not English notes."""
    planned = next(r for r in store.requests.all()
                   if r.resident_id is not None and any(e.cause == "plan" for e in store.request_events.of_request(r.id)))
    page = operator.get(f"/booking/residents/{planned.resident_id}")
    assert page.status_code == 200
    assert "11月30日(月)の週 第1版の計画に入りました" in page.text
    assert "plan 2026-11-30" not in page.text
    operator.get("/lang/en")
    english = operator.get(f"/booking/residents/{planned.resident_id}")
    assert "in the plan, week of Mon 30 Nov, v1" in english.text


def test_every_cause_the_store_accepts_has_staff_words():
    """The closed set of causes and the words the screens have for them are the same set."""
    from scheduler.domain import EVENT_CAUSES
    from webapp.i18n import CAUSE_WORDS

    assert set(CAUSE_WORDS) == set(EVENT_CAUSES)


def test_api_refuses_the_same_booking_twice_naming_the_first(operator, store):
    """The same offer confirmed twice: 201 then 409 naming the first booking; ``second_need: true`` books it."""
    body = {"draft": {**VISIT, "resident": 1}, "offer": {"day": FREE_DAY, "start": "10:00", "end": "11:00"}}
    first = _post_json(operator, "/api/bookings", body)
    assert first.status_code == 201
    again = _post_json(operator, "/api/bookings", body)
    assert again.status_code == 409 and again.json["code"] == "already_booked"
    assert again.json["existing"]["request_id"] == first.json["request_id"]
    wrong = _post_json(operator, "/api/bookings", {**body, "second_need": "yes"})
    assert wrong.status_code == 400 and wrong.json["error"].startswith("second_need:")
    second = _post_json(operator, "/api/bookings", {**body, "second_need": True})
    assert second.status_code == 201 and second.json["request_id"] != first.json["request_id"]


def test_the_confirm_form_shows_the_existing_booking_and_asks_for_a_second_need(operator, store):
    """予約を確定 twice on the screen: the second answer (409) names the first booking and offers 別の用件として予約する."""
    import html
    import json

    draft = {**VISIT, "resident": 1}
    form = {"draft": json.dumps(draft), "offer": f"{FREE_DAY}|10:00|11:00", "csrf_token": csrf_token(operator)}
    assert operator.post("/booking/confirm", data=form).status_code == 302
    again = operator.post("/booking/confirm", data=form)
    assert again.status_code == 409
    page = html.unescape(again.text)
    assert "この方は同じ時間帯にすでに予約があります" in page and "別の用件として予約する" in page
    assert f'name="offer" value="{FREE_DAY}|10:00|11:00">' in page  # the second-need form keeps the chosen slot
    second = operator.post("/booking/confirm", data={**form, "second_need": "1"})
    assert second.status_code == 302


@pytest.mark.parametrize(("body", "field"), [
    ({**VISIT, "resident": 1, "earliest": "0001-01-04", "latest": "0001-01-08"}, "draft: earliest:"),
    ({**VISIT, "resident": 1, "earliest": "2026-11-20", "latest": "2026-11-26"}, "draft: earliest:"),
    ({**VISIT, "resident": 1, "earliest": FREE_DAY, "latest": "2027-12-01"}, "draft: latest:"),
    ({"kind": "errand", "resident": 1, "shops": [{"site": 1}], "amount_yen": 10**30, "earliest": FREE_DAY},
     "amount_yen:"),
    ({**VISIT, "resident": 1, "notes": "a\u0000b"}, "draft: notes:"),
])
def test_api_offers_only_what_can_exist(operator, body, field):
    """Past days (the city's clock), beyond the horizon, absurd amounts, control characters: 400 naming the field."""
    answer = _post_json(operator, "/api/offers", body)
    assert answer.status_code == 400 and field in answer.json["error"], answer.json


def test_api_bookings_refuse_a_past_day_and_a_nul_in_a_name(operator, store):
    """A booking for a day already past is 400 naming offer.day; a resident named with a NUL byte is 400 naming name."""
    past = _post_json(operator, "/api/bookings", {"draft": {**VISIT, "resident": 1, "earliest": "2026-11-27"},
                                                   "offer": {"day": "2026-11-26", "start": "10:00", "end": "11:00"}})
    assert past.status_code == 400 and "offer.day" in past.json["error"]
    started = _post_json(operator, "/api/bookings", {"draft": {**VISIT, "resident": 1, "earliest": "2026-11-27"},
                                                      "offer": {"day": "2026-11-27", "start": "8:30", "end": "9:30"}})
    assert started.status_code == 400 and "offer.start" in started.json["error"]  # the clock says 9:00
    nul = _post_json(operator, "/api/residents", {"name": "山田\u0000太郎", "kana": "ヤマダ タロウ", "phone": "0246-00-0000",
                                                  "address": "x", "lat": 37.0, "lon": 140.9})
    assert nul.status_code == 400 and "name" in nul.json["error"] and "control character" in nul.json["error"]


def test_registering_the_same_person_twice_warns_before_saving(operator, store):
    """Same phone (written otherwise), or same reading and address: 409 naming the first; confirmed: registered."""
    site = store.sites.all()[0]
    first = {"name": "山田 花子", "kana": "やまだ はなこ", "phone": "0246-00-1234", "address": "山里 1-1",
             "site": site.id}
    assert _post_json(operator, "/api/residents", first).status_code == 201
    before = len(store.residents.all())
    again = _post_json(operator, "/api/residents", {**first, "name": "山田 華子", "phone": "0246 00 1234",
                                                   "address": "別の住所"})
    assert again.status_code == 409 and again.json["code"] == "likely_duplicate"
    same_home = _post_json(operator, "/api/residents", {**first, "kana": "ヤマダ ハナコ", "phone": ""})
    assert same_home.status_code == 409 and same_home.json["existing"]["id"] == again.json["existing"]["id"]
    assert len(store.residents.all()) == before
    form = {**first, "site": str(site.id), "csrf_token": csrf_token(operator)}
    page = operator.post("/booking/residents/new", data=form)
    assert page.status_code == 409 and "同じ電話番号、または同じ読みと住所の方がすでに登録されています" in page.text
    assert "別の人として登録する" in page.text and len(store.residents.all()) == before
    assert operator.post("/booking/residents/new", data={**form, "not_duplicate": "1"}).status_code == 302
    assert len(store.residents.all()) == before + 1


def test_a_phone_with_letters_is_refused(operator, store):
    """0246-AB-CDEF is not stored: 400 naming the phone."""
    site = store.sites.all()[0]
    answer = _post_json(operator, "/api/residents", {"name": "架空 次郎", "phone": "0246-AB-CDEF", "site": site.id})
    assert answer.status_code == 400 and answer.json["error"].startswith("phone:")


def test_a_planned_request_shows_the_time_to_tell_and_the_read_back_gives_the_numbers(app, operator, store):
    """A request planned without a phone booking: the resident page shows a half-hour window from the published
    plan; a read-back names the booking number and the office's number to call back."""
    from scheduler.booking.readback import tellable_window
    from scheduler.domain import DAY_S, RequestKind

    plan = store.plans.published(WEEK)
    stop = next(s for s in plan.stops if s.step_type == "visit" and store.requests.get(s.request_id).promised is None)
    req = store.requests.get(stop.request_id)
    window = tellable_window(store, req)
    start = (stop.start_s % DAY_S) // 1800 * 1800
    assert (window.day, window.start_s, window.end_s) == (stop.day, start, start + 3600)
    assert req.kind == RequestKind.VISIT
    page = operator.get(f"/booking/residents/{req.resident_id}").text
    assert "公開された計画から案内できる時間" in page
    app.config["ODEKAKE_OFFICE_PHONE"] = "0246-22-1111"
    booked = _post_json(operator, "/api/bookings", {"draft": {**VISIT, "resident": 1}, "offer": 1})
    text = booked.json["read_back"]
    assert f"受付番号は{city_id(store.requests.get(booked.json['request_id']))}です。" in text
    assert "0246-22-1111までお電話ください" in text
